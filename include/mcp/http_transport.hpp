// mcp/http_transport.hpp -- MCP's Streamable HTTP transport (revision 2025-11-25, and the
// revisions the Server negotiates down to) in front of a HierarchicalToolManager.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_HTTP_TRANSPORT_HPP
#define MCP_HTM_HTTP_TRANSPORT_HPP

#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/metrics/snapshot.hpp>
#include <mcp/server.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

namespace mcp {

/// Options of an HttpTransport. The defaults are the secure ones: loopback only,
/// loopback Host and Origin only, bounded bodies, headers, sessions and idle time.
struct HttpTransportOptions {
  std::string address = "127.0.0.1";  ///< where to listen (a reverse proxy does TLS)
  std::uint16_t port = 0;             ///< 0: any free port (HttpTransport::port())
  std::string path = "/mcp";          ///< the MCP endpoint
  /// No sessions: any process can serve any POST (round-robin balancing); GET is 405.
  bool stateless = false;
  /// Host header values accepted (a name or address, any port). Empty: the loopback
  /// names (localhost, 127.0.0.1, [::1]) when bound to loopback, anything otherwise.
  std::vector<std::string> allowed_hosts;
  /// Origin header values accepted ("http://app.example:8080"), besides the loopback
  /// origins (any scheme and port) when bound to loopback. A request without Origin
  /// (not from a browser) is not affected.
  std::vector<std::string> allowed_origins;
  /// Prefix of every session id ("<node-id>-..."), so a proxy can route sessions by it.
  std::string node_id;
  std::size_t max_sessions = 10'000;
  /// A session with no request, no call in flight and no open stream for this long ends.
  std::chrono::milliseconds session_idle_timeout{30 * 60 * 1000};
  /// Comment lines sent on idle SSE streams, so proxies don't cut them.
  std::chrono::milliseconds keepalive_interval{15'000};
  std::size_t max_body_bytes = std::size_t{4} << 20;  ///< the stdio line limit
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};  ///< first byte to end of headers
  std::chrono::milliseconds body_timeout{30'000};    ///< end of headers to end of body
  std::chrono::milliseconds idle_timeout{60'000};    ///< keep-alive connection, no request
  std::size_t max_connections = 4096;
  /// On stop(): /readyz answers 503 for this long before the listener closes, so a
  /// balancer's health check sees it; then requests in flight get up to
  /// `shutdown_timeout` to finish.
  std::chrono::milliseconds drain_delay{0};
  std::chrono::milliseconds shutdown_timeout{30'000};
  /// Local log. serve_http() uses the server's `local_log` when this is empty.
  std::function<void(LogLevel, std::string_view)> local_log;
  /// Called once the listener is bound, with the port (the CLI prints it).
  std::function<void(std::uint16_t)> on_listening;
  /// Where GET serves the Prometheus text exposition of metrics() (empty: not served).
  /// It tells category names and counts, nothing of sessions or arguments; bind the
  /// transport to an address only trusted scrapers reach, or empty this.
  std::string metrics_path = "/metrics";
};

/// Serves a manager over Streamable HTTP: POST/GET/DELETE on `path`, `/healthz`, `/readyz`.
/**
 * - Each session (stateful mode) has its own mcp::Server, so initialize, the log level
 *   and notifications are per client; every session shares the manager.
 * - A POSTed request is answered as `application/json`, or as `text/event-stream` when
 *   a notification of that request (progress, log) goes out before its response.
 *   Server-initiated messages (tools/list_changed) go to the session's GET stream.
 * - Every refusal (403 Host/Origin, 400/404 session, 406 Accept, 415 Content-Type,
 *   413/431 limits, 408 timeouts, 405 methods) carries a JSON-RPC error body and a line
 *   in the local log; the connection or the request is refused, nobody else.
 * - All protocol work runs on one strand; tools run on the manager's executor.
 *
 * @par Example
 * @code
 * asio::io_context io;
 * mcp::HierarchicalToolManager manager(io.get_executor());
 * mcp::HttpTransportOptions http;
 * http.port = 8080;
 * asio::co_spawn(io, mcp::serve_http(manager, {}, http), asio::detached);
 * io.run();
 * @endcode
 */
class HttpTransport {
 public:
  HttpTransport(HierarchicalToolManager& manager, ServerOptions server_options,
                HttpTransportOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  /// Binds the listener (throws std::system_error when it cannot).
  void listen();
  /// The bound port (after listen()).
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// Serves until stop() or the awaiting coroutine's cancellation, then drains: /readyz
  /// 503, no new sessions, requests in flight answered, streams closed. Calls listen()
  /// first if needed.
  [[nodiscard]] asio::awaitable<void> run();
  /// Starts the graceful end (e.g. on SIGTERM). Thread-safe.
  void stop();

  /// Sessions open now.
  [[nodiscard]] std::size_t sessions() const noexcept;
  /// True from stop() on.
  [[nodiscard]] bool draining() const noexcept;

  /// The manager's metrics and the servers' (requests, sessions and streams open), for
  /// hosts that export them their own way; metrics::to_prometheus() of it is what
  /// `metrics_path` serves. Thread-safe.
  [[nodiscard]] metrics::MetricsSnapshot metrics() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// Serves `manager` over Streamable HTTP until the awaiting coroutine is cancelled
/// (which drains gracefully). Logs go to `server_options.local_log` unless
/// `http_options.local_log` is set.
[[nodiscard]] asio::awaitable<void> serve_http(HierarchicalToolManager& manager,
                                               ServerOptions server_options = {},
                                               HttpTransportOptions http_options = {});

}  // namespace mcp

#endif  // MCP_HTM_HTTP_TRANSPORT_HPP
