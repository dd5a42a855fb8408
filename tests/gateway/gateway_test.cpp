// The gateway through the manager's public API, against real child servers
// (tests/gateway/fault_server.cpp): lazy start, faults, breaker, limits, idle stop.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/gateway/gateway.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "../support/traced_reporter.hpp"

using mcp::Json;
using namespace std::chrono_literals;

namespace {

bool process_exists(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

mcp::gateway::GatewayConfig config_of(const Json& servers) {
  Json document = {{"mcpServers", servers}};
  return mcp::gateway::parse_gateway_config(document, "test.json");
}

Json fault_entry(Json extra = Json::object(), std::vector<std::string> args = {}) {
  Json entry = {{"command", MCP_HTM_FAULT_SERVER}, {"args", args}};
  entry.update(extra);
  return entry;
}

/// A manager and gateway on a fresh io_context; `body` runs as a coroutine, then the
/// gateway is stopped, whatever happened.
struct Fixture {
  asio::io_context io;
  mcp::HierarchicalToolManager manager{io.get_executor()};
  std::unique_ptr<mcp::gateway::Gateway> gateway;

  explicit Fixture(const Json& servers) {
    gateway = std::make_unique<mcp::gateway::Gateway>(manager, config_of(servers));
    gateway->mount();
  }

  template <class Body>
  void run(Body body) {
    auto future = asio::co_spawn(io, run_then_stop(std::move(body)), asio::use_future);
    io.run();
    future.get();
  }

  template <class Body>
  asio::awaitable<void> run_then_stop(Body body) {
    std::exception_ptr error;
    try {
      co_await body();
    } catch (...) {
      error = std::current_exception();
    }
    co_await gateway->stop();
    if (error) std::rethrow_exception(error);
  }

  mcp::gateway::UpstreamStatus status(const std::string& name) const {
    for (const auto& s : gateway->status())
      if (s.name == name) return s;
    FAIL("no upstream " << name);
    return {};
  }

  asio::awaitable<mcp::DispatchResult> call(std::string category, std::string tool,
                                            Json args = Json::object()) {
    co_return co_await manager.dispatch(std::move(category), std::move(tool), std::move(args));
  }

  /// Waits (bounded, polling an observable state) until `condition` holds.
  template <class Condition>
  asio::awaitable<bool> eventually(Condition condition) {
    for (int i = 0; i < 500; ++i) {
      if (condition()) co_return true;
      asio::steady_timer timer(io);
      timer.expires_after(10ms);
      co_await timer.async_wait(asio::use_awaitable);
    }
    co_return condition();
  }
};

std::string text_of(const mcp::DispatchResult& result) {
  return result.value()["content"][0]["text"].get<std::string>();
}

}  // namespace

TEST_CASE("a mounted server starts on first use, not at mount", "[gateway]") {
  Fixture f(Json{{"faulty", fault_entry()}, {"other", fault_entry()}});
  f.run([&]() -> asio::awaitable<void> {
    CHECK(f.manager.category_names() == std::vector<std::string>{"faulty", "other"});
    CHECK_FALSE(f.status("faulty").running);
    CHECK(f.status("faulty").starts == 0);
    Json tools = co_await f.manager.list_tools("faulty");
    CHECK(tools["status"] == "success");
    CHECK(f.status("faulty").running);
    CHECK_FALSE(f.status("other").running);  // only what is used starts
    Json args = {{"text", "hi"}};
    auto result = co_await f.call("faulty", "fault.echo", args);
    REQUIRE(result.ok());
    CHECK(text_of(result) == "hi");
    // Schemas pass through as the server gives them.
    Json schema = co_await f.manager.get_tool_schema("faulty", "fault.echo");
    CHECK(schema["schema"]["inputSchema"]["required"] == Json::array({"text"}));
  });
  CHECK_FALSE(f.status("faulty").running);
}

TEST_CASE("the caller's trace context is forwarded to the server as params._meta",
          "[gateway][trace]") {
  Fixture f(Json{{"faulty", fault_entry()}});
  f.run([&]() -> asio::awaitable<void> {
    const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    mcp::CallOptions traced;
    traced.context = mcp::test::traced_context(traceparent, "vendor=x");
    auto result =
        co_await f.manager.dispatch("faulty", "fault.traceparent", Json::object(), traced);
    REQUIRE(result.ok());
    CHECK(text_of(result) == traceparent + ";vendor=x");
    auto untraced = co_await f.call("faulty", "fault.traceparent");
    REQUIRE(untraced.ok());
    CHECK(text_of(untraced).empty());
  });
}

TEST_CASE("a crash fails the call at once; the next call restarts the server", "[gateway]") {
  Fixture f(Json{{"faulty", fault_entry({{"breaker", {{"failureThreshold", 3}}}})}});
  f.run([&]() -> asio::awaitable<void> {
    const long first = std::stol(text_of(co_await f.call("faulty", "fault.pid")));
    const auto started = std::chrono::steady_clock::now();
    auto crashed = co_await f.call("faulty", "fault.crash");
    CHECK(std::chrono::steady_clock::now() - started < 10s);  // not the 60 s timeout
    REQUIRE_FALSE(crashed.ok());
    CHECK(crashed.error().code == mcp::ErrorCode::tool_error);
    CHECK_THAT(crashed.error().message, Catch::Contains("exit code 3"));
    CHECK_FALSE(process_exists(first));
    const long second = std::stol(text_of(co_await f.call("faulty", "fault.pid")));
    CHECK(second != first);
    CHECK(f.status("faulty").starts == 2);
  });
}

TEST_CASE("repeated failures open the category's breaker, which recovers", "[gateway]") {
  Json options = {{"breaker", {{"failureThreshold", 2}, {"recoveryTimeoutMs", 200}}},
                  {"restartBackoffMs", 1}};
  Fixture f(Json{{"faulty", fault_entry(options)}, {"other", fault_entry()}});
  f.run([&]() -> asio::awaitable<void> {
    CHECK_FALSE((co_await f.call("faulty", "fault.crash")).ok());
    CHECK_FALSE((co_await f.call("faulty", "fault.crash")).ok());
    auto rejected = co_await f.call("faulty", "fault.pid");
    REQUIRE_FALSE(rejected.ok());
    CHECK(rejected.error().code == mcp::ErrorCode::circuit_open);
    // The other server is untouched.
    CHECK((co_await f.call("other", "fault.pid")).ok());
    // After the recovery timeout a probe passes and succeeds.
    bool recovered = false;
    for (int i = 0; i < 300 && !recovered; ++i) {  // rejections are cheap: poll, bounded
      recovered = (co_await f.call("faulty", "fault.pid")).ok();
      if (!recovered) {
        asio::steady_timer timer(f.io);
        timer.expires_after(10ms);
        co_await timer.async_wait(asio::use_awaitable);
      }
    }
    CHECK(recovered);
  });
}

TEST_CASE("a hung call is cut by timeoutMs, and the server is told", "[gateway]") {
  Fixture f(Json{{"faulty", fault_entry({{"timeoutMs", 200}})}});
  f.run([&]() -> asio::awaitable<void> {
    auto result = co_await f.call("faulty", "fault.hang");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == mcp::ErrorCode::timeout);
    CHECK(f.manager.breaker("faulty")->info().total_failures == 1);
    std::string count;
    for (int i = 0; i < 200 && count != "1"; ++i) {
      count = text_of(co_await f.call("faulty", "fault.cancellations"));
      asio::steady_timer timer(f.io);
      timer.expires_after(10ms);
      co_await timer.async_wait(asio::use_awaitable);
    }
    CHECK(count == "1");
  });
}

