// tests/hierarchical_tool_manager_test.cpp -- registry, lazy loading, dispatch, shutdown.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/hierarchical_tool_manager.hpp>

#include <atomic>
#include <cstdint>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "support/gate.hpp"
#include "support/run_awaitable.hpp"

using mcp::ErrorCode;
using mcp::Json;
using mcp::test::Gate;
using mcp::test::run_awaitable;

namespace {

std::shared_ptr<mcp::ToolCategory> math_category() {
  auto math = std::make_shared<mcp::ToolCategory>("math", "Arithmetic on numbers");
  math->add_tool(
      mcp::ToolSpec("add", "Add two numbers\nLonger explanation on a second line.",
                    {{"type", "object"},
                     {"properties", {{"a", {{"type", "number"}}}, {"b", {{"type", "number"}}}}},
                     {"required", {"a", "b"}}}),
      [](Json args) { return args["a"].get<double>() + args["b"].get<double>(); });
  math->add_tool(mcp::ToolSpec("divide", "Divide a by b"), [](Json args) -> Json {
    if (args.value("b", 0.0) == 0.0) throw std::domain_error("division by zero");
    return args["a"].get<double>() / args["b"].get<double>();
  });
  return math;
}

// Category "slow" whose tool "wait" suspends until `gate` opens, then answers "finished".
std::shared_ptr<mcp::ToolCategory> gated_category(Gate& gate) {
  auto category = std::make_shared<mcp::ToolCategory>("slow", "waits");
  category->add_tool(mcp::ToolSpec("wait", "waits for the gate"),
                     [&gate](Json) -> asio::awaitable<Json> {
                       co_await gate.wait();
                       co_return "finished";
                     });
  return category;
}

// Category `name` with a synchronous tool "ping" that answers "pong".
std::shared_ptr<mcp::ToolCategory> ping_category(const std::string& name) {
  auto category = std::make_shared<mcp::ToolCategory>(name, "answers");
  category->add_tool(mcp::ToolSpec("ping", "answers"), [](Json) { return "pong"; });
  return category;
}

// A coroutine loader of `name` that waits for `backend` (a slow backend the test answers
// by opening the gate), then loads, or throws `failure` when given. A cancelled wait
// throws operation_aborted, as an Asio wait does.
mcp::AsyncCategoryLoader gated_loader(std::string name, Gate& backend, int& loads,
                                      std::string failure = {}) {
  return [name = std::move(name), &backend, &loads,
          failure = std::move(failure)]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
    ++loads;
    if (!co_await backend.wait()) throw std::system_error(asio::error::operation_aborted);
    if (!failure.empty()) throw std::runtime_error(failure);
    co_return ping_category(name);
  };
}

}  // namespace

TEST_CASE("A registered tool is dispatched and its value returned", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(math_category());
  auto result = run_awaitable(io, manager.dispatch("math", "add", {{"a", 2}, {"b", 3}}));
  REQUIRE(result.ok());
  CHECK(result.value() == 5.0);
  CHECK(result.category == "math");
  CHECK(result.tool == "add");
  CHECK(result.request_id > 0);
  const Json shape = result.to_json();
  CHECK(shape["status"] == "success");
  CHECK(shape["result"] == 5.0);
  CHECK(shape["request_id"] == result.request_id);
}

TEST_CASE("Request ids are unique and increasing", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(math_category());
  auto first = run_awaitable(io, manager.dispatch("math", "add", {{"a", 1}, {"b", 1}}));
  auto second = run_awaitable(io, manager.dispatch("math", "nope"));
  CHECK(second.request_id > first.request_id);
}

TEST_CASE("Unknown categories and tools name what is available", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(math_category());
  manager.lazy_register_category("zeta",
                                 [] { return std::make_shared<mcp::ToolCategory>("zeta", "z"); });

  auto no_category = run_awaitable(io, manager.dispatch("maths", "add"));
  REQUIRE_FALSE(no_category.ok());
  CHECK(no_category.code() == ErrorCode::category_not_found);
  CHECK(no_category.error().details["available_categories"] == Json({"math", "zeta"}));
  const Json shape = no_category.to_json();
  CHECK(shape["status"] == "error");
  CHECK(shape["error_code"] == "category_not_found");
  CHECK(shape["available_categories"] == Json({"math", "zeta"}));
  CHECK_THAT(shape["error"].get<std::string>(), Catch::Contains("maths"));

  auto no_tool = run_awaitable(io, manager.dispatch("math", "sub"));
  REQUIRE_FALSE(no_tool.ok());
  CHECK(no_tool.code() == ErrorCode::tool_not_found);
  CHECK(no_tool.error().details["available_tools"] == Json({"add", "divide"}));
}

