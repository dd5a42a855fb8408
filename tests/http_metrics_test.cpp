// tests/http_metrics_test.cpp -- GET /metrics of the HTTP transport, after real MCP
// requests over HTTP, checked by Prometheus's promtool.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/http_transport.hpp>
#include <mcp/metrics/prometheus.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

using mcp::Json;

namespace {

struct HttpReply {
  std::string head;  // status line and headers
  std::string body;

  [[nodiscard]] std::string header(const std::string& name) const {
    std::istringstream in(head);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
          line[name.size()] == ':') {
        return line.substr(line.find_first_not_of(' ', name.size() + 1));
      }
    }
    return {};
  }
};

// One request on its own connection (Connection: close), read to the end.
asio::awaitable<HttpReply> exchange(std::uint16_t port, std::string request) {
  auto ex = co_await asio::this_coro::executor;
  asio::ip::tcp::socket socket(ex);
  co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
  co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
  std::string data;
  auto [ec, n] = co_await asio::async_read(socket, asio::dynamic_buffer(data),
                                           asio::experimental::as_tuple(asio::use_awaitable));
  (void)n;
  if (ec && ec != asio::error::eof) throw std::system_error(ec);
  const auto split = data.find("\r\n\r\n");
  if (split == std::string::npos) throw std::runtime_error("no HTTP head in: " + data);
  co_return HttpReply{data.substr(0, split), data.substr(split + 4)};
}

std::string post(std::uint16_t port, const std::string& session, const std::string& body) {
  std::string extra;
  if (!session.empty()) {
    extra = fmt::format("Mcp-Session-Id: {}\r\nMCP-Protocol-Version: 2025-11-25\r\n", session);
  }
  return fmt::format(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n"
      "Accept: application/json, text/event-stream\r\n{}Content-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      port, extra, body.size(), body);
}

struct Results {
  HttpReply initialize;
  HttpReply call_ok;
  HttpReply call_failing;
  HttpReply metrics;
};

asio::awaitable<void> client(mcp::HttpTransport& transport, Results& out) {
  const auto port = transport.port();
  out.initialize = co_await exchange(
      port,
      post(
          port, "",
          R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"));
  const std::string session = out.initialize.header("Mcp-Session-Id");
  (void)co_await exchange(
      port, post(port, session, R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  out.call_ok = co_await exchange(
      port,
      post(
          port, session,
          R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"math","tool":"add","params":{"a":1,"b":2}}}})"));
  out.call_failing = co_await exchange(
      port,
      post(
          port, session,
          R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"math","tool":"fail"}}})"));
  out.metrics = co_await exchange(
      port, fmt::format("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                        port));
  transport.stop();
}

std::pair<int, std::string> promtool_check(const std::string& text) {
  char in_path[] = "/tmp/mcp_htm_http_metrics_XXXXXX";
  const int fd = ::mkstemp(in_path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(in_path) << text;
  const std::string out_path = std::string(in_path) + ".out";
  const int status = std::system(
      (std::string("promtool check metrics < ") + in_path + " > " + out_path + " 2>&1").c_str());
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

TEST_CASE("GET /metrics serves what the MCP requests did, in a text promtool accepts",
          "[metrics][http]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto math = std::make_shared<mcp::ToolCategory>("math", "Arithmetic");
  math->add_tool(mcp::ToolSpec("add", "Add"),
                 [](Json args) { return args["a"].get<double>() + args["b"].get<double>(); });
  math->add_tool(mcp::ToolSpec("fail", "Throws"),
                 [](Json) -> Json { throw std::runtime_error("broken"); });
  manager.register_category(math);
  mcp::HttpTransport transport(manager, {}, {});
  transport.listen();
  asio::co_spawn(io, transport.run(), asio::detached);
  Results results;
  std::exception_ptr failure;
  asio::co_spawn(io, client(transport, results), [&failure](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);

  REQUIRE(results.initialize.head.rfind("HTTP/1.1 200", 0) == 0);
  REQUIRE(results.call_ok.body.find("\"status\":\"success\"") != std::string::npos);
  REQUIRE(results.call_failing.body.find("\"isError\":true") != std::string::npos);
  REQUIRE(results.metrics.head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(results.metrics.header("Content-Type") == mcp::metrics::prometheus_content_type);
  const std::string& text = results.metrics.body;
  INFO(text);
  CHECK(has_line(
      text,
      R"(mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",gen_ai_tool_name="tools_dispatch",network_transport="tcp",mcp_protocol_version="2025-11-25"} 1)"));
  CHECK(has_line(
      text,
      R"(mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",gen_ai_tool_name="tools_dispatch",error_type="tool_error",network_transport="tcp",mcp_protocol_version="2025-11-25"} 1)"));
  CHECK(has_line(
      text,
      R"(mcp_server_operation_duration_seconds_count{mcp_method_name="initialize",network_transport="tcp",mcp_protocol_version="2025-11-25"} 1)"));
  CHECK(has_line(text, R"(mcp_htm_server_notifications_total{network_transport="tcp"} 1)"));
  CHECK(has_line(text, R"(mcp_htm_server_sessions_open{network_transport="tcp"} 1)"));
  CHECK(has_line(text, R"(mcp_htm_category_calls_total{category="math",outcome="success"} 1)"));
  CHECK(has_line(text, R"(mcp_htm_category_calls_total{category="math",outcome="tool_error"} 1)"));
  // The session id never becomes a label.
  const std::string session = results.initialize.header("Mcp-Session-Id");
  REQUIRE_FALSE(session.empty());
  CHECK(text.find(session) == std::string::npos);
  const auto [status, output] = promtool_check(text);
  INFO(output);
  CHECK(status == 0);
  // The same figures are available without HTTP; the transport has stopped since, and
  // its session with it.
  const auto snapshot = transport.metrics();
  REQUIRE(snapshot.server);
  CHECK(snapshot.server->sessions_open == 0);
  CHECK(snapshot.server->streams_open == 0);
  CHECK(snapshot.server->operations.size() == 3);
}
