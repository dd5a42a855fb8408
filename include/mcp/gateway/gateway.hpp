// mcp/gateway/gateway.hpp -- existing MCP servers mounted into a HierarchicalToolManager
// as lazily started, breaker-guarded categories.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_GATEWAY_GATEWAY_HPP
#define MCP_HTM_GATEWAY_GATEWAY_HPP

#include <mcp/gateway/gateway_config.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/log_level.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

namespace mcp::gateway {

/// Options of a Gateway.
struct GatewayOptions {
  /// Local log; each upstream's stderr arrives here prefixed with its name.
  std::function<void(LogLevel, std::string_view)> local_log;
  /// clientInfo the gateway presents to upstream servers.
  std::string client_name = "mcp-htm-gateway";
  std::string client_version = "0.1.0";
  /// How long stop() gives each upstream after closing its stdin, and after SIGTERM.
  /// 1 s: with the 1 s mcp-htm-gateway gives calls in flight, the worst stop (a server
  /// that ignores both) ends 3 s after the end of input, before a client that kills the
  /// gateway at 4 s (the TypeScript SDK: SIGTERM at 2 s, SIGKILL at 4 s) would leave that
  /// server running without it.
  std::chrono::milliseconds stop_grace{1000};
};

/// What one upstream is doing (for logs, health pages and tests).
struct UpstreamStatus {
  std::string name;
  bool running = false;  ///< a session is up (its process runs)
  long pid = 0;          ///< the process id while running
  std::size_t calls_in_flight = 0;
  std::size_t starts = 0;  ///< sessions started so far (1 + restarts)
  std::size_t start_failures = 0;
  std::string last_error;  ///< why the last session ended or failed to start
};

/// Mounts each configured server as a category of `manager`, loaded on first use.
/**
 * A mounted server's category is registered lazily: nothing is started at mount().
 * The first call that needs it (listing its tools, calling one) spawns the server,
 * initializes it and reads its tools; their names, descriptions and schemas are passed
 * through as the server gives them. Each call goes through the category's breaker (its
 * options from the config), the server's `maxConcurrent` limit (FIFO) and `timeoutMs`.
 * - A server that exits fails its calls in flight at once; the next admitted call starts
 *   it again, after a backoff that doubles with each consecutive failure.
 * - `notifications/tools/list_changed` from a server re-reads its tools; the manager's
 *   subscribers (the MCP server front) are told.
 * - `idleStopMs`: a server idle that long is stopped; the next call starts it again.
 * A server that cannot start fails only its own calls (`load_failed`, with the reason).
 */
class Gateway {
 public:
  Gateway(HierarchicalToolManager& manager, GatewayConfig config, GatewayOptions options = {});
  /// Stops nothing by itself (await stop() first); kills what still runs.
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  /// Registers every enabled server as a lazy category. Throws std::invalid_argument
  /// when a name is already a category of the manager.
  void mount();
  /// Stops every upstream server (the stdio shutdown sequence), concurrently.
  [[nodiscard]] asio::awaitable<void> stop();
  [[nodiscard]] std::vector<UpstreamStatus> status() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp::gateway

#endif  // MCP_HTM_GATEWAY_GATEWAY_HPP
