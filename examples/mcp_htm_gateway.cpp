// examples/mcp_htm_gateway.cpp -- mcp-htm-gateway: the MCP servers of an `mcpServers`
// config mounted as lazy, breaker-guarded categories behind the five meta-tools.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/gateway/gateway.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/server.hpp>
#include <mcp/stdio_transport.hpp>
#if MCP_HTM_HAS_HTTP
#include <mcp/http_transport.hpp>
#endif

#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/strand.hpp>
#include <fmt/format.h>

namespace {

void log_to_stderr(mcp::LogLevel level, std::string_view text) {
  const std::string line = fmt::format("mcp-htm-gateway [{}] {}\n", mcp::to_string(level), text);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

#if MCP_HTM_HAS_HTTP
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
      "mcp-htm-gateway: mounts the MCP servers of an mcpServers config (Claude Desktop, "
      "Cursor, VS Code) as lazily started, breaker-guarded categories, and serves them to an "
      "MCP client through five meta-tools (or flat, as server.tool) over stdio."};
  std::string config_path;
  bool flat = false;
  std::string http_endpoint;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  std::string log_level = "info";
  app.add_option("-c,--config", config_path, "JSON file with {\"mcpServers\": {...}}")->required();
  app.add_flag("--flat", flat, "expose every upstream tool as server.tool instead of meta-tools");
#if MCP_HTM_HAS_HTTP
  app.add_option("--http", http_endpoint,
                 "serve Streamable HTTP on [ADDR:]PORT (default address 127.0.0.1) instead of "
                 "stdio");
  app.add_option("--allowed-origin", allowed_origins, "an Origin accepted over HTTP (repeatable)");
  app.add_option("--allowed-host", allowed_hosts, "a Host accepted over HTTP (repeatable)");
#endif
  app.add_option("--log-level", log_level, "threshold of the local log on stderr")
      ->check(CLI::IsMember({"debug", "info", "notice", "warning", "error"}));
  CLI11_PARSE(app, argc, argv);

  const mcp::LogLevel threshold = *mcp::parse_log_level(log_level);
  auto local_log = [threshold](mcp::LogLevel level, std::string_view text) {
    if (level >= threshold) log_to_stderr(level, text);
  };

  mcp::gateway::GatewayConfig config;
  try {
    config = mcp::gateway::load_gateway_config(config_path);
  } catch (const mcp::gateway::ConfigError& e) {
    log_to_stderr(mcp::LogLevel::critical, e.what());
    return 2;
  }

  // Upstream children must see EOF/EPIPE, not kill the gateway.
  std::signal(SIGPIPE, SIG_IGN);
  asio::io_context io(1);
  mcp::HierarchicalToolManager manager(io.get_executor());
  mcp::gateway::GatewayOptions gateway_options;
  gateway_options.local_log = local_log;
  mcp::gateway::Gateway gateway(manager, config, gateway_options);
  try {
    gateway.mount();
  } catch (const std::exception& e) {
    log_to_stderr(mcp::LogLevel::critical, e.what());
    return 2;
  }

  mcp::ServerOptions server_options;
  server_options.name = "mcp-htm-gateway";
  server_options.title = "mcp-htm gateway";
  server_options.version = MCP_HTM_VERSION_STRING;
  server_options.instructions =
      flat ? "Tools are named server.tool."
           : "Each category is one MCP server. Call tools_list_categories, then tools_list_tools "
             "and tools_get_schema, then tools_dispatch (or tools_dispatch_parallel).";
  server_options.mode = flat ? mcp::ToolMode::flat : mcp::ToolMode::hierarchical;
  server_options.local_log = local_log;

  std::function<void()> stop;
  std::function<asio::awaitable<void>()> serve;
  auto strand = asio::make_strand(io.get_executor());
  std::shared_ptr<mcp::StdioTransport> stdio;
  std::shared_ptr<mcp::Server> server;
#if MCP_HTM_HAS_HTTP
  std::shared_ptr<mcp::HttpTransport> http_transport;
  if (!http_endpoint.empty()) {
    mcp::HttpTransportOptions http;
    if (!parse_endpoint(http_endpoint, http)) {
      log_to_stderr(mcp::LogLevel::critical,
                    fmt::format("--http: '{}' is not [ADDR:]PORT", http_endpoint));
      return 2;
    }
    if (!allowed_origins.empty()) http.allowed_origins = allowed_origins;
    if (!allowed_hosts.empty()) http.allowed_hosts = allowed_hosts;
    http.local_log = local_log;
    http.on_listening = [&](std::uint16_t port) {
      log_to_stderr(mcp::LogLevel::notice,
                    fmt::format("listening on http://{}:{}{}", http.address, port, http.path));
    };
    http_transport = std::make_shared<mcp::HttpTransport>(manager, server_options, http);
    try {
      http_transport->listen();
    } catch (const std::exception& e) {
      log_to_stderr(mcp::LogLevel::critical, fmt::format("cannot listen: {}", e.what()));
      return 1;
    }
    stop = [&] { http_transport->stop(); };
    serve = [&]() -> asio::awaitable<void> { co_await http_transport->run(); };
  }
#endif
  if (!serve) {
    mcp::StdioOptions stdio_options;
    stdio_options.local_log = local_log;
    stdio = std::make_shared<mcp::StdioTransport>(strand, stdio_options);
    server = std::make_shared<mcp::Server>(manager, stdio->sink(), server_options, strand);
    stop = [&] { stdio->stop(); };
    serve = [&]() -> asio::awaitable<void> { co_await stdio->run(*server); };
  }

  local_log(mcp::LogLevel::info,
            fmt::format("mounted {} server(s), none started yet ({} mode)",
                        manager.category_names().size(), flat ? "flat" : "hierarchical"));
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int signal) {
    if (ec) return;
    local_log(mcp::LogLevel::notice,
              fmt::format("signal {}: finishing, then stopping the servers", signal));
    stop();
  });
  int exit_code = 0;
  asio::co_spawn(
      strand,
      [&]() -> asio::awaitable<void> {
        co_await serve();
        (void)co_await manager.graceful_shutdown(std::chrono::milliseconds(1000));
        co_await gateway.stop();
      },
      [&](std::exception_ptr error) {
        if (error) {
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            log_to_stderr(mcp::LogLevel::critical, fmt::format("gateway failed: {}", e.what()));
          }
          exit_code = 1;
        }
        signals.cancel();
      });
  io.run();
  return exit_code;
}
