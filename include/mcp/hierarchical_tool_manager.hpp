// mcp/hierarchical_tool_manager.hpp -- the registry and dispatcher of tool categories.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_HIERARCHICAL_TOOL_MANAGER_HPP
#define MCP_HTM_HIERARCHICAL_TOOL_MANAGER_HPP

#include <mcp/adaptive_limiter.hpp>
#include <mcp/circuit_breaker.hpp>
#include <mcp/dispatch_hook.hpp>
#include <mcp/dispatch_parallel.hpp>
#include <mcp/dispatch_result.hpp>
#include <mcp/json.hpp>
#include <mcp/metrics/snapshot.hpp>
#include <mcp/tool_category.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

namespace mcp {

/// Creates a category on first use, without waiting.
using CategoryLoader = std::function<std::shared_ptr<ToolCategory>()>;
/// Creates a category on first use, asynchronously (e.g. by starting another process).
using AsyncCategoryLoader = std::function<asio::awaitable<std::shared_ptr<ToolCategory>>()>;

/// Options of a HierarchicalToolManager.
struct ManagerOptions {
  CircuitBreakerOptions breaker;  ///< options of every category's breaker
  BreakerClock breaker_clock;     ///< empty: the breaker's default clock
  /// Deadline of every coroutine tool call unless a shorter one applies.
  std::optional<std::chrono::milliseconds> default_timeout;
  /// Called around every admitted call (tracing); null: none, at the cost of one test
  /// per call. See DispatchHook for when it runs.
  std::shared_ptr<DispatchHook> hook;
};

/// Options of one category, given at registration.
/**
 * Chainable setters: `CategoryOptions{}.with_breaker(options)`.
 */
struct CategoryOptions {
  /// The category's breaker; empty: ManagerOptions::breaker.
  std::optional<CircuitBreakerOptions> breaker;
  /// An adaptive concurrency limit for the category's calls; empty: none. Calls beyond
  /// it wait in FIFO order (dispatch_parallel always; a single dispatch unless
  /// `fail_fast`, then ErrorCode::overloaded with `retry_after_ms`); a wait longer than
  /// `max_wait` (or the call's own deadline) ends in ErrorCode::timeout. The breaker
  /// still decides whether the category is healthy; the limit, how much load it gets.
  std::optional<AdaptiveLimiterOptions> limiter;