TEST_CASE("Arguments that break the schema are refused before the tool runs", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("c", "d");
  int calls = 0;
  category->add_tool(mcp::ToolSpec("t", "d",
                                   {{"type", "object"},
                                    {"properties", {{"n", {{"type", "integer"}}}}},
                                    {"required", {"n"}}}),
                     [&](Json) {
                       ++calls;
                       return Json(true);
                     });
  manager.register_category(category);
  auto missing = run_awaitable(io, manager.dispatch("c", "t", Json::object()));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.code() == ErrorCode::invalid_params);
  REQUIRE(missing.error().details["errors"].is_array());
  CHECK_FALSE(missing.error().details["errors"].empty());
  auto wrong_type = run_awaitable(io, manager.dispatch("c", "t", {{"n", "seven"}}));
  REQUIRE_FALSE(wrong_type.ok());
  CHECK(wrong_type.code() == ErrorCode::invalid_params);
  CHECK(wrong_type.error().details["errors"][0]["pointer"] == "/n");
  CHECK(calls == 0);
  CHECK(run_awaitable(io, manager.dispatch("c", "t", {{"n", 7}})).ok());
  CHECK(calls == 1);
}

TEST_CASE("A throwing tool becomes tool_error with the exception's message", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(math_category());
  auto result = run_awaitable(io, manager.dispatch("math", "divide", {{"a", 1}, {"b", 0}}));
  REQUIRE_FALSE(result.ok());
  CHECK(result.code() == ErrorCode::tool_error);
  CHECK_THAT(result.error().message, Catch::Contains("division by zero"));

  auto category = std::make_shared<mcp::ToolCategory>("co", "coroutine tools");
  category->add_tool(mcp::ToolSpec("boom", "throws after suspending"),
                     [](Json) -> asio::awaitable<Json> {
                       co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
                       throw std::runtime_error("kaboom");
                     });
  manager.register_category(category);
  auto async_result = run_awaitable(io, manager.dispatch("co", "boom"));
  REQUIRE_FALSE(async_result.ok());
  CHECK(async_result.code() == ErrorCode::tool_error);
  CHECK_THAT(async_result.error().message, Catch::Contains("kaboom"));
}

TEST_CASE("Repeated failures open the category's breaker and later calls are rejected unrun",
          "[manager]") {
  asio::io_context io;
  mcp::ManagerOptions options;
  options.breaker.failure_threshold = 2;
  mcp::HierarchicalToolManager manager(io.get_executor(), options);
  auto category = std::make_shared<mcp::ToolCategory>("flaky", "fails");
  int runs = 0;
  category->add_tool(mcp::ToolSpec("fail", "always throws"), [&](Json) -> Json {
    ++runs;
    throw std::runtime_error("down");
  });
  manager.register_category(category);
  manager.register_category(math_category());
  CHECK(run_awaitable(io, manager.dispatch("flaky", "fail")).code() == ErrorCode::tool_error);
  CHECK(run_awaitable(io, manager.dispatch("flaky", "fail")).code() == ErrorCode::tool_error);
  auto rejected = run_awaitable(io, manager.dispatch("flaky", "fail"));
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.code() == ErrorCode::circuit_open);
  CHECK(rejected.error().details["retry_after_ms"].get<long long>() > 0);
  CHECK(runs == 2);
  // Breakers are per category: math is unaffected.
  CHECK(run_awaitable(io, manager.dispatch("math", "add", {{"a", 1}, {"b", 1}})).ok());
  CHECK(manager.breaker("flaky")->state() == mcp::BreakerState::open);
  CHECK(manager.breaker("math")->state() == mcp::BreakerState::closed);
}

TEST_CASE("A deprecated tool still runs and its result carries a warning", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("old", "legacy");
  category->add_tool(mcp::ToolSpec("v1", "old").mark_deprecated("use v2"), [](Json) { return 1; });
  manager.register_category(category);
  auto result = run_awaitable(io, manager.dispatch("old", "v1"));
  REQUIRE(result.ok());
  CHECK(result.warning == "tool 'v1' is deprecated: use v2");
  CHECK(result.to_json()["warning"] == "tool 'v1' is deprecated: use v2");
}

