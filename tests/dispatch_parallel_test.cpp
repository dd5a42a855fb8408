// tests/dispatch_parallel_test.cpp -- fan-out, sliding window, failures, cancellation.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/dispatch_parallel.hpp>
#include <mcp/hierarchical_tool_manager.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "support/gate.hpp"
#include "support/run_awaitable.hpp"

using mcp::ErrorCode;
using mcp::Json;
using mcp::ToolCall;
using mcp::test::Gate;
using mcp::test::run_awaitable;
using mcp::test::run_on;

namespace {

asio::awaitable<void> wait_for(std::chrono::microseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

// Tracks how many calls run at once and the highest that number reached.
struct InFlight {
  std::atomic<int> now{0};
  std::atomic<int> peak{0};
  void enter() {
    const int n = ++now;
    int seen = peak.load();
    while (n > seen && !peak.compare_exchange_weak(seen, n)) {
    }
  }
  void leave() { --now; }
};

std::vector<ToolCall> calls_of(const std::string& category, const std::string& tool, std::size_t n,
                               auto&& params_of) {
  std::vector<ToolCall> calls;
  calls.reserve(n);
  for (std::size_t i = 0; i < n; ++i) calls.push_back({category, tool, params_of(i)});
  return calls;
}

}  // namespace

TEST_CASE("No calls give an empty result at once", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto batch = run_awaitable(io, manager.dispatch_parallel({}));
  CHECK(batch.size() == 0);
  CHECK_FALSE(batch.first_error);
}

TEST_CASE("max_concurrent of zero is refused with a clear error", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  std::vector<ToolCall> calls{{"a", "b", Json::object()}};
  CHECK_THROWS_WITH(run_awaitable(io, manager.dispatch_parallel(
                                          calls, mcp::ParallelOptions{}.with_max_concurrent(0))),
                    Catch::Contains("max_concurrent must be at least 1"));
}

TEST_CASE("Results come back in call order under randomized latencies", "[dispatch_parallel]") {
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "timed");
  category->add_tool(mcp::ToolSpec("sleepy", "waits, then echoes"),
                     [](Json args) -> asio::awaitable<Json> {
                       co_await wait_for(std::chrono::microseconds(args["us"].get<int>()));
                       co_return args["i"];
                     });
  category->add_tool(mcp::ToolSpec("sync", "echoes"), [](Json args) { return args["i"]; });
  manager.register_category(category);
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> latency(0, 3000);
  std::vector<ToolCall> calls;
  for (int i = 0; i < 300; ++i) {
    // Mix synchronous and suspending calls and an unknown tool.
    const char* tool = i % 3 == 0 ? "sync" : (i % 50 == 7 ? "missing" : "sleepy");
    calls.push_back({"t", tool, {{"i", i}, {"us", latency(rng)}}});
  }
  auto batch = run_on(pool, manager.dispatch_parallel(calls));
  REQUIRE(batch.size() == 300);
  for (int i = 0; i < 300; ++i) {
    INFO("call " << i);
    CHECK(batch[i].tool == calls[i].tool);
    if (calls[i].tool == "missing") {
      CHECK(batch[i].code() == ErrorCode::tool_not_found);
    } else {
      REQUIRE(batch[i].ok());
      CHECK(batch[i].value() == i);
    }
  }
  REQUIRE(batch.first_error);
  CHECK(calls[*batch.first_error].tool == "missing");
  pool.join();
}

