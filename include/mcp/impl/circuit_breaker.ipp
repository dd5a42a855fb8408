// mcp/impl/circuit_breaker.ipp -- mcp::CircuitBreaker: slow paths, transitions, the rate window.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// The closed-state fast path lives inline in the header: one packed atomic word holds
// the state, the consecutive failures and the generation, so admission and a success
// need one load of it. Everything else -- failures, probes, transitions, window
// rotation -- runs under Impl::mutex, and every write of word_ happens under it too,
// except the lock-free clearing of the consecutive-failure bits by a success (a CAS that
// fails harmlessly when a transition got there first).
#pragma once

#include <mcp/circuit_breaker.hpp>
#include <mcp/detail/config.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <deque>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <asio/error.hpp>
#include <fmt/format.h>

namespace mcp {

MCP_HTM_INLINE std::string_view to_string(BreakerState state) noexcept {
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

namespace detail::circuit_breaker_impl {
MCP_HTM_INLINE std::int64_t to_ms(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
}  // namespace detail::circuit_breaker_impl
using namespace detail::circuit_breaker_impl;

MCP_HTM_INLINE CircuitOpenError::CircuitOpenError(std::string breaker,
                                                  std::chrono::nanoseconds retry_after)
    : std::runtime_error(
          retry_after.count() > 0
              ? fmt::format("circuit breaker '{}' is open; retry after {} ms", breaker,
                            // Round up: "retry after 0 ms" would invite an immediate retry.
                            (retry_after.count() + 999'999) / 1'000'000)
              : fmt::format("circuit breaker '{}' is open", breaker)),
      breaker_(std::move(breaker)),
      retry_after_(retry_after) {}

namespace detail {
MCP_HTM_INLINE unsigned assign_breaker_stripe_hint() noexcept {
  static std::atomic<unsigned> next{0};
  const unsigned hint = next.fetch_add(1, std::memory_order_relaxed) & 0x7fff'ffffu;
  breaker_stripe_hint = hint;
  return hint;
}
}  // namespace detail

namespace detail::circuit_breaker_impl {
MCP_HTM_INLINE constexpr std::int64_t kNoBucket = std::numeric_limits<std::int64_t>::min();
MCP_HTM_INLINE constexpr std::uint64_t kGenerationMask = (std::uint64_t{1} << 40) - 1;

MCP_HTM_INLINE std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e37'79b9'7f4a'7c15u);
  z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9u;
  z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebu;
  return z ^ (z >> 31);
}

MCP_HTM_INLINE std::string percent(double rate) { return fmt::format("{:.4g}%", rate * 100.0); }

MCP_HTM_INLINE void check_options(const CircuitBreakerOptions& o) {
  auto fail = [](const char* what) {
    throw std::invalid_argument(std::string("CircuitBreakerOptions: ") + what);
  };
  if (o.window_buckets == 0) fail("window_buckets must be at least 1");
  if (o.window.count() < static_cast<std::int64_t>(o.window_buckets)) {
    fail("window must be at least 1 ms per bucket");
  }
  // 10 years keeps every clock time + duration far from overflowing int64 nanoseconds.
  constexpr std::chrono::milliseconds kLongest = std::chrono::hours(24 * 3653);
  for (const auto d :
       {o.window, o.recovery_timeout, o.max_recovery_timeout, o.half_open_max_wait}) {
    if (d.count() < 0 || d > kLongest) fail("durations must be within [0, 10 years]");
  }
  if (o.half_open_max_wait.count() == 0) fail("half_open_max_wait must be positive");
  if (o.half_open_max_calls == 0) fail("half_open_max_calls must be at least 1");
  if (o.success_threshold == 0) fail("success_threshold must be at least 1");
  if (!(o.jitter >= 0.0 && o.jitter <= 1.0)) fail("jitter must be within [0, 1]");
  if (!(o.backoff_multiplier >= 1.0)) fail("backoff_multiplier must be at least 1");
  if (!(o.failure_rate_threshold >= 0.0)) fail("failure_rate_threshold must be >= 0");
}
}  // namespace detail::circuit_breaker_impl
using namespace detail::circuit_breaker_impl;

// Everything a transition or a probe needs. A nested class, so it may use the breaker's
// private members through `self`.
struct CircuitBreaker::Impl {
  struct Bucket {
    std::int64_t index = kNoBucket;  ///< bucket number; kNoBucket: unused since the last reset
    std::uint64_t calls = 0;         ///< cumulative calls when the bucket began
    std::uint64_t failures = 0;      ///< cumulative failures when the bucket began
  };
  struct Counts {
    std::uint64_t calls = 0;
    std::uint64_t failures = 0;
  };
  struct Probe {
    std::uint64_t ticket;
    std::int64_t admitted_at;
  };
  using Callback = std::function<void(const BreakerTransition&)>;

  Impl(CircuitBreaker& breaker, std::string n, CircuitBreakerOptions o)
      : self(breaker), name(std::move(n)), options(std::move(o)) {}

  CircuitBreaker& self;
  const std::string name;
  const CircuitBreakerOptions options;
  std::int64_t bucket_ns = 1;
  std::int64_t epoch_ns = 0;  ///< clock time at which bucket 0 begins
  std::unique_ptr<Stripe[]> stripes;
  std::atomic<std::uint64_t> failures{0};  ///< lifetime failures; written under the mutex

  mutable std::mutex mutex;
  // Everything below is guarded by mutex.
  std::vector<Bucket> window;
  std::int64_t current_bucket = 0;
  Counts base;    ///< cumulative counts when the window was last emptied
  Counts frozen;  ///< the window when the breaker last left closed
  std::vector<Probe> probes;
  std::uint64_t next_ticket = 1;
  std::uint32_t probe_successes = 0;
  std::uint32_t reopens = 0;  ///< reopens since the last close: the backoff exponent
  std::int64_t opened_at = 0;
  bool ever_opened = false;
  std::uint64_t transitions = 0;  ///< state changes so far (guarded by mutex)
  std::uint64_t rng = 0;
  std::shared_ptr<const Callback> callback;
  std::deque<BreakerTransition> pending;
  bool delivering = false;

  std::uint64_t sum(std::atomic<std::uint64_t> Stripe::*counter) const noexcept {
    std::uint64_t total = 0;
    for (unsigned i = 0; i <= self.stripe_mask_; ++i) {
      total += (self.stripes_[i].*counter).load(std::memory_order_relaxed);
    }
    return total;
  }

  /// Lifetime successes + failures and failures: what the window buckets difference.
  Counts cumulative() const noexcept {
    // Failures first: a success racing with us can only make the window larger.
    const std::uint64_t f = failures.load(std::memory_order_relaxed);
    return Counts{sum(&Stripe::successes) + f, f};
  }

  std::int64_t bucket_of(std::int64_t now) const noexcept {
    return now <= epoch_ns ? 0 : (now - epoch_ns) / bucket_ns;
  }

  void publish_next_bucket() noexcept {
    self.next_bucket_at_.store(epoch_ns + (current_bucket + 1) * bucket_ns,
                               std::memory_order_relaxed);
  }

  /// Starts the buckets up to the one holding `now`. O(1) amortised: each bucket is
  /// started once, and a jump over more than the whole window writes each slot once.
  void advance_window_locked(std::int64_t now) noexcept {
    const std::int64_t bucket = bucket_of(now);
    if (bucket > current_bucket) {
      const Counts total = cumulative();
      const auto n = static_cast<std::int64_t>(window.size());
      for (std::int64_t k = std::max(current_bucket + 1, bucket - n + 1); k <= bucket; ++k) {
        window[static_cast<std::size_t>(k % n)] = Bucket{k, total.calls, total.failures};
      }
      current_bucket = bucket;
    }
    publish_next_bucket();
  }

  /// Empties the window: counting starts over from now.
  void reset_window_locked(std::int64_t now) noexcept {
    current_bucket = std::max(current_bucket, bucket_of(now));
    base = cumulative();
    std::fill(window.begin(), window.end(), Bucket{});
    const auto n = static_cast<std::int64_t>(window.size());
    window[static_cast<std::size_t>(current_bucket % n)] =
        Bucket{current_bucket, base.calls, base.failures};
    publish_next_bucket();
  }

  /// The window's counts: cumulative counts minus those when its oldest bucket began
  /// (or when the window was emptied, if that was later). Call after advance_window_locked.
  Counts window_counts_locked() const noexcept {
    const auto n = static_cast<std::int64_t>(window.size());
    const std::int64_t oldest = current_bucket - n + 1;
    Counts start = base;
    if (oldest >= 0) {
      const Bucket& b = window[static_cast<std::size_t>(oldest % n)];
      if (b.index == oldest) start = Counts{b.calls, b.failures};
    }
    const Counts now = cumulative();
    return Counts{now.calls > start.calls ? now.calls - start.calls : 0,
                  now.failures > start.failures ? now.failures - start.failures : 0};
  }

  /// The jittered, capped open duration for the current backoff exponent, in ns.
  std::int64_t open_duration() noexcept {
    const double base_ns =
        static_cast<double>(std::chrono::nanoseconds(options.recovery_timeout).count());
    const double cap_ns = std::max(
        base_ns,
        static_cast<double>(std::chrono::nanoseconds(options.max_recovery_timeout).count()));
    double d = std::min(cap_ns, base_ns * std::pow(options.backoff_multiplier, reopens));
    if (options.jitter > 0.0) {
      const double unit = static_cast<double>(splitmix64(rng) >> 11) * 0x1.0p-53;  // [0, 1)
      d = std::clamp(d * (1.0 + options.jitter * (2.0 * unit - 1.0)), 0.0, cap_ns);
    }
    return static_cast<std::int64_t>(d);
  }

  /// A transition: new generation, state `to`, no consecutive failures, no probes.
  /// Returns true when it queued a callback delivery (call deliver() after unlocking).
  bool transition_locked(BreakerState to, std::string reason, std::int64_t now) {
    const std::uint64_t old_word = self.word_.load(std::memory_order_relaxed);
    const auto from = static_cast<BreakerState>(old_word & kStateMask);
    const std::uint64_t generation = ((old_word >> kGenerationShift) + 1) & kGenerationMask;

    if (from == BreakerState::closed && to != BreakerState::closed && self.track_window_) {
      advance_window_locked(now);
      frozen = window_counts_locked();
    }
    if (to == BreakerState::open) {
      reopens = from == BreakerState::half_open ? reopens + 1 : 0;
      const std::int64_t duration = open_duration();
      opened_at = now;
      ever_opened = true;
      self.open_until_.store(now + duration, std::memory_order_relaxed);
      reason += fmt::format("; open for {} ms", to_ms(std::chrono::nanoseconds(duration)));
    }
    if (to == BreakerState::closed) {
      reopens = 0;
      if (self.track_window_) reset_window_locked(now);
    }
    probes.clear();
    probe_successes = 0;
    // Release: open_until_ and the window are visible to whoever sees the new word. An
    // exchange, not a store, because successes clear the failure bits with a CAS.
    self.word_.exchange((generation << kGenerationShift) | static_cast<std::uint64_t>(to),
                        std::memory_order_acq_rel);
    if (from != to) ++transitions;
    if (from == to || !callback) return false;
    pending.push_back(BreakerTransition{from, to, std::move(reason)});
    return true;
  }

  /// Delivers the queued transitions, one at a time, in order, without holding the lock.
  /// Whoever finds a delivery in progress leaves its transitions to that thread.
  void deliver() noexcept {
    std::unique_lock lock(mutex);
    if (delivering) return;
    delivering = true;
    while (!pending.empty()) {
      const BreakerTransition transition = std::move(pending.front());
      pending.pop_front();
      const std::shared_ptr<const Callback> target = callback;
      lock.unlock();
      if (target && *target) {
        try {
          (*target)(transition);
        } catch (...) {  // NOLINT(bugprone-empty-catch): documented: the callback must not throw
        }
      }
      lock.lock();
    }
    delivering = false;
  }

  /// Frees the slots of probes that have not reported within half_open_max_wait.
  void expire_probes_locked(std::int64_t now) noexcept {
    const std::int64_t max_wait = std::chrono::nanoseconds(options.half_open_max_wait).count();
    std::erase_if(probes, [&](const Probe& p) { return now - p.admitted_at >= max_wait; });
  }
};

MCP_HTM_INLINE CircuitBreaker::CircuitBreaker(std::string name, CircuitBreakerOptions options,
                                              BreakerClock clock)
    : clock_(std::move(clock)) {
  check_options(options);
  impl_ = std::make_unique<Impl>(*this, std::move(name), std::move(options));
  Impl& im = *impl_;
  const CircuitBreakerOptions& o = im.options;
  track_window_ = o.failure_rate_threshold <= 1.0;
  custom_classifier_ = static_cast<bool>(o.classifier);

  // One counter stripe per hardware thread (a power of two in 4..32); more threads share.
  const unsigned count = std::bit_ceil(std::clamp(std::thread::hardware_concurrency(), 4u, 32u));
  im.stripes = std::make_unique<Stripe[]>(count);
  stripes_ = im.stripes.get();
  stripe_mask_ = count - 1;

  const std::int64_t now = now_ns();
  im.bucket_ns = std::chrono::nanoseconds(o.window).count() / o.window_buckets;
  im.epoch_ns = now;
  im.window.resize(o.window_buckets);
  im.reset_window_locked(now);  // no other thread can see the breaker yet
  im.rng = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
           reinterpret_cast<std::uintptr_t>(this);
}

MCP_HTM_INLINE CircuitBreaker::~CircuitBreaker() = default;

MCP_HTM_INLINE const std::string& CircuitBreaker::name() const noexcept { return impl_->name; }
MCP_HTM_INLINE const CircuitBreakerOptions& CircuitBreaker::options() const noexcept {
  return impl_->options;
}

MCP_HTM_INLINE CallOutcome CircuitBreaker::classify_custom(const CallReport& report) const {
  return impl_->options.classifier(report);
}

MCP_HTM_INLINE CallOutcome
CircuitBreaker::classify_safely(const CallReport& report) const noexcept {
  try {
    return classify(report);
  } catch (...) {
    return CallOutcome::failure;
  }
}

MCP_HTM_INLINE CallReport CircuitBreaker::report_current_exception() noexcept {
  CallReport report;
  report.exception = std::current_exception();
  if (!report.exception) return report;
  try {
    std::rethrow_exception(report.exception);
  } catch (const std::system_error& e) {
    // Standalone Asio's errors are in its own category ("asio.system"), which maps no
    // value to a std::errc condition: compare with Asio's codes as well.
    const std::error_code& code = e.code();
    if (code == std::errc::operation_canceled || code == asio::error::operation_aborted) {
      report.cancelled = true;
    } else if (code == std::errc::timed_out || code == asio::error::timed_out) {
      report.timed_out = true;
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): any other exception is just an exception
  }
  return report;
}

MCP_HTM_INLINE void CircuitBreaker::clear_failures(std::uint64_t word) noexcept {
  // Only while generation and state are still those the success was admitted under: a
  // transition replaces the whole word, the CAS then fails and the loop stops.
  const std::uint64_t keep = word & ~kFailureMask;
  while ((word & ~kFailureMask) == keep && (word & kFailureMask) != 0) {
    if (word_.compare_exchange_weak(word, keep, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      return;
    }
  }
}

MCP_HTM_INLINE void CircuitBreaker::advance_window(std::int64_t now) noexcept {
  std::lock_guard lock(impl_->mutex);
  impl_->advance_window_locked(now);
}

MCP_HTM_INLINE Admission CircuitBreaker::acquire_slow() noexcept {
  Impl& im = *impl_;
  Admission admission;
  std::uint64_t word = word_.load(std::memory_order_acquire);
  auto state = static_cast<BreakerState>(word & kStateMask);
  admission.generation = word >> kGenerationShift;
  admission.state = state;

  // Lock-free verdicts: disabled, forced open, and open before the timeout.
  if (state == BreakerState::disabled) {
    admission.admitted = true;
    return admission;
  }
  if (state == BreakerState::forced_open) {
    stripe().rejections.fetch_add(1, std::memory_order_relaxed);
    return admission;
  }
  std::int64_t now = now_ns();
  if (state == BreakerState::open) {
    const std::int64_t until = open_until_.load(std::memory_order_relaxed);
    if (now < until) {
      stripe().rejections.fetch_add(1, std::memory_order_relaxed);
      admission.retry_after = std::chrono::nanoseconds(until - now);
      return admission;
    }
  }

  bool notify = false;
  {
    std::lock_guard lock(im.mutex);
    word = word_.load(std::memory_order_relaxed);  // transitions happen under the lock
    state = static_cast<BreakerState>(word & kStateMask);
    if (state == BreakerState::open) {
      const std::int64_t until = open_until_.load(std::memory_order_relaxed);
      if (now >= until) {
        notify =
            im.transition_locked(BreakerState::half_open,
                                 fmt::format("recovery timeout elapsed after {} ms",
                                             to_ms(std::chrono::nanoseconds(now - im.opened_at))),
                                 now);
        word = word_.load(std::memory_order_relaxed);
        state = BreakerState::half_open;
      } else {
        admission.retry_after = std::chrono::nanoseconds(until - now);
      }
    }
    admission.generation = word >> kGenerationShift;
    admission.state = state;
    switch (state) {
      case BreakerState::closed:
        stripe().calls.fetch_add(1, std::memory_order_relaxed);
        admission.admitted = true;
        break;
      case BreakerState::disabled:
        admission.admitted = true;
        break;
      case BreakerState::half_open:
        im.expire_probes_locked(now);
        if (im.probes.size() < im.options.half_open_max_calls) {
          admission.admitted = true;
          admission.probe = true;
          admission.ticket = im.next_ticket++;
          im.probes.push_back(Impl::Probe{admission.ticket, now});
          stripe().calls.fetch_add(1, std::memory_order_relaxed);
        } else {
          // Every slot is taken: a slot frees when a probe reports, at the latest when
          // the oldest probe has waited half_open_max_wait.
          std::int64_t oldest = now;
          for (const Impl::Probe& p : im.probes) oldest = std::min(oldest, p.admitted_at);
          const std::int64_t freed_at =
              oldest + std::chrono::nanoseconds(im.options.half_open_max_wait).count();
          admission.retry_after =
              std::chrono::nanoseconds(std::max<std::int64_t>(freed_at - now, 0));
          stripe().rejections.fetch_add(1, std::memory_order_relaxed);
        }
        break;
      case BreakerState::open:
      case BreakerState::forced_open:
        stripe().rejections.fetch_add(1, std::memory_order_relaxed);
        break;
    }
  }
  if (notify) im.deliver();
  return admission;
}

MCP_HTM_INLINE void CircuitBreaker::record_slow(const Admission& admission,
                                                CallOutcome outcome) noexcept {
  // Rejected and disabled-state admissions were never counted: nothing to record.
  if (!admission.admitted || admission.state == BreakerState::disabled) return;
  Impl& im = *impl_;
  bool notify = false;
  {
    std::lock_guard lock(im.mutex);
    std::uint64_t word = word_.load(std::memory_order_relaxed);
    const auto state = static_cast<BreakerState>(word & kStateMask);
    bool stale = (word >> kGenerationShift) != admission.generation;
    const std::int64_t now = now_ns();
    if (!stale && admission.probe) {
      // A probe whose slot expired reports too late: its verdict no longer counts. Slots
      // expire by the clock, not only when another call asks: expire them here too, so a
      // late report is ignored even when no try_acquire ran since its slot was freed.
      im.expire_probes_locked(now);
      const auto it = std::find_if(im.probes.begin(), im.probes.end(), [&](const Impl::Probe& p) {
        return p.ticket == admission.ticket;
      });
      if (it == im.probes.end()) {
        stale = true;
      } else {
        im.probes.erase(it);
      }
    }
    if (stale || outcome == CallOutcome::ignored) {
      stripe().ignored.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (state == BreakerState::closed) {
      if (track_window_) im.advance_window_locked(now);
      if (outcome == CallOutcome::success) {
        stripe().successes.fetch_add(1, std::memory_order_relaxed);
        clear_failures(word);
        return;
      }
      im.failures.fetch_add(1, std::memory_order_relaxed);
      // Count the failure in the word; successes may clear the bits concurrently.
      std::uint64_t consecutive = 0;
      for (;;) {
        const std::uint64_t bits = (word & kFailureMask) >> kStateBits;
        consecutive = std::min<std::uint64_t>(bits + 1, kFailureMask >> kStateBits);
        const std::uint64_t next = (word & ~kFailureMask) | (consecutive << kStateBits);
        if (word_.compare_exchange_weak(word, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
          break;
        }
      }
      const CircuitBreakerOptions& o = im.options;
      std::string reason;
      if (o.failure_threshold != 0 && consecutive >= o.failure_threshold) {
        reason = fmt::format("{} consecutive failures", consecutive);
      } else if (track_window_) {
        const Impl::Counts counts = im.window_counts_locked();
        if (counts.calls >= std::max<std::uint64_t>(o.minimum_calls, 1)) {
          const double rate =
              static_cast<double>(counts.failures) / static_cast<double>(counts.calls);
          if (rate >= o.failure_rate_threshold) {
            reason = fmt::format("failure rate {} >= {} over {} calls", percent(rate),
                                 percent(o.failure_rate_threshold), counts.calls);
          }
        }
      }
      if (!reason.empty())
        notify = im.transition_locked(BreakerState::open, std::move(reason), now);
    } else if (state == BreakerState::half_open) {
      if (outcome == CallOutcome::success) {
        stripe().successes.fetch_add(1, std::memory_order_relaxed);
        if (++im.probe_successes >= im.options.success_threshold) {
          notify = im.transition_locked(
              BreakerState::closed,
              fmt::format("{} consecutive probe successes", im.probe_successes), now);
        }
      } else {
        im.failures.fetch_add(1, std::memory_order_relaxed);
        notify = im.transition_locked(BreakerState::open, "probe failed", now);
      }
    }
    // open, forced_open, disabled: no admission of the current generation exists.
  }
  if (notify) im.deliver();
}

MCP_HTM_INLINE void CircuitBreaker::force_open() {
  bool notify = false;
  {
    std::lock_guard lock(impl_->mutex);
    notify = impl_->transition_locked(BreakerState::forced_open, "force_open()", now_ns());
  }
  if (notify) impl_->deliver();
}

MCP_HTM_INLINE void CircuitBreaker::disable() {
  bool notify = false;
  {
    std::lock_guard lock(impl_->mutex);
    notify = impl_->transition_locked(BreakerState::disabled, "disable()", now_ns());
  }
  if (notify) impl_->deliver();
}

MCP_HTM_INLINE void CircuitBreaker::reset() {
  bool notify = false;
  {
    std::lock_guard lock(impl_->mutex);
    notify = impl_->transition_locked(BreakerState::closed, "reset()", now_ns());
  }
  if (notify) impl_->deliver();
}

MCP_HTM_INLINE BreakerInfo CircuitBreaker::info() const {
  Impl& im = *impl_;
  BreakerInfo info;
  info.name = im.name;
  info.failure_threshold = im.options.failure_threshold;
  info.failure_rate_threshold = im.options.failure_rate_threshold;
  const std::int64_t now = now_ns();
  {
    std::lock_guard lock(im.mutex);
    const std::uint64_t word = word_.load(std::memory_order_relaxed);
    info.state = static_cast<BreakerState>(word & kStateMask);
    info.consecutive_failures = static_cast<std::uint32_t>((word & kFailureMask) >> kStateBits);
    if (track_window_) {
      Impl::Counts window = im.frozen;
      if (info.state == BreakerState::closed) {
        im.advance_window_locked(now);
        window = im.window_counts_locked();
      }
      info.window_calls = window.calls;
      info.window_failures = window.failures;
      info.failure_rate = window.calls == 0 ? 0.0
                                            : static_cast<double>(window.failures) /
                                                  static_cast<double>(window.calls);
    }
    if (im.ever_opened) {
      info.opened_at =
          std::chrono::steady_clock::time_point(std::chrono::nanoseconds(im.opened_at));
    }
    if (info.state == BreakerState::open) {
      info.retry_after = std::chrono::nanoseconds(
          std::max<std::int64_t>(open_until_.load(std::memory_order_relaxed) - now, 0));
    }
    info.total_calls = im.sum(&Stripe::calls);
    info.total_successes = im.sum(&Stripe::successes);
    info.total_failures = im.failures.load(std::memory_order_relaxed);
    info.total_rejections = im.sum(&Stripe::rejections);
    info.total_ignored = im.sum(&Stripe::ignored);
    info.total_transitions = im.transitions;
  }
  return info;
}

MCP_HTM_INLINE void CircuitBreaker::on_state_change(
    std::function<void(const BreakerTransition&)> callback) {
  auto target = callback ? std::make_shared<const Impl::Callback>(std::move(callback)) : nullptr;
  std::lock_guard lock(impl_->mutex);
  impl_->callback = std::move(target);
}

}  // namespace mcp