TEST_CASE("a server that cannot start fails only its own calls, with the reason", "[gateway]") {
  Fixture f(
      Json{{"broken", fault_entry(Json::object(), {"--crash-at-start"})}, {"fine", fault_entry()}});
  f.run([&]() -> asio::awaitable<void> {
    auto result = co_await f.call("broken", "fault.pid");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == mcp::ErrorCode::load_failed);
    CHECK_THAT(result.error().message, Catch::Contains("exit code 1"));
    CHECK((co_await f.call("fine", "fault.pid")).ok());
    // The next attempt waits for the backoff instead of respawning in a loop.
    auto again = co_await f.call("broken", "fault.pid");
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error().message, Catch::Contains("next start attempt"));
    CHECK(f.status("broken").start_failures == 1);
  });
}

TEST_CASE("maxConcurrent bounds the calls in flight to one server", "[gateway]") {
  Fixture f(Json{{"faulty", fault_entry({{"maxConcurrent", 2}})}});
  f.run([&]() -> asio::awaitable<void> {
    std::vector<mcp::ToolCall> calls;
    for (int i = 0; i < 6; ++i) {
      mcp::Json args = {{"ms", 30}};
      calls.push_back(mcp::ToolCall{"faulty", "fault.slow", args});
    }
    auto batch = co_await f.manager.dispatch_parallel(calls);
    for (const auto& r : batch.results) CHECK(r.ok());
    CHECK(text_of(co_await f.call("faulty", "fault.max_in_flight")) == "2");
  });
}