TEST_CASE("The number of calls in flight never exceeds max_concurrent", "[dispatch_parallel]") {
  const std::size_t limit = GENERATE(1u, 2u, 10u);
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  InFlight in_flight;
  auto category = std::make_shared<mcp::ToolCategory>("t", "instrumented");
  category->add_tool(mcp::ToolSpec("work", "counts itself"), [&](Json) -> asio::awaitable<Json> {
    in_flight.enter();
    co_await wait_for(std::chrono::microseconds(2000));
    in_flight.leave();
    co_return true;
  });
  manager.register_category(category);
  auto calls = calls_of("t", "work", 40, [](std::size_t) { return Json::object(); });
  auto batch = run_on(
      pool, manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_max_concurrent(limit)));
  INFO("max_concurrent " << limit);
  CHECK(batch.succeeded() == 40);
  CHECK(in_flight.peak.load() <= static_cast<int>(limit));
  // The window is used: with 2 ms calls and idle threads, it fills up.
  CHECK(in_flight.peak.load() == static_cast<int>(limit));
  pool.join();
}

TEST_CASE("The sliding window starts a new call the moment one ends", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  std::vector<std::unique_ptr<Gate>> gates;
  for (int i = 0; i < 5; ++i) gates.push_back(std::make_unique<Gate>(io.get_executor()));
  std::vector<std::string> events;
  auto category = std::make_shared<mcp::ToolCategory>("t", "gated");
  category->add_tool(mcp::ToolSpec("gated", "waits for its gate"),
                     [&](Json args) -> asio::awaitable<Json> {
                       const int i = args["i"];
                       events.push_back("start " + std::to_string(i));
                       co_await gates[i]->wait();
                       events.push_back("end " + std::to_string(i));
                       co_return i;
                     });
  manager.register_category(category);
  auto calls = calls_of("t", "gated", 5, [](std::size_t i) { return Json{{"i", i}}; });
  std::optional<mcp::BatchResult> batch;
  asio::co_spawn(io,
                 manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_max_concurrent(2)),
                 [&](std::exception_ptr, mcp::BatchResult r) { batch = std::move(r); });
  io.poll();
  CHECK(events == std::vector<std::string>{"start 0", "start 1"});
  // Call 1 ends while call 0 still runs: call 2 starts at once, no batch boundary.
  gates[1]->open();
  io.poll();
  CHECK(events == std::vector<std::string>{"start 0", "start 1", "end 1", "start 2"});
  gates[2]->open();
  io.poll();
  CHECK(events ==
        std::vector<std::string>{"start 0", "start 1", "end 1", "start 2", "end 2", "start 3"});
  gates[0]->open();
  io.poll();
  CHECK(events.back() == "start 4");
  gates[3]->open();
  gates[4]->open();
  io.run();
  REQUIRE(batch);
  CHECK(batch->succeeded() == 5);
}

TEST_CASE("With return_exceptions every slot holds its own result", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "mixed");
  category->add_tool(mcp::ToolSpec("maybe", "fails on odd numbers"),
                     [](Json args) -> asio::awaitable<Json> {
                       co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
                       if (args["i"].get<int>() % 2 == 1) throw std::runtime_error("odd");
                       co_return args["i"];
                     });
  manager.register_category(category);
  auto calls = calls_of("t", "maybe", 10, [](std::size_t i) { return Json{{"i", i}}; });
  auto batch = run_awaitable(io, manager.dispatch_parallel(calls));
  REQUIRE(batch.size() == 10);
  for (int i = 0; i < 10; ++i) {
    if (i % 2 == 1) {
      CHECK(batch[i].code() == ErrorCode::tool_error);
    } else {
      CHECK(batch[i].value() == i);
    }
  }
  CHECK_FALSE(batch.stopped);
  const Json shape = batch.to_json();
  CHECK(shape["status"] == "success");
  CHECK(shape["succeeded"] == 5);
  CHECK(shape["failed"] == 5);
}

