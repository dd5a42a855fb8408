// mcp/circuit_breaker.hpp -- a per-category circuit breaker.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CIRCUIT_BREAKER_HPP
#define MCP_HTM_CIRCUIT_BREAKER_HPP

#include <mcp/json.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcp {

/// The state of a CircuitBreaker.
enum class BreakerState : std::uint8_t {
  closed,       ///< calls pass; outcomes are counted
  open,         ///< calls are rejected until the recovery timeout elapses
  half_open,    ///< a limited number of probe calls decide between closed and open
  forced_open,  ///< isolated by force_open(): every call rejected until reset()
  disabled,     ///< disable(): every call passes, nothing is counted
};

/// "closed", "open", "half_open", "forced_open" or "disabled".
[[nodiscard]] std::string_view to_string(BreakerState state) noexcept;

/// How an admitted call counts for the breaker.
enum class CallOutcome : std::uint8_t { success, failure, ignored };

/// What happened to one admitted call; the input of an OutcomeClassifier.
struct CallReport {
  std::exception_ptr exception;  ///< set when the call threw
  bool timed_out = false;        ///< the call's deadline expired
  bool cancelled = false;        ///< the caller cancelled the call
  const Json* result = nullptr;  ///< the call's value when it returned one
};

/// Maps a CallReport to an outcome.
using OutcomeClassifier = std::function<CallOutcome(const CallReport&)>;

/// The default classification: an exception or a timeout is a failure, caller
/// cancellation is ignored, and any returned value -- even an MCP result carrying
/// `"isError": true` -- is a success (the tool ran; it reported a domain error).
[[nodiscard]] CallOutcome default_classify(const CallReport& report) noexcept;

/// The breaker's time source; tests inject a manual clock so that no test sleeps.
using BreakerClock = std::function<std::chrono::steady_clock::time_point()>;

