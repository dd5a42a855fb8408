// mcp/circuit_breaker.hpp -- a per-category circuit breaker.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CIRCUIT_BREAKER_HPP
#define MCP_HTM_CIRCUIT_BREAKER_HPP

#include <mcp/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

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
/**
 * It should not throw: when CircuitBreaker::call or async_call finds it throwing, the
 * call counts as a failure (and the classifier's exception is dropped).
 *
 * @par Thread safety
 * Called concurrently from every thread that ends a call: it must be safe to call
 * concurrently and should be cheap (it runs on every failed call, and on every call when
 * a custom classifier is installed and the call goes through CircuitBreaker::call).
 */
using OutcomeClassifier = std::function<CallOutcome(const CallReport&)>;

/// The default classification: an exception or a timeout is a failure, caller
/// cancellation is ignored, and any returned value -- even an MCP result carrying
/// `"isError": true` -- is a success (the tool ran; it reported a domain error).
/**
 * Cancellation wins over a timeout or an exception: a call the caller abandoned says
 * nothing about the health of the callee.
 *
 * @par Thread safety
 * Pure function.
 */
[[nodiscard]] inline CallOutcome default_classify(const CallReport& report) noexcept {
  if (report.cancelled) return CallOutcome::ignored;
  if (report.exception || report.timed_out) return CallOutcome::failure;
  return CallOutcome::success;
}

/// The breaker's time source; tests inject a manual clock so that no test sleeps.
/**
 * Must be monotonic, must not throw, and is called concurrently from every thread that
 * uses the breaker. When empty, the breaker reads `CLOCK_MONOTONIC_COARSE` (see
 * CircuitBreaker).
 */
using BreakerClock = std::function<std::chrono::steady_clock::time_point()>;

/// Tuning of a CircuitBreaker. The defaults are those of the Python original.
/**
 * The CircuitBreaker constructor rejects values that cannot work with
 * std::invalid_argument (see CircuitBreaker for the list).
 */
