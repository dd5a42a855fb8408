// src/circuit_breaker.cpp -- mcp::CircuitBreaker (first, simple version: one mutex).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/circuit_breaker.hpp>

#include <mutex>
#include <utility>

#include <fmt/format.h>

namespace mcp {

std::string_view to_string(BreakerState state) noexcept {
  switch (state) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::open:
      return "open";
    case BreakerState::half_open:
      return "half_open";
    case BreakerState::forced_open:
      return "forced_open";
    case BreakerState::disabled:
      return "disabled";
  }
  return "unknown";
}

CallOutcome default_classify(const CallReport& report) noexcept {
  if (report.cancelled) return CallOutcome::ignored;
  if (report.exception || report.timed_out) return CallOutcome::failure;
  return CallOutcome::success;
}

CircuitOpenError::CircuitOpenError(std::string breaker, std::chrono::nanoseconds retry_after)
    : std::runtime_error(
          fmt::format("circuit breaker '{}' is open; retry after {} ms", breaker,
                      std::chrono::duration_cast<std::chrono::milliseconds>(retry_after).count())),
      breaker_(std::move(breaker)),
      retry_after_(retry_after) {}

struct CircuitBreaker::State {
  std::string name;
  CircuitBreakerOptions options;
  BreakerClock clock;
  mutable std::mutex mutex;
  BreakerState state = BreakerState::closed;
  std::uint64_t generation = 0;
  std::uint32_t consecutive_failures = 0;
  std::uint32_t probes = 0;
  std::uint32_t probe_successes = 0;
  std::chrono::steady_clock::time_point opened_at{};
  std::chrono::nanoseconds open_for{0};
  std::uint64_t calls = 0, successes = 0, failures = 0, rejections = 0, ignored = 0;
  std::function<void(const BreakerTransition&)> callback;

  std::chrono::steady_clock::time_point now() const {
    return clock ? clock() : std::chrono::steady_clock::now();
  }
};

CircuitBreaker::CircuitBreaker(std::string name, CircuitBreakerOptions options, BreakerClock clock)
    : state_(std::make_unique<State>()) {
  state_->name = std::move(name);
  state_->options = std::move(options);
  state_->clock = std::move(clock);
}

CircuitBreaker::~CircuitBreaker() = default;

namespace {
void notify(const std::function<void(const BreakerTransition&)>& cb, BreakerState from,
            BreakerState to, std::string reason) {
  if (cb && from != to) cb(BreakerTransition{from, to, std::move(reason)});
}
}  // namespace

Admission CircuitBreaker::try_acquire() noexcept {
  auto& s = *state_;
  Admission a;
  std::function<void(const BreakerTransition&)> cb;
  bool moved = false;
  {
    std::lock_guard lock(s.mutex);
    a.generation = s.generation;
    switch (s.state) {
      case BreakerState::closed:
      case BreakerState::disabled:
        a.admitted = true;
        break;
      case BreakerState::forced_open:
        break;
      case BreakerState::open: {
        const auto now = s.now();
        if (now - s.opened_at >= s.open_for) {
          s.state = BreakerState::half_open;
          ++s.generation;
          s.probes = 0;
          s.probe_successes = 0;
          moved = true;
          cb = s.callback;
        } else {
          a.retry_after = s.open_for - (now - s.opened_at);
          break;
        }
        [[fallthrough]];
      }
      case BreakerState::half_open:
        a.generation = s.generation;
        if (s.probes < s.options.half_open_max_calls) {
          ++s.probes;
          a.admitted = true;
          a.probe = true;
        }
        break;
    }
    if (a.admitted) {
      if (s.state != BreakerState::disabled) ++s.calls;
    } else {
      ++s.rejections;
    }
  }
  try {
    if (moved) notify(cb, BreakerState::open, BreakerState::half_open, "recovery timeout elapsed");
  } catch (...) {
  }
  return a;
}

