// examples/mcp_htm_server.cpp -- mcp-htm-server: the demo categories served over stdio or
// Streamable HTTP.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include "demo_categories.hpp"

#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/server.hpp>
#include <mcp/stdio_transport.hpp>
#if MCP_HTM_HAS_HTTP
#include "conformance_category.hpp"

#include <mcp/http_transport.hpp>
#endif

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Writes one log line to stderr (a single fwrite, so lines of threads don't mix).
void log_to_stderr(mcp::LogLevel level, std::string_view text) {
  const std::string line = fmt::format("mcp-htm-server [{}] {}\n", mcp::to_string(level), text);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

/// Runs `serve` on `executor` with `threads` threads until it ends (SIGINT and SIGTERM
/// call `stop`), then lets the manager's calls finish; returns the process exit code.
int run_server(asio::io_context& io, const asio::any_io_executor& executor, std::size_t threads,
               mcp::HierarchicalToolManager& manager,
               const std::function<void(mcp::LogLevel, std::string_view)>& local_log,
               std::string_view on_signal, const std::function<void()>& stop,
               const std::function<asio::awaitable<void>()>& serve) {
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int signal) {
    if (ec) return;
    local_log(mcp::LogLevel::notice, fmt::format("signal {}: {}", signal, on_signal));
    stop();
  });
  int exit_code = 0;
  asio::co_spawn(
      executor,
      [&]() -> asio::awaitable<void> {
        co_await serve();
        auto report = co_await manager.graceful_shutdown(std::chrono::milliseconds(1000));
        if (!report.completed) {
          local_log(mcp::LogLevel::warning,
                    fmt::format("{} call(s) still running at exit", report.still_running));
        }
      },
      [&](std::exception_ptr error) {
        if (error) {
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            local_log(mcp::LogLevel::critical, fmt::format("server failed: {}", e.what()));
          }
          exit_code = 1;
        }
        asio::post(io, [&] { signals.cancel(); });
      });
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  local_log(mcp::LogLevel::info, "bye");
  return exit_code;
}

#if MCP_HTM_HAS_HTTP
/// "[ADDR:]PORT" ("8080", "0.0.0.0:8080", "[::1]:8080") into the options.
bool parse_endpoint(const std::string& text, mcp::HttpTransportOptions& http) {
  std::string address = http.address;
  std::string port = text;
  if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    address = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
      address = address.substr(1, address.size() - 2);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    return false;
  }
  http.address = address;
  http.port = static_cast<std::uint16_t>(std::stoul(port));
  return true;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "mcp-htm-server: serves the mcp-htm demo tool categories (math, text, timing, faults, "
      "util, stats, admin) to an MCP client over stdio (newline-delimited JSON-RPC on "
      "stdin/stdout; logs on stderr)."};
  bool flat = false;
  bool stdio_flag = true;
  std::string log_level = "info";
  std::size_t max_line_bytes = std::size_t{4} << 20;
  std::size_t max_requests_in_flight = mcp::StdioOptions{}.max_requests_in_flight;
  std::size_t threads = 1;
  std::size_t page_size = 100;
  std::int64_t shutdown_timeout_ms = 30'000;
  std::int64_t call_timeout_ms = 0;
  std::uint32_t breaker_threshold = 5;
  std::int64_t breaker_recovery_ms = 30'000;
  app.add_flag("--flat", flat,
               "List every tool as `category.tool` with its own schema instead of the five "
               "hierarchical meta-tools");
  app.add_option("--log-level", log_level,
                 "Lowest level logged on stderr and, until the client sends logging/setLevel, "
                 "sent as notifications/message")
      ->check(CLI::IsMember({"debug", "info", "notice", "warning", "error", "critical", "alert",
                             "emergency"}))
      ->capture_default_str();
  app.add_option("--max-line-bytes", max_line_bytes,
                 "Longest accepted JSON-RPC line; longer lines are discarded and answered with "
                 "an error")
      ->check(CLI::Range(std::size_t{64}, std::size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--max-requests-in-flight", max_requests_in_flight,
                 "Stdio: reading pauses while this many requests are in flight (0: no limit)")
      ->capture_default_str();
  app.add_flag("--stdio", stdio_flag, "Serve on stdin/stdout (the default and only transport; accepted for "
                          "compatibility with launchers that pass it)");
  app.add_option("--threads", threads, "Threads running the io_context")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--page-size", page_size, "Tools per tools/list page")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--shutdown-timeout-ms", shutdown_timeout_ms,
                 "At end of input, how long calls in flight may run before they are cancelled")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--call-timeout-ms", call_timeout_ms,
                 "Deadline of every tools/call (0: none)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86'400'000}))
      ->capture_default_str();
  app.add_option("--breaker-threshold", breaker_threshold,
                 "Consecutive failures that open a category's circuit breaker")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--breaker-recovery-ms", breaker_recovery_ms,
                 "How long an open breaker rejects calls before a probe")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3'600'000}))
      ->capture_default_str();