TEST_CASE("A timeout cancels the tool's coroutine, which observes the cancellation", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("slow", "waits");
  bool observed_cancel = false;
  category->add_tool(
      mcp::ToolSpec("forever", "waits an hour").with_timeout(std::chrono::milliseconds(20)),
      [&](Json) -> asio::awaitable<Json> {
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
        try {
          co_await timer.async_wait(asio::use_awaitable);
        } catch (const std::system_error& e) {
          observed_cancel = e.code() == asio::error::operation_aborted;
          throw;
        }
        co_return "never";
      });
  manager.register_category(category);
  auto result = run_awaitable(io, manager.dispatch("slow", "forever"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.code() == ErrorCode::timeout);
  CHECK(result.error().details["timeout_ms"] == 20);
  CHECK(observed_cancel);

  // A per-call timeout shorter than the tool's wins.
  observed_cancel = false;
  auto per_call = run_awaitable(
      io, manager.dispatch("slow", "forever", Json::object(),
                           mcp::CallOptions{}.with_timeout(std::chrono::milliseconds(5))));
  REQUIRE_FALSE(per_call.ok());
  CHECK(per_call.code() == ErrorCode::timeout);
  CHECK(per_call.error().details["timeout_ms"] == 5);
  CHECK(observed_cancel);
}

TEST_CASE("Cancelling the awaiting coroutine cancels the tool and reads cancelled", "[manager]") {
  // With a deadline the call races a timer, which the caller's cancellation also ends:
  // that must read cancelled too, never timeout.
  const bool with_deadline = GENERATE(false, true);
  CAPTURE(with_deadline);
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  asio::cancellation_signal signal;
  Gate gate(io.get_executor());
  bool tool_saw_cancel = false;
  auto category = std::make_shared<mcp::ToolCategory>("slow", "waits");
  mcp::ToolSpec spec("wait", "waits for the gate");
  if (with_deadline) spec.with_timeout(std::chrono::minutes(10));
  category->add_tool(std::move(spec), [&](Json) -> asio::awaitable<Json> {
    // Once this coroutine is suspended, the test cancels it.
    asio::post(io, [&] { signal.emit(asio::cancellation_type::terminal); });
    if (!co_await gate.wait()) {
      tool_saw_cancel = true;
      throw std::system_error(asio::error::operation_aborted);
    }
    co_return "opened";
  });
  manager.register_category(category);
  std::optional<mcp::DispatchResult> result;
  asio::co_spawn(
      io, manager.dispatch("slow", "wait"),
      asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, mcp::DispatchResult r) {
        REQUIRE_FALSE(e);
        result = std::move(r);
      }));
  io.run();
  REQUIRE(result);
  CHECK(result->code() == ErrorCode::cancelled);
  CHECK(tool_saw_cancel);
  // Caller cancellation is not the category's fault.
  CHECK(manager.breaker("slow")->info().total_failures == 0);
}

TEST_CASE("A lazy category loads once however many coroutines ask at once", "[manager][lazy]") {
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  std::atomic<int> loads{0};
  manager.lazy_register_category(
      "lazy",
      [&]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
        ++loads;
        // Suspend so that the other callers really arrive while the load runs.
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
        co_await timer.async_wait(asio::use_awaitable);
        auto category = std::make_shared<mcp::ToolCategory>("lazy", "loaded on demand");
        category->add_tool(mcp::ToolSpec("ping", "answers"), [](Json) { return "pong"; });
        co_return category;
      },
      "Loaded on first use");
  CHECK(manager.loaded_category("lazy") == nullptr);

  constexpr int callers = 1000;
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  std::promise<void> all_done;
  for (int i = 0; i < callers; ++i) {
    asio::co_spawn(pool, manager.dispatch("lazy", "ping"),
                   [&](std::exception_ptr e, mcp::DispatchResult r) {
                     if (!e && r.ok() && r.value() == "pong") ++ok;
                     if (++done == callers) all_done.set_value();
                   });
  }
  all_done.get_future().wait();
  CHECK(loads == 1);
  CHECK(ok == callers);
  CHECK(manager.loaded_category("lazy") != nullptr);
  pool.join();
}

TEST_CASE("Waiters of a lazy load cancelled, timed out or served across threads each end once",
          "[manager][lazy]") {
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  // The load waits on a timer that never expires; the test opens it, from its own thread,
  // by posting the cancel to the load's strand once every other caller has ended.
  std::atomic<int> loads{0};
  std::mutex gate_mutex;
  asio::steady_timer* gate = nullptr;  // guarded by gate_mutex
  asio::any_io_executor gate_executor;
  std::promise<void> load_waiting;
  manager.lazy_register_category(
      "lazy", [&]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
        ++loads;
        const auto ex = co_await asio::this_coro::executor;
        asio::steady_timer timer(ex, asio::steady_timer::time_point::max());
        {
          std::lock_guard lock(gate_mutex);
          gate = &timer;
          gate_executor = ex;
        }
        load_waiting.set_value();
        (void)co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        co_return ping_category("lazy");
      });
  constexpr int callers = 300;  // a third served, a third cancelled, a third timed out
  struct Caller {
    explicit Caller(asio::thread_pool& p) : strand(asio::make_strand(p)) {}
    asio::strand<asio::thread_pool::executor_type> strand;
    asio::cancellation_signal signal;  // emitted on `strand` only
  };
  std::vector<std::unique_ptr<Caller>> each;
  for (int i = 0; i < callers; ++i) each.push_back(std::make_unique<Caller>(pool));
  std::atomic<int> ok{0};
  std::atomic<int> cancelled{0};
  std::atomic<int> timed_out{0};
  std::atomic<int> other{0};
  std::atomic<int> done{0};
  std::promise<void> others_done;  // every caller but the served ones has ended
  std::promise<void> all_done;
  for (int i = 0; i < callers; ++i) {
    mcp::CallOptions options;
    if (i % 3 == 1) options.timeout = std::chrono::milliseconds(1 + i % 5);
    asio::co_spawn(each[i]->strand, manager.dispatch("lazy", "ping", Json::object(), options),
                   asio::bind_cancellation_slot(each[i]->signal.slot(),
                                                [&](std::exception_ptr e, mcp::DispatchResult r) {
                                                  if (e) {
                                                    ++other;
                                                  } else if (r.ok()) {
                                                    ++ok;
                                                  } else if (r.code() == ErrorCode::cancelled) {
                                                    ++cancelled;
                                                  } else if (r.code() == ErrorCode::timeout) {
                                                    ++timed_out;
                                                  } else {
                                                    ++other;
                                                  }
                                                  const int n = ++done;
                                                  if (n == 2 * callers / 3) others_done.set_value();
                                                  if (n == callers) all_done.set_value();
                                                }));
    if (i % 3 == 2) {
      // Queued behind the call's start on its strand: the call is waiting by then.
      Caller* caller = each[i].get();
      asio::post(caller->strand,
                 [caller] { caller->signal.emit(asio::cancellation_type::terminal); });
    }
  }
  load_waiting.get_future().wait();
  // They end while the load still runs; the bound only keeps a failing test finite.
  CHECK(others_done.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(ok == 0);  // nobody was served before the load ended
  {
    std::lock_guard lock(gate_mutex);
    asio::post(gate_executor, [&] {
      std::lock_guard inner(gate_mutex);
      gate->cancel();
    });
  }
  all_done.get_future().wait();
  pool.join();
  CHECK(loads == 1);
  CHECK(other == 0);
  CHECK(ok == callers / 3);
  CHECK(cancelled == callers / 3);
  CHECK(timed_out == callers / 3);
  CHECK(manager.calls_in_flight() == 0);
}

