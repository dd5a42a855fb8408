// mcp/client/client_transport.hpp -- how an McpClient exchanges JSON-RPC messages with
// a server: the seam between the client protocol and stdio (or HTTP) framing.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CLIENT_CLIENT_TRANSPORT_HPP
#define MCP_HTM_CLIENT_CLIENT_TRANSPORT_HPP

#include <functional>
#include <string>

#include <asio/awaitable.hpp>

namespace mcp::client {

/// A message-oriented connection to one MCP server.
/**
 * start() is called once; from then on every message that arrives is passed to
 * `on_message` (one JSON-RPC message as text, in arrival order) and the end of the
 * connection to `on_closed` (once, with a human-readable reason), both on the
 * transport's own executor. send() and close() are thread-safe and never block.
 */
class ClientTransport {
 public:
  using MessageHandler = std::function<void(std::string message)>;
  using ClosedHandler = std::function<void(std::string reason)>;

  virtual ~ClientTransport() = default;
  virtual void start(MessageHandler on_message, ClosedHandler on_closed) = 0;
  /// Queues one message; dropped (with the connection reported closed) once it ended.
  virtual void send(std::string message) = 0;
  /// Ends the connection gracefully (for a child process: the MCP stdio shutdown
  /// sequence). Returns when it has ended; `on_closed` has been called by then.
  [[nodiscard]] virtual asio::awaitable<void> close() = 0;
};

}  // namespace mcp::client

#endif  // MCP_HTM_CLIENT_CLIENT_TRANSPORT_HPP