TEST_CASE("Without return_exceptions the first failure cancels the rest", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate never(io.get_executor());
  int cancelled_in_flight = 0;
  auto category = std::make_shared<mcp::ToolCategory>("t", "mixed");
  category->add_tool(mcp::ToolSpec("hang", "waits until cancelled"),
                     [&](Json) -> asio::awaitable<Json> {
                       if (!co_await never.wait()) {
                         ++cancelled_in_flight;
                         throw std::system_error(asio::error::operation_aborted);
                       }
                       co_return "opened";
                     });
  category->add_tool(mcp::ToolSpec("fail", "fails after suspending"),
                     [](Json) -> asio::awaitable<Json> {
                       co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
                       throw std::runtime_error("broken");
                     });
  manager.register_category(category);
  std::vector<ToolCall> calls{{"t", "hang", {}},
                              {"t", "hang", {}},
                              {"t", "fail", {}},
                              {"t", "hang", {}},
                              {"t", "hang", {}}};
  // Window of 3: calls 0-2 start, call 2 fails, 0 and 1 are cancelled, 3 and 4 never start.
  auto batch = run_awaitable(
      io, manager.dispatch_parallel(
              calls, mcp::ParallelOptions{}.with_max_concurrent(3).with_return_exceptions(false)));
  REQUIRE(batch.stopped);
  REQUIRE(batch.first_error == 2u);
  CHECK(batch[2].code() == ErrorCode::tool_error);
  CHECK(batch[0].code() == ErrorCode::cancelled);
  CHECK(batch[1].code() == ErrorCode::cancelled);
  CHECK(batch[3].code() == ErrorCode::cancelled);
  CHECK(batch[4].code() == ErrorCode::cancelled);
  CHECK(batch[3].request_id == 0);  // never started
  CHECK(cancelled_in_flight == 2);
  const Json shape = batch.to_json();
  CHECK(shape["status"] == "error");
  CHECK(shape["error_code"] == "tool_error");
  CHECK(shape["failed_index"] == 2);
}

TEST_CASE("A failing synchronous call stops a fail-fast batch before the rest start",
          "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  int runs = 0;
  auto category = std::make_shared<mcp::ToolCategory>("t", "sync");
  category->add_tool(mcp::ToolSpec("count", "counts"), [&](Json) { return ++runs; });
  manager.register_category(category);
  std::vector<ToolCall> calls{{"t", "count", {}}, {"t", "nope", {}}, {"t", "count", {}}};
  auto batch = run_awaitable(
      io, manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_return_exceptions(false)));
  CHECK(batch.stopped);
  CHECK(batch.first_error == 1u);
  CHECK(batch[0].ok());
  CHECK(batch[2].code() == ErrorCode::cancelled);
  CHECK(runs == 1);
}

TEST_CASE("A large synchronous batch shared with a helper thread still stops at the first failure",
          "[dispatch_parallel]") {
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "sync");
  category->add_tool(mcp::ToolSpec("echo", "echoes"), [](Json args) { return args["i"]; });
  manager.register_category(category);
  auto calls = calls_of("t", "echo", 4000, [](std::size_t i) { return Json{{"i", i}}; });
  calls[1000].tool = "missing";
  auto all = run_on(pool, manager.dispatch_parallel(calls));
  CHECK(all.succeeded() == 3999);
  CHECK(all.first_error == 1000u);
  auto stopped = run_on(
      pool, manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_return_exceptions(false)));
  CHECK(stopped.stopped);
  CHECK(stopped.first_error == 1000u);
  CHECK(stopped[1000].code() == ErrorCode::tool_not_found);
  // The call right after the failure belongs to the same claimed chunk: never started.
  CHECK(stopped[1001].code() == ErrorCode::cancelled);
  CHECK(stopped[1001].request_id == 0);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (stopped[i].ok()) REQUIRE(stopped[i].value() == i);
  }
  pool.join();
}

