// mcp/impl/hierarchical_tool_manager.ipp -- registry, lazy loading, dispatch, shutdown.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/detail/identifier.hpp>
#include <mcp/detail/pending_handler.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/metrics/latency_histogram.hpp>
#include <mcp/metrics/snapshot.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <variant>

#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace mcp {
namespace detail::hierarchical_tool_manager_impl {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

MCP_HTM_INLINE std::string describe_exception(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

// A coroutine co_spawned on a strand of its own, and the signal that cancels it.
struct StrandTask {
  explicit StrandTask(const asio::any_io_executor& ex) : strand(asio::make_strand(ex)) {}
  asio::strand<asio::any_io_executor> strand;
  asio::cancellation_signal signal;  // emitted on `strand` only

  // Starts `coroutine` on the task's strand; `owner` lives until the coroutine has ended.
  // The signal holds the coroutine's cancellation state, so it must outlive the
  // coroutine's awaitable thread, which is torn down after the completion handler
  // returns: releasing the task from a later turn of the same strand guarantees that.
  template <class Owner>
  static void spawn(const std::shared_ptr<StrandTask>& task, asio::awaitable<void> coroutine,
                    Owner owner) {
    asio::co_spawn(task->strand, std::move(coroutine),
                   asio::bind_cancellation_slot(
                       task->signal.slot(), [owner, task](std::exception_ptr) mutable {
                         auto& strand = task->strand;
                         asio::post(strand, [owner = std::move(owner), task = std::move(task)] {});
                       }));
  }

  // Terminal cancellation of the task's coroutine, emitted on its strand.
  static void cancel(const std::shared_ptr<StrandTask>& task) {
    asio::post(task->strand, [task] { task->signal.emit(asio::cancellation_type::terminal); });
  }
};

// A coroutine tool's value or exception, as a value. Awaitable operators' `||` ends at
// the first operand that *succeeds*: racing the bare tool against its deadline timer
// would keep a call whose tool threw waiting until the deadline.
struct ToolOutcome {
  Json value;
  std::exception_ptr error;
};
MCP_HTM_INLINE asio::awaitable<ToolOutcome> capture_outcome(asio::awaitable<Json> call) {
  ToolOutcome outcome;
  try {
    outcome.value = co_await std::move(call);
  } catch (...) {
    outcome.error = std::current_exception();
  }
  co_return outcome;
}

// How one caller's wait for a lazy load ended.
enum class LoadStatus : std::uint8_t { loaded, failed, cancelled, timed_out };
struct LoadOutcome {
  LoadStatus status = LoadStatus::loaded;
  std::string error;  // of a failed load
};

// One coroutine waiting for a running load. Shared with the cancellation handler the
// waiter installs, which may run after the load has handed the handler over.
struct LoadWaiter {
  detail::PendingHandler<LoadOutcome> handler;  // empty once completed
  std::size_t index = 0;                        // position in Slot::waiters
};

// What a category counts: finished calls by outcome and latency bucket (one counter
// per pair, so a call is one addition there plus one to the sum), and calls running.
struct CategoryStats {
  std::array<std::array<std::atomic<std::uint64_t>, metrics::latency_bucket_count>,
             metrics::outcome_count>
      counts{};
  std::atomic<std::int64_t> sum_ns{0};
  std::atomic<std::int64_t> in_flight{0};

  void add(std::size_t outcome, std::size_t bucket, std::uint64_t n, std::int64_t sum) noexcept {
    counts[outcome][bucket].fetch_add(n, std::memory_order_relaxed);
    sum_ns.fetch_add(sum, std::memory_order_relaxed);
  }
};

// One registered category: its breaker and its (possibly not yet loaded) object.
struct Slot {
  Slot(std::string n, std::string d, const ManagerOptions& options,
       const CategoryOptions& category_options)
      : name(std::move(n)),
        description(std::move(d)),
        hash(std::hash<std::string_view>{}(name)),
        breaker(name, category_options.breaker.value_or(options.breaker), options.breaker_clock),
        limiter(category_options.limiter
                    ? std::make_unique<AdaptiveLimiter>(*category_options.limiter)
                    : nullptr) {}

  const std::string name;
  const std::string description;
  const std::size_t hash;
  CircuitBreaker breaker;
  const std::unique_ptr<AdaptiveLimiter> limiter;  // CategoryOptions::limiter, or null
  std::atomic<ToolCategory*> ready{nullptr};       // set once, when loaded
  CategoryStats stats;

  CategoryLoader loader;             // set at registration, then only read
  AsyncCategoryLoader async_loader;  // (one of the two)

  std::mutex mutex;                                  // guards the fields below
  std::shared_ptr<ToolCategory> category;            // owns *ready
  bool loading = false;                              // a load is running
  std::string last_error;                            // of the last failed load
  std::vector<std::shared_ptr<LoadWaiter>> waiters;  // of the running load
  std::shared_ptr<StrandTask> load_task;             // the running coroutine load, detached
  // Categories replaced by reload_category(): calls that started on them may still hold
  // their raw pointers, so they live as long as the manager (reloads are rare).
  std::vector<std::shared_ptr<ToolCategory>> retired;

  // Takes a waiter out of `waiters` (swap with the last). Call with `mutex` held.
  void remove_waiter(LoadWaiter& waiter) noexcept {
    auto& last = waiters.back();
    last->index = waiter.index;
    std::swap(waiters[waiter.index], last);
    waiters.pop_back();
  }
};

// An immutable snapshot of the registry: sorted slots plus an open-addressing index.
// Snapshots are published atomically and never freed before the manager, so lookups
// take no lock and no reference count.
struct Registry {
  std::vector<Slot*> sorted;
  std::vector<std::uint32_t> index;  // 0: empty, else position in `sorted` + 1

  static std::unique_ptr<const Registry> with(const Registry* previous, Slot* added) {
    auto next = std::make_unique<Registry>();
    if (previous != nullptr) next->sorted = previous->sorted;
    auto pos = std::lower_bound(next->sorted.begin(), next->sorted.end(), added->name,
                                [](const Slot* s, const std::string& n) { return s->name < n; });
    next->sorted.insert(pos, added);
    std::size_t capacity = 8;
    while (capacity < next->sorted.size() * 2) capacity *= 2;
    next->index.assign(capacity, 0);
    for (std::size_t i = 0; i < next->sorted.size(); ++i) {
      std::size_t h = next->sorted[i]->hash & (capacity - 1);
      while (next->index[h] != 0) h = (h + 1) & (capacity - 1);
      next->index[h] = static_cast<std::uint32_t>(i + 1);
    }
    return next;
  }

  Slot* find(std::string_view name) const noexcept {
    const std::size_t mask = index.size() - 1;
    for (std::size_t h = std::hash<std::string_view>{}(name)&mask;; h = (h + 1) & mask) {
      const std::uint32_t at = index[h];
      if (at == 0) return nullptr;
      if (sorted[at - 1]->name == name) return sorted[at - 1];
    }
  }
};

template <class Signature, class Initiation>
auto async_wait_for(Initiation initiation) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, Signature>(std::move(initiation),
                                                                         asio::use_awaitable);
}

// A count of parties still running plus the one coroutine waiting for it to reach zero
// (cppcoro's async_latch idea). The count is guarded by the owner's mutex, so owners can
// test and bump it together with their own state.
class Join {
 public:
  explicit Join(std::mutex& mutex) : mutex_(mutex) {}

  std::size_t parties = 0;  // started and not yet arrived; guarded by the owner's mutex

  // One party ends; the last one resumes the waiter (posted to its executor).
  void arrive() {
    detail::PendingHandler<> waiter;
    {
      std::lock_guard lock(mutex_);
      if (--parties != 0 || !waiter_) return;
      waiter = std::move(waiter_);
    }
    waiter.complete();
  }

  // Suspends until no party runs. `on_cancel(slot)` may install a handler on the
  // waiter's cancellation slot. It must capture nothing with a destructor: GCC 12
  // destroys the captures of a lambda temporary inside a co_await expression twice
  // (GCC bug 100611), which for a shared_ptr capture is one release too many.
  template <class InstallCancel>
  asio::awaitable<void> wait(InstallCancel on_cancel) {
    Join* join = this;
    co_await async_wait_for<void()>([join, on_cancel](auto handler) {
      if (auto slot = asio::get_associated_cancellation_slot(handler); slot.is_connected()) {
        on_cancel(slot);
      }
      std::unique_lock lock(join->mutex_);
      if (join->parties != 0) {
        join->waiter_ = detail::PendingHandler<>(std::move(handler));
        return;
      }
      lock.unlock();
      detail::PendingHandler<>(std::move(handler)).complete();
    });
  }

 private:
  std::mutex& mutex_;
  detail::PendingHandler<> waiter_;  // the waiting coroutine, once it waits
};

}  // namespace detail::hierarchical_tool_manager_impl
using namespace detail::hierarchical_tool_manager_impl;

struct HierarchicalToolManager::Impl : std::enable_shared_from_this<Impl> {
  Impl(executor_type ex, ManagerOptions opts)
      : executor(std::move(ex)), options(std::move(opts)), shutdown_strand(executor) {}