/// Tuning of a CircuitBreaker. The defaults are those of the Python original.
struct CircuitBreakerOptions {
  std::uint32_t failure_threshold = 5;       ///< consecutive failures that open it (0: rule off)
  double failure_rate_threshold = 0.5;       ///< failure rate in the window that opens it (>1: off)
  std::uint32_t minimum_calls = 10;          ///< calls in the window before the rate rule applies
  std::chrono::milliseconds window{60'000};  ///< length of the rate window
  std::uint32_t window_buckets = 12;         ///< buckets of the rate window
  std::chrono::milliseconds recovery_timeout{30'000};      ///< first open duration
  std::chrono::milliseconds max_recovery_timeout{300'000};  ///< cap of the backoff
  double backoff_multiplier = 2.0;           ///< open duration growth on each reopen
  double jitter = 0.1;                       ///< +/- fraction of random jitter on open durations
  std::uint32_t half_open_max_calls = 1;     ///< concurrent probes allowed when half-open
  std::uint32_t success_threshold = 2;       ///< consecutive probe successes that close it
  std::chrono::milliseconds half_open_max_wait{30'000};  ///< a probe slot is freed after this
  OutcomeClassifier classifier;              ///< empty: default_classify
};

/// The verdict of CircuitBreaker::try_acquire. Pass it back to record() once the call ends.
struct Admission {
  bool admitted = false;           ///< false: rejected, do not run the call
  std::uint64_t generation = 0;    ///< breaker generation at admission (stale results are ignored)
  bool probe = false;              ///< admitted as a half-open probe
  std::chrono::nanoseconds retry_after{0};  ///< when rejected: time until a probe may pass
  explicit operator bool() const noexcept { return admitted; }
};

/// A state transition, as passed to the state-change callback.
struct BreakerTransition {
  BreakerState from;
  BreakerState to;
  std::string reason;  ///< e.g. "5 consecutive failures", "failure rate 60% >= 50%"
};

/// A consistent snapshot of a breaker, from CircuitBreaker::info().
struct BreakerInfo {
  std::string name;
  BreakerState state = BreakerState::closed;
  std::uint32_t consecutive_failures = 0;
  double failure_rate = 0.0;         ///< in the current window, 0 when no calls
  std::uint64_t window_calls = 0;    ///< calls counted in the current window
  std::uint32_t failure_threshold = 0;
  double failure_rate_threshold = 0.0;
  std::chrono::steady_clock::time_point opened_at{};  ///< epoch when never opened
  std::chrono::nanoseconds retry_after{0};            ///< 0 unless open
  std::uint64_t total_calls = 0;     ///< admitted calls
  std::uint64_t total_successes = 0;
  std::uint64_t total_failures = 0;
  std::uint64_t total_rejections = 0;
  std::uint64_t total_ignored = 0;   ///< ignored outcomes and stale-generation results
};

/// Thrown by CircuitBreaker::call when the breaker rejects the call.
class CircuitOpenError : public std::runtime_error {
 public:
  CircuitOpenError(std::string breaker, std::chrono::nanoseconds retry_after);
  [[nodiscard]] const std::string& breaker() const noexcept { return breaker_; }
  [[nodiscard]] std::chrono::nanoseconds retry_after() const noexcept { return retry_after_; }

 private:
  std::string breaker_;
  std::chrono::nanoseconds retry_after_;
};

/// A circuit breaker: closed -> (trip rule) -> open -> (recovery timeout) -> half_open
/// -> closed, or open again with a longer timeout.
/**
 * Either trip rule opens it: `failure_threshold` consecutive failures, or a failure
 * rate >= `failure_rate_threshold` over the bucketed time window once at least
 * `minimum_calls` were counted there.
 *
 * @par Thread safety
 * Every member function may be called concurrently from any thread. Admission and
 * recording in the closed state are lock-free; transitions take a short internal lock.
 * The state-change callback runs outside that lock, on the thread that caused the
 * transition.
 *
 * @par Example
 * @code
 * mcp::CircuitBreaker breaker("search");
 * if (auto admission = breaker.try_acquire()) {
 *   try { run(); breaker.record(admission, mcp::CallOutcome::success); }
 *   catch (...) { breaker.record(admission, mcp::CallOutcome::failure); throw; }
 * }
 * @endcode
 */
class CircuitBreaker {
 public:
  explicit CircuitBreaker(std::string name, CircuitBreakerOptions options = {},
                          BreakerClock clock = {});
  ~CircuitBreaker();
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  /// Asks to run one call. Lock-free when closed.
  [[nodiscard]] Admission try_acquire() noexcept;

  /// Reports how an admitted call ended. Results from an older generation are ignored.
  void record(const Admission& admission, CallOutcome outcome) noexcept;

  /// Classifies a report with the configured classifier (default_classify if none).
  [[nodiscard]] CallOutcome classify(const CallReport& report) const;

  /// Runs `f()` through the breaker; throws CircuitOpenError when rejected, rethrows
  /// what `f` throws after recording it.
  template <class F>
  decltype(auto) call(F&& f) {
    const Admission admission = try_acquire();
    if (!admission) throw CircuitOpenError(name(), admission.retry_after);
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        record(admission, CallOutcome::success);
      } else {
        decltype(auto) result = f();
        record(admission, CallOutcome::success);
        return result;
      }
    } catch (...) {
      CallReport report;
      report.exception = std::current_exception();
      record(admission, classify(report));
      throw;
    }
  }

  /// Isolates the category: every call is rejected until reset().
  void force_open();
  /// Lets every call pass and stops counting, until reset().
  void disable();
  /// Back to closed with empty statistics and the base recovery timeout.
  void reset();

  [[nodiscard]] BreakerState state() const noexcept;
  [[nodiscard]] BreakerInfo info() const;
  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const CircuitBreakerOptions& options() const noexcept;

  /// Sets the callback invoked on every transition (from, to, reason), outside any lock.
  void on_state_change(std::function<void(const BreakerTransition&)> callback);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mcp

#endif  // MCP_HTM_CIRCUIT_BREAKER_HPP
