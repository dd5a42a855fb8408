// tests/metrics_test.cpp -- what the manager and servers count, and its Prometheus text
// (checked by Prometheus's own promtool).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/metrics/prometheus.hpp>
#include <mcp/metrics/server_recorder.hpp>
#include <mcp/server.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "support/gate.hpp"
#include "support/run_awaitable.hpp"

using mcp::ErrorCode;
using mcp::Json;
using mcp::metrics::outcome_index;
using mcp::test::Gate;
using mcp::test::run_awaitable;

namespace {

std::shared_ptr<mcp::ToolCategory> math_category() {
  auto math = std::make_shared<mcp::ToolCategory>("math", "Arithmetic");
  math->add_tool(
      mcp::ToolSpec("add", "Add",
                    {{"type", "object"},
                     {"properties", {{"a", {{"type", "number"}}}, {"b", {{"type", "number"}}}}},
                     {"required", {"a", "b"}}}),
      [](Json args) { return args["a"].get<double>() + args["b"].get<double>(); });
  math->add_tool(mcp::ToolSpec("fail", "Throws"),
                 [](Json) -> Json { throw std::runtime_error("broken"); });
  return math;
}

const mcp::metrics::CategoryMetrics& category(const mcp::metrics::ManagerMetrics& m,
                                              const std::string& name) {
  for (const auto& c : m.categories) {
    if (c.name == name) return c;
  }
  throw std::logic_error("no category " + name);
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> promtool_check(const std::string& text) {
  char in_path[] = "/tmp/mcp_htm_metrics_XXXXXX";
  const int fd = ::mkstemp(in_path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(in_path) << text;
  const std::string out_path = std::string(in_path) + ".out";
  const std::string command =
      std::string("promtool check metrics < ") + in_path + " > " + out_path + " 2>&1";
  const int status = std::system(command.c_str());
  std::stringstream output;
  output << std::ifstream(out_path).rdbuf();
  std::remove(in_path);
  std::remove(out_path.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("The manager counts calls by category and outcome, with their latency", "[metrics]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(math_category());
  manager.breaker("math")->disable();  // 51 failures would open it

  Json good = {{"a", 1}, {"b", 2}};
  Json bad = {{"a", "x"}};
  auto r1 = run_awaitable(io, manager.dispatch("math", "add", good));
  auto r2 = run_awaitable(io, manager.dispatch("math", "add", bad));
  auto r3 = run_awaitable(io, manager.dispatch("math", "fail"));
  auto r4 = run_awaitable(io, manager.dispatch("math", "nope"));
  auto r5 = run_awaitable(io, manager.dispatch("nowhere", "add"));
  REQUIRE(r1.ok());
  REQUIRE(r2.code() == ErrorCode::invalid_params);
  REQUIRE(r3.code() == ErrorCode::tool_error);
  REQUIRE(r4.code() == ErrorCode::tool_not_found);
  REQUIRE(r5.code() == ErrorCode::category_not_found);

  // A batch: 100 successes and 50 tool errors, all inline.
  std::vector<mcp::ToolCall> calls;
  for (int i = 0; i < 150; ++i) {
    calls.push_back({"math", i < 100 ? "add" : "fail", i < 100 ? good : Json::object()});
  }
  auto batch = run_awaitable(io, manager.dispatch_parallel(std::move(calls)));
  REQUIRE(batch.succeeded() == 100);

  const auto m = manager.metrics();
  REQUIRE(m.categories.size() == 1);
  const auto& math = category(m, "math");
  CHECK(math.loaded);
  CHECK(math.calls[outcome_index(std::nullopt)] == 101);
  CHECK(math.calls[outcome_index(ErrorCode::invalid_params)] == 1);
  CHECK(math.calls[outcome_index(ErrorCode::tool_error)] == 51);
  CHECK(math.calls[outcome_index(ErrorCode::tool_not_found)] == 1);
  CHECK(math.total_calls() == 154);
  CHECK(m.unknown_category_calls == 1);
  // Every finished call is in the histogram once; none took negative time.
  CHECK(math.latency.count == 154);
  CHECK(math.latency.counts.size() == math.latency.bounds_seconds.size() + 1);
  CHECK(math.latency.sum_seconds >= 0.0);
  CHECK(math.in_flight == 0);
  CHECK(m.calls_in_flight == 0);
  CHECK(math.breaker_state == mcp::BreakerState::disabled);
  CHECK_FALSE(math.limiter.has_value());
}

TEST_CASE("A coroutine call counts as in flight for its category until it ends", "[metrics]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  Gate gate(io.get_executor());
  auto slow = std::make_shared<mcp::ToolCategory>("slow", "waits");
  slow->add_tool(mcp::ToolSpec("wait", "waits for the gate"),
                 [&gate](Json) -> asio::awaitable<Json> {
                   co_await gate.wait();
                   co_return "finished";
                 });
  manager.register_category(slow);
  std::optional<mcp::DispatchResult> result;
  asio::co_spawn(
      io,
      [](mcp::HierarchicalToolManager& m, std::optional<mcp::DispatchResult>& out)
          -> asio::awaitable<void> { out = co_await m.dispatch("slow", "wait"); }(manager, result),
      asio::detached);
  io.poll();
  REQUIRE_FALSE(result);
  CHECK(category(manager.metrics(), "slow").in_flight == 1);
  CHECK(category(manager.metrics(), "slow").total_calls() == 0);
  gate.open();
  io.run();
  REQUIRE(result);
  CHECK(result->ok());
  const auto after = category(manager.metrics(), "slow");
  CHECK(after.in_flight == 0);
  CHECK(after.calls[0] == 1);
}

TEST_CASE("Breaker state, transitions and rejections are in the snapshot", "[metrics]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(math_category());
  manager.breaker("math")->force_open();
  Json good = {{"a", 1}, {"b", 2}};
  auto refused = run_awaitable(io, manager.dispatch("math", "add", good));
  REQUIRE(refused.code() == ErrorCode::circuit_open);
  auto open = category(manager.metrics(), "math");
  CHECK(open.breaker_state == mcp::BreakerState::forced_open);
  CHECK(open.breaker_transitions == 1);
  CHECK(open.breaker_rejections == 1);
  CHECK(open.calls[outcome_index(ErrorCode::circuit_open)] == 1);
  manager.breaker("math")->reset();
  auto closed = category(manager.metrics(), "math");
  CHECK(closed.breaker_state == mcp::BreakerState::closed);
  CHECK(closed.breaker_transitions == 2);

  const std::string text = mcp::metrics::to_prometheus({manager.metrics(), std::nullopt});
  CHECK(has_line(text, R"(mcp_htm_breaker_state{category="math",state="closed"} 1)"));
  CHECK(has_line(text, R"(mcp_htm_breaker_state{category="math",state="forced_open"} 0)"));
  CHECK(has_line(text, R"(mcp_htm_breaker_transitions_total{category="math"} 2)"));
  CHECK(
      has_line(text, R"(mcp_htm_category_calls_total{category="math",outcome="circuit_open"} 1)"));
}

TEST_CASE("The server counts requests by method, tool and error, with bounded labels",
          "[metrics]") {
  struct Sink : mcp::MessageSink {
    std::vector<std::string> sent;
    void send(std::string message) override { sent.push_back(std::move(message)); }
  };
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(math_category());
  auto recorder = std::make_shared<mcp::metrics::ServerMetricsRecorder>("pipe");
  mcp::ServerOptions options;
  options.metrics = recorder;
  auto sink = std::make_shared<Sink>();
  mcp::Server server(manager, sink, options, asio::make_strand(io.get_executor()));
  const std::vector<std::string> lines = {
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"math","tool":"add","params":{"a":1,"b":2}}}})",
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"math","tool":"fail"}}})",
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"secret-session-abc123","arguments":{}}})",
      R"({"jsonrpc":"2.0","id":5,"method":"made/up/method-xyz"})",
      R"({"jsonrpc":"2.0","id":6,"method":"ping"})",
      R"(not json)"};
  for (const auto& line : lines) {
    asio::co_spawn(
        server.get_executor(),
        [](mcp::Server& s, std::string text) -> asio::awaitable<void> {
          co_await s.serve_message(text);
        }(server, line),
        asio::detached);
    io.run();
    io.restart();
  }
  const auto snapshot = recorder->snapshot();
  CHECK(snapshot.network_transport == "pipe");
  CHECK(snapshot.notifications == 1);
  CHECK(snapshot.invalid_messages == 1);
  auto count = [&](const std::string& method, const std::string& tool, const std::string& error) {
    std::uint64_t n = 0;
    for (const auto& op : snapshot.operations) {
      if (op.method == method && op.tool == tool && op.error_type == error) n += op.duration.count;
    }
    return n;
  };
  CHECK(count("initialize", "", "") == 1);
  CHECK(count("tools/call", "tools_dispatch", "") == 1);
  CHECK(count("tools/call", "tools_dispatch", "tool_error") == 1);
  CHECK(count("tools/call", "", "-32602") == 1);  // unknown tool: no tool label
  CHECK(count("other", "", "-32601") == 1);       // unknown method: "other"
  CHECK(count("ping", "", "") == 1);
  for (const auto& op : snapshot.operations) {
    if (op.method != "initialize") CHECK(op.protocol_version == "2025-06-18");
  }
  const std::string text = mcp::metrics::to_prometheus({manager.metrics(), snapshot});
  // Never a client's string as a label value.
  CHECK(text.find("secret-session") == std::string::npos);
  CHECK(text.find("made/up") == std::string::npos);
  CHECK(has_line(
      text,
      R"(mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",gen_ai_tool_name="tools_dispatch",error_type="tool_error",network_transport="pipe",mcp_protocol_version="2025-06-18"} 1)"));
  const auto [status, output] = promtool_check(text);
  INFO(output);
  CHECK(status == 0);
}