  executor_type executor;
  const ManagerOptions options;

  std::mutex registry_mutex;  // serialises registration; guards the three below
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<std::unique_ptr<const Registry>> snapshots;
  std::vector<std::pair<std::size_t, std::function<void()>>> on_changed;
  std::size_t next_subscriber = 1;
  std::atomic<const Registry*> registry{nullptr};

  std::atomic<std::uint64_t> next_request_id{1};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> loads_running{0};  // detached coroutine loads
  std::atomic<bool> shutting_down{false};
  asio::strand<executor_type> shutdown_strand;
  std::vector<asio::steady_timer*> shutdown_waiters;  // touched on shutdown_strand only

  // ---- registry -------------------------------------------------------------------

  Slot* find_slot(std::string_view name) const noexcept {
    const Registry* reg = registry.load(std::memory_order_acquire);
    return reg == nullptr ? nullptr : reg->find(name);
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    if (const Registry* reg = registry.load(std::memory_order_acquire)) {
      out.reserve(reg->sorted.size());
      for (const Slot* s : reg->sorted) out.push_back(s->name);
    }
    return out;
  }

  // Publishes a fully set-up slot; the change callback runs outside the lock.
  void add_slot(std::unique_ptr<Slot> slot) {
    std::vector<std::pair<std::size_t, std::function<void()>>> callbacks;
    {
      std::lock_guard lock(registry_mutex);
      if (find_slot(slot->name) != nullptr) {
        throw std::invalid_argument(fmt::format("category '{}' is already registered", slot->name));
      }
      snapshots.push_back(Registry::with(registry.load(std::memory_order_relaxed), slot.get()));
      slots.push_back(std::move(slot));
      registry.store(snapshots.back().get(), std::memory_order_release);
      callbacks = on_changed;
    }
    for (const auto& [token, callback] : callbacks) callback();
  }

  std::unique_ptr<Slot> make_slot(std::string name, std::string description,
                                  const CategoryOptions& category_options) const {
    detail::check_identifier("category", name);
    return std::make_unique<Slot>(std::move(name), std::move(description), options,
                                  category_options);
  }

  void notify_changed() {
    std::vector<std::pair<std::size_t, std::function<void()>>> callbacks;
    {
      std::lock_guard lock(registry_mutex);
      callbacks = on_changed;
    }
    for (const auto& [token, callback] : callbacks) callback();
  }

  // ---- error shapes -----------------------------------------------------------------

  void category_not_found(const std::string& category, DispatchResult& out) const {
    auto available = names();
    out.set_error(
        ErrorCode::category_not_found,
        fmt::format("category '{}' not found; available categories: {}", category,
                    available.empty() ? "(none)" : fmt::format("{}", fmt::join(available, ", "))),
        Json{{"available_categories", std::move(available)}});
  }

  static void tool_not_found(const ToolCategory& category, const std::string& tool,
                             DispatchResult& out) {
    auto available = category.tool_names();
    out.set_error(
        ErrorCode::tool_not_found,
        fmt::format("tool '{}' not found in category '{}'; available tools: {}", tool,
                    category.name(),
                    available.empty() ? "(none)" : fmt::format("{}", fmt::join(available, ", "))),
        Json{{"available_tools", std::move(available)}});
  }

  static void load_failed(const Slot& slot, const std::string& error, DispatchResult& out) {
    out.set_error(ErrorCode::load_failed,
                  fmt::format("loading category '{}' failed: {}; the next access retries the load",
                              slot.name, error));
  }

  // The category, loaded if needed; nullptr with `error` set to the error shape (unknown
  // category, failed load, or a cancelled wait) otherwise. For the listing calls.
  asio::awaitable<ToolCategory*> loaded_or_error(const std::string& category, Json& error) {
    DispatchResult result;
    Slot* slot = find_slot(category);
    if (slot == nullptr) {
      category_not_found(category, result);
      error = result.to_json();
      co_return nullptr;
    }
    const LoadOutcome outcome = co_await ensure_loaded(*slot);
    if (outcome.status == LoadStatus::loaded) co_return slot->ready.load(std::memory_order_acquire);
    if (outcome.status == LoadStatus::failed) {
      load_failed(*slot, outcome.error, result);
    } else {
      result.set_error(ErrorCode::cancelled,
                       fmt::format("cancelled while category '{}' loaded", slot->name));
    }
    error = result.to_json();
    co_return nullptr;
  }

  // ---- lazy loading -------------------------------------------------------------------
  //
  // A load runs once however many callers ask. A plain-function loader runs right in the
  // first caller (it cannot be interrupted anyway). A coroutine loader runs detached, as
  // a coroutine of its own on a strand of the executor (run_load), so no caller's
  // cancellation or deadline reaches it. Every caller of a running load -- the one that
  // started it too -- is a waiter: a stored completion handler in Slot::waiters, plus a
  // handler on the caller's cancellation slot that takes it out and completes it as
  // `cancelled` (a deadline races the wait with a timer, whose win cancels it that way).
  // So a waiter leaves the moment it is cancelled or its deadline passes, and the load
  // goes on for the others; the load's outcome, failure included, reaches every waiter
  // still there.
  //
  // Shutdown: a coroutine load nobody waits for is cancelled when graceful_shutdown
  // starts (no new call can use it), and so is one whose last waiter leaves during the
  // shutdown; graceful_shutdown then waits for it like for a call. The destructor
  // cancels every load still running; each keeps this Impl alive until its coroutine
  // has ended, so a late loader touches nothing freed (its category is dropped).

  // Checks what a loader returned; "" when it is the slot's category.
  static std::string check_loaded(const Slot& slot, const std::shared_ptr<ToolCategory>& loaded) {
    if (!loaded) return "the loader returned no category";
    if (loaded->name() != slot.name) {
      return fmt::format("the loader returned category '{}' instead of '{}'", loaded->name(),
                         slot.name);
    }
    return {};
  }

  // Ends the slot's running load: publishes the category or keeps the error, and hands
  // the outcome to every waiter.
  LoadOutcome finish_load(Slot& slot, std::shared_ptr<ToolCategory> loaded, std::string error) {
    if (error.empty()) error = check_loaded(slot, loaded);
    LoadOutcome outcome;
    if (!error.empty()) outcome = LoadOutcome{LoadStatus::failed, error};
    std::vector<detail::PendingHandler<LoadOutcome>> handlers;
    {
      std::lock_guard lock(slot.mutex);
      if (error.empty()) {
        slot.category = std::move(loaded);
        slot.ready.store(slot.category.get(), std::memory_order_release);
      } else {
        slot.last_error = std::move(error);
      }
      slot.loading = false;
      slot.load_task.reset();
      // Handlers are taken under the lock: a waiter's cancellation handler, which may run
      // at any time on the waiter's thread, finds an empty one and leaves it to us.
      handlers.reserve(slot.waiters.size());
      for (auto& waiter : slot.waiters) handlers.push_back(std::move(waiter->handler));
      slot.waiters.clear();
    }
    for (auto& handler : handlers) handler.complete(outcome);
    return outcome;
  }

  // The detached coroutine of a coroutine loader. Plain pointers: the completion handler
  // keeps this Impl (and so the slot) alive until the coroutine has ended.
  static asio::awaitable<void> run_load(Impl* impl, Slot* slot) {
    std::shared_ptr<ToolCategory> loaded;
    std::string error;
    try {
      loaded = co_await slot->async_loader();
    } catch (...) {
      error = describe_exception(std::current_exception());
    }
    impl->finish_load(*slot, std::move(loaded), std::move(error));
    if (impl->loads_running.fetch_sub(1) == 1 && impl->shutting_down.load()) {
      impl->wake_shutdown_waiters();
    }
  }

  // The initiation of a wait for the slot's load: completes at once when no load runs
  // (loaded, or the last failure of a plain loader), else stores the handler as a
  // waiter, starting a coroutine load if none runs (this is how a coroutine loader's
  // first caller, and the first after a failure, starts it).
  template <class Handler>
  void wait_for_load(Slot& slot, Handler&& handler) {
    auto cancel_slot = asio::get_associated_cancellation_slot(handler);
    std::shared_ptr<StrandTask> start;
    std::unique_lock lock(slot.mutex);
    if (slot.ready.load(std::memory_order_acquire) != nullptr ||
        (!slot.loading && !slot.async_loader)) {
      LoadOutcome outcome;
      if (slot.ready.load(std::memory_order_acquire) == nullptr) {
        outcome = LoadOutcome{LoadStatus::failed, slot.last_error};
      }
      lock.unlock();
      detail::PendingHandler<LoadOutcome>(std::forward<Handler>(handler)).complete(outcome);
      return;
    }
    if (!slot.loading) {
      slot.loading = true;
      slot.load_task = start = std::make_shared<StrandTask>(executor);
      loads_running.fetch_add(1);
    }
    auto waiter = std::make_shared<LoadWaiter>();
    waiter->handler = detail::PendingHandler<LoadOutcome>(std::forward<Handler>(handler));
    waiter->index = slot.waiters.size();
    // Installed before the waiter is visible to the load: the cancellation slot belongs
    // to this thread of execution. The awaitable handler clears it when it completes.
    if (cancel_slot.is_connected()) {
      cancel_slot.assign([impl = this, s = &slot, waiter](asio::cancellation_type type) {
        if (type != asio::cancellation_type::none) impl->leave_load(*s, *waiter);
      });
    }
    slot.waiters.push_back(std::move(waiter));
    lock.unlock();
    if (start) StrandTask::spawn(start, run_load(this, &slot), shared_from_this());
  }

