// mcp/impl/adaptive_limiter.ipp -- the AIMD limit and its FIFO queue.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/adaptive_limiter.hpp>
#include <mcp/detail/config.hpp>
#include <mcp/detail/pending_handler.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/async_result.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace mcp {

namespace detail::adaptive_limiter_impl {
// The weight of the newest latency in the moving average: about the last ten calls, so
// one slow call is not congestion and a slow trend is seen within a few calls.
inline constexpr double kRecentWeight = 0.1;
}  // namespace detail::adaptive_limiter_impl

// One call waiting for a permit. Granted: `permit` is set and `handler` completed with
// true, under the limiter's lock, by whoever frees the slot; cancelled (its deadline, or
// the caller): taken out of the queue and completed with false. The waiting coroutine
// reads `permit` under the lock afterwards, so a grant racing the deadline is not lost.
struct AdaptiveLimiter::Waiter {
  detail::PendingHandler<bool> handler;
  std::optional<Permit> permit;
  bool queued = false;  // guarded by the limiter's mutex
};

// The initiation of a wait: queues the waiter with its handler.
struct AdaptiveLimiter::Enqueue {
  AdaptiveLimiter* self;
  std::shared_ptr<Waiter> waiter;

  template <class Handler>
  void operator()(Handler handler) const {
    // Installed before the waiter is visible to other threads: the slot belongs to this
    // thread of execution, and the handler clears it when it completes.
    if (auto slot = asio::get_associated_cancellation_slot(handler); slot.is_connected()) {
      slot.assign([self = self, waiter = waiter](asio::cancellation_type type) {
        if (type != asio::cancellation_type::none) self->leave_queue(*waiter);
      });
    }
    std::unique_lock lock(self->mutex_);
    waiter->handler = detail::PendingHandler<bool>(std::move(handler));
    waiter->queued = true;
    self->queue_.push_back(waiter);
    self->grant_waiters(lock);  // a slot may have freed since acquire() looked
  }
};

MCP_HTM_INLINE AdaptiveLimiter::AdaptiveLimiter(AdaptiveLimiterOptions options, Clock clock)
    : options_(options),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      limit_(static_cast<double>(options.initial_limit)) {
  if (options_.min_limit < 1 || options_.min_limit > options_.max_limit ||
      options_.initial_limit < options_.min_limit || options_.initial_limit > options_.max_limit) {
    throw std::invalid_argument(
        "AdaptiveLimiterOptions: need 1 <= min_limit <= initial_limit <= max_limit");
  }
  if (!(options_.decrease_factor > 0.0 && options_.decrease_factor < 1.0)) {
    throw std::invalid_argument("AdaptiveLimiterOptions: decrease_factor must be in (0, 1)");
  }
  if (!(options_.increase > 0.0) || !(options_.latency_tolerance >= 0.0) ||
      options_.baseline_window <= std::chrono::milliseconds(0)) {
    throw std::invalid_argument(
        "AdaptiveLimiterOptions: need increase > 0, latency_tolerance >= 0, baseline_window > 0");
  }
}

MCP_HTM_INLINE AdaptiveLimiter::~AdaptiveLimiter() = default;

MCP_HTM_INLINE std::optional<AdaptiveLimiter::Permit> AdaptiveLimiter::try_acquire() {
  const TimePoint now = clock_();
  std::lock_guard lock(mutex_);
  if (!queue_.empty() || static_cast<double>(in_flight_) + 1.0 > std::floor(limit_)) {
    ++rejected_;
    return std::nullopt;
  }
  ++in_flight_;
  return Permit{now, generation_, in_flight_};
}