struct CircuitBreakerOptions {
  std::uint32_t failure_threshold = 5;       ///< consecutive failures that open it (0: rule off)
  double failure_rate_threshold = 0.5;       ///< failure rate in the window that opens it (>1: off)
  std::uint32_t minimum_calls = 10;          ///< calls in the window before the rate rule applies
  std::chrono::milliseconds window{60'000};  ///< length of the rate window
  std::uint32_t window_buckets = 12;         ///< buckets of the rate window
  std::chrono::milliseconds recovery_timeout{30'000};       ///< first open duration
  std::chrono::milliseconds max_recovery_timeout{300'000};  ///< cap of the backoff
  double backoff_multiplier = 2.0;                          ///< open duration growth on each reopen
  double jitter = 0.1;                    ///< +/- fraction of random jitter on open durations
  std::uint32_t half_open_max_calls = 1;  ///< concurrent probes allowed when half-open
  std::uint32_t success_threshold = 2;    ///< consecutive probe successes that close it
  std::chrono::milliseconds half_open_max_wait{30'000};  ///< a probe slot is freed after this
  OutcomeClassifier classifier;                          ///< empty: default_classify
};

/// The verdict of CircuitBreaker::try_acquire. Pass it back to record() once the call ends.
/**
 * A plain value: copy it into the coroutine or callback that ends the call. Record each
 * admitted call exactly once; recording a rejected admission does nothing, and neither
 * does recording one admitted while the breaker was disabled. A forced-open breaker
 * rejects with a `retry_after` of 0: not before reset().
 */
struct Admission {
  bool admitted = false;         ///< false: rejected, do not run the call
  std::uint64_t generation = 0;  ///< breaker generation at admission (stale results are ignored)
  bool probe = false;            ///< admitted as a half-open probe
  std::chrono::nanoseconds retry_after{0};    ///< when rejected: time until a probe may pass
  BreakerState state = BreakerState::closed;  ///< the breaker's state at admission
  std::uint64_t ticket = 0;                   ///< a probe's slot ticket (0 unless `probe`)
  explicit operator bool() const noexcept { return admitted; }
};

/// A state transition, as passed to the state-change callback.
struct BreakerTransition {
  BreakerState from;
  BreakerState to;
  /// Why, e.g. "5 consecutive failures; open for 30000 ms", "failure rate 60% >= 50% over
  /// 10 calls; open for 30000 ms", "probe failed; open for 60000 ms", "2 consecutive probe
  /// successes", "recovery timeout elapsed after 30000 ms", "force_open()", "reset()".
  std::string reason;
};

/// A consistent snapshot of a breaker, from CircuitBreaker::info().
/**
 * State, thresholds and window figures are taken together under the breaker's lock. The
 * window figures are live while closed; from the moment the breaker leaves closed they
 * show the window as it was then (the one that tripped it), and they stay 0 when the rate
 * rule is off (`failure_rate_threshold > 1`: the window is not kept at all). The
 * totals are lifetime counters (reset() does not clear them); each is exact, but while
 * other threads keep calling they are read one after the other, not at one instant.
 */
struct BreakerInfo {
  std::string name;
  BreakerState state = BreakerState::closed;
  std::uint32_t consecutive_failures = 0;
  double failure_rate = 0.0;          ///< in the current window, 0 when no calls
  std::uint64_t window_calls = 0;     ///< calls counted in the current window
  std::uint64_t window_failures = 0;  ///< failures counted in the current window
  std::uint32_t failure_threshold = 0;
  double failure_rate_threshold = 0.0;
  std::chrono::steady_clock::time_point opened_at{};  ///< epoch when never opened
  std::chrono::nanoseconds retry_after{0};            ///< 0 unless open
  std::uint64_t total_calls = 0;                      ///< admitted calls
  std::uint64_t total_successes = 0;
  std::uint64_t total_failures = 0;
  std::uint64_t total_rejections = 0;
  std::uint64_t total_ignored = 0;      ///< ignored outcomes and stale-generation results
  std::uint64_t total_transitions = 0;  ///< state changes (from != to), lifetime
};

/// Thrown by CircuitBreaker::call when the breaker rejects the call.
/**
 * `what()` names the breaker and the time until it lets a probe through, e.g.
 * "circuit breaker 'search' is open; retry after 2500 ms". A retry_after of 0 from a
 * forced-open breaker means "not before reset()".
 */
class CircuitOpenError : public std::runtime_error {
 public:
  CircuitOpenError(std::string breaker, std::chrono::nanoseconds retry_after);
  [[nodiscard]] const std::string& breaker() const noexcept { return breaker_; }
  [[nodiscard]] std::chrono::nanoseconds retry_after() const noexcept { return retry_after_; }

 private:
  std::string breaker_;
  std::chrono::nanoseconds retry_after_;
};

namespace detail {
/// Nanoseconds on the breaker's default clock: CLOCK_MONOTONIC_COARSE (the epoch of
/// std::chrono::steady_clock on Linux) where available, steady_clock otherwise.
[[nodiscard]] inline std::int64_t coarse_steady_ns() noexcept {
#if defined(CLOCK_MONOTONIC_COARSE)
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
#else
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
#endif
}

/// This thread's counter stripe hint; ~0u until the thread first uses a breaker.
inline thread_local constinit unsigned breaker_stripe_hint = ~0u;
/// Gives this thread the next stripe hint, round robin; returns it.
unsigned assign_breaker_stripe_hint() noexcept;
}  // namespace detail

/// A circuit breaker: closed -> (trip rule) -> open -> (recovery timeout) -> half_open
/// -> closed, or open again with a longer timeout.
/**
 * Either trip rule opens it: `failure_threshold` consecutive failures, or a failure
 * rate >= `failure_rate_threshold` over the bucketed time window once at least
 * `minimum_calls` were counted there. Both rules are evaluated when a failure is
 * recorded (a success can only lower the rate), as gobreaker does.
 *
 * The rate window is `window_buckets` buckets of `window / window_buckets`: it holds the
 * current bucket and the `window_buckets - 1` before it, so a call is always forgotten
 * after `window` and always counted for at least `window - window / window_buckets`.
 * Updating it is O(1): the breaker keeps cumulative counters and each bucket stores their
 * value when the bucket began, so the window is "now minus the oldest bucket". It
 * starts empty whenever the breaker closes.
 *
 * Open: calls are rejected with `retry_after` for `recovery_timeout`. Each reopen
 * without an intervening close (a failed probe) multiplies the open duration by
 * `backoff_multiplier`, up to `max_recovery_timeout` (or `recovery_timeout` if larger);
 * every duration is then jittered uniformly by +/- `jitter` and clamped to that cap.
 * Opening from closed always starts from `recovery_timeout` again.
 *
 * Half-open: the first try_acquire after the open duration moves it to half-open and
 * becomes a probe; at most `half_open_max_calls` probes run at once, the rest are
 * rejected. `success_threshold` consecutive probe successes close it, any probe failure
 * reopens it, an ignored outcome just frees the probe's slot. A probe that has not
 * reported within `half_open_max_wait` loses its slot (its late result is ignored,
 * whether or not another call asked the breaker in between).
 *
 * Every transition increments the breaker's generation; a result whose admission
 * carries an older generation (a call admitted before the breaker opened that ends
 * after) is counted in `total_ignored` and changes nothing. The state reported by
 * state() and info() stays `open` until a try_acquire after the timeout.
 *
 * The default clock is `CLOCK_MONOTONIC_COARSE`: it shares steady_clock's epoch on
 * Linux, is read from the vDSO in ~5 ns (steady_clock::now() costs 20-25 ns on the
 * reference VM), and its resolution of one kernel tick (1-4 ms) is ample for buckets of
 * seconds and open durations of tens of milliseconds or more. Inject
 * `[] { return std::chrono::steady_clock::now(); }` for finer resolution.
 *
 * The CircuitBreaker constructor throws std::invalid_argument when `window_buckets` is
 * 0, `window` is shorter than 1 ms per bucket, `half_open_max_calls`,
 * `success_threshold` or `half_open_max_wait` is 0, a duration is negative or longer
 * than 10 years, `jitter` is outside [0, 1],
 * `backoff_multiplier` < 1, or `failure_rate_threshold` is negative or NaN.
 *
 * @par Cost
 * try_acquire() + record(success) while closed: one atomic load and one atomic add on
 * this thread's own counter stripe each, plus one clock read in record() when the rate
 * rule is on. Measured on the reference VM (AMD EPYC, GCC 12 -O2, CPU time): about 7 ns
 * over a bare call with the rate rule on, of which ~4.5 ns is the coarse clock read, and
 * about 3 ns with it off; the same per call with two threads hammering one breaker
 * (no shared cache line is written). Rejections while open cost about as much.
 *
 * @par Thread safety
 * Every member function may be called concurrently from any thread. Admission and the
 * recording of a success or an ignored outcome in the closed state are lock-free;
 * failures, probes and transitions take a short internal lock. The state-change callback never runs
 * under that lock: callbacks are serialised and delivered in transition order, on a thread that
 * made one of the pending transitions (after it released the lock).
 */
/// @par Example
/// @code
/// void guarded(mcp::CircuitBreaker& breaker, const std::function<void()>& run) {
///   if (auto admission = breaker.try_acquire()) {
///     try {
///       run();
///       breaker.record(admission, mcp::CallOutcome::success);
///     } catch (...) {
///       breaker.record(admission, mcp::CallOutcome::failure);
///       throw;
///     }
///   }
///   // or, equivalently (but throwing CircuitOpenError when rejected): breaker.call(run);
/// }
/// @endcode
class CircuitBreaker {
 public:
  /// Creates a closed breaker. Throws std::invalid_argument for unusable options.
  explicit CircuitBreaker(std::string name, CircuitBreakerOptions options = {},
                          BreakerClock clock = {});
  ~CircuitBreaker();
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  /// Asks to run one call. Lock-free when closed.
  /**
   * Admitted calls must be reported with record(). A rejection carries `retry_after`:
   * the rest of the open duration, or, when half-open with every probe slot taken, the
   * time until the oldest probe's slot is freed at the latest.
   */
  [[nodiscard]] Admission try_acquire() noexcept {
    const std::uint64_t word = word_.load(std::memory_order_acquire);
    if ((word & kStateMask) == 0) [[likely]] {  // closed
      stripe().calls.fetch_add(1, std::memory_order_relaxed);
      Admission admission;
      admission.admitted = true;
      admission.generation = word >> kGenerationShift;
      return admission;
    }
    return acquire_slow();
  }

  /// Reports how an admitted call ended. Results from an older generation are ignored.
  /**
   * Lock-free for a success or an ignored outcome of a call admitted while closed.
   */
  void record(const Admission& admission, CallOutcome outcome) noexcept {
    if (admission.admitted && admission.state == BreakerState::closed) [[likely]] {
      if (outcome == CallOutcome::success) {
        const std::uint64_t word = word_.load(std::memory_order_acquire);
        if ((word & ~kFailureMask) == (admission.generation << kGenerationShift)) [[likely]] {
          if (track_window_) {
            const std::int64_t now = now_ns();
            if (now >= next_bucket_at_.load(std::memory_order_relaxed)) [[unlikely]] {
              advance_window(now);
            }
          }
          stripe().successes.fetch_add(1, std::memory_order_relaxed);
          if ((word & kFailureMask) != 0) [[unlikely]]
            clear_failures(word);
          return;
        }
        stripe().ignored.fetch_add(1, std::memory_order_relaxed);  // stale generation
        return;
      }
      if (outcome == CallOutcome::ignored) {
        stripe().ignored.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    record_slow(admission, outcome);
  }

  /// Classifies a report with the configured classifier (default_classify if none).
  [[nodiscard]] CallOutcome classify(const CallReport& report) const {
    return custom_classifier_ ? classify_custom(report) : default_classify(report);
  }

  /// A report of the exception being handled: `cancelled` when it is a std::system_error
  /// whose code is Asio's `asio::error::operation_aborted` (what a cancelled Asio wait
  /// throws) or equals std::errc::operation_canceled; `timed_out` when it is
  /// `asio::error::timed_out` or equals std::errc::timed_out. (Standalone Asio's codes are
  /// in their own category and do not compare equal to std::errc values, so both are
  /// checked.) Call it only inside a catch block.
  [[nodiscard]] static CallReport report_current_exception() noexcept;

  /// Runs `f()` through the breaker; throws CircuitOpenError when rejected, rethrows
  /// what `f` throws after recording it.
  /**
   * A returned value is a success, or, with a custom classifier and a value of type
   * Json, whatever the classifier says of it. An exception is classified from
   * report_current_exception().
   */
  template <class F>
  decltype(auto) call(F&& f) {
    const Admission admission = try_acquire();
    if (!admission) throw CircuitOpenError(name(), admission.retry_after);
    bool returned = false;  // once set, the call is recorded: an exception now is not f's
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
        std::forward<F>(f)();
        returned = true;
        record(admission, classify_returned(nullptr));
      } else {
        decltype(auto) result = std::forward<F>(f)();
        returned = true;
        record(admission, classify_returned(result));
        return result;
      }
    } catch (...) {
      if (!returned) record(admission, classify_safely(report_current_exception()));
      throw;
    }
  }

  /// Awaits `f()` -- a callable returning an awaitable such as `asio::awaitable<T>` --
  /// through the breaker; the coroutine counterpart of call().
  /**
   * The returned coroutine throws CircuitOpenError when rejected and rethrows what the
   * awaited operation throws after recording it; Asio's operation_aborted counts as a
   * cancellation (ignored by default). `f` is moved into the coroutine frame; the
   * breaker must outlive the coroutine.
   */
  /// @code
  /// asio::awaitable<mcp::Json> guarded_fetch(mcp::CircuitBreaker& breaker) {
  ///   co_return co_await breaker.async_call(
  ///       []() -> asio::awaitable<mcp::Json> { co_return mcp::Json::object(); });
  /// }
  /// @endcode
  template <class F>
  auto async_call(F f) -> std::invoke_result_t<F&> {
    using Value = typename std::invoke_result_t<F&>::value_type;
    const Admission admission = try_acquire();
    if (!admission) throw CircuitOpenError(name(), admission.retry_after);
    CallReport report;
    if constexpr (std::is_void_v<Value>) {
      try {
        co_await f();
      } catch (...) {
        report = report_current_exception();
      }
      if (report.exception) {
        record(admission, classify_safely(report));
        std::rethrow_exception(report.exception);
      }
      record(admission, classify_returned(nullptr));
    } else {
      std::optional<Value> value;
      try {
        value.emplace(co_await f());
      } catch (...) {
        report = report_current_exception();
      }
      if (report.exception) {
        record(admission, classify_safely(report));
        std::rethrow_exception(report.exception);
      }
      record(admission, classify_returned(*value));
      co_return std::move(*value);
    }
  }

  /// Isolates the category: every call is rejected until reset().
  void force_open();
  /// Lets every call pass and stops counting, until reset().
  void disable();
  /// Back to closed with an empty window, no consecutive failures and the base recovery
  /// timeout; calls still in flight become stale. The lifetime totals are kept.
  void reset();

  /// The current state (lock-free). Stays `open` until a try_acquire after the timeout.
  [[nodiscard]] BreakerState state() const noexcept {
    return static_cast<BreakerState>(word_.load(std::memory_order_acquire) & kStateMask);
  }
  /// A snapshot for monitoring; takes the internal lock briefly.
  [[nodiscard]] BreakerInfo info() const;
  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const CircuitBreakerOptions& options() const noexcept;

  /// Sets the callback invoked on every transition (from, to, reason), outside any lock.
  /**
   * Callbacks are serialised and delivered in transition order. The callback may call
   * any member of this breaker (a transition it causes is delivered after it returns).
   * An exception it throws is caught and discarded. Replacing the callback while a
   * transition is being delivered lets that delivery finish with the old one.
   */
  void on_state_change(std::function<void(const BreakerTransition&)> callback);

 private:
  struct Impl;
  /// Per-thread slice of the lifetime counters, on its own cache line.
  struct alignas(64) Stripe {
    std::atomic<std::uint64_t> calls{0};
    std::atomic<std::uint64_t> successes{0};
    std::atomic<std::uint64_t> ignored{0};
    std::atomic<std::uint64_t> rejections{0};
  };

  // word_ layout: state (3 bits) | consecutive failures (21 bits) | generation (40 bits).
  static constexpr unsigned kStateBits = 3;
  static constexpr unsigned kFailureBits = 21;
  static constexpr unsigned kGenerationShift = kStateBits + kFailureBits;
  static constexpr std::uint64_t kStateMask = (std::uint64_t{1} << kStateBits) - 1;
  static constexpr std::uint64_t kFailureMask = ((std::uint64_t{1} << kFailureBits) - 1)
                                                << kStateBits;

  Stripe& stripe() noexcept {
    unsigned hint = detail::breaker_stripe_hint;
    if (hint == ~0u) [[unlikely]]
      hint = detail::assign_breaker_stripe_hint();
    return stripes_[hint & stripe_mask_];
  }
  std::int64_t now_ns() const noexcept {
    if (!clock_) return detail::coarse_steady_ns();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_().time_since_epoch())
        .count();
  }
  /// The outcome of a call that returned `value` (nullptr for void).
  template <class T>
  CallOutcome classify_returned(const T& value) const noexcept {
    if (!custom_classifier_) [[likely]]
      return CallOutcome::success;
    CallReport report;
    if constexpr (std::is_same_v<std::remove_cvref_t<T>, Json>) report.result = &value;
    return classify_safely(report);
  }
  CallOutcome classify_custom(const CallReport& report) const;
  /// classify(), but a classifier that throws makes the call a failure.
  CallOutcome classify_safely(const CallReport& report) const noexcept;

  Admission acquire_slow() noexcept;
  void record_slow(const Admission& admission, CallOutcome outcome) noexcept;
  void advance_window(std::int64_t now) noexcept;
  void clear_failures(std::uint64_t word) noexcept;

  // Hot, read-mostly: written on transitions, failures and once per bucket.
  alignas(64) std::atomic<std::uint64_t> word_{0};
  std::atomic<std::int64_t> next_bucket_at_{0};  ///< clock time (ns) when the bucket ends
  std::atomic<std::int64_t> open_until_{0};      ///< clock time (ns) the open state ends
  Stripe* stripes_ = nullptr;
  unsigned stripe_mask_ = 0;
  bool track_window_ = true;        ///< the rate rule is on
  bool custom_classifier_ = false;  ///< options().classifier is set
  BreakerClock clock_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/circuit_breaker.ipp>
#endif

#endif  // MCP_HTM_CIRCUIT_BREAKER_HPP