TEST_CASE("an idle server is stopped and started again on the next call", "[gateway]") {
  Fixture f(Json{{"faulty", fault_entry({{"idleStopMs", 100}})}});
  f.run([&]() -> asio::awaitable<void> {
    const long first = std::stol(text_of(co_await f.call("faulty", "fault.pid")));
    CHECK(co_await f.eventually([&] { return !f.status("faulty").running; }));
    CHECK_FALSE(process_exists(first));
    const long second = std::stol(text_of(co_await f.call("faulty", "fault.pid")));
    CHECK(second != first);
  });
}

TEST_CASE("tools/list_changed from a server re-reads its tools", "[gateway]") {
  Fixture f(Json{{"faulty", fault_entry()}});
  f.run([&]() -> asio::awaitable<void> {
    Json before = co_await f.manager.list_tools("faulty");
    CHECK(before["count"] == 12);
    CHECK((co_await f.call("faulty", "fault.grow")).ok());
    CHECK(co_await f.eventually([&] {
      auto category = f.manager.loaded_category("faulty");
      return !category || category->find_tool("extra.added") != nullptr;
    }));
    Json after = co_await f.manager.list_tools("faulty");
    CHECK(after["count"] == before["count"].get<int>() + 1);
    auto added = co_await f.call("faulty", "extra.added");
    REQUIRE(added.ok());
    CHECK(text_of(added) == "added");
  });
}

TEST_CASE("configuration errors name the server and the field", "[gateway][config]") {
  using mcp::gateway::ConfigError;
  auto error_of = [](const Json& servers) -> std::string {
    try {
      (void)config_of(servers);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "accepted";
  };
  CHECK(error_of({{"a", {{"command", "x"}, {"timeoutMs", -1}}}}) ==
        "test.json: server 'a': field 'timeoutMs': expected a positive integer");
  CHECK_THAT(error_of({{"a", {{"command", "x"}, {"bogus", 1}}}}),
             Catch::StartsWith("test.json: server 'a': field 'bogus': unknown field"));
  CHECK_THAT(error_of({{"a", {{"args", {"x"}}}}}),
             Catch::StartsWith("test.json: server 'a': field 'command': missing"));
  CHECK_THAT(error_of({{"a", {{"command", "x"}, {"url", "http://h/mcp"}}}}),
             Catch::Contains("either 'command'"));
  CHECK_THAT(error_of({{"a", {{"url", "http://h/mcp"}, {"type", "sse"}}}}),
             Catch::Contains("HTTP+SSE transport is not supported"));
  CHECK_THAT(error_of({{"a b", {{"command", "x"}}}}), Catch::Contains("server 'a b'"));
  CHECK_THAT(error_of({{"a", {{"command", "x"}, {"env", {{"K", 1}}}}}}),
             Catch::Contains("field 'env.K': expected a string"));
  CHECK_THAT(error_of({{"a", {{"command", "x"}, {"breaker", {{"failureThreshold", 0}}}}}}),
             Catch::Contains("field 'breaker.failureThreshold'"));
  CHECK(error_of(
            {{"a", {{"command", "x"}, {"maxConcurrent", 2.0}, {"autoApprove", Json::array()}}}}) ==
        "accepted");  // an integral 2.0 is an integer; Cline's field is ignored
  CHECK_THROWS_WITH(mcp::gateway::parse_gateway_config(Json{{"other", 1}}, "c.json"),
                    "c.json: no \"mcpServers\" object");
}