TEST_CASE("Cancelling the awaiting coroutine cancels the whole batch and leaves nothing behind",
          "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  asio::cancellation_signal signal;
  std::atomic<int> started{0};
  std::atomic<int> observed{0};
  auto category = std::make_shared<mcp::ToolCategory>("t", "slow");
  category->add_tool(mcp::ToolSpec("hour", "waits an hour"), [&](Json) -> asio::awaitable<Json> {
    ++started;
    try {
      co_await wait_for(std::chrono::hours(1));
    } catch (const std::system_error&) {
      ++observed;
      throw;
    }
    co_return "late";
  });
  category->add_tool(mcp::ToolSpec("quick", "answers"), [](Json) { return 1; });
  manager.register_category(category);
  std::vector<ToolCall> calls;
  for (int i = 0; i < 20; ++i) calls.push_back({"t", i % 4 == 0 ? "quick" : "hour", {}});
  std::optional<mcp::BatchResult> batch;
  asio::co_spawn(
      io, manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_max_concurrent(5)),
      asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, mcp::BatchResult r) {
        REQUIRE_FALSE(e);
        batch = std::move(r);
      }));
  io.poll();
  REQUIRE(started == 5);  // the window is full and every call waits
  signal.emit(asio::cancellation_type::terminal);
  io.run();  // returns only when no handler or coroutine is left
  REQUIRE(batch);
  CHECK(observed == 5);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    INFO("call " << i);
    if (i % 4 == 0) {
      CHECK(batch->results[i].ok());  // synchronous calls ran inline before any suspension
    } else {
      CHECK(batch->results[i].code() == ErrorCode::cancelled);
    }
  }
}

TEST_CASE("A batch deadline times out running and waiting calls", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "slow");
  category->add_tool(mcp::ToolSpec("hour", "waits an hour"), [](Json) -> asio::awaitable<Json> {
    co_await wait_for(std::chrono::hours(1));
    co_return "late";
  });
  manager.register_category(category);
  auto calls = calls_of("t", "hour", 6, [](std::size_t) { return Json::object(); });
  auto batch = run_awaitable(
      io,
      manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_max_concurrent(3).with_deadline(
                                           std::chrono::milliseconds(20))));
  for (const auto& result : batch) CHECK(result.code() == ErrorCode::timeout);
}

TEST_CASE("A batch deadline bounds calls whose category's load never answers",
          "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate backend(io.get_executor());
  int loads = 0;
  manager.lazy_register_category(
      "lazy", [&]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
        ++loads;
        co_await backend.wait();  // a backend that does not answer until the test says so
        auto category = std::make_shared<mcp::ToolCategory>("lazy", "loaded late");
        category->add_tool(mcp::ToolSpec("ping", "answers"), [](Json) { return "pong"; });
        co_return category;
      });
  auto quick = std::make_shared<mcp::ToolCategory>("t", "ready");
  quick->add_tool(mcp::ToolSpec("quick", "answers"), [](Json) { return 1; });
  manager.register_category(quick);
  // Bounds the test if the deadline is not honoured: the backend answers after 5 s.
  asio::steady_timer watchdog(io, std::chrono::seconds(5));
  watchdog.async_wait([&](std::error_code ec) {
    if (!ec) backend.open();
  });
  std::vector<ToolCall> calls{{"lazy", "ping", {}}, {"t", "quick", {}}, {"lazy", "ping", {}}};
  std::optional<mcp::BatchResult> batch;
  bool loaded_at_return = true;
  const auto options = mcp::ParallelOptions{}.with_deadline(std::chrono::milliseconds(50));
  asio::co_spawn(io, manager.dispatch_parallel(calls, options),
                 [&](std::exception_ptr e, mcp::BatchResult r) {
                   CHECK_FALSE(e);
                   batch = std::move(r);
                   loaded_at_return = manager.loaded_category("lazy") != nullptr;
                   backend.open();
                   watchdog.cancel();
                 });
  io.run();
  REQUIRE(batch);
  CHECK_FALSE(loaded_at_return);  // the batch returned at its deadline, the load still ran
  CHECK((*batch)[0].code() == ErrorCode::timeout);
  CHECK((*batch)[1].ok());
  CHECK((*batch)[2].code() == ErrorCode::timeout);
  // What was left of the batch's 50 ms when the call started.
  const auto waited = (*batch)[0].error().details["timeout_ms"].get<int>();
  CHECK(waited > 0);
  CHECK(waited <= 50);
  // The load went on and later calls use it.
  CHECK(manager.loaded_category("lazy") != nullptr);
  auto later = run_awaitable(io, manager.dispatch_parallel(calls));
  CHECK(later.succeeded() == 3);
  CHECK(loads == 1);
}