  CategoryOptions& with_breaker(CircuitBreakerOptions options) {
    breaker = std::move(options);
    return *this;
  }
  CategoryOptions& with_limiter(AdaptiveLimiterOptions options) {
    limiter = options;
    return *this;
  }
};

/// What graceful_shutdown() achieved. Counts are of calls: a dispatch is one call, a
/// dispatch_parallel batch is as many calls as it has unfinished slots (each slot ends
/// once its own result is final), as calls_in_flight() counts them.
struct ShutdownReport {
  bool completed = false;         ///< every call in flight, and every lazy load, ended in time
  std::size_t drained = 0;        ///< calls that finished while shutdown waited
  std::size_t still_running = 0;  ///< calls in flight when the timeout expired
  /// Coroutine loads of lazy categories still running when the timeout expired (each
  /// was cancelled once no call waited for it; see graceful_shutdown()).
  std::size_t loads_still_running = 0;
};

/// The registry of tool categories and the dispatcher of their tools.
/**
 * Each category has its own CircuitBreaker. Categories registered lazily are created
 * on first use; exactly one load runs however many coroutines ask at once, the others
 * suspend (never block a thread) until it ends. A failed load poisons nothing: the next
 * access retries.
 *
 * @par Lazy loads
 * A plain-function loader runs in the first caller. A coroutine loader runs detached
 * from every caller, as a coroutine of its own on a strand of the manager's executor:
 * each caller -- the one that started it too -- only waits for it, and stops waiting
 * when it is cancelled (reads `cancelled`) or its deadline passes (reads `timeout`;
 * the call's own timeout and a batch deadline bound the wait, see CallOptions). The
 * load goes on for the other callers and later ones; no caller's cancellation fails it.
 * A load that fails gives every caller still waiting `load_failed` with its error.
 *
 * @par Thread safety
 * Every member function may be called concurrently from any thread. Coroutines run on
 * the executor given at construction (which may be a multi-threaded io_context).
 * Registration may happen while calls are running.
 *
 * @par Cancellation
 * The coroutines honour Asio cancellation (terminal): a cancelled dispatch cancels the
 * tool's coroutine (or stops waiting for its category's load) and reads
 * ErrorCode::cancelled; a cancelled dispatch_parallel cancels every call of the batch
 * and returns once they have all ended.
 *
 * @par Shutdown and destruction
 * graceful_shutdown() cancels the coroutine loads no call waits for (no new call can
 * use them), and any whose last waiter leaves while it waits; it waits for loads as for
 * calls. The destructor cancels every load still running. A load keeps the manager's
 * internal state alive until its coroutine has ended, so a loader that ignores the
 * cancellation and finishes after the manager is gone touches nothing freed (what it
 * returns is dropped); if the executor's context is destroyed first, the coroutine is
 * destroyed with it. Destroy the manager only after its calls have ended.
 */
/// @par Example
/// @code
/// asio::awaitable<void> add_numbers(mcp::HierarchicalToolManager& manager) {
///   auto math = std::make_shared<mcp::ToolCategory>("math", "Arithmetic on numbers");
///   math->add_tool(mcp::ToolSpec("add", "Add two numbers"), [](mcp::Json args) {
///     return args["a"].get<double>() + args["b"].get<double>();
///   });
///   manager.register_category(math);
///   manager.lazy_register_category(
///       "search", [] { return std::make_shared<mcp::ToolCategory>("search", "Search"); },
///       "Full-text search");
///   // The arguments in a named variable: GCC 12 miscompiles a braced initializer
///   // inside a co_await expression.
///   mcp::Json args = {{"a", 1}, {"b", 2}};
///   mcp::DispatchResult r = co_await manager.dispatch("math", "add", std::move(args));
///   if (!r.ok() || r.value() != 3.0) throw std::logic_error(r.to_json().dump());
/// }
/// @endcode
class HierarchicalToolManager {
 public:
  using executor_type = asio::any_io_executor;

  explicit HierarchicalToolManager(executor_type executor, ManagerOptions options = {});
  /// Cancels the coroutine loads still running (see "Shutdown and destruction").
  ~HierarchicalToolManager();
  HierarchicalToolManager(const HierarchicalToolManager&) = delete;
  HierarchicalToolManager& operator=(const HierarchicalToolManager&) = delete;

  [[nodiscard]] const executor_type& get_executor() const noexcept;

  /// Registers a ready category. Throws std::invalid_argument if the name is taken.
  void register_category(std::shared_ptr<ToolCategory> category, CategoryOptions options = {});

  /// Registers a category created by `loader` on first use. The loaded category's name
  /// must equal `name` (else the load fails). Throws std::invalid_argument if taken.
  void lazy_register_category(std::string name, CategoryLoader loader, std::string description = {},
                              CategoryOptions options = {});
  /// Same, with a coroutine loader.
  void lazy_register_category(std::string name, AsyncCategoryLoader loader,
                              std::string description = {}, CategoryOptions options = {});

  /// Makes a lazily registered category load again on its next use (e.g. when the MCP
  /// server behind it says its tool list changed), then tells the change subscribers.
  /**
   * Calls already running finish on the old instance, which the manager keeps until it is
   * destroyed (so reload when the tools really changed, not on every hint). The breaker
   * and its state are kept. A category not loaded (or loading) now is left as it is.
   * Returns false for an unknown category or one registered ready-made.
   */
  bool reload_category(std::string_view name);

  /// Adds a subscriber called (outside any lock, on the registering thread) after each
  /// registration, e.g. to send an MCP `notifications/tools/list_changed`. Returns a
  /// token for remove_categories_changed(); every subscriber is kept until removed.
  std::size_t on_categories_changed(std::function<void()> callback);
  /// Removes a subscriber; false when the token is unknown.
  bool remove_categories_changed(std::size_t token);