void CircuitBreaker::record(const Admission& admission, CallOutcome outcome) noexcept {
  auto& s = *state_;
  if (!admission.admitted) return;
  std::function<void(const BreakerTransition&)> cb;
  BreakerState from{}, to{};
  std::string reason;
  {
    std::lock_guard lock(s.mutex);
    if (s.state == BreakerState::disabled) return;
    if (admission.generation != s.generation || outcome == CallOutcome::ignored) {
      ++s.ignored;
      if (admission.probe && admission.generation == s.generation && s.probes > 0) --s.probes;
      return;
    }
    if (outcome == CallOutcome::success) {
      ++s.successes;
      s.consecutive_failures = 0;
      if (s.state == BreakerState::half_open) {
        --s.probes;
        if (++s.probe_successes >= s.options.success_threshold) {
          from = s.state;
          to = s.state = BreakerState::closed;
          ++s.generation;
          s.open_for = std::chrono::nanoseconds{0};
          reason = fmt::format("{} consecutive probe successes", s.probe_successes);
        }
      }
    } else {
      ++s.failures;
      ++s.consecutive_failures;
      const bool trip = s.state == BreakerState::half_open ||
                        (s.options.failure_threshold != 0 &&
                         s.consecutive_failures >= s.options.failure_threshold);
      if (trip) {
        from = s.state;
        reason = s.state == BreakerState::half_open
                     ? std::string("probe failed")
                     : fmt::format("{} consecutive failures", s.consecutive_failures);
        to = s.state = BreakerState::open;
        ++s.generation;
        s.opened_at = s.now();
        s.open_for = s.open_for.count() == 0
                         ? std::chrono::nanoseconds(s.options.recovery_timeout)
                         : std::min<std::chrono::nanoseconds>(
                               std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   s.open_for * s.options.backoff_multiplier),
                               s.options.max_recovery_timeout);
        s.consecutive_failures = 0;
      }
    }
    if (from != to) cb = s.callback;
  }
  try {
    notify(cb, from, to, std::move(reason));
  } catch (...) {
  }
}

CallOutcome CircuitBreaker::classify(const CallReport& report) const {
  return state_->options.classifier ? state_->options.classifier(report) : default_classify(report);
}

void CircuitBreaker::force_open() {
  auto& s = *state_;
  BreakerState from;
  std::function<void(const BreakerTransition&)> cb;
  {
    std::lock_guard lock(s.mutex);
    from = s.state;
    s.state = BreakerState::forced_open;
    ++s.generation;
    cb = s.callback;
  }
  notify(cb, from, BreakerState::forced_open, "force_open()");
}

void CircuitBreaker::disable() {
  auto& s = *state_;
  BreakerState from;
  std::function<void(const BreakerTransition&)> cb;
  {
    std::lock_guard lock(s.mutex);
    from = s.state;
    s.state = BreakerState::disabled;
    ++s.generation;
    cb = s.callback;
  }
  notify(cb, from, BreakerState::disabled, "disable()");
}

void CircuitBreaker::reset() {
  auto& s = *state_;
  BreakerState from;
  std::function<void(const BreakerTransition&)> cb;
  {
    std::lock_guard lock(s.mutex);
    from = s.state;
    s.state = BreakerState::closed;
    ++s.generation;
    s.consecutive_failures = 0;
    s.probes = s.probe_successes = 0;
    s.open_for = std::chrono::nanoseconds{0};
    cb = s.callback;
  }
  notify(cb, from, BreakerState::closed, "reset()");
}

BreakerState CircuitBreaker::state() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->state;
}

BreakerInfo CircuitBreaker::info() const {
  auto& s = *state_;
  std::lock_guard lock(s.mutex);
  BreakerInfo i;
  i.name = s.name;
  i.state = s.state;
  i.consecutive_failures = s.consecutive_failures;
  i.failure_threshold = s.options.failure_threshold;
  i.failure_rate_threshold = s.options.failure_rate_threshold;
  i.opened_at = s.opened_at;
  if (s.state == BreakerState::open) {
    const auto left = s.open_for - (s.now() - s.opened_at);
    i.retry_after = left.count() > 0 ? left : std::chrono::nanoseconds{0};
  }
  i.total_calls = s.calls;
  i.total_successes = s.successes;
  i.total_failures = s.failures;
  i.total_rejections = s.rejections;
  i.total_ignored = s.ignored;
  return i;
}

const std::string& CircuitBreaker::name() const noexcept { return state_->name; }
const CircuitBreakerOptions& CircuitBreaker::options() const noexcept { return state_->options; }

void CircuitBreaker::on_state_change(std::function<void(const BreakerTransition&)> callback) {
  std::lock_guard lock(state_->mutex);
  state_->callback = std::move(callback);
}

}  // namespace mcp