TEST_CASE("A plain-function loader also runs exactly once under concurrency", "[manager][lazy]") {
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  std::atomic<int> loads{0};
  manager.lazy_register_category("plain", [&] {
    ++loads;
    auto category = std::make_shared<mcp::ToolCategory>("plain", "d");
    category->add_tool(mcp::ToolSpec("t", "d"), [](Json) { return 1; });
    return category;
  });
  std::vector<mcp::ToolCall> calls(500, mcp::ToolCall{"plain", "t", Json::object()});
  auto batch = mcp::test::run_on(pool, manager.dispatch_parallel(calls));
  CHECK(loads == 1);
  CHECK(batch.succeeded() == 500);
  pool.join();
}

TEST_CASE("A failing loader poisons nothing: the next access retries", "[manager][lazy]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  int attempts = 0;
  manager.lazy_register_category("retry", [&]() -> std::shared_ptr<mcp::ToolCategory> {
    if (++attempts == 1) throw std::runtime_error("backend unreachable");
    auto category = std::make_shared<mcp::ToolCategory>("retry", "d");
    category->add_tool(mcp::ToolSpec("t", "d"), [](Json) { return "ok"; });
    return category;
  });
  auto first = run_awaitable(io, manager.dispatch("retry", "t"));
  REQUIRE_FALSE(first.ok());
  CHECK(first.code() == ErrorCode::load_failed);
  CHECK_THAT(first.error().message, Catch::Contains("backend unreachable"));
  auto second = run_awaitable(io, manager.dispatch("retry", "t"));
  REQUIRE(second.ok());
  CHECK(second.value() == "ok");
  CHECK(attempts == 2);
}

TEST_CASE("A loader returning the wrong category fails the load", "[manager][lazy]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.lazy_register_category("right",
                                 [] { return std::make_shared<mcp::ToolCategory>("wrong", "d"); });
  auto result = run_awaitable(io, manager.dispatch("right", "t"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.code() == ErrorCode::load_failed);
  CHECK_THAT(result.error().message, Catch::Contains("'wrong'"));
}

TEST_CASE("A caller waiting for another caller's lazy load leaves at once when cancelled",
          "[manager][lazy]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate backend(io.get_executor());
  int loads = 0;
  manager.lazy_register_category("lazy", gated_loader("lazy", backend, loads));
  std::optional<mcp::DispatchResult> first;
  std::optional<mcp::DispatchResult> second;
  asio::co_spawn(io, manager.dispatch("lazy", "ping"),
                 [&](std::exception_ptr, mcp::DispatchResult r) { first = std::move(r); });
  asio::cancellation_signal cancel;
  asio::co_spawn(
      io, manager.dispatch("lazy", "ping"),
      asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, mcp::DispatchResult r) {
        CHECK_FALSE(e);
        second = std::move(r);
      }));
  io.poll();  // both wait for the one load, which waits for the backend
  CHECK(loads == 1);
  CHECK(manager.calls_in_flight() == 2);

  cancel.emit(asio::cancellation_type::terminal);
  io.poll();  // the backend has not answered
  CHECK(second.has_value());
  if (second) CHECK(second->code() == ErrorCode::cancelled);
  CHECK_FALSE(first);  // the load goes on for the other caller
  CHECK(manager.calls_in_flight() == 1);

  backend.open();
  io.run();
  REQUIRE(first);
  CHECK(first->ok());
  CHECK(loads == 1);
  CHECK(manager.breaker("lazy")->info().total_calls == 1);  // the cancelled call never ran
}