TEST_CASE("In flat mode a passed-through CallToolResult with isError counts as tool_error",
          "[metrics]") {
  struct Sink : mcp::MessageSink {
    std::vector<std::string> sent;
    void send(std::string message) override { sent.push_back(std::move(message)); }
  };
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("up", "results as an upstream gives them");
  category->add_tool(mcp::ToolSpec("refused", "an isError result"), [](Json) {
    return Json{{"content", Json::array({{{"type", "text"}, {"text", "no"}}})}, {"isError", true}};
  });
  // The flag's text inside a string is no flag.
  category->add_tool(mcp::ToolSpec("quoted", "mentions isError"), [](Json) {
    return Json{{"content", Json::array({{{"type", "text"}, {"text", R"(,"isError":true)"}}})}};
  });
  category->add_tool(mcp::ToolSpec("fine", "isError false"), [](Json) {
    return Json{{"content", Json::array()}, {"isError", false}};
  });
  manager.register_category(category);
  auto recorder = std::make_shared<mcp::metrics::ServerMetricsRecorder>("pipe");
  mcp::ServerOptions options;
  options.metrics = recorder;
  options.mode = mcp::ToolMode::flat;
  auto sink = std::make_shared<Sink>();
  mcp::Server server(manager, sink, options, asio::make_strand(io.get_executor()));
  const std::vector<std::string> lines = {
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"up.refused","arguments":{}}})",
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"up.quoted","arguments":{}}})",
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"up.fine","arguments":{}}})"};
  for (const auto& line : lines) {
    asio::co_spawn(
        server.get_executor(),
        [](mcp::Server& s, std::string text) -> asio::awaitable<void> {
          co_await s.serve_message(text);
        }(server, line),
        asio::detached);
    io.run();
    io.restart();
  }
  REQUIRE(sink->sent.size() == 4);
  const auto snapshot = recorder->snapshot();
  auto count = [&](const std::string& tool, const std::string& error) {
    std::uint64_t n = 0;
    for (const auto& op : snapshot.operations) {
      if (op.method == "tools/call" && op.tool == tool && op.error_type == error)
        n += op.duration.count;
    }
    return n;
  };
  CHECK(count("up.refused", "tool_error") == 1);
  CHECK(count("up.quoted", "") == 1);
  CHECK(count("up.fine", "") == 1);
}

