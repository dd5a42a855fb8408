// mcp/client/stdio_client_transport.hpp -- a ClientTransport to an MCP server run as a
// child process, newline-delimited JSON-RPC over its stdin and stdout.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CLIENT_STDIO_CLIENT_TRANSPORT_HPP
#define MCP_HTM_CLIENT_STDIO_CLIENT_TRANSPORT_HPP

#include <mcp/client/child_process.hpp>
#include <mcp/client/client_transport.hpp>
#include <mcp/log_level.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include <asio/any_io_executor.hpp>

namespace mcp::client {

/// Options of a StdioClientTransport.
struct StdioClientOptions {
  /// Longest accepted line from the server; a longer one is discarded and logged.
  std::size_t max_line_bytes = std::size_t{64} << 20;
  /// How long close() waits after closing stdin, and again after SIGTERM.
  std::chrono::milliseconds stop_grace{2000};
  /// Where the server's stderr lines (and the transport's own notes) go.
  std::function<void(LogLevel, std::string_view)> local_log;
};

/// Spawns the server (see ChildProcess) and speaks to it over its stdio.
/**
 * The connection ends (`on_closed`) when the child's stdout ends or the child exits,
 * whichever comes first, with the exit status in the reason; the child is then stopped
 * with the stdio shutdown sequence, so neither it nor its process group outlives the
 * transport. The server's stderr is read on its own and forwarded line by line to the
 * local log (a server that floods stderr never stalls).
 */
class StdioClientTransport final : public ClientTransport {
 public:
  /// `executor` should be a strand: every handler runs on it.
  StdioClientTransport(asio::any_io_executor executor, ProcessSpec spec,
                       StdioClientOptions options = {});
  ~StdioClientTransport() override;

  /// Spawns the child and starts reading. Throws std::system_error when it cannot start.
  void start(MessageHandler on_message, ClosedHandler on_closed) override;
  void send(std::string message) override;
  [[nodiscard]] asio::awaitable<void> close() override;

  /// The child's process id (0 before start()).
  [[nodiscard]] pid_t pid() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp::client

#endif  // MCP_HTM_CLIENT_STDIO_CLIENT_TRANSPORT_HPP