TEST_CASE("Cancelling the call that started a lazy load fails none of the other waiters",
          "[manager][lazy]") {
  const bool load_fails = GENERATE(false, true);
  INFO((load_fails ? "the load fails" : "the load succeeds"));
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate backend(io.get_executor());
  int loads = 0;
  manager.lazy_register_category(
      "lazy", gated_loader("lazy", backend, loads, load_fails ? "backend refused" : ""));
  asio::cancellation_signal cancel;
  std::optional<mcp::DispatchResult> starter;
  asio::co_spawn(
      io, manager.dispatch("lazy", "ping"),
      asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, mcp::DispatchResult r) {
        CHECK_FALSE(e);
        starter = std::move(r);
      }));
  io.poll();  // the starter's call has started the load
  REQUIRE(loads == 1);
  std::vector<mcp::DispatchResult> others;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(io, manager.dispatch("lazy", "ping"),
                   [&](std::exception_ptr, mcp::DispatchResult r) { others.push_back(r); });
  }
  io.poll();

  cancel.emit(asio::cancellation_type::terminal);
  io.poll();
  REQUIRE(starter);
  CHECK(starter->code() == ErrorCode::cancelled);
  CHECK(others.empty());  // nobody else was cancelled: they still wait for the load

  backend.open();
  io.run();
  REQUIRE(others.size() == 3);
  for (const auto& r : others) {
    if (load_fails) {
      REQUIRE_FALSE(r.ok());
      CHECK(r.code() == ErrorCode::load_failed);
      CHECK_THAT(r.error().message, Catch::Contains("backend refused"));
    } else {
      CHECK(r.ok());
    }
  }
  CHECK(loads == 1);
  CHECK((manager.loaded_category("lazy") != nullptr) == !load_fails);
}

TEST_CASE("A call's timeout bounds its wait for a lazy load, which goes on for later calls",
          "[manager][lazy]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate backend(io.get_executor());
  int loads = 0;
  manager.lazy_register_category("lazy", gated_loader("lazy", backend, loads));
  // Bounds the test if the timeout is not honoured: the backend answers after 5 s.
  asio::steady_timer watchdog(io, std::chrono::seconds(5));
  watchdog.async_wait([&](std::error_code ec) {
    if (!ec) backend.open();
  });
  std::optional<mcp::DispatchResult> result;
  bool loaded_at_result = true;
  const auto options = mcp::CallOptions{}.with_timeout(std::chrono::milliseconds(20));
  asio::co_spawn(io, manager.dispatch("lazy", "ping", Json::object(), options),
                 [&](std::exception_ptr, mcp::DispatchResult r) {
                   result = std::move(r);
                   loaded_at_result = manager.loaded_category("lazy") != nullptr;
                   backend.open();
                   watchdog.cancel();
                 });
  io.run();
  REQUIRE(result);
  REQUIRE_FALSE(result->ok());
  CHECK(result->code() == ErrorCode::timeout);
  CHECK(result->error().details["timeout_ms"] == 20);
  CHECK_THAT(result->error().message, Catch::Contains("the load goes on"));
  CHECK_FALSE(loaded_at_result);
  CHECK(manager.loaded_category("lazy") != nullptr);  // the load went on and ended
  auto later = run_awaitable(io, manager.dispatch("lazy", "ping"));
  CHECK(later.ok());
  CHECK(loads == 1);
}

TEST_CASE("graceful_shutdown cancels a lazy load nobody waits for and waits for its end",
          "[manager][lazy][shutdown]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate backend(io.get_executor());
  int loads = 0;
  bool loader_cancelled = false;
  manager.lazy_register_category("lazy",
                                 [&]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
                                   ++loads;
                                   if (!co_await backend.wait()) {
                                     loader_cancelled = true;
                                     throw std::system_error(asio::error::operation_aborted);
                                   }
                                   co_return ping_category("lazy");
                                 });
  asio::steady_timer watchdog(io, std::chrono::seconds(5));  // bounds a failing test
  watchdog.async_wait([&](std::error_code ec) {
    if (!ec) backend.open();
  });
  std::optional<mcp::ShutdownReport> report;
  auto shut_down = [&] {
    asio::co_spawn(io, manager.graceful_shutdown(std::chrono::seconds(30)),
                   [&](std::exception_ptr, mcp::ShutdownReport r) {
                     report = r;
                     watchdog.cancel();
                   });
  };
  std::optional<mcp::DispatchResult> call;

  SECTION("left behind by a call that timed out before the shutdown") {
    const auto options = mcp::CallOptions{}.with_timeout(std::chrono::milliseconds(10));
    asio::co_spawn(io, manager.dispatch("lazy", "ping", Json::object(), options),
                   [&](std::exception_ptr, mcp::DispatchResult r) {
                     call = std::move(r);
                     shut_down();  // the load runs on, waited for by nobody
                   });
    io.run();
    REQUIRE(call);
    CHECK(call->code() == ErrorCode::timeout);
  }
  SECTION("left by its last waiter during the shutdown") {
    asio::cancellation_signal cancel;
    asio::co_spawn(
        io, manager.dispatch("lazy", "ping"),
        asio::bind_cancellation_slot(cancel.slot(),
                                     [&](std::exception_ptr, mcp::DispatchResult r) { call = r; }));
    io.poll();
    shut_down();
    io.poll();
    CHECK_FALSE(loader_cancelled);  // a call still waits for the load: it goes on
    CHECK_FALSE(report);
    cancel.emit(asio::cancellation_type::terminal);
    io.run();
    REQUIRE(call);
    CHECK(call->code() == ErrorCode::cancelled);
  }
  CHECK(loads == 1);
  CHECK(loader_cancelled);
  REQUIRE(report);
  CHECK(report->completed);
  CHECK(report->loads_still_running == 0);
  CHECK(report->still_running == 0);
  CHECK(manager.loaded_category("lazy") == nullptr);
}

