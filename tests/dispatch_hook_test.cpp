// tests/dispatch_hook_test.cpp -- ManagerOptions::hook: one on_start and one on_end per
// admitted call, on every path (inline, coroutine, lazy load, batch workers, stopped
// batches), with the outcome, the hook's user_data and the request's trace context.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/dispatch_hook.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/server.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "support/run_awaitable.hpp"
#include "support/traced_reporter.hpp"

using mcp::DispatchEvent;
using mcp::DispatchResult;
using mcp::ErrorCode;
using mcp::Json;
using mcp::test::run_awaitable;
using mcp::test::run_on;

namespace {

const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Records what a tracing hook sees; user_data is a per-call number, as a span would be.
class RecordingHook final : public mcp::DispatchHook {
 public:
  struct Call {
    std::string category;
    std::string tool;
    std::string traceparent;  // empty: no trace context
    bool ended = false;
    int ends = 0;
    std::optional<ErrorCode> code;  // empty: success
    bool start_before_end = false;
  };

  void on_start(DispatchEvent& event) noexcept override {
    std::lock_guard lock(mutex_);
    const auto id = calls_.size() + 1;
    Call call;
    call.category = std::string(event.category);
    call.tool = std::string(event.tool);
    if (event.trace != nullptr) call.traceparent = event.trace->traceparent;
    calls_.push_back(call);
    event.user_data = reinterpret_cast<void*>(id);  // NOLINT: an opaque handle, as a span's
  }

