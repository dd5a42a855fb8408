// mcp/http/http_server.hpp -- an HTTP/1.1 server on Asio coroutines: one coroutine per
// connection, keep-alive, pipelining, streamed (chunked) responses, timeouts, drain.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_HTTP_HTTP_SERVER_HPP
#define MCP_HTM_HTTP_HTTP_SERVER_HPP

#include <mcp/http/request.hpp>
#include <mcp/http/request_parser.hpp>
#include <mcp/http/response.hpp>
#include <mcp/log_level.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/strand.hpp>

namespace mcp::http {

/// Options of an HttpServer.
struct HttpServerOptions {
  std::string address = "127.0.0.1";  ///< loopback unless told otherwise
  std::uint16_t port = 0;             ///< 0: any free port (see HttpServer::port())
  ParserLimits limits;
  /// From the first byte of a request to the end of its headers (slow clients).
  std::chrono::milliseconds header_timeout{10'000};
  /// From the end of the headers to the end of the body.
  std::chrono::milliseconds body_timeout{30'000};
  /// A keep-alive connection with no request in progress is closed after this.
  std::chrono::milliseconds idle_timeout{60'000};
  /// Connections open at once; beyond, new ones are answered 503 and closed.
  std::size_t max_connections = 4096;
  /// Requests parsed ahead of the one being answered (pipelining); reading pauses beyond.
  std::size_t max_pipelined = 16;
  std::function<void(LogLevel, std::string_view)> local_log;
  /// The body of a refusal the server makes itself (bad framing, limits, timeouts).
  /// Default: a text/plain body with the reason.
  std::function<Response(int status, std::string_view reason)> error_response;
};

/// One request and its response, as a handler sees it. Strand only.
/**
 * Either respond() once, or begin_stream(), write() any number of times, end_stream().
 * A handler that returns without answering gets a 500. Write failures (the client went
 * away) do not throw: they mark the exchange broken and later writes do nothing.
 */
class Exchange {
 public:
  virtual ~Exchange() = default;
  [[nodiscard]] virtual const Request& request() const noexcept = 0;
  [[nodiscard]] virtual asio::awaitable<void> respond(Response response) = 0;
  [[nodiscard]] virtual asio::awaitable<void> begin_stream(int status, Headers headers) = 0;
  [[nodiscard]] virtual asio::awaitable<void> write(std::string_view data) = 0;
  [[nodiscard]] virtual asio::awaitable<void> end_stream() = 0;
  /// True once the response is complete (or failed).
  [[nodiscard]] virtual bool answered() const noexcept = 0;
  /// True when writing failed or the client closed its side.
  [[nodiscard]] virtual bool broken() const noexcept = 0;
  /// Called (on the strand) when the client closes the connection or the server drains:
  /// a handler holding a long stream open uses it to end.
  virtual void on_close(std::function<void()> callback) = 0;
  /// "address:port" of the client, for logs.
  [[nodiscard]] virtual const std::string& peer() const noexcept = 0;
};

using Handler = std::function<asio::awaitable<void>(Exchange&)>;

struct Connection;  // src/http/http_server.cpp

/// Accepts connections and runs `handler` for each request, in order per connection.
/**
 * Everything runs on one strand (the handler too); nothing blocks a thread. Framing
 * errors, exceeded limits and timeouts are answered by the server itself (see
 * HttpServerOptions::error_response), logged, and end that connection only.
 */
class HttpServer {
 public:
  using executor_type = asio::strand<asio::any_io_executor>;

  HttpServer(executor_type executor, HttpServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens (throws std::system_error when it cannot); then port() is known.
  void listen();
  /// The bound port.
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// Accepts and serves until stop(); must be awaited on the strand.
  [[nodiscard]] asio::awaitable<void> run();
  /// Stops accepting; idle connections close, requests in progress finish, streams are
  /// told through Exchange::on_close. Thread-safe.
  void stop();
  /// Waits (on the strand) until every connection has closed, up to `timeout`; then
  /// closes those still open. True when all closed in time.
  [[nodiscard]] asio::awaitable<bool> drain(std::chrono::milliseconds timeout);
  /// Connections open now.
  [[nodiscard]] std::size_t connections() const noexcept;

 private:
  friend struct Connection;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp::http

#endif  // MCP_HTM_HTTP_HTTP_SERVER_HPP