TEST_CASE("Destroying the manager cancels a lazy load still running; a late loader is safe",
          "[manager][lazy][shutdown]") {
  asio::io_context io;
  auto manager = std::make_unique<mcp::HierarchicalToolManager>(io.get_executor());
  Gate backend(io.get_executor());
  bool loader_cancelled = false;
  bool loader_finished = false;
  std::weak_ptr<mcp::ToolCategory> late_category;
  const bool honours_cancellation = GENERATE(true, false);
  INFO((honours_cancellation ? "the loader honours cancellation" : "the loader ignores it"));
  manager->lazy_register_category("lazy",
                                  [&]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
                                    if (!honours_cancellation)
                                      co_await asio::this_coro::throw_if_cancelled(false);
                                    while (!co_await backend.wait()) {
                                      loader_cancelled = true;
                                      if (honours_cancellation)
                                        throw std::system_error(asio::error::operation_aborted);
                                    }
                                    auto category = ping_category("lazy");
                                    late_category = category;
                                    loader_finished = true;
                                    co_return category;
                                  });
  asio::steady_timer watchdog(io, std::chrono::seconds(5));  // bounds a failing test
  watchdog.async_wait([&](std::error_code ec) {
    if (!ec) backend.open();
  });
  std::optional<mcp::DispatchResult> call;
  const auto options = mcp::CallOptions{}.with_timeout(std::chrono::milliseconds(10));
  asio::co_spawn(io, manager->dispatch("lazy", "ping", Json::object(), options),
                 [&](std::exception_ptr, mcp::DispatchResult r) {
                   call = std::move(r);
                   watchdog.cancel();
                 });
  while (!call) io.run_one();  // the call times out; its load runs on
  CHECK(call->code() == ErrorCode::timeout);
  manager.reset();
  io.poll();
  CHECK(loader_cancelled);
  CHECK_FALSE(loader_finished);
  backend.open();  // a loader that ignored the cancellation ends now, after the manager
  io.run();
  CHECK(loader_finished == !honours_cancellation);
  CHECK(late_category.expired());  // what it loaded was dropped with the manager's state
}

TEST_CASE("Listing categories loads nothing unless counts are asked for", "[manager][lazy]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  int loads = 0;
  manager.register_category(math_category());
  manager.lazy_register_category(
      "alpha",
      [&] {
        ++loads;
        auto category = std::make_shared<mcp::ToolCategory>("alpha", "first");
        category->add_tool(mcp::ToolSpec("x", "d"), [](Json) { return 1; });
        return category;
      },
      "The first category");
  Json listing = run_awaitable(io, manager.list_categories(false));
  CHECK(loads == 0);
  CHECK(listing["status"] == "success");
  CHECK(listing["count"] == 2);
  CHECK(listing["categories"][0]["name"] == "alpha");  // sorted
  CHECK(listing["categories"][0]["description"] == "The first category");
  CHECK(listing["categories"][0]["loaded"] == false);
  CHECK(listing["categories"][1]["name"] == "math");
  CHECK_FALSE(listing["categories"][0].contains("tool_count"));

  Json counted = run_awaitable(io, manager.list_categories(true));
  CHECK(loads == 1);
  CHECK(counted["categories"][0]["tool_count"] == 1);
  CHECK(counted["categories"][1]["tool_count"] == 2);
}

// A gateway's --flat tools/list loads every category: its upstream servers must start side
// by side, not one after another. Each loader here waits until the other one has started
// (a load that only begins after the first ended would never see it: the first gives up
// after 10 s and fails). A load that fails is not started a second time by the wait.
TEST_CASE("Listing with counts runs the coroutine loads at once", "[manager][lazy]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  int started = 0;
  int bad_loads = 0;
  Gate both(io.get_executor());
  auto loader = [&](std::string name) -> mcp::AsyncCategoryLoader {
    return [&, name]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
      if (++started == 2) both.open();
      asio::steady_timer limit(co_await asio::this_coro::executor, std::chrono::seconds(10));
      limit.async_wait([&](std::error_code ec) {
        if (!ec) both.open();
      });
      co_await both.wait();
      limit.cancel();
      if (started < 2) throw std::runtime_error("the other load never started");
      co_return ping_category(name);
    };
  };
  manager.lazy_register_category("a", loader("a"));
  manager.lazy_register_category("b", loader("b"));
  manager.lazy_register_category("bad",
                                 [&]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
                                   ++bad_loads;
                                   throw std::runtime_error("cannot start");
                                   co_return nullptr;
                                 });
  Json counted = run_awaitable(io, manager.list_categories(true));
  INFO(counted.dump());
  REQUIRE(counted["categories"].size() == 3);
  CHECK(counted["categories"][0]["tool_count"] == 1);
  CHECK(counted["categories"][1]["tool_count"] == 1);
  CHECK(counted["categories"][2]["error"] == "cannot start");
  CHECK(bad_loads == 1);
}