  void on_end(const DispatchEvent& event, const DispatchResult& result) noexcept override {
    std::lock_guard lock(mutex_);
    const auto id = reinterpret_cast<std::size_t>(event.user_data);  // NOLINT: see on_start
    if (id == 0 || id > calls_.size()) {
      ++unpaired_ends_;
      return;
    }
    Call& call = calls_[id - 1];
    ++call.ends;
    call.ended = true;
    call.start_before_end = event.start <= std::chrono::steady_clock::now();
    // The event names the same call at both ends, and the result is that call's.
    if (event.category != call.category || event.tool != call.tool ||
        result.category != call.category || result.tool != call.tool) {
      ++mismatched_;
    }
    if (!result.ok()) call.code = result.error().code;
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  int unpaired_ends() const {
    std::lock_guard lock(mutex_);
    return unpaired_ends_;
  }
  int mismatched() const {
    std::lock_guard lock(mutex_);
    return mismatched_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
  int unpaired_ends_ = 0;
  int mismatched_ = 0;
};

/// `sync.ok`, `sync.fail` (throws), `async.yield` (suspends once, then echoes `n`).
void register_tools(mcp::HierarchicalToolManager& manager) {
  auto sync = std::make_shared<mcp::ToolCategory>("sync", "Synchronous tools");
  sync->add_tool(mcp::ToolSpec("ok", "Returns 1"), [](Json) { return Json(1); });
  sync->add_tool(mcp::ToolSpec("fail", "Throws"),
                 [](Json) -> Json { throw std::runtime_error("broken"); });
  manager.register_category(sync);
  manager.lazy_register_category(
      "async",
      [] {
        auto async = std::make_shared<mcp::ToolCategory>("async", "Coroutine tools");
        async->add_tool(mcp::ToolSpec("yield", "Suspends once, returns n"),
                        [](Json args) -> asio::awaitable<Json> {
                          auto ex = co_await asio::this_coro::executor;
                          co_await asio::post(ex, asio::use_awaitable);
                          co_return args.value("n", 0);
                        });
        return async;
      },
      "Loaded on first use");
}

class DiscardSink final : public mcp::MessageSink {
 public:
  void send(std::string) override {}
};

}  // namespace

TEST_CASE("dispatch: one start and one end per call, with its outcome", "[hook]") {
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  mcp::ManagerOptions options;
  options.hook = hook;
  mcp::HierarchicalToolManager manager(io.get_executor(), options);
  register_tools(manager);

  const auto ok = run_awaitable(io, manager.dispatch("sync", "ok", Json::object()));
  const auto fail = run_awaitable(io, manager.dispatch("sync", "fail", Json::object()));
  const auto missing = run_awaitable(io, manager.dispatch("nope", "x", Json::object()));
  const auto lazy = run_awaitable(io, manager.dispatch("async", "yield", Json{{"n", 7}}));
  REQUIRE(ok.ok());
  REQUIRE(lazy.ok());
  CHECK(lazy.value() == 7);

  const auto calls = hook->calls();
  REQUIRE(calls.size() == 4);
  CHECK(calls[0].category == "sync");
  CHECK(calls[0].tool == "ok");
  CHECK_FALSE(calls[0].code);
  CHECK(calls[1].code == ErrorCode::tool_error);
  CHECK(calls[2].category == "nope");
  CHECK(calls[2].code == ErrorCode::category_not_found);
  CHECK(calls[3].category == "async");
  CHECK_FALSE(calls[3].code);
  for (const auto& call : calls) {
    CHECK(call.ends == 1);
    CHECK(call.start_before_end);
    CHECK(call.traceparent.empty());  // no request context: no trace
  }
  CHECK(hook->unpaired_ends() == 0);
  CHECK(hook->mismatched() == 0);
  CHECK_FALSE(fail.ok());
  CHECK_FALSE(missing.ok());
}

TEST_CASE("the hook gets the trace context of the call's request", "[hook][trace]") {
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  mcp::ManagerOptions options;
  options.hook = hook;
  mcp::HierarchicalToolManager manager(io.get_executor(), options);
  register_tools(manager);
  mcp::CallOptions call;
  call.context = mcp::test::traced_context(traceparent, "a=1");
  REQUIRE(call.context.trace_context() != nullptr);
  CHECK(call.context.trace_context()->tracestate == "a=1");

  (void)run_awaitable(io, manager.dispatch("sync", "ok", Json::object(), call));
  std::vector<mcp::ToolCall> batch = {{"sync", "ok", Json::object()},
                                      {"async", "yield", Json::object()}};
  mcp::ParallelOptions parallel;
  parallel.context = call.context;
  (void)run_awaitable(io, manager.dispatch_parallel(batch, parallel));

  const auto calls = hook->calls();
  REQUIRE(calls.size() == 3);
  for (const auto& c : calls) CHECK(c.traceparent == traceparent);
  CHECK(mcp::RequestContext().trace_context() == nullptr);
}

TEST_CASE("a tools/call's _meta.traceparent reaches the hook through mcp::Server",
          "[hook][trace][server]") {
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  mcp::ManagerOptions options;
  options.hook = hook;
  mcp::HierarchicalToolManager manager(io.get_executor(), options);
  register_tools(manager);
  mcp::Server server(manager, std::make_shared<DiscardSink>());
  auto call = [&](int id, const Json& meta) {
    Json params = {{"name", "tools_dispatch"},
                   {"arguments", {{"category", "sync"}, {"tool", "ok"}}}};
    if (!meta.is_null()) params["_meta"] = meta;
    const Json request = {
        {"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}};
    asio::post(server.get_executor(),
               [&server, line = request.dump()] { server.handle_message(line); });
    io.restart();
    io.run();
  };
  call(1, Json{{"traceparent", traceparent}});
  call(2, nullptr);
  call(3, Json{{"traceparent", "not-a-traceparent"}});
  const auto calls = hook->calls();
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].traceparent == traceparent);
  CHECK(calls[1].traceparent.empty());
  CHECK(calls[2].traceparent.empty());  // invalid: dropped, the call still runs
  for (const auto& c : calls) CHECK_FALSE(c.code);
}

TEST_CASE("dispatch_parallel: every call of a batch starts and ends once, on a pool",
          "[hook][parallel]") {
  asio::thread_pool pool(2);
  auto hook = std::make_shared<RecordingHook>();
  mcp::ManagerOptions options;
  options.hook = hook;
  mcp::HierarchicalToolManager manager(pool.get_executor(), options);
  register_tools(manager);

  // Inline calls, a lazy category's coroutine calls (deferred to workers), failures.
  std::vector<mcp::ToolCall> calls;
  std::map<std::string, int> expected;  // "category.tool" -> count
  for (int i = 0; i < 300; ++i) {
    const char* tool = i % 3 == 0 ? "ok" : (i % 3 == 1 ? "fail" : "yield");
    const char* category = i % 3 == 2 ? "async" : "sync";
    calls.push_back({category, tool, Json{{"n", i}}});
    ++expected[std::string(category) + "." + tool];
  }
  mcp::ParallelOptions parallel;
  parallel.max_concurrent = 4;
  const auto batch = run_on(pool, manager.dispatch_parallel(calls, parallel));
  REQUIRE(batch.results.size() == 300);

  // The hook saw each call's own outcome (the failures open the category's breaker
  // part way, so which calls fail depends on the run): compare as multisets.
  auto key = [](const std::string& category, const std::string& tool,
                const std::optional<ErrorCode>& code) {
    return category + "." + tool + "=" + (code ? std::string(mcp::to_string(*code)) : "ok");
  };
  std::map<std::string, int> outcomes;
  for (const auto& r : batch.results) {
    ++outcomes[key(r.category, r.tool, r.ok() ? std::nullopt : std::optional(r.code()))];
  }
  const auto seen = hook->calls();
  REQUIRE(seen.size() == 300);
  std::map<std::string, int> counted;
  std::map<std::string, int> seen_outcomes;
  for (const auto& c : seen) {
    ++counted[c.category + "." + c.tool];
    ++seen_outcomes[key(c.category, c.tool, c.code)];
    CHECK(c.ends == 1);
  }
  CHECK(counted == expected);
  CHECK(seen_outcomes == outcomes);
  CHECK(hook->unpaired_ends() == 0);
  CHECK(hook->mismatched() == 0);
}

TEST_CASE("a fail-fast batch ends the hook's span of a call it stopped before it ran",
          "[hook][parallel]") {
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  mcp::ManagerOptions options;
  options.hook = hook;
  mcp::HierarchicalToolManager manager(io.get_executor(), options);
  register_tools(manager);

  // Call 0 waits for a worker (its category is not loaded yet); call 1 fails inline and
  // stops the batch before any worker runs; call 2 is never reached.
  std::vector<mcp::ToolCall> calls = {{"async", "yield", Json::object()},
                                      {"sync", "fail", Json::object()},
                                      {"sync", "ok", Json::object()}};
  mcp::ParallelOptions parallel;
  parallel.return_exceptions = false;
  const auto batch = run_awaitable(io, manager.dispatch_parallel(calls, parallel));
  REQUIRE(batch.stopped);
  REQUIRE(batch.results[0].code() == ErrorCode::cancelled);

  const auto seen = hook->calls();
  REQUIRE(seen.size() == 2);  // the call never reached has neither start nor end
  CHECK(seen[0].tool == "yield");
  CHECK(seen[0].code == ErrorCode::cancelled);
  CHECK(seen[1].tool == "fail");
  CHECK(seen[1].code == ErrorCode::tool_error);
  for (const auto& c : seen) CHECK(c.ends == 1);
  CHECK(hook->unpaired_ends() == 0);
}
