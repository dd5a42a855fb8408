// mcp/client/http_client_transport.hpp -- a ClientTransport to an MCP server over the
// Streamable HTTP transport (revision 2025-11-25): one POST per message, answers as JSON
// or as an event stream, the session header, an optional GET stream, DELETE on close.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CLIENT_HTTP_CLIENT_TRANSPORT_HPP
#define MCP_HTM_CLIENT_HTTP_CLIENT_TRANSPORT_HPP

#include <mcp/client/client_transport.hpp>
#include <mcp/log_level.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <asio/any_io_executor.hpp>

namespace mcp::client {

/// Options of an HttpClientTransport.
struct HttpClientOptions {
  /// Sent with every request (e.g. `Authorization`). The transport's own headers
  /// (Content-Type, Accept, Content-Length, Mcp-Session-Id, ...) cannot be set here.
  std::map<std::string, std::string> headers;
  /// Name resolution and TCP connect, per connection.
  std::chrono::milliseconds connect_timeout{10'000};
  /// Writing one request.
  std::chrono::milliseconds write_timeout{30'000};
  /// POSTs carrying requests at once (one connection each); more wait their turn.
  /// Notifications and responses go one at a time on a connection of their own, so a
  /// cancellation is never stuck behind the calls it cancels.
  std::size_t max_connections = 8;
  /// Largest message (a JSON body or one event's data) accepted from the server.
  std::size_t max_message_bytes = std::size_t{64} << 20;
  /// A kept-alive connection idle for longer is not reused (servers close idle ones).
  std::chrono::milliseconds keep_alive_idle{15'000};
  /// How long an answer stream may go on after its request was cancelled before its
  /// connection is closed (frees the connection of a server that ignores cancellation).
  std::chrono::milliseconds cancel_grace{10'000};
  /// close(): how long the DELETE that ends the session may take.
  std::chrono::milliseconds close_timeout{2'000};
  /// Open the GET stream for server-initiated messages after initialization.
  bool listen_stream = true;
  /// The transport's own notes (failed notifications, the GET stream's fate).
  std::function<void(LogLevel, std::string_view)> local_log;
};

/// Speaks Streamable HTTP to the server at an `http://` URL.
/**
 * Each message is POSTed with `Accept: application/json, text/event-stream`; from the
 * initialize answer on, `Mcp-Session-Id` (when the server gave one) and
 * `MCP-Protocol-Version` (the revision the initialize result chose) go with every
 * request. Every message of an answer, JSON or event stream, reaches `on_message` in
 * the order it came.
 *
 * Failures never leave a request hanging:
 * - an HTTP error status for a request is answered locally with a JSON-RPC error for
 *   its id ("HTTP 500 from http://...: <the server's message>"), as is an answer that
 *   ends without the response;
 * - 404 to a message carrying the session id (or 400 with a message about the
 *   session, as servers built on the TypeScript SDK's examples answer an unknown id):
 *   the session is gone. The request is answered locally with a JSON-RPC error whose
 *   `data.sessionExpired` is true (the server did not run it: it may be sent again on
 *   a new session), then the connection ends (`on_closed("session expired (HTTP 404)
 *   ...")`), so the caller re-initializes;
 * - a connection that cannot be made, is reset or answers malformed HTTP ends the
 *   connection, with the reason.
 *
 * After `notifications/initialized` a GET stream is opened for server-initiated
 * messages (best effort: 405 means the server offers none; it is reopened with backoff
 * when it ends). close() sends DELETE with the session id, then ends. Everything runs on
 * the executor given (a strand); no thread blocks and no lock is held across a wait.
 * TLS is not supported: an `https://` URL is refused by start().
 */
class HttpClientTransport final : public ClientTransport {
 public:
  /// `executor` should be a strand: every handler runs on it.
  HttpClientTransport(asio::any_io_executor executor, std::string url,
                      HttpClientOptions options = {});
  ~HttpClientTransport() override;

  /// Checks the URL and the headers; throws std::invalid_argument saying what is wrong
  /// (e.g. an https:// URL). Connections are made when messages are sent.
  void start(MessageHandler on_message, ClosedHandler on_closed) override;
  void send(std::string message) override;
  [[nodiscard]] asio::awaitable<void> close() override;

  /// The session id the server assigned (empty before the initialize answer, or when the
  /// server keeps no sessions). Thread-safe.
  [[nodiscard]] std::string session_id() const;
  /// The revision sent as MCP-Protocol-Version (empty before the initialize answer).
  [[nodiscard]] std::string protocol_version() const;
  /// The URL as given.
  [[nodiscard]] const std::string& url() const noexcept;
  /// True while the GET stream for server-initiated messages is open. Thread-safe.
  [[nodiscard]] bool listening() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp::client

#endif  // MCP_HTM_CLIENT_HTTP_CLIENT_TRANSPORT_HPP