TEST_CASE("list_tools and get_tool_schema give sorted summaries and cached schemas", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto math = math_category();
  manager.register_category(math);
  Json tools = run_awaitable(io, manager.list_tools("math"));
  REQUIRE(tools["status"] == "success");
  CHECK(tools["count"] == 2);
  CHECK(tools["tools"][0]["name"] == "add");
  CHECK(tools["tools"][0]["description"] == "Add two numbers");  // first line only
  CHECK(tools["tools"][1]["name"] == "divide");

  Json schema = run_awaitable(io, manager.get_tool_schema("math", "add"));
  REQUIRE(schema["status"] == "success");
  CHECK(schema["schema"]["name"] == "add");
  CHECK(schema["schema"]["inputSchema"]["required"] == Json({"a", "b"}));
  CHECK(math->schema_cache_stats().misses == 1);
  (void)run_awaitable(io, manager.get_tool_schema("math", "add"));
  CHECK(math->schema_cache_stats().hits == 1);
  CHECK(math->schema_cache_stats().size == 1);

  Json missing = run_awaitable(io, manager.get_tool_schema("math", "pow"));
  CHECK(missing["status"] == "error");
  CHECK(missing["error_code"] == "tool_not_found");
  CHECK(missing["available_tools"] == Json({"add", "divide"}));
  Json no_category = run_awaitable(io, manager.list_tools("physics"));
  CHECK(no_category["error_code"] == "category_not_found");
  CHECK(no_category["available_categories"] == Json({"math"}));
}

TEST_CASE("Names are validated and duplicates refused", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(math_category());
  CHECK_THROWS_AS(manager.register_category(math_category()), std::invalid_argument);
  CHECK_THROWS_AS(manager.lazy_register_category("math", [] { return math_category(); }),
                  std::invalid_argument);
  CHECK_THROWS_AS(manager.lazy_register_category("bad name", [] { return math_category(); }),
                  std::invalid_argument);
  CHECK_THROWS_AS(mcp::ToolCategory("", "empty"), std::invalid_argument);
  mcp::ToolCategory category("c", "d");
  category.add_tool(mcp::ToolSpec("t", "d"), [](Json) { return 1; });
  CHECK_THROWS_AS(category.add_tool(mcp::ToolSpec("t", "d"), [](Json) { return 2; }),
                  std::invalid_argument);
  CHECK_THROWS_AS(category.add_tool(mcp::ToolSpec("t/2", "d"), [](Json) { return 2; }),
                  std::invalid_argument);
}

TEST_CASE("Registering a category later notifies and is dispatchable at once", "[manager]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  int notified = 0;
  manager.on_categories_changed([&] { ++notified; });
  manager.register_category(math_category());
  CHECK(notified == 1);
  CHECK(manager.category_names() == std::vector<std::string>{"math"});
  manager.lazy_register_category("b", [] { return std::make_shared<mcp::ToolCategory>("b", "d"); });
  CHECK(notified == 2);
  CHECK(manager.has_category("b"));
  // Several subscribers coexist (a host and the MCP server) and can leave.
  int second = 0;
  const auto token = manager.on_categories_changed([&] { ++second; });
  manager.register_category(std::make_shared<mcp::ToolCategory>("c", "d"));
  CHECK(notified == 3);
  CHECK(second == 1);
  CHECK(manager.remove_categories_changed(token));
  CHECK_FALSE(manager.remove_categories_changed(token));
  manager.register_category(std::make_shared<mcp::ToolCategory>("e", "d"));
  CHECK(notified == 4);
  CHECK(second == 1);
  CHECK(manager.category_names() == std::vector<std::string>{"b", "c", "e", "math"});
}