MCP_HTM_INLINE asio::awaitable<AdaptiveLimiter::Acquired> AdaptiveLimiter::acquire(
    TimePoint deadline) {
  {
    const TimePoint now = clock_();
    std::lock_guard lock(mutex_);
    if (queue_.empty() && static_cast<double>(in_flight_) + 1.0 <= std::floor(limit_)) {
      ++in_flight_;
      co_return Acquired{AcquireStatus::granted, Permit{now, generation_, in_flight_}};
    }
    if (queue_.size() >= options_.max_queued) {
      ++rejected_;
      co_return Acquired{AcquireStatus::queue_full, std::nullopt};
    }
  }
  auto waiter = std::make_shared<Waiter>();
  const Enqueue initiation{this, waiter};
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  const auto first = co_await (asio::async_initiate<const asio::use_awaitable_t<>&, void(bool)>(
                                   initiation, asio::use_awaitable) ||
                               timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
  const TimePoint resumed = clock_();
  std::lock_guard lock(mutex_);
  if (waiter->permit) {
    // The latency sample starts now, not at the grant: the hop back to this executor can
    // take long on a busy one, and that is not the backend's load.
    waiter->permit->start = resumed;
    co_return Acquired{AcquireStatus::granted, waiter->permit};
  }
  ++rejected_;
  const bool expired = first.index() == 1 && !std::get<0>(std::get<1>(first));
  co_return Acquired{expired ? AcquireStatus::timeout : AcquireStatus::cancelled, std::nullopt};
}

MCP_HTM_INLINE void AdaptiveLimiter::leave_queue(Waiter& waiter) {
  detail::PendingHandler<bool> handler;
  {
    std::lock_guard lock(mutex_);
    if (!waiter.queued) return;  // granted already: its handler has completed
    queue_.erase(std::find_if(queue_.begin(), queue_.end(),
                              [&](const auto& w) { return w.get() == &waiter; }));
    waiter.queued = false;
    handler = std::move(waiter.handler);
  }
  handler.complete(false);
}

MCP_HTM_INLINE void AdaptiveLimiter::release(const Permit& permit, LimitSignal signal) {
  const TimePoint now = clock_();
  std::unique_lock lock(mutex_);
  if (in_flight_ > 0) --in_flight_;
  on_sample(permit, signal, now);
  grant_waiters(lock);
}

MCP_HTM_INLINE void AdaptiveLimiter::on_sample(const Permit& permit, LimitSignal signal,
                                               TimePoint now) {
  if (signal == LimitSignal::ignored) return;
  bool congested = signal == LimitSignal::dropped;
  if (signal == LimitSignal::success) {
    const auto latency = std::max(std::chrono::nanoseconds(0), now - permit.start);
    if (!window_min_ || now - window_start_ >= options_.baseline_window) {
      previous_min_ = window_min_;
      window_min_ = latency;
      window_start_ = now;
    } else {
      window_min_ = std::min(*window_min_, latency);
    }
    // Calls admitted before the last decrease saw the old limit: they tell the baseline
    // how fast the backend can be, not how loaded it is now.
    if (permit.generation != generation_) return;
    const auto sample = static_cast<double>(latency.count());
    recent_ns_ = recent_ns_ ? *recent_ns_ + detail::adaptive_limiter_impl::kRecentWeight *
                                                (sample - *recent_ns_)
                            : sample;
    const auto baseline = static_cast<double>(
        (previous_min_ ? std::min(*previous_min_, *window_min_) : *window_min_).count());
    congested = *recent_ns_ > (1.0 + options_.latency_tolerance) * baseline;
  } else if (permit.generation != generation_) {
    return;  // this burst of drops lowered the limit already
  }
  const auto min_limit = static_cast<double>(options_.min_limit);
  const auto max_limit = static_cast<double>(options_.max_limit);
  if (congested) {
    limit_ = std::max(min_limit, std::floor(limit_ * options_.decrease_factor));
    ++generation_;
    recent_ns_.reset();  // the next generation's calls speak for the new limit
  } else if (2.0 * static_cast<double>(permit.in_flight) >= std::floor(limit_)) {
    limit_ = std::min(max_limit, limit_ + options_.increase / std::floor(limit_));
  }
}

MCP_HTM_INLINE void AdaptiveLimiter::grant_waiters(std::unique_lock<std::mutex>& lock) {
  std::vector<detail::PendingHandler<bool>> granted;
  if (!queue_.empty()) {
    const TimePoint now = clock_();
    while (!queue_.empty() && static_cast<double>(in_flight_) + 1.0 <= std::floor(limit_)) {
      auto waiter = std::move(queue_.front());
      queue_.pop_front();
      waiter->queued = false;
      ++in_flight_;
      waiter->permit = Permit{now, generation_, in_flight_};
      granted.push_back(std::move(waiter->handler));
    }
  }
  lock.unlock();
  // Posted to each waiter's executor: a waiter never resumes on this thread, inline.
  for (auto& handler : granted) handler.complete(true);
}

MCP_HTM_INLINE std::chrono::milliseconds AdaptiveLimiter::retry_after() const {
  std::lock_guard lock(mutex_);
  const auto base = window_min_.value_or(std::chrono::milliseconds(1));
  return std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(base));
}

MCP_HTM_INLINE std::size_t AdaptiveLimiter::limit() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(limit_);
}

MCP_HTM_INLINE bool AdaptiveLimiter::saturated() const {
  std::lock_guard lock(mutex_);
  return static_cast<double>(queue_.size()) >= std::floor(limit_);
}

MCP_HTM_INLINE metrics::LimiterMetrics AdaptiveLimiter::metrics() const {
  std::lock_guard lock(mutex_);
  metrics::LimiterMetrics m;
  m.limit = static_cast<std::size_t>(limit_);
  m.in_flight = in_flight_;
  m.queued = queue_.size();
  m.rejected = rejected_;
  m.decreases = generation_;
  return m;
}

}  // namespace mcp