TEST_CASE("Suspending calls spread over the threads of a pool", "[dispatch_parallel]") {
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  std::mutex mutex;
  std::set<std::thread::id> threads;
  auto category = std::make_shared<mcp::ToolCategory>("t", "spread");
  category->add_tool(
      mcp::ToolSpec("work", "waits, then holds its thread until a second thread shows up"),
      [&](Json) -> asio::awaitable<Json> {
        co_await wait_for(std::chrono::microseconds(200));
        {
          std::lock_guard lock(mutex);
          threads.insert(std::this_thread::get_id());
        }
        // Deliberately occupy this thread (a test-only stand-in for CPU-bound
        // work): the other calls can only finish on the pool's other thread.
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (;;) {
          {
            std::lock_guard lock(mutex);
            if (threads.size() >= 2) break;
          }
          if (std::chrono::steady_clock::now() > give_up) break;
          std::this_thread::yield();
        }
        co_return true;
      });
  manager.register_category(category);
  auto calls = calls_of("t", "work", 100, [](std::size_t) { return Json::object(); });
  auto batch = run_on(pool, manager.dispatch_parallel(calls));
  CHECK(batch.succeeded() == 100);
  CHECK(threads.size() == 2);
  pool.join();
}

TEST_CASE("A batch of 100,000 calls completes in order", "[dispatch_parallel][large]") {
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "echo");
  category->add_tool(mcp::ToolSpec("sync", "echoes"), [](Json args) { return args["i"]; });
  category->add_tool(mcp::ToolSpec("co", "echoes from a coroutine"),
                     [](Json args) -> asio::awaitable<Json> { co_return args["i"]; });
  manager.register_category(category);
  constexpr std::size_t n = 100'000;
  auto calls = calls_of("t", "sync", n, [](std::size_t i) { return Json{{"i", i}}; });
  for (std::size_t i = 1; i < n; i += 2) calls[i].tool = "co";
  auto batch = run_on(pool, manager.dispatch_parallel(std::move(calls)));
  REQUIRE(batch.size() == n);
  std::size_t in_order = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (batch[i].ok() && batch[i].value() == i) ++in_order;
  }
  CHECK(in_order == n);
  pool.join();
}

TEST_CASE("on_result reports every call once, as it completes", "[dispatch_parallel]") {
  asio::thread_pool pool(2);
  mcp::HierarchicalToolManager manager(pool.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "mixed");
  category->add_tool(mcp::ToolSpec("sync", "echoes"), [](Json args) { return args["i"]; });
  category->add_tool(mcp::ToolSpec("co", "echoes later"), [](Json args) -> asio::awaitable<Json> {
    co_await wait_for(std::chrono::microseconds(100));
    co_return args["i"];
  });
  manager.register_category(category);
  auto calls = calls_of("t", "sync", 200, [](std::size_t i) { return Json{{"i", i}}; });
  for (std::size_t i = 0; i < calls.size(); i += 3) calls[i].tool = "co";
  std::mutex mutex;
  std::vector<int> seen(calls.size(), 0);
  bool values_match = true;
  auto batch = run_on(
      pool, manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_on_result(
                                                 [&](std::size_t i, const mcp::DispatchResult& r) {
                                                   std::lock_guard lock(mutex);
                                                   ++seen[i];
                                                   values_match =
                                                       values_match && r.ok() && r.value() == i;
                                                 })));
  CHECK(batch.succeeded() == calls.size());
  CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<long>(calls.size()));
  CHECK(values_match);
  pool.join();
}

