// mcp/adaptive_limiter.hpp -- an AIMD concurrency limit that follows a backend's latency.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_ADAPTIVE_LIMITER_HPP
#define MCP_HTM_ADAPTIVE_LIMITER_HPP

#include <mcp/metrics/snapshot.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

namespace mcp {

/// Options of an AdaptiveLimiter (CategoryOptions::limiter).
struct AdaptiveLimiterOptions {
  std::size_t initial_limit = 4;
  std::size_t min_limit = 1;
  std::size_t max_limit = 256;  ///< the ceiling the limit never passes
  /// Added to the limit per window of successes (each success adds increase / limit),
  /// counted only while at least half the window was in use when the call started.
  double increase = 1.0;
  /// The limit is multiplied by this on a congestion signal (a timeout, or a call slower
  /// than (1 + latency_tolerance) x the baseline); at most once per window.
  double decrease_factor = 0.8;
  /// How much slower than the baseline the recent calls may be (their moving average,
  /// over calls admitted since the last decrease) before that is a congestion signal.
  double latency_tolerance = 0.3;
  /// The baseline is the lowest latency seen over the last one to two windows of this
  /// length (a windowed minimum, as BBR keeps its min RTT): long against the limit's
  /// cycle, so congestion cannot pass for normal, short enough that a backend which
  /// became slower for good is relearnt (the limit drops to min_limit meanwhile).
  std::chrono::milliseconds baseline_window{10000};
  std::size_t max_queued = 4096;  ///< calls waiting at once; more are refused (overloaded)
  /// The longest a call waits for a permit before it fails with `timeout`.
  std::chrono::milliseconds max_wait{1000};
  /// A single dispatch that finds the limit reached fails at once with `overloaded` and a
  /// `retry_after_ms` hint instead of waiting (a dispatch_parallel batch always waits).
  bool fail_fast = false;
};

/// How a call that held a permit ended, as the limit reads it.
enum class LimitSignal : unsigned char {
  success,  ///< a latency sample; may raise the limit, or lower it when too slow
  dropped,  ///< timed out or refused as overloaded: lowers the limit
  ignored,  ///< says nothing about load (a tool error, a cancellation): no sample
};

/// An additive-increase / multiplicative-decrease concurrency limit with a FIFO queue.
/**
 * Calls take a permit (try_acquire, or acquire which waits in FIFO order) and give it
 * back with how they ended (release). The limit grows by `increase` per window of
 * successful calls while the window is at least half used, and shrinks by
 * `decrease_factor` when a call admitted under the current limit times out, or when the
 * recent calls' average latency passes the tolerance over the baseline (the lowest
 * latency of the last baseline_window). Signals from calls admitted before the
 * last decrease are not counted again, so one burst of slow calls lowers the limit once.
 *
 * @par Thread safety
 * Every member may be called from any thread; a short lock guards the state, never held
 * across a suspension. A waiter is resumed on its own executor.
 */
class AdaptiveLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Clock = std::function<TimePoint()>;

  /// A held slot of the limit. Give it back exactly once with release().
  struct Permit {
    TimePoint start{};
    std::uint64_t generation = 0;  // the decrease count when it was granted
    std::size_t in_flight = 0;     // permits held when it was granted, itself included
  };

  enum class AcquireStatus : unsigned char { granted, timeout, queue_full, cancelled };
  struct Acquired {
    AcquireStatus status = AcquireStatus::granted;
    std::optional<Permit> permit;  ///< set when granted
  };

  /// `clock` measures latencies (empty: steady_clock); waits use the executor's timers.
  /// Throws std::invalid_argument for inconsistent options.
  explicit AdaptiveLimiter(AdaptiveLimiterOptions options = {}, Clock clock = {});
  AdaptiveLimiter(const AdaptiveLimiter&) = delete;
  AdaptiveLimiter& operator=(const AdaptiveLimiter&) = delete;
  ~AdaptiveLimiter();

  /// A permit now, or nullopt when the limit is reached or calls are already waiting.
  [[nodiscard]] std::optional<Permit> try_acquire();

  /// A permit as soon as one is free and every earlier waiter has had its own, waiting
  /// at most until `deadline`. Cancelling the awaiting coroutine ends the wait.
  [[nodiscard]] asio::awaitable<Acquired> acquire(TimePoint deadline);

  /// Gives a permit back; hands the freed slots to the oldest waiters.
  void release(const Permit& permit, LimitSignal signal);

  /// A hint for a refused caller: about one baseline latency (at least 1 ms).
  [[nodiscard]] std::chrono::milliseconds retry_after() const;

  [[nodiscard]] std::size_t limit() const;
  /// True when at least a window's worth of calls (the limit) is waiting already.
  [[nodiscard]] bool saturated() const;
  [[nodiscard]] metrics::LimiterMetrics metrics() const;
  [[nodiscard]] const AdaptiveLimiterOptions& options() const noexcept { return options_; }

 private:
  struct Waiter;
  struct Enqueue;
  void grant_waiters(std::unique_lock<std::mutex>& lock);  // releases the lock
  void leave_queue(Waiter& waiter);
  void on_sample(const Permit& permit, LimitSignal signal, TimePoint now);

  const AdaptiveLimiterOptions options_;
  const Clock clock_;
  mutable std::mutex mutex_;
  double limit_;
  std::size_t in_flight_ = 0;
  std::uint64_t generation_ = 0;  // = decreases
  std::uint64_t rejected_ = 0;
  // The windowed minimum: the lowest latency of the current and of the previous window.
  std::optional<std::chrono::nanoseconds> window_min_, previous_min_;
  TimePoint window_start_{};
  std::optional<double> recent_ns_;  // moving average of this generation's latencies
  std::deque<std::shared_ptr<Waiter>> queue_;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/adaptive_limiter.ipp>
#endif

#endif  // MCP_HTM_ADAPTIVE_LIMITER_HPP