  /// `{"status": "success", "categories": [{"name", "description", "loaded"[, "tool_count"]}],
  /// "count"}`, sorted by name. Only `include_count` loads unloaded categories.
  [[nodiscard]] asio::awaitable<Json> list_categories(bool include_count = false);

  /// `{"status": "success", "category", "tools": [{"name", "description"}], "count"}`,
  /// sorted; or the error shape with `available_categories` / the load error.
  [[nodiscard]] asio::awaitable<Json> list_tools(std::string category);

  /// `{"status": "success", "category", "tool", "schema": {...}}` (cached); or the error
  /// shape with `available_categories` / `available_tools`.
  [[nodiscard]] asio::awaitable<Json> get_tool_schema(std::string category, std::string tool);

  /// Runs one tool: lookup, lazy load, argument validation, circuit breaker, handler
  /// (with its deadline). Never throws for expected failures: see DispatchResult.
  /// `options.timeout` also bounds the wait for the category's lazy load.
  [[nodiscard]] asio::awaitable<DispatchResult> dispatch(std::string category, std::string tool,
                                                         Json params = Json::object(),
                                                         CallOptions options = {});

  /// Runs many calls concurrently; results in call order.
  /**
   * - Synchronous tools of loaded categories run inline on the awaiting coroutine's
   *   thread (no coroutine frame, no hop). Coroutine tools and lazy loads run on
   *   workers, each on its own strand of the manager's executor, so a multi-threaded
   *   pool spreads them over its threads. A new worker starts whenever a thread is idle
   *   and calls are waiting, up to `max_concurrent`; each worker takes the next call the
   *   moment its current call ends (a sliding window).
   * - One call's failure is that slot's error; it does not stop the others unless
   *   `return_exceptions` is false.
   * - Cancelling the awaiting coroutine cancels every call in flight (they read
   *   `cancelled`) and starts no more; the coroutine resumes once all have ended.
   * - `deadline` bounds every call of the batch, the wait for a lazy load included: a
   *   call still waiting for its category reads `timeout` (the load goes on).
   * - Throws std::invalid_argument for `max_concurrent == 0`.
   */
  [[nodiscard]] asio::awaitable<BatchResult> dispatch_parallel(std::vector<ToolCall> calls,
                                                               ParallelOptions options = {});

  /// Stops admitting calls (they read `shutting_down` at once) and waits, without
  /// blocking a thread, for the calls in flight and the coroutine loads of lazy
  /// categories, up to `timeout`. A load no call waits for is cancelled at once, and so
  /// is one whose last waiting call leaves during the wait (see the class notes).
  [[nodiscard]] asio::awaitable<ShutdownReport> graceful_shutdown(
      std::chrono::milliseconds timeout);

  [[nodiscard]] bool is_shutting_down() const noexcept;
  /// Calls admitted and not yet finished: one per dispatch, and one per slot of a
  /// dispatch_parallel batch whose result is not final yet (a batch of 100 with 99 calls
  /// done counts 1).
  [[nodiscard]] std::size_t calls_in_flight() const noexcept;

  /// Names of every registered category, sorted.
  [[nodiscard]] std::vector<std::string> category_names() const;
  [[nodiscard]] bool has_category(std::string_view name) const;
  /// The loaded category, or nullptr when unknown or not loaded yet.
  [[nodiscard]] std::shared_ptr<ToolCategory> loaded_category(std::string_view name) const;
  /// What the manager counted, per category: calls by outcome, a latency histogram, calls
  /// running, the breaker's state and transitions (see docs/metrics.md). Plain structs,
  /// for any exporter (metrics::to_prometheus() writes the text format). Recording costs
  /// a call two relaxed atomic additions (a batch fewer); reading takes no lock but each
  /// breaker's, briefly.
  [[nodiscard]] metrics::ManagerMetrics metrics() const;

  /// The category's breaker, or nullptr for an unknown category.
  [[nodiscard]] CircuitBreaker* breaker(std::string_view category) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/hierarchical_tool_manager.ipp>
#endif

#endif  // MCP_HTM_HIERARCHICAL_TOOL_MANAGER_HPP