  // Starts the slot's coroutine load unless it is loaded, loading or loads synchronously;
  // nobody waits for it yet (ensure_loaded does), so several loads can run at once.
  bool start_load(Slot& slot) {
    std::shared_ptr<StrandTask> start;
    {
      std::lock_guard lock(slot.mutex);
      if (slot.ready.load(std::memory_order_acquire) != nullptr || slot.loading ||
          !slot.async_loader || shutting_down.load())
        return false;
      slot.loading = true;
      slot.load_task = start = std::make_shared<StrandTask>(executor);
      loads_running.fetch_add(1);
    }
    StrandTask::spawn(start, run_load(this, &slot), shared_from_this());
    return true;
  }

  // The failure of a load start_load() started that has already ended (a wait would
  // start another).
  std::optional<LoadOutcome> failed_load(Slot& slot) {
    std::lock_guard lock(slot.mutex);
    if (slot.ready.load(std::memory_order_acquire) != nullptr || slot.loading) return std::nullopt;
    return LoadOutcome{LoadStatus::failed, slot.last_error};
  }

  // A waiter's cancellation: it leaves at once with `cancelled`, unless the load's
  // outcome is already on its way to it.
  void leave_load(Slot& slot, LoadWaiter& waiter) {
    detail::PendingHandler<LoadOutcome> handler;
    std::shared_ptr<StrandTask> orphaned;
    {
      std::lock_guard lock(slot.mutex);
      if (!waiter.handler) return;
      handler = std::move(waiter.handler);
      slot.remove_waiter(waiter);
      // Nobody can use this load any more: no new call is admitted.
      if (slot.waiters.empty() && shutting_down.load()) orphaned = slot.load_task;
    }
    handler.complete(LoadOutcome{LoadStatus::cancelled, {}});
    if (orphaned) StrandTask::cancel(orphaned);
  }

  // Cancels the coroutine loads that run; `all` false: only those nobody waits for.
  void cancel_loads(bool all) {
    std::vector<std::shared_ptr<StrandTask>> tasks;
    {
      std::lock_guard registry_lock(registry_mutex);
      for (const auto& slot : slots) {
        std::lock_guard lock(slot->mutex);
        if (slot->load_task && (all || slot->waiters.empty())) tasks.push_back(slot->load_task);
      }
    }
    for (const auto& task : tasks) StrandTask::cancel(task);
  }