TEST_CASE("The Prometheus text is well formed: promtool accepts it, buckets are cumulative",
          "[metrics]") {
  mcp::metrics::MetricsSnapshot snapshot;
  mcp::metrics::CategoryMetrics c;
  c.name = "quote\"back\\slash";
  c.calls[0] = 3;
  c.calls[outcome_index(ErrorCode::timeout)] = 2;
  mcp::metrics::LatencyHistogram h;
  h.record(std::chrono::microseconds(5));
  h.record(std::chrono::milliseconds(3));
  h.record(std::chrono::milliseconds(3));
  h.record(std::chrono::seconds(1000));
  c.latency = h.snapshot();
  c.limiter = mcp::metrics::LimiterMetrics{7, 3, 2, 5, 1};
  snapshot.manager.categories.push_back(c);
  const std::string text = mcp::metrics::to_prometheus(snapshot);
  CHECK(has_line(
      text, R"(mcp_htm_category_calls_total{category="quote\"back\\slash",outcome="timeout"} 2)"));
  CHECK(has_line(
      text,
      R"(mcp_htm_category_call_duration_seconds_bucket{category="quote\"back\\slash",le="1e-05"} 1)"));
  CHECK(has_line(
      text,
      R"(mcp_htm_category_call_duration_seconds_bucket{category="quote\"back\\slash",le="0.005"} 3)"));
  CHECK(has_line(
      text,
      R"(mcp_htm_category_call_duration_seconds_bucket{category="quote\"back\\slash",le="120"} 3)"));
  CHECK(has_line(
      text,
      R"(mcp_htm_category_call_duration_seconds_bucket{category="quote\"back\\slash",le="+Inf"} 4)"));
  CHECK(has_line(
      text, R"(mcp_htm_category_call_duration_seconds_count{category="quote\"back\\slash"} 4)"));
  CHECK(has_line(text, R"(mcp_htm_limiter_limit{category="quote\"back\\slash"} 7)"));
  CHECK(has_line(text, R"(mcp_htm_limiter_rejected_total{category="quote\"back\\slash"} 5)"));
  const auto [status, output] = promtool_check(text);
  INFO(output);
  CHECK(status == 0);
  // And promtool is not a rubber stamp: a counter without _total is a lint problem.
  const auto [bad_status, bad_output] =
      promtool_check("# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n");
  INFO(bad_output);
  CHECK(bad_status != 0);
}