TEST_CASE("Graceful shutdown refuses new calls and drains those in flight", "[manager][shutdown]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate gate(io.get_executor());
  manager.register_category(gated_category(gate));

  std::optional<mcp::DispatchResult> in_flight;
  asio::co_spawn(io, manager.dispatch("slow", "wait"),
                 [&](std::exception_ptr, mcp::DispatchResult r) { in_flight = std::move(r); });
  io.poll();  // the call is now suspended at the gate
  REQUIRE(manager.calls_in_flight() == 1);

  std::optional<mcp::ShutdownReport> report;
  asio::co_spawn(io, manager.graceful_shutdown(std::chrono::seconds(30)),
                 [&](std::exception_ptr, mcp::ShutdownReport r) { report = r; });
  io.poll();
  CHECK(manager.is_shutting_down());
  CHECK_FALSE(report);  // still waiting for the call

  std::optional<mcp::DispatchResult> refused;
  asio::co_spawn(io, manager.dispatch("slow", "wait"),
                 [&](std::exception_ptr, mcp::DispatchResult r) { refused = std::move(r); });
  io.poll();
  REQUIRE(refused);
  CHECK(refused->code() == ErrorCode::shutting_down);

  gate.open();
  io.run();
  REQUIRE(in_flight);
  CHECK(in_flight->ok());
  REQUIRE(report);
  CHECK(report->completed);
  CHECK(report->drained == 1);
  CHECK(report->still_running == 0);
}

TEST_CASE("Graceful shutdown reports a timeout when calls outlive it", "[manager][shutdown]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate gate(io.get_executor());
  manager.register_category(gated_category(gate));
  asio::co_spawn(io, manager.dispatch("slow", "wait"), asio::detached);
  io.poll();
  std::optional<mcp::ShutdownReport> report;
  asio::co_spawn(io, manager.graceful_shutdown(std::chrono::milliseconds(10)),
                 [&](std::exception_ptr, mcp::ShutdownReport r) {
                   report = r;
                   gate.open();  // let the straggler end so the test can finish
                 });
  io.run();
  REQUIRE(report);
  CHECK_FALSE(report->completed);
  CHECK(report->still_running == 1);
  CHECK(report->drained == 0);
}

TEST_CASE("Error codes have stable names", "[manager]") {
  CHECK(mcp::to_string(ErrorCode::category_not_found) == "category_not_found");
  CHECK(mcp::to_string(ErrorCode::load_failed) == "load_failed");
  CHECK(mcp::to_string(ErrorCode::overloaded) == "overloaded");
  std::error_code ec = ErrorCode::timeout;
  CHECK(ec.message() == "timeout");
  CHECK(std::string(ec.category().name()) == "mcp");
}

TEST_CASE("DispatchResult::to_json_text is to_json, written directly", "[manager]") {
  std::vector<mcp::DispatchResult> results;
  for (const Json& value :
       {Json(nullptr), Json(true), Json(42), Json(-7), Json(18'446'744'073'709'551'615ULL),
        Json(5.0), Json(0.1), Json(-1e-7), Json(1e300), Json(123456789.125), Json("plain"),
        Json("quote \" backslash \\ newline \n caf\xC3\xA9"), Json("bad \xFF utf-8"),
        Json{{"a", {1, 2.5, "x"}}, {"b", nullptr}}, Json::array({1, "two"})}) {
    results.push_back(mcp::DispatchResult::success(value));
  }
  results.push_back(mcp::DispatchResult::failure(mcp::ErrorCode::tool_error, "it \"broke\"\n"));
  results.push_back(mcp::DispatchResult::failure(mcp::ErrorCode::timeout, "late", Json::object()));
  results.push_back(mcp::DispatchResult::failure(  // details merge: to_json's own path
      mcp::ErrorCode::circuit_open, "open",
      Json{{"retry_after_ms", 1200}, {"category", "ignored"}}));
  results.push_back(mcp::DispatchResult());  // never started
  std::int64_t ns = 0;
  for (auto& r : results) {
    r.category = "cat\xC3\xA9gorie";
    r.tool = "t\"ool";
    r.request_id = 18'446'744'073'709'551'000ULL + static_cast<std::uint64_t>(ns % 7);
    r.duration = std::chrono::nanoseconds(ns);
    ns = (ns % 100'000'000'000'000) * 10 + 1234;  // up to ~11.5 days, never overflowing
  }
  results.back().warning = "tool 't' is deprecated";
  for (const auto& r : results) {
    const std::string text = r.to_json_text();
    INFO(text);
    const Json parsed = Json::parse(text);
    // What the server sent before: to_json() serialised, invalid UTF-8 replaced.
    CHECK(parsed == Json::parse(r.to_json().dump(-1, ' ', false, Json::error_handler_t::replace)));
    CHECK(parsed.at("duration_ms").is_number_float());  // a float stays a float
    if (r.ok() && r.value().is_number_float()) CHECK(parsed.at("result").is_number_float());
  }
  // Byte for byte where no double is written differently (nlohmann: 0.0, 1234.0 alike).
  mcp::DispatchResult simple = mcp::DispatchResult::success(Json("ok"));
  simple.category = "util";
  simple.tool = "noop";
  simple.request_id = 3;
  simple.duration = std::chrono::milliseconds(2);
  CHECK(simple.to_json_text() == simple.to_json().dump());
  // JSON has no NaN: written as null, as nlohmann writes it.
  const auto nan = mcp::DispatchResult::success(Json(std::numeric_limits<double>::quiet_NaN()));
  CHECK(Json::parse(nan.to_json_text()).at("result").is_null());
}