namespace {
// Counts on_result per slot and keeps the code it was told, for the item-5 tests.
struct ResultLog {
  std::mutex mutex;
  std::vector<int> seen;
  std::vector<std::optional<ErrorCode>> codes;
  explicit ResultLog(std::size_t n) : seen(n, 0), codes(n) {}
  mcp::ResultCallback callback() {
    return [this](std::size_t i, const mcp::DispatchResult& r) {
      std::lock_guard lock(mutex);
      ++seen.at(i);
      if (!r.ok()) codes.at(i) = r.code();
    };
  }
  // Every slot reported exactly once, with the code the batch returned for it.
  void check_against(const mcp::BatchResult& batch) {
    std::lock_guard lock(mutex);
    REQUIRE(batch.size() == seen.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
      INFO("slot " << i);
      CHECK(seen[i] == 1);
      if (batch[i].ok()) {
        CHECK_FALSE(codes[i]);
      } else {
        CHECK(codes[i] == batch[i].code());
      }
    }
  }
};
}  // namespace

TEST_CASE("on_result reports the slots a fail-fast batch never started", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate never(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "mixed");
  category->add_tool(mcp::ToolSpec("hang", "waits until cancelled"),
                     [&](Json) -> asio::awaitable<Json> {
                       co_await never.wait();
                       throw std::system_error(asio::error::operation_aborted);
                     });
  category->add_tool(mcp::ToolSpec("fail", "fails after suspending"),
                     [](Json) -> asio::awaitable<Json> {
                       co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
                       throw std::runtime_error("broken");
                     });
  category->add_tool(mcp::ToolSpec("count", "answers at once"), [](Json) { return 1; });
  manager.register_category(category);

  SECTION("stopped by a failing coroutine call") {
    std::vector<ToolCall> calls{{"t", "hang", {}},
                                {"t", "hang", {}},
                                {"t", "fail", {}},
                                {"t", "hang", {}},
                                {"t", "hang", {}}};
    ResultLog log(calls.size());
    auto batch =
        run_awaitable(io, manager.dispatch_parallel(calls, mcp::ParallelOptions{}
                                                               .with_max_concurrent(3)
                                                               .with_return_exceptions(false)
                                                               .with_on_result(log.callback())));
    REQUIRE(batch.stopped);
    CHECK(batch[4].request_id == 0);  // never started, yet reported
    log.check_against(batch);
  }
  SECTION("stopped by a failing synchronous call in the inline pass") {
    std::vector<ToolCall> calls{
        {"t", "count", {}}, {"t", "nope", {}}, {"t", "count", {}}, {"t", "hang", {}}};
    ResultLog log(calls.size());
    auto batch = run_awaitable(
        io, manager.dispatch_parallel(
                calls, mcp::ParallelOptions{}.with_return_exceptions(false).with_on_result(
                           log.callback())));
    REQUIRE(batch.stopped);
    CHECK(batch[2].code() == ErrorCode::cancelled);
    CHECK(batch[3].code() == ErrorCode::cancelled);
    log.check_against(batch);
  }
}