  // Loads the slot's category once; concurrent callers wait for that load, each until
  // the load ends, its own cancellation, or its `deadline`.
  asio::awaitable<LoadOutcome> ensure_loaded(Slot& slot,
                                             std::optional<TimePoint> deadline = std::nullopt) {
    if (slot.ready.load(std::memory_order_acquire) != nullptr) co_return LoadOutcome{};
    if (!slot.async_loader) {
      bool load_here = false;
      {
        std::lock_guard lock(slot.mutex);
        if (slot.ready.load(std::memory_order_acquire) == nullptr && !slot.loading) {
          slot.loading = true;
          load_here = true;
        }
      }
      if (load_here) {
        std::shared_ptr<ToolCategory> loaded;
        std::string error;
        try {
          loaded = slot.loader();
        } catch (...) {
          error = describe_exception(std::current_exception());
        }
        co_return finish_load(slot, std::move(loaded), std::move(error));
      }
    }
    // Plain pointers in the initiation (GCC 12 destroys the captures of a lambda
    // temporary inside a co_await expression twice, GCC bug 100611).
    Impl* impl = this;
    Slot* s = &slot;
    auto initiation = [impl, s](auto handler) { impl->wait_for_load(*s, std::move(handler)); };
    try {
      if (!deadline) {
        co_return co_await async_wait_for<void(LoadOutcome)>(initiation);
      }
      using namespace asio::experimental::awaitable_operators;
      asio::steady_timer timer(co_await asio::this_coro::executor, *deadline);
      // The timer's wait reports its end as a value: a throwing wait would raise an
      // exception every time the load wins the race and the group cancels the timer.
      auto first = co_await (async_wait_for<void(LoadOutcome)>(initiation) ||
                             timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
      if (first.index() == 1) {
        // Cancelled with the caller (the load's wait ends too): not a timeout.
        if (std::get<0>(std::get<1>(first))) co_return LoadOutcome{LoadStatus::cancelled, {}};
        co_return LoadOutcome{LoadStatus::timed_out, {}};
      }
      co_return std::get<0>(std::move(first));
    } catch (const std::system_error& e) {
      // co_await throws operation_aborted when the coroutine was cancelled before it.
      if (e.code() != asio::error::operation_aborted) throw;
    }
    co_return LoadOutcome{LoadStatus::cancelled, {}};
  }

  // ---- one call -------------------------------------------------------------------------

  // Argument check and breaker admission; false when `out` already holds the error.
  static bool admit(Slot& slot, const Tool& tool, const Json& params, Admission& admission,
                    DispatchResult& out) {
    if (!tool.input_schema().accepts(params)) {
      set_invalid_arguments(slot, tool, tool.input_schema().validate(params), out);
      return false;
    }
    admission = slot.breaker.try_acquire();
    if (!admission && admission.state == BreakerState::forced_open) {
      out.set_error(ErrorCode::circuit_open,
                    fmt::format("category '{}' is isolated: its circuit breaker was forced open "
                                "and stays open until it is reset",
                                slot.name),
                    Json{{"retry_after_ms", nullptr}});
      return false;
    }
    if (!admission) {
      const auto retry_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(admission.retry_after);
      out.set_error(ErrorCode::circuit_open,
                    fmt::format("circuit breaker of category '{}' is open after repeated failures; "
                                "retry in {:.1f} s",
                                slot.name, static_cast<double>(retry_ms.count()) / 1000.0),
                    Json{{"retry_after_ms", retry_ms.count()}});
      return false;
    }
    return true;
  }

  // The violations of a tool's InvalidArguments (typed tools' conversion errors), which
  // are the caller's fault: answered as invalid_params and not counted by the breaker.
  static std::optional<std::vector<SchemaViolation>> invalid_arguments(
      const std::exception_ptr& error) {
    if (!error) return std::nullopt;
    try {
      std::rethrow_exception(error);
    } catch (const InvalidArguments& e) {
      return e.violations();
    } catch (...) {
      return std::nullopt;
    }
  }

  static void set_invalid_arguments(const Slot& slot, const Tool& tool,
                                    const std::vector<SchemaViolation>& violations,
                                    DispatchResult& out) {
    Json errors = Json::array();
    std::string summary;
    for (const auto& v : violations) {
      errors.push_back({{"pointer", v.pointer}, {"reason", v.reason}});
      summary += fmt::format("{}{}: {}", summary.empty() ? "" : "; ",
                             v.pointer.empty() ? "(root)" : v.pointer, v.reason);
    }
    out.set_error(
        ErrorCode::invalid_params,
        fmt::format("invalid arguments for tool '{}.{}': {}", slot.name, tool.name(), summary),
        Json{{"errors", std::move(errors)}});
  }

  // Records exactly once, even when a custom classifier throws (then: a failure).
  static void record_outcome(Slot& slot, const Admission& admission, const CallReport& report,
                             bool caller_fault = false) {
    CallOutcome outcome = CallOutcome::failure;
    if (caller_fault) {
      outcome = CallOutcome::ignored;
    } else {
      try {
        outcome = slot.breaker.classify(report);
      } catch (...) {
      }
    }
    slot.breaker.record(admission, outcome);
  }

  static void run_sync(Slot& slot, const Tool& tool, const Admission& admission, Json&& params,
                       const RequestContext& context, DispatchResult& out) {
    CallReport report;
    Json value;
    try {
      value = tool.call_sync(std::move(params), context);
      report.result = &value;
    } catch (...) {
      report.exception = std::current_exception();
    }
    const auto invalid = invalid_arguments(report.exception);
    record_outcome(slot, admission, report, invalid.has_value());
    if (invalid) {
      set_invalid_arguments(slot, tool, *invalid, out);
    } else if (report.exception) {
      out.set_error(ErrorCode::tool_error,
                    fmt::format("tool '{}.{}' failed: {}", slot.name, tool.name(),
                                describe_exception(report.exception)));
    } else {
      out.set_value(std::move(value));
    }
  }

  static void note_deprecation(const Tool& tool, DispatchResult& out) {
    if (!tool.spec().deprecated) return;
    out.warning = tool.spec().deprecation_message.empty()
                      ? fmt::format("tool '{}' is deprecated", tool.name())
                      : fmt::format("tool '{}' is deprecated: {}", tool.name(),
                                    tool.spec().deprecation_message);
  }

  // Completes the call without suspending when it can: early errors and synchronous
  // tools of loaded categories. False: it needs run_async (a load or a coroutine tool).
  // The previous call's resolution, reused when the next call names the same category
  // and tool (batches repeat a few tools): two string compares instead of two lookups.
  struct ResolvedTool {
    std::string_view category;
    std::string_view tool;
    Slot* slot = nullptr;
    const Tool* tool_ptr = nullptr;
  };

  // Completes the call without suspending when it can: early errors and synchronous
  // tools of loaded categories. False: it needs run_async (a load or a coroutine tool).
  // `*used` is set to the call's category (left null for an unknown one).
  bool try_inline(ToolCall& call, DispatchResult& out, const RequestContext& context, Slot*& used,
                  ResolvedTool* cache = nullptr) const {
    Slot* slot = nullptr;
    const Tool* tool = nullptr;
    if (cache != nullptr && cache->tool_ptr != nullptr && call.tool == cache->tool &&
        call.category == cache->category) {
      slot = used = cache->slot;
      tool = cache->tool_ptr;
    } else {
      slot = used = find_slot(call.category);
      if (slot == nullptr) {
        category_not_found(call.category, out);
        return true;
      }
      ToolCategory* category = slot->ready.load(std::memory_order_acquire);
      if (category == nullptr) return false;
      tool = category->find_tool(call.tool);
      if (tool == nullptr) {
        tool_not_found(*category, call.tool, out);
        return true;
      }
      if (cache != nullptr) *cache = {slot->name, tool->name(), slot, tool};
    }
    if (tool->is_async()) return false;
    // A full limit: the async path waits for a permit (or fails fast).
    std::optional<AdaptiveLimiter::Permit> permit;
    if (slot->limiter && !(permit = slot->limiter->try_acquire())) return false;
    const PermitGuard guard(slot->limiter.get(), permit, out);
    note_deprecation(*tool, out);
    Admission admission;
    if (admit(*slot, *tool, call.params, admission, out)) {
      run_sync(*slot, *tool, admission, std::move(call.params), context, out);
    }
    return true;
  }

  // Gives a limiter permit back when the call ends, with what its result says of load.
  struct PermitGuard {
    AdaptiveLimiter* limiter;
    const std::optional<AdaptiveLimiter::Permit>& permit;
    const DispatchResult& out;
    PermitGuard(AdaptiveLimiter* l, const std::optional<AdaptiveLimiter::Permit>& p,
                const DispatchResult& o) noexcept
        : limiter(l), permit(p), out(o) {}
    PermitGuard(const PermitGuard&) = delete;
    PermitGuard& operator=(const PermitGuard&) = delete;
    ~PermitGuard() {
      if (limiter == nullptr || !permit) return;
      LimitSignal signal = LimitSignal::ignored;
      if (out.ok()) {
        signal = LimitSignal::success;
      } else if (out.error().code == ErrorCode::timeout ||
                 out.error().code == ErrorCode::overloaded) {
        signal = LimitSignal::dropped;  // the backend shed or could not keep up
      }
      limiter->release(*permit, signal);
    }
  };

  // Waits for a permit of the slot's limiter (or fails fast); false when `out` holds why
  // not. A batch always waits; a wait ends at max_wait or the call's own deadline.
  asio::awaitable<bool> acquire_permit(Slot& slot, const ToolCall& call, TimePoint start,
                                       std::optional<std::chrono::milliseconds> call_timeout,
                                       std::optional<TimePoint> batch_deadline, bool in_batch,
                                       std::optional<AdaptiveLimiter::Permit>& permit,
                                       DispatchResult& out) {
    AdaptiveLimiter& limiter = *slot.limiter;
    if (!in_batch && limiter.options().fail_fast) {
      permit = limiter.try_acquire();
      if (permit) co_return true;
      const auto retry = limiter.retry_after();
      out.set_error(ErrorCode::overloaded,
                    fmt::format("category '{}' is at its concurrency limit ({} calls); retry in "
                                "{} ms",
                                slot.name, limiter.limit(), retry.count()),
                    Json{{"retry_after_ms", retry.count()}, {"limit", limiter.limit()}});
      co_return false;
    }
    TimePoint deadline = Clock::now() + limiter.options().max_wait;
    if (batch_deadline && *batch_deadline < deadline) deadline = *batch_deadline;
    if (call_timeout && start + *call_timeout < deadline) deadline = start + *call_timeout;
    const AdaptiveLimiter::Acquired got = co_await limiter.acquire(deadline);
    if (got.permit) {
      permit = got.permit;
      co_return true;
    }
    using Status = AdaptiveLimiter::AcquireStatus;
    if (got.status == Status::cancelled) {
      out.set_error(ErrorCode::cancelled,
                    fmt::format("call of '{}.{}' was cancelled while it waited for a permit of "
                                "its category's concurrency limit",
                                call.category, call.tool));
    } else if (got.status == Status::queue_full) {
      const auto retry = limiter.retry_after();
      out.set_error(ErrorCode::overloaded,
                    fmt::format("category '{}' has {} calls waiting for its concurrency limit "
                                "already; retry in {} ms",
                                slot.name, limiter.options().max_queued, retry.count()),
                    Json{{"retry_after_ms", retry.count()}, {"limit", limiter.limit()}});
    } else {
      const auto waited =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      out.set_error(ErrorCode::timeout,
                    fmt::format("call of '{}.{}' waited {} ms for a permit of its category's "
                                "concurrency limit ({} calls) and gave up",
                                call.category, call.tool, waited.count(), limiter.limit()),
                    Json{{"timeout_ms", waited.count()}, {"limit", limiter.limit()}});
    }
    co_return false;
  }

  std::optional<TimePoint> deadline_of(const Tool& tool, TimePoint start,
                                       std::optional<std::chrono::milliseconds> call_timeout,
                                       std::optional<TimePoint> batch_deadline) const {
    std::optional<TimePoint> deadline = batch_deadline;
    for (const auto& timeout : {call_timeout, tool.spec().timeout, options.default_timeout}) {
      if (timeout && (!deadline || start + *timeout < *deadline)) deadline = start + *timeout;
    }
    return deadline;
  }

  // The loaded category of a call's slot, or nullptr with `out` holding why not (the
  // load failed, or the call was cancelled or reached its deadline while it waited).
  asio::awaitable<ToolCategory*> load_for_call(
      Slot& slot, const ToolCall& call, DispatchResult& out, TimePoint start,
      std::optional<std::chrono::milliseconds> call_timeout,
      std::optional<TimePoint> batch_deadline) {
    // The caller's own limits bound the wait for the load too (the tool's is unknown
    // until it has loaded); the load itself goes on for later calls.
    std::optional<TimePoint> load_deadline = batch_deadline;
    if (call_timeout && (!load_deadline || start + *call_timeout < *load_deadline)) {
      load_deadline = start + *call_timeout;
    }
    const LoadOutcome loaded = co_await ensure_loaded(slot, load_deadline);
    const auto cancel_state = co_await asio::this_coro::cancellation_state;
    if (loaded.status == LoadStatus::cancelled ||
        cancel_state.cancelled() != asio::cancellation_type::none) {
      out.set_error(ErrorCode::cancelled,
                    fmt::format("call of '{}.{}' was cancelled while its category loaded",
                                call.category, call.tool));
      co_return nullptr;
    }
    if (loaded.status == LoadStatus::timed_out) {
      const auto limit =
          std::chrono::duration_cast<std::chrono::milliseconds>(*load_deadline - start);
      out.set_error(ErrorCode::timeout,
                    fmt::format("call of '{}.{}' timed out after {} ms while category '{}' "
                                "loaded; the load goes on for later calls",
                                call.category, call.tool, limit.count(), slot.name),
                    Json{{"timeout_ms", limit.count()}});
      co_return nullptr;
    }
    if (loaded.status == LoadStatus::failed) {
      load_failed(slot, loaded.error, out);
      co_return nullptr;
    }
    co_return slot.ready.load(std::memory_order_acquire);
  }

  // The full path, for calls try_inline could not finish.
  // `used` is set to the call's category (left null for an unknown one).
  asio::awaitable<void> run_async(ToolCall& call, DispatchResult& out,
                                  const RequestContext& context, TimePoint start,
                                  std::optional<std::chrono::milliseconds> call_timeout,
                                  std::optional<TimePoint> batch_deadline, Slot*& used,
                                  bool in_batch) {
    Slot* slot = used = find_slot(call.category);
    if (slot == nullptr) {
      category_not_found(call.category, out);
      co_return;
    }
    // Counted as running until this coroutine ends (the category's in_flight gauge).
    struct Running {
      CategoryStats& stats;
      explicit Running(CategoryStats& s) : stats(s) {
        stats.in_flight.fetch_add(1, std::memory_order_relaxed);
      }
      ~Running() { stats.in_flight.fetch_sub(1, std::memory_order_relaxed); }
      Running(const Running&) = delete;
      Running& operator=(const Running&) = delete;
    };
    const Running running(slot->stats);
    ToolCategory* category = slot->ready.load(std::memory_order_acquire);
    if (category == nullptr) {
      // A coroutine of its own: the wait's state stays out of this frame, which every
      // coroutine call allocates.
      category = co_await load_for_call(*slot, call, out, start, call_timeout, batch_deadline);
      if (category == nullptr) co_return;
    }
    const Tool* tool = category->find_tool(call.tool);
    if (tool == nullptr) {
      tool_not_found(*category, call.tool, out);
      co_return;
    }
    std::optional<AdaptiveLimiter::Permit> permit;
    if (slot->limiter) {
      // co_await only as a full statement (GCC 12).
      const bool admitted = co_await acquire_permit(*slot, call, start, call_timeout,
                                                    batch_deadline, in_batch, permit, out);
      if (!admitted) co_return;
    }
    const PermitGuard guard(slot->limiter.get(), permit, out);
    note_deprecation(*tool, out);
    Admission admission;
    if (!admit(*slot, *tool, call.params, admission, out)) co_return;
    if (!tool->is_async()) {
      run_sync(*slot, *tool, admission, std::move(call.params), context, out);
      co_return;
    }

    const auto deadline = deadline_of(*tool, start, call_timeout, batch_deadline);
    CallReport report;
    Json value;
    try {
      if (deadline) {
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer timer(co_await asio::this_coro::executor, *deadline);
        // A non-throwing timer wait: a throwing one would raise (and unwind) an exception
        // on every call that beats its deadline, when the group cancels the timer.
        auto first = co_await (capture_outcome(tool->call_async(std::move(call.params), context)) ||
                               timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
        if (first.index() == 0) {
          auto& outcome = std::get<0>(first);
          if (outcome.error) std::rethrow_exception(outcome.error);
          value = std::move(outcome.value);
        } else if (std::get<0>(std::get<1>(first))) {
          // The timer was cancelled with the caller before the tool ended.
          throw std::system_error(asio::error::operation_aborted);
        } else {
          report.timed_out = true;
        }
      } else {
        value = co_await tool->call_async(std::move(call.params), context);
      }
    } catch (...) {
      report.exception = std::current_exception();
    }
    // co_await only as a full statement: GCC 12 miscompiles it inside && and ?:.
    const auto cancel_state = co_await asio::this_coro::cancellation_state;
    if (report.exception && cancel_state.cancelled() != asio::cancellation_type::none) {
      report.cancelled = true;
    }
    if (!report.exception && !report.timed_out) report.result = &value;
    const auto invalid = report.cancelled ? std::nullopt : invalid_arguments(report.exception);
    record_outcome(*slot, admission, report, invalid.has_value());
    if (invalid) {
      set_invalid_arguments(*slot, *tool, *invalid, out);
    } else if (report.cancelled) {
      out.set_error(ErrorCode::cancelled,
                    fmt::format("call of '{}.{}' was cancelled", slot->name, tool->name()));
    } else if (report.timed_out) {
      const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - start);
      out.set_error(ErrorCode::timeout,
                    fmt::format("tool '{}.{}' timed out after {} ms and was cancelled", slot->name,
                                tool->name(), limit.count()),
                    Json{{"timeout_ms", limit.count()}});
    } else if (report.exception) {
      out.set_error(ErrorCode::tool_error,
                    fmt::format("tool '{}.{}' failed: {}", slot->name, tool->name(),
                                describe_exception(report.exception)));
    } else {
      out.set_value(std::move(value));
    }
  }

  // Identity and timing of a call that ran (or was refused after it was admitted).
  // Batches reserve a block of request ids up front (id = first + index), so threads
  // finishing calls of one batch never contend on the manager's counter.
  static void finish(ToolCall& call, DispatchResult& out, TimePoint start, TimePoint end,
                     std::uint64_t request_id) {
    out.category = std::move(call.category);
    out.tool = std::move(call.tool);
    out.request_id = request_id;
    out.duration = end - start;
  }

  // ---- tracing hook --------------------------------------------------------------------

  static void hook_start(DispatchHook& hook, DispatchEvent& event, const ToolCall& call,
                         const RequestContext& context) noexcept {
    event.category = call.category;
    event.tool = call.tool;
    event.trace = context.trace_context();
    event.start = Clock::now();
    hook.on_start(event);
  }

  // After finish(), which moved the call's names into the result: the views follow them.
  static void hook_end(DispatchHook& hook, DispatchEvent& event,
                       const DispatchResult& out) noexcept {
    event.category = out.category;
    event.tool = out.tool;
    hook.on_end(event, out);
  }

  // ---- metrics -------------------------------------------------------------------------

  std::atomic<std::uint64_t> unknown_category_calls{0};

  // A run of finished calls with the same category, outcome and latency bucket, added to
  // the category's counters in one go: a batch of similar calls costs a few additions in
  // all, a single dispatch two.
  struct Tally {
    Impl* impl;
    Slot* slot = nullptr;
    std::size_t outcome = 0;
    std::size_t bucket = 0;
    std::uint64_t n = 0;
    std::int64_t sum_ns = 0;

    explicit Tally(Impl* owner) noexcept : impl(owner) {}
    Tally(const Tally&) = delete;
    Tally& operator=(const Tally&) = delete;
    ~Tally() { flush(); }

    void add(Slot* s, const DispatchResult& out) noexcept {
      const std::int64_t ns = out.duration.count();
      const std::size_t o = out.ok() ? 0 : static_cast<std::size_t>(out.error().code);
      const std::size_t b = metrics::latency_bucket(ns);
      if (n != 0 && s == slot && o == outcome && b == bucket) {
        ++n;
        sum_ns += ns;
        return;
      }
      flush();
      slot = s;
      outcome = o;
      bucket = b;
      n = 1;
      sum_ns = ns;
    }
    void flush() noexcept {
      if (n == 0) return;
      if (slot == nullptr) {
        impl->unknown_category_calls.fetch_add(n, std::memory_order_relaxed);
      } else {
        slot->stats.add(outcome, bucket, n, sum_ns);
      }
      n = 0;
    }
  };

  void record(Slot* slot, const DispatchResult& out) noexcept {
    Tally tally(this);
    tally.add(slot, out);
  }

  metrics::ManagerMetrics metrics() const {
    metrics::ManagerMetrics out;
    out.unknown_category_calls = unknown_category_calls.load(std::memory_order_relaxed);
    out.calls_in_flight = in_flight.load();
    const Registry* reg = registry.load(std::memory_order_acquire);
    if (reg == nullptr) return out;
    out.categories.reserve(reg->sorted.size());
    for (const Slot* slot : reg->sorted) {
      metrics::CategoryMetrics c;
      c.name = slot->name;
      c.loaded = slot->ready.load(std::memory_order_acquire) != nullptr;
      auto& h = c.latency;
      for (const std::int64_t bound : metrics::latency_bounds_ns) {
        h.bounds_seconds.push_back(static_cast<double>(bound) / 1e9);
      }
      h.counts.assign(metrics::latency_bucket_count, 0);
      for (std::size_t o = 0; o < metrics::outcome_count; ++o) {
        for (std::size_t b = 0; b < metrics::latency_bucket_count; ++b) {
          const std::uint64_t n = slot->stats.counts[o][b].load(std::memory_order_relaxed);
          c.calls[o] += n;
          h.counts[b] += n;
          h.count += n;
        }
      }
      h.sum_seconds = static_cast<double>(slot->stats.sum_ns.load(std::memory_order_relaxed)) / 1e9;
      c.in_flight = static_cast<std::uint64_t>(
          std::max<std::int64_t>(0, slot->stats.in_flight.load(std::memory_order_relaxed)));
      const BreakerInfo info = slot->breaker.info();
      c.breaker_state = info.state;
      c.breaker_transitions = info.total_transitions;
      c.breaker_rejections = info.total_rejections;
      if (slot->limiter) c.limiter = slot->limiter->metrics();
      out.categories.push_back(std::move(c));
    }
    return out;
  }

  std::uint64_t reserve_request_ids(std::size_t n) {
    return next_request_id.fetch_add(n, std::memory_order_relaxed);
  }

  // ---- shutdown accounting ---------------------------------------------------------------

  bool begin_calls(std::size_t n) {
    in_flight.fetch_add(n);
    if (shutting_down.load()) {
      end_calls(n);
      return false;
    }
    return true;
  }

  void end_calls(std::size_t n) {
    if (in_flight.fetch_sub(n) == n && shutting_down.load()) wake_shutdown_waiters();
  }

  // Lets graceful_shutdown look again (the last call or load has just ended).
  void wake_shutdown_waiters() {
    // Owns the manager's state: the host may destroy the manager as soon as
    // graceful_shutdown returns, before this wake-up has run.
    asio::post(shutdown_strand, [self = shared_from_this()] {
      for (auto* timer : self->shutdown_waiters) timer->cancel();
    });
  }

  // Ends the calls begin_calls() admitted, however the admitting coroutine exits.
  struct CallsAdmitted {
    Impl* impl;
    std::size_t n;
    ~CallsAdmitted() { impl->end_calls(n); }
  };

  // The calls of one batch as the manager counts them: each slot, once its result is
  // final (it ran, failed, timed out, or will never start), is told to on_result and
  // leaves calls_in_flight(). So a batch counts as its unfinished calls, and on_result
  // sees every slot exactly once. Calls the batch never ended (an exception) end with it.
  struct BatchCalls {
    Impl* impl;
    std::size_t total;
    const ResultCallback* on_result;  // lives in the awaiting frame's options
    std::atomic<std::size_t> ended{0};

    BatchCalls(Impl* owner, std::size_t n, const ResultCallback* callback)
        : impl(owner), total(n), on_result(callback) {}
    BatchCalls(const BatchCalls&) = delete;
    BatchCalls& operator=(const BatchCalls&) = delete;
    ~BatchCalls() { end(total - ended.load(std::memory_order_relaxed)); }

    void report(std::size_t index, const DispatchResult& out) const {
      if (*on_result) (*on_result)(index, out);
    }
    // Ends `k` reported slots.
    void end(std::size_t k) {
      if (k == 0) return;
      ended.fetch_add(k, std::memory_order_relaxed);
      impl->end_calls(k);
    }
    // Ends one reported slot of a worker, which adds what it ended to `ended` once, as it
    // stops (one atomic per call instead of two).
    void end_of_worker() { impl->end_calls(1); }
    void worker_stops(std::size_t ended_by_worker) {
      ended.fetch_add(ended_by_worker, std::memory_order_relaxed);
    }
  };

  static void refuse_shutting_down(DispatchResult& out) {
    out.set_error(ErrorCode::shutting_down,
                  "the tool manager is shutting down and accepts no new calls");
  }

  asio::awaitable<ShutdownReport> wait_drained(TimePoint deadline, std::size_t initial) {
    asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
    shutdown_waiters.push_back(&timer);
    while ((in_flight.load() != 0 || loads_running.load() != 0) && Clock::now() < deadline) {
      // Woken by wake_shutdown_waiters (operation_aborted) or by the deadline.
      (void)co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    std::erase(shutdown_waiters, &timer);
    ShutdownReport report;
    report.still_running = in_flight.load();
    report.loads_still_running = loads_running.load();
    report.completed = report.still_running == 0 && report.loads_still_running == 0;
    report.drained = initial > report.still_running ? initial - report.still_running : 0;
    co_return report;
  }

  // ---- dispatch_parallel ------------------------------------------------------------------

  // Shared by the workers of one batch. The calls and results live in the awaiting
  // coroutine's frame, which outlives every worker (it resumes only after the join).
  struct Batch : std::enable_shared_from_this<Batch> {
    Impl* impl = nullptr;
    std::vector<ToolCall>* calls = nullptr;
    std::vector<DispatchResult>* results = nullptr;
    std::vector<std::size_t> pending;  // indices of the calls for the workers
    std::size_t limit = 0;             // most workers at once
    bool return_exceptions = true;
    std::optional<TimePoint> deadline;
    BatchCalls* admitted = nullptr;                // lives in the awaiting frame
    const RequestContext* context = nullptr;       // so does this
    std::uint64_t first_request_id = 0;            // of call 0; call i gets first + i
    DispatchHook* hook = nullptr;                  // ManagerOptions::hook
    std::vector<DispatchEvent>* events = nullptr;  // with a hook: one per call, started

    std::atomic<std::size_t> next{0};  // next position in `pending` to claim
    std::atomic<bool> stop{false};     // no more calls start (cancel or fail-fast)

    std::mutex mutex;             // guards the fields below
    Join workers_running{mutex};  // parties: workers started and not yet ended
    std::vector<std::shared_ptr<StrandTask>> workers;
    std::optional<std::size_t> first_error;
    bool stopped_by_failure = false;

    bool claimable() const noexcept {
      return !stop.load(std::memory_order_acquire) &&
             next.load(std::memory_order_relaxed) < pending.size();
    }

    // Posted by each worker, as it starts, to its own strand: it runs only once that
    // worker has suspended (or ended). If calls are waiting and the window has room, it
    // starts one more worker. So a second worker exists only when a call really waits
    // (no two workers fight over calls that never suspend), and the number of co_spawns
    // follows the number of suspensions.
    // Starts up to two workers, so that a batch of calls that all wait ramps up in
    // log2(N) steps instead of a chain of N spawns.
    void on_idle() {
      std::size_t starts = 0;
      {
        std::lock_guard lock(mutex);
        const std::size_t claimed = next.load();
        const std::size_t waiting = claimable() ? pending.size() - claimed : 0;
        const std::size_t room = limit - std::min(limit, workers_running.parties);
        starts = std::min({std::size_t{2}, waiting, room});
        // The next call's category has an adaptive limit with a window's worth of calls
        // queued already: one more worker would only wait too (thousands of parked
        // workers cost more to start than the calls take). A worker that ends a limited
        // call posts this again, so the queue follows the limit when it grows.
        if (starts > 0) {
          const Slot* slot = impl->find_slot((*calls)[pending[claimed]].category);
          if (slot != nullptr && slot->limiter && slot->limiter->saturated()) starts = 0;
        }
        workers_running.parties += starts;
      }
      for (std::size_t i = 0; i < starts; ++i) start_worker();
    }

    void start_worker() {  // precondition: `workers_running` already counts this worker
      auto worker = std::make_shared<StrandTask>(impl->executor);
      // The coroutine gets a plain pointer: the completion handler owns the batch until
      // the coroutine has ended (no shared_ptr parameter copies in coroutine frames).
      StrandTask::spawn(worker, run_worker(this), shared_from_this());
      bool cancel_now = false;
      {
        std::lock_guard lock(mutex);
        workers.push_back(worker);
        cancel_now = stop.load(std::memory_order_acquire);
      }
      if (cancel_now) StrandTask::cancel(worker);
    }

    void stop_all() {
      std::vector<std::shared_ptr<StrandTask>> to_cancel;
      {
        std::lock_guard lock(mutex);
        if (stop.exchange(true)) return;
        to_cancel = workers;
      }
      for (const auto& worker : to_cancel) StrandTask::cancel(worker);
    }

    void note_failure(std::size_t index) {
      bool fail_fast = false;
      {
        std::lock_guard lock(mutex);
        if (!first_error) first_error = index;
        if (!return_exceptions && !stopped_by_failure) stopped_by_failure = fail_fast = true;
      }
      if (fail_fast) stop_all();
    }

    static asio::awaitable<void> run_worker(Batch* self) {
      // Two statements: a capturing lambda in the same expression as a co_await is
      // the GCC 12 double-destruction bug again.
      const auto strand = co_await asio::this_coro::executor;
      asio::post(strand, [batch = self->shared_from_this()] { batch->on_idle(); });
      std::size_t ended = 0;  // calls this worker ended
      for (;;) {
        if (self->stop.load(std::memory_order_acquire)) break;
        const std::size_t k = self->next.fetch_add(1, std::memory_order_relaxed);
        if (k >= self->pending.size()) break;
        const std::size_t i = self->pending[k];
        ToolCall& call = (*self->calls)[i];
        DispatchResult& out = (*self->results)[i];
        const TimePoint start = Clock::now();
        Slot* slot = nullptr;
        if (self->deadline && start >= *self->deadline) {
          slot = self->impl->find_slot(call.category);
          out.set_error(ErrorCode::timeout,
                        fmt::format("the batch deadline expired before the call of '{}.{}' started",
                                    call.category, call.tool));
        } else {
          co_await self->impl->run_async(call, out, *self->context, start, std::nullopt,
                                         self->deadline, slot, true);
        }
        Impl::finish(call, out, start, Clock::now(), self->first_request_id + i);
        self->impl->record(slot, out);
        if (self->hook != nullptr) hook_end(*self->hook, (*self->events)[i], out);
        if (!out.ok()) self->note_failure(i);
        if (slot != nullptr && slot->limiter && self->claimable()) {
          asio::post(strand, [batch = self->shared_from_this()] { batch->on_idle(); });
        }
        self->admitted->report(i, out);
        self->admitted->end_of_worker();
        ++ended;
      }
      self->admitted->worker_stops(ended);
      self->workers_running.arrive();
    }

    // The caller keeps the batch alive across this co_await; a cancellation of the
    // awaiting coroutine stops the whole batch.
    asio::awaitable<void> wait_all() {
      Batch* batch = this;
      co_await workers_running.wait([batch](asio::cancellation_slot& slot) {
        slot.assign([self = batch->shared_from_this()](asio::cancellation_type type) {
          if (type != asio::cancellation_type::none) self->stop_all();
        });
      });
    }
  };

  // The inline pass of a batch. Calls are claimed in chunks from an atomic index by
  // the awaiting coroutine and, for large batches, one helper on another pool thread.
  struct InlinePass {
    // Below this, one thread: a handoff costs a wake-up and cross-thread frees, which
    // only pay off for long passes (measured: docs/profiling.md).
    static constexpr std::size_t share_threshold = 2048;
    static constexpr std::size_t chunk_size = 64;  // ~5-10 us of no-op calls

    Impl* impl = nullptr;
    std::vector<ToolCall>* calls = nullptr;
    std::vector<DispatchResult>* results = nullptr;
    bool return_exceptions = true;
    std::optional<TimePoint> deadline;
    BatchCalls* admitted = nullptr;
    const ResultCallback* on_result = nullptr;  // admitted->on_result, one load less per call
    const RequestContext* context = nullptr;
    std::uint64_t first_request_id = 0;  // of call 0; call i gets first + i
    DispatchHook* hook = nullptr;
    std::vector<DispatchEvent>* events = nullptr;  // with a hook: one per call
    std::size_t chunk = 0;
    // The helper: 0 not started, 1 running, 2 abandoned (the pass ended before it ran,
    // so nobody waits for it and it does nothing when it finally runs).
    std::atomic<int> helper_state{0};

    std::atomic<std::size_t> next{0};  // first unclaimed call
    std::atomic<bool> stop{false};     // a failure stopped a fail-fast batch

    std::mutex mutex;                  // guards the fields below
    std::vector<std::size_t> pending;  // calls left for the workers
    std::optional<std::size_t> first_error;
    bool stopped = false;
    Join helpers{mutex};  // parties: helpers posted and not yet finished

    void run_chunks() {
      const std::size_t n = calls->size();
      std::size_t finished = 0;
      std::vector<std::size_t> local_pending;
      ResolvedTool cache;
      Tally tally(impl);
      TimePoint now = Clock::now();
      for (;;) {
        const std::size_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
        if (begin >= n) break;
        const std::size_t end = std::min(n, begin + chunk);
        for (std::size_t i = begin; i < end; ++i) {
          if (stop.load(std::memory_order_relaxed)) break;
          ToolCall& call = (*calls)[i];
          DispatchResult& out = (*results)[i];
          if (call.params.is_null()) call.params = Json::object();
          // Every call the pass reaches starts here, the deferred ones too: their
          // on_end comes from the worker that runs them.
          if (hook != nullptr) {
            hook_start(*hook, (*events)[i], call, *context);
            now = Clock::now();
          }
          const TimePoint start = now;
          Slot* slot = nullptr;
          if ((deadline && start >= *deadline) ||
              !impl->try_inline(call, out, *context, slot, &cache)) {
            local_pending.push_back(i);  // a worker runs it (or reports the expiry)
            continue;
          }
          now = Clock::now();
          Impl::finish(call, out, start, now, first_request_id + i);
          tally.add(slot, out);
          if (hook != nullptr) hook_end(*hook, (*events)[i], out);
          if (!out.ok()) note_failure(i);
          if (*on_result) (*on_result)(i, out);
          ++finished;
        }
      }
      // The pass never suspends: its calls end together, when it ends.
      admitted->end(finished);
      std::lock_guard lock(mutex);
      pending.insert(pending.end(), local_pending.begin(), local_pending.end());
    }

    void note_failure(std::size_t index) {
      std::lock_guard lock(mutex);
      if (!first_error) first_error = index;
      if (!return_exceptions) {
        stopped = true;
        stop.store(true, std::memory_order_relaxed);
      }
    }

    void run_as_helper() {
      int expected = 0;
      if (!helper_state.compare_exchange_strong(expected, 1)) return;  // abandoned
      run_chunks();
      helpers.arrive();
    }

    // True when the helper has started and must be waited for; otherwise marks it
    // abandoned.
    bool helper_started() {
      int expected = 0;
      return !helper_state.compare_exchange_strong(expected, 2);
    }

    // Resumes once every helper has finished its chunks; the caller keeps the pass alive.
    asio::awaitable<void> wait_helpers() {
      co_await helpers.wait([](asio::cancellation_slot&) {});
    }
  };

  asio::awaitable<BatchResult> dispatch_parallel(std::vector<ToolCall>& calls,
                                                 const ParallelOptions& options) {
    if (options.max_concurrent && *options.max_concurrent == 0) {
      throw std::invalid_argument(
          "dispatch_parallel: max_concurrent must be at least 1 (leave it empty for no limit)");
    }
    BatchResult batch;
    const std::size_t n = calls.size();
    batch.results.resize(n);
    if (n == 0) co_return batch;
    auto& results = batch.results;
    if (!begin_calls(n)) {
      for (std::size_t i = 0; i < n; ++i) {
        refuse_shutting_down(results[i]);
        results[i].category = std::move(calls[i].category);
        results[i].tool = std::move(calls[i].tool);
        if (options.on_result) options.on_result(i, results[i]);
      }
      co_return batch;
    }
    BatchCalls admitted(this, n, &options.on_result);

    const std::optional<TimePoint> deadline =
        options.deadline ? std::optional<TimePoint>(Clock::now() + *options.deadline)
                         : std::nullopt;
    // Phase 1: everything that completes without suspending runs inline. A large batch
    // shares this pass, in chunks, with one helper posted to the pool.
    auto pass = std::make_shared<InlinePass>();
    pass->impl = this;
    pass->calls = &calls;
    pass->results = &results;
    pass->return_exceptions = options.return_exceptions;
    pass->deadline = deadline;
    pass->admitted = &admitted;
    pass->on_result = &options.on_result;
    pass->context = &options.context;
    pass->first_request_id = reserve_request_ids(n);
    DispatchHook* const hook = Impl::options.hook.get();
    std::vector<DispatchEvent> events;  // lives in this frame, past every worker
    if (hook != nullptr) events.resize(n);
    pass->hook = hook;
    pass->events = &events;
    const bool shared = n >= InlinePass::share_threshold;
    pass->chunk = shared ? InlinePass::chunk_size : n;
    if (shared) {
      pass->helpers.parties = 1;
      asio::post(executor, [pass] { pass->run_as_helper(); });
    }
    pass->run_chunks();
    if (shared && pass->helper_started()) co_await pass->wait_helpers();
    std::vector<std::size_t> pending = std::move(pass->pending);
    std::sort(pending.begin(), pending.end());  // a helper appends its share out of order
    batch.first_error = pass->first_error;
    bool stopped = pass->stopped;

    const auto cancel_state = co_await asio::this_coro::cancellation_state;
    if (!pending.empty() && !stopped && cancel_state.cancelled() == asio::cancellation_type::none) {
      auto state = std::make_shared<Batch>();
      state->impl = this;
      state->calls = &calls;
      state->results = &results;
      state->pending = std::move(pending);
      state->limit = std::min(options.max_concurrent.value_or(n), state->pending.size());
      state->return_exceptions = options.return_exceptions;
      state->deadline = deadline;
      state->admitted = &admitted;
      state->context = &options.context;
      state->first_request_id = pass->first_request_id;
      state->hook = hook;
      state->events = &events;
      state->workers_running.parties = 1;
      state->start_worker();
      co_await state->wait_all();
      if (!batch.first_error) batch.first_error = state->first_error;
      stopped = stopped || state->stopped_by_failure;
    }
    batch.stopped = stopped;

    std::size_t never_started = 0;
    for (std::size_t i = 0; i < n; ++i) {
      DispatchResult& out = results[i];
      if (out.request_id != 0) continue;
      // Never started: cancelled by the caller, or stopped by a failure.
      out.category = std::move(calls[i].category);
      out.tool = std::move(calls[i].tool);
      out.set_error(ErrorCode::cancelled,
                    stopped && batch.first_error
                        ? fmt::format("not started: the batch stopped when call {} failed",
                                      *batch.first_error)
                        : std::string("cancelled before the call started"));
      // Reached by the inline pass (so started for the hook) but never run.
      if (hook != nullptr && events[i].start != TimePoint{}) hook_end(*hook, events[i], out);
      admitted.report(i, out);
      ++never_started;
    }
    admitted.end(never_started);
    co_return batch;
  }
};

// ---- HierarchicalToolManager --------------------------------------------------------------

MCP_HTM_INLINE HierarchicalToolManager::HierarchicalToolManager(executor_type executor,
                                                                ManagerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

MCP_HTM_INLINE HierarchicalToolManager::~HierarchicalToolManager() {
  // Loads still running keep the Impl alive until their coroutine ends: cancel them.
  if (impl_) impl_->cancel_loads(true);
}

MCP_HTM_INLINE const HierarchicalToolManager::executor_type& HierarchicalToolManager::get_executor()
    const noexcept {
  return impl_->executor;
}

MCP_HTM_INLINE void HierarchicalToolManager::register_category(
    std::shared_ptr<ToolCategory> category, CategoryOptions options) {
  if (!category) throw std::invalid_argument("register_category: null category");
  auto slot = impl_->make_slot(category->name(), category->description(), options);
  slot->category = std::move(category);
  slot->ready.store(slot->category.get(), std::memory_order_release);
  impl_->add_slot(std::move(slot));
}

MCP_HTM_INLINE void HierarchicalToolManager::lazy_register_category(std::string name,
                                                                    CategoryLoader loader,
                                                                    std::string description,
                                                                    CategoryOptions options) {
  if (!loader)
    throw std::invalid_argument("lazy_register_category: empty loader for '" + name + "'");
  auto slot = impl_->make_slot(std::move(name), std::move(description), options);
  slot->loader = std::move(loader);
  impl_->add_slot(std::move(slot));
}

MCP_HTM_INLINE void HierarchicalToolManager::lazy_register_category(std::string name,
                                                                    AsyncCategoryLoader loader,
                                                                    std::string description,
                                                                    CategoryOptions options) {
  if (!loader)
    throw std::invalid_argument("lazy_register_category: empty loader for '" + name + "'");
  auto slot = impl_->make_slot(std::move(name), std::move(description), options);
  slot->async_loader = std::move(loader);
  impl_->add_slot(std::move(slot));
}

MCP_HTM_INLINE bool HierarchicalToolManager::reload_category(std::string_view name) {
  Slot* slot = impl_->find_slot(name);
  if (slot == nullptr || (!slot->loader && !slot->async_loader)) return false;
  {
    std::lock_guard lock(slot->mutex);
    // A load running now reads the new state anyway; an unloaded one loads on first use.
    if (slot->loading || !slot->category) return true;
    slot->ready.store(nullptr, std::memory_order_release);
    slot->retired.push_back(std::move(slot->category));
    slot->category.reset();
  }
  impl_->notify_changed();
  return true;
}

MCP_HTM_INLINE std::size_t HierarchicalToolManager::on_categories_changed(
    std::function<void()> callback) {
  if (!callback) throw std::invalid_argument("on_categories_changed: empty callback");
  std::lock_guard lock(impl_->registry_mutex);
  const std::size_t token = impl_->next_subscriber++;
  impl_->on_changed.emplace_back(token, std::move(callback));
  return token;
}

MCP_HTM_INLINE bool HierarchicalToolManager::remove_categories_changed(std::size_t token) {
  std::lock_guard lock(impl_->registry_mutex);
  return std::erase_if(impl_->on_changed, [token](const auto& s) { return s.first == token; }) != 0;
}

MCP_HTM_INLINE asio::awaitable<Json> HierarchicalToolManager::list_categories(bool include_count) {
  Json categories = Json::array();
  if (const Registry* reg = impl_->registry.load(std::memory_order_acquire)) {
    // Every coroutine load first, then the waits: the loads run at once (a gateway's
    // upstream servers start side by side), not one after another.
    std::vector<bool> started(reg->sorted.size(), false);
    if (include_count) {
      for (std::size_t i = 0; i < started.size(); ++i)
        started[i] = impl_->start_load(*reg->sorted[i]);
    }
    for (std::size_t i = 0; i < started.size(); ++i) {
      Slot* slot = reg->sorted[i];
      ToolCategory* loaded = slot->ready.load(std::memory_order_acquire);
      std::string error;
      if (include_count && loaded == nullptr) {
        std::optional<LoadOutcome> failed;
        if (started[i]) failed = impl_->failed_load(*slot);
        if (!failed) failed = co_await impl_->ensure_loaded(*slot);
        const LoadOutcome outcome = *failed;
        if (outcome.status == LoadStatus::failed) error = outcome.error;
        if (outcome.status == LoadStatus::cancelled) error = "cancelled while it loaded";
        loaded = slot->ready.load(std::memory_order_acquire);
      }
      Json entry = {
          {"name", slot->name},
          {"description", !slot->description.empty() || loaded == nullptr ? slot->description
                                                                          : loaded->description()},
          {"loaded", loaded != nullptr}};
      if (include_count) {
        entry["tool_count"] = loaded ? Json(loaded->tool_count()) : Json(nullptr);
        if (!error.empty()) entry["error"] = error;
      }
      categories.push_back(std::move(entry));
    }
  }
  const auto count = categories.size();
  co_return Json{{"status", "success"}, {"categories", std::move(categories)}, {"count", count}};
}

MCP_HTM_INLINE asio::awaitable<Json> HierarchicalToolManager::list_tools(std::string category) {
  Json error;
  ToolCategory* loaded = co_await impl_->loaded_or_error(category, error);
  if (loaded == nullptr) co_return error;
  Json tools = Json::array();
  for (auto& summary : loaded->list_tools()) {
    tools.push_back(
        {{"name", std::move(summary.name)}, {"description", std::move(summary.description)}});
  }
  const auto count = tools.size();
  co_return Json{
      {"status", "success"}, {"category", category}, {"tools", std::move(tools)}, {"count", count}};
}

MCP_HTM_INLINE asio::awaitable<Json> HierarchicalToolManager::get_tool_schema(std::string category,
                                                                              std::string tool) {
  Json error;
  ToolCategory* loaded = co_await impl_->loaded_or_error(category, error);
  if (loaded == nullptr) co_return error;
  auto schema = loaded->schema(tool);
  if (!schema) {
    DispatchResult missing;
    Impl::tool_not_found(*loaded, tool, missing);
    co_return missing.to_json();
  }
  co_return Json{
      {"status", "success"}, {"category", category}, {"tool", tool}, {"schema", *schema}};
}

MCP_HTM_INLINE asio::awaitable<DispatchResult> HierarchicalToolManager::dispatch(
    std::string category, std::string tool, Json params, CallOptions options) {
  ToolCall call{std::move(category), std::move(tool), std::move(params)};
  if (call.params.is_null()) call.params = Json::object();
  DispatchResult out;
  if (!impl_->begin_calls(1)) {
    Impl::refuse_shutting_down(out);
    out.category = std::move(call.category);
    out.tool = std::move(call.tool);
    co_return out;
  }
  const Impl::CallsAdmitted admitted{impl_.get(), 1};
  DispatchHook* const hook = impl_->options.hook.get();
  DispatchEvent event;
  if (hook != nullptr) impl_->hook_start(*hook, event, call, options.context);
  const TimePoint start = Clock::now();
  Slot* slot = nullptr;
  if (!impl_->try_inline(call, out, options.context, slot)) {
    co_await impl_->run_async(call, out, options.context, start, options.timeout, std::nullopt,
                              slot, false);
  }
  Impl::finish(call, out, start, Clock::now(), impl_->reserve_request_ids(1));
  impl_->record(slot, out);
  if (hook != nullptr) Impl::hook_end(*hook, event, out);
  co_return out;
}

MCP_HTM_INLINE asio::awaitable<BatchResult> HierarchicalToolManager::dispatch_parallel(
    std::vector<ToolCall> calls, ParallelOptions options) {
  co_return co_await impl_->dispatch_parallel(calls, options);
}

MCP_HTM_INLINE asio::awaitable<ShutdownReport> HierarchicalToolManager::graceful_shutdown(
    std::chrono::milliseconds timeout) {
  impl_->shutting_down.store(true);
  impl_->cancel_loads(false);  // no call can use a load nobody waits for any more
  const std::size_t initial = impl_->in_flight.load();
  co_return co_await asio::co_spawn(impl_->shutdown_strand,
                                    impl_->wait_drained(Clock::now() + timeout, initial),
                                    asio::use_awaitable);
}

MCP_HTM_INLINE bool HierarchicalToolManager::is_shutting_down() const noexcept {
  return impl_->shutting_down.load();
}

MCP_HTM_INLINE std::size_t HierarchicalToolManager::calls_in_flight() const noexcept {
  return impl_->in_flight.load();
}

MCP_HTM_INLINE std::vector<std::string> HierarchicalToolManager::category_names() const {
  return impl_->names();
}

MCP_HTM_INLINE bool HierarchicalToolManager::has_category(std::string_view name) const {
  return impl_->find_slot(name) != nullptr;
}

MCP_HTM_INLINE std::shared_ptr<ToolCategory> HierarchicalToolManager::loaded_category(
    std::string_view name) const {
  Slot* slot = impl_->find_slot(name);
  if (slot == nullptr || slot->ready.load(std::memory_order_acquire) == nullptr) return nullptr;
  std::lock_guard lock(slot->mutex);
  return slot->category;
}

MCP_HTM_INLINE metrics::ManagerMetrics HierarchicalToolManager::metrics() const {
  return impl_->metrics();
}

MCP_HTM_INLINE CircuitBreaker* HierarchicalToolManager::breaker(std::string_view category) const {
  Slot* slot = impl_->find_slot(category);
  return slot == nullptr ? nullptr : &slot->breaker;
}

// ---- BatchResult ---------------------------------------------------------------------------

MCP_HTM_INLINE std::size_t BatchResult::succeeded() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(results.begin(), results.end(), [](const auto& r) { return r.ok(); }));
}

MCP_HTM_INLINE Json BatchResult::to_json() const {
  Json items = Json::array();
  for (const auto& r : results) items.push_back(r.to_json());
  const std::size_t ok = succeeded();
  Json out = {{"status", "success"},
              {"results", std::move(items)},
              {"total", results.size()},
              {"succeeded", ok},
              {"failed", results.size() - ok}};
  if (stopped && first_error) {
    const auto& error = results[*first_error].error();
    out["status"] = "error";
    out["error"] =
        fmt::format("call {} failed and stopped the batch: {}", *first_error, error.message);
    out["error_code"] = to_string(error.code);
    out["failed_index"] = *first_error;
  }
  return out;
}

}  // namespace mcp
