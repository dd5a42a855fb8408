// tests/support/manual_clock.hpp -- a clock that moves only when a test moves it.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_TESTS_SUPPORT_MANUAL_CLOCK_HPP
#define MCP_HTM_TESTS_SUPPORT_MANUAL_CLOCK_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace mcp::test {

/// A steady clock driven by the test: now() returns what set() and advance() made it.
/**
 * It starts one hour after the steady_clock epoch (so that "never" -- the epoch -- and
 * "now" differ), and never moves on its own. Hand it to a CircuitBreaker (or anything
 * taking a `std::function<steady_clock::time_point()>`) with as_function().
 *
 * @par Thread safety
 * Every member may be called concurrently: the time is one atomic.
 */
class ManualClock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  explicit ManualClock(time_point start = time_point(std::chrono::hours(1))) noexcept
      : ticks_(start.time_since_epoch().count()) {}
  ManualClock(const ManualClock&) = delete;
  ManualClock& operator=(const ManualClock&) = delete;

  [[nodiscard]] time_point now() const noexcept {
    return time_point(duration(ticks_.load(std::memory_order_acquire)));
  }
  time_point operator()() const noexcept { return now(); }

  /// Moves the clock forward by `d` (a negative `d` moves it back: tests of misuse only).
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) noexcept {
    ticks_.fetch_add(std::chrono::duration_cast<duration>(d).count(), std::memory_order_acq_rel);
  }

  void set(time_point t) noexcept {
    ticks_.store(t.time_since_epoch().count(), std::memory_order_release);
  }

  /// A callable reading this clock; the clock must outlive every copy of it.
  [[nodiscard]] std::function<time_point()> as_function() const {
    return [this] { return now(); };
  }

 private:
  std::atomic<duration::rep> ticks_;
};

}  // namespace mcp::test

#endif  // MCP_HTM_TESTS_SUPPORT_MANUAL_CLOCK_HPP