TEST_CASE("on_result reports every slot of a cancelled batch and of a refused one",
          "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate never(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "slow");
  category->add_tool(mcp::ToolSpec("hang", "waits until cancelled"),
                     [&](Json) -> asio::awaitable<Json> {
                       co_await never.wait();
                       throw std::system_error(asio::error::operation_aborted);
                     });
  manager.register_category(category);
  auto calls = calls_of("t", "hang", 6, [](std::size_t) { return Json::object(); });

  ResultLog cancelled(calls.size());
  asio::cancellation_signal signal;
  std::optional<mcp::BatchResult> batch;
  asio::co_spawn(
      io,
      manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_max_concurrent(2).with_on_result(
                                           cancelled.callback())),
      asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, mcp::BatchResult r) {
        REQUIRE_FALSE(e);
        batch = std::move(r);
      }));
  io.poll();  // calls 0 and 1 wait, 2..5 wait for the window
  signal.emit(asio::cancellation_type::terminal);
  io.run();
  REQUIRE(batch);
  for (const auto& r : *batch) CHECK(r.code() == ErrorCode::cancelled);
  cancelled.check_against(*batch);

  (void)run_awaitable(io, manager.graceful_shutdown(std::chrono::milliseconds(1)));
  ResultLog refused(calls.size());
  auto late = run_awaitable(
      io,
      manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_on_result(refused.callback())));
  for (const auto& r : late) CHECK(r.code() == ErrorCode::shutting_down);
  refused.check_against(late);
}

TEST_CASE("calls_in_flight counts the calls of a batch, each until its own result is final",
          "[dispatch_parallel][shutdown]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate first(io.get_executor());
  Gate second(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("t", "mixed");
  category->add_tool(mcp::ToolSpec("sync", "answers at once"), [](Json) { return 1; });
  category->add_tool(mcp::ToolSpec("gated", "waits for its gate"),
                     [&](Json args) -> asio::awaitable<Json> {
                       Gate& gate = args["gate"] == 1 ? first : second;
                       co_await gate.wait();
                       co_return "opened";
                     });
  manager.register_category(category);
  std::vector<ToolCall> calls{{"t", "sync", {}},
                              {"t", "gated", {{"gate", 1}}},
                              {"t", "sync", {}},
                              {"t", "gated", {{"gate", 2}}},
                              {"t", "sync", {}}};
  std::optional<mcp::BatchResult> batch;
  asio::co_spawn(io, manager.dispatch_parallel(calls),
                 [&](std::exception_ptr, mcp::BatchResult r) { batch = std::move(r); });
  io.poll();
  CHECK(manager.calls_in_flight() == 2);  // the three synchronous calls have ended
  first.open();
  io.poll();
  CHECK(manager.calls_in_flight() == 1);
  REQUIRE_FALSE(batch);

  std::optional<mcp::ShutdownReport> report;
  asio::co_spawn(io, manager.graceful_shutdown(std::chrono::milliseconds(10)),
                 [&](std::exception_ptr, mcp::ShutdownReport r) {
                   report = r;
                   second.open();  // let the straggler end so the test can finish
                 });
  io.run();
  REQUIRE(report);
  CHECK_FALSE(report->completed);
  CHECK(report->still_running == 1);
  CHECK(report->drained == 0);
  REQUIRE(batch);
  CHECK(batch->succeeded() == 5);
  CHECK(manager.calls_in_flight() == 0);
}

TEST_CASE("A batch submitted during shutdown is refused whole", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  (void)run_awaitable(io, manager.graceful_shutdown(std::chrono::milliseconds(1)));
  auto calls = calls_of("t", "x", 3, [](std::size_t) { return Json::object(); });
  auto batch = run_awaitable(io, manager.dispatch_parallel(calls));
  for (const auto& result : batch) CHECK(result.code() == ErrorCode::shutting_down);
}

TEST_CASE("Lazy categories load inside a batch and their calls run", "[dispatch_parallel]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  int loads = 0;
  manager.lazy_register_category("lazy", [&] {
    ++loads;
    auto category = std::make_shared<mcp::ToolCategory>("lazy", "d");
    category->add_tool(mcp::ToolSpec("one", "d"), [](Json) { return 1; });
    return category;
  });
  auto calls = calls_of("lazy", "one", 50, [](std::size_t) { return Json::object(); });
  auto batch = run_awaitable(
      io, manager.dispatch_parallel(calls, mcp::ParallelOptions{}.with_max_concurrent(4)));
  CHECK(loads == 1);
  CHECK(batch.succeeded() == 50);
}