#if MCP_HTM_HAS_HTTP
  std::string http_endpoint;
  mcp::HttpTransportOptions http;
  bool conformance = false;
  std::int64_t session_idle_timeout_ms = 30 * 60 * 1000;
  std::int64_t header_timeout_ms = 10'000;
  std::int64_t drain_delay_ms = 0;
  app.add_option("--http", http_endpoint,
                 "Serve MCP Streamable HTTP on [ADDR:]PORT (ADDR default 127.0.0.1; PORT 0 picks "
                 "a free port) at /mcp, instead of stdio");
  app.add_flag("--stateless", http.stateless,
               "HTTP without sessions: any process can serve any POST (round-robin balancing); "
               "GET is 405");
  app.add_option("--allowed-origin", http.allowed_origins,
                 "An Origin accepted besides the loopback ones (repeatable)");
  app.add_option("--allowed-host", http.allowed_hosts,
                 "A Host accepted besides the loopback names (repeatable; needed to be reached "
                 "by a name when bound to a public address)");
  app.add_option("--node-id", http.node_id,
                 "Prefix of session ids (<id>-...), for routing sessions at a proxy")
      ->check([](const std::string& id) {
        return id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                       std::string::npos
                   ? std::string()
                   : std::string("--node-id may hold letters, digits and '_' only");
      });
  app.add_option("--max-sessions", http.max_sessions, "Most HTTP sessions open at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--session-idle-timeout-ms", session_idle_timeout_ms,
                 "An HTTP session unused for this long ends")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{7 * 86'400'000LL}))
      ->capture_default_str();
  app.add_option("--header-timeout-ms", header_timeout_ms,
                 "A request whose headers take longer to arrive is answered 408 and closed")
      ->check(CLI::Range(std::int64_t{10}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--drain-delay-ms", drain_delay_ms,
                 "On SIGTERM, /readyz answers 503 this long before the listener closes (let a "
                 "balancer's health check notice)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{600'000}))
      ->capture_default_str();
  app.add_flag("--conformance", conformance,
               "Also serve the MCP conformance suite's fixture tools under their bare names "
               "(flat mode)");
#endif
  CLI11_PARSE(app, argc, argv);
#if MCP_HTM_HAS_HTTP
  if (!http_endpoint.empty() && !parse_endpoint(http_endpoint, http)) {
    std::fprintf(stderr, "mcp-htm-server: --http: expected [ADDR:]PORT, got '%s'\n",
                 http_endpoint.c_str());
    return 2;
  }
  if (conformance) flat = true;
#endif

  // A client that goes away must give EPIPE on write, not kill us.
  std::signal(SIGPIPE, SIG_IGN);

  const mcp::LogLevel level = *mcp::parse_log_level(log_level);
  auto local_log = [level](mcp::LogLevel l, std::string_view text) {
    if (l >= level) log_to_stderr(l, text);
  };

  asio::io_context io(static_cast<int>(threads));
  mcp::ManagerOptions manager_options;
  manager_options.breaker.failure_threshold = breaker_threshold;
  manager_options.breaker.recovery_timeout = std::chrono::milliseconds(breaker_recovery_ms);
  if (manager_options.breaker.max_recovery_timeout < manager_options.breaker.recovery_timeout) {
    manager_options.breaker.max_recovery_timeout = manager_options.breaker.recovery_timeout;
  }
  mcp::HierarchicalToolManager manager(io.get_executor(), manager_options);
  demo::register_all(manager);
#if MCP_HTM_HAS_HTTP
  std::shared_ptr<mcp::ResourceRegistry> conformance_resources;
  if (conformance) {
    auto category = demo::make_conformance_category();
    conformance_resources = demo::make_conformance_resources();
    demo::add_resource_update_tool(*category, conformance_resources);
    manager.register_category(std::move(category));
  }
#endif

  mcp::ServerOptions server_options;
  server_options.name = "mcp-htm-server";
  server_options.title = "mcp-htm demo server";
  server_options.version = MCP_HTM_VERSION_STRING;
  server_options.instructions =
      flat ? "Tools are named category.tool."
           : "Tools are grouped in categories: call tools_list_categories, then tools_list_tools "
             "and tools_get_schema, then tools_dispatch (or tools_dispatch_parallel).";
  server_options.mode = flat ? mcp::ToolMode::flat : mcp::ToolMode::hierarchical;
  server_options.page_size = page_size;
  server_options.client_log_level = level;
  server_options.local_log = local_log;
  if (call_timeout_ms > 0) server_options.call_timeout = std::chrono::milliseconds(call_timeout_ms);
#if MCP_HTM_HAS_HTTP
  if (conformance) {
    server_options.unprefixed_categories = {"conformance"};
    server_options.resources = conformance_resources;
    server_options.prompts = demo::make_conformance_prompts();
  }
  if (!http_endpoint.empty()) {
    http.max_body_bytes = max_line_bytes;
    http.session_idle_timeout = std::chrono::milliseconds(session_idle_timeout_ms);
    http.header_timeout = std::chrono::milliseconds(header_timeout_ms);
    http.drain_delay = std::chrono::milliseconds(drain_delay_ms);
    http.shutdown_timeout = std::chrono::milliseconds(shutdown_timeout_ms);
    http.local_log = local_log;
    const std::string shown_address =
        http.address.find(':') != std::string::npos ? "[" + http.address + "]" : http.address;
    http.on_listening = [&](std::uint16_t port) {
      // Always printed: scripts and tests read the port from it.
      log_to_stderr(mcp::LogLevel::notice,
                    fmt::format("listening on http://{}:{}{} ({} mode, {})", shown_address, port,
                                http.path, flat ? "flat" : "hierarchical",
                                http.stateless ? "stateless" : "sessions"));
    };
    auto transport = std::make_shared<mcp::HttpTransport>(manager, server_options, http);
    try {
      transport->listen();
    } catch (const std::exception& e) {
      log_to_stderr(mcp::LogLevel::critical,
                    fmt::format("cannot listen on {}:{}: {}", http.address, http.port, e.what()));
      return 1;
    }
    return run_server(io, io.get_executor(), threads, manager, local_log,
                      "draining (readyz 503), then exiting", [&] { transport->stop(); },
                      [&]() -> asio::awaitable<void> { co_await transport->run(); });
  }
#endif

  mcp::StdioOptions stdio_options;
  stdio_options.max_line_bytes = max_line_bytes;
  stdio_options.max_requests_in_flight = max_requests_in_flight;
  stdio_options.shutdown_timeout = std::chrono::milliseconds(shutdown_timeout_ms);
  stdio_options.local_log = local_log;

  auto strand = asio::make_strand(io.get_executor());
  auto transport = std::make_shared<mcp::StdioTransport>(strand, stdio_options);
  auto server = std::make_shared<mcp::Server>(manager, transport->sink(), server_options, strand);

  local_log(mcp::LogLevel::info,
            fmt::format("serving {} categories over stdio ({} mode)", manager.category_names().size(),
                        flat ? "flat" : "hierarchical"));
  return run_server(io, strand, threads, manager, local_log,
                    "finishing the calls in flight, then exiting", [&] { transport->stop(); },
                    [&]() -> asio::awaitable<void> { co_await transport->run(*server); });
}
