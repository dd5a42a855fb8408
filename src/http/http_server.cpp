// src/http/http_server.cpp -- connections, keep-alive, pipelining, timeouts and drain.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/http/http_server.hpp>

#include <array>
#include <exception>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/dispatch.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

// GCC 12 false positive on Asio's coroutine frame allocator (see src/server.cpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace mcp::http {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string describe(const asio::ip::tcp::socket& socket) {
  std::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

}  // namespace

struct Connection;

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(executor_type ex, HttpServerOptions o, Handler h)
      : strand(std::move(ex)),
        options(std::move(o)),
        handler(std::move(h)),
        acceptor(strand),
        drained(strand) {}

  executor_type strand;
  HttpServerOptions options;
  Handler handler;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer drained;  // drain() waits on it; cancelled when the last connection goes
  bool stopping = false;
  std::uint16_t bound_port = 0;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> open;
  std::atomic<std::size_t> open_count{0};

  void log(LogLevel level, std::string_view text) const {
    if (options.local_log) options.local_log(level, text);
  }

  [[nodiscard]] Response error_response(int status, std::string_view reason) const {
    if (options.error_response) return options.error_response(status, reason);
    return Response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::string(reason)};
  }

  void forget(Connection* connection) {
    open.erase(connection);
    open_count.store(open.size(), std::memory_order_relaxed);
    if (stopping && open.empty()) drained.cancel();
  }

  asio::awaitable<void> accept_loop();
  void stop_on_strand();
};

struct Connection final : std::enable_shared_from_this<Connection>, Exchange {
  Connection(std::shared_ptr<HttpServer::Impl> s, asio::ip::tcp::socket sock)
      : server(std::move(s)),
        socket(std::move(sock)),
        parser(server->options.limits),
        peer_name(describe(socket)),
        wake(server->strand),
        reader_wake(server->strand),
        watchdog(server->strand) {
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  }

  std::shared_ptr<HttpServer::Impl> server;
  asio::ip::tcp::socket socket;
  RequestParser parser;
  std::string peer_name;
  asio::steady_timer wake;         // the serve loop waits here for a request
  asio::steady_timer reader_wake;  // the reader waits here while the pipeline is full
  asio::steady_timer watchdog;     // header, body and idle timeouts
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point armed = Clock::time_point::max();
  Clock::time_point message_started{};
  Clock::time_point headers_done{};
  bool was_in_message = false;
  bool was_headers_complete = false;
  bool read_closed = false;  // the client closed its side (or reading failed)
  bool parse_failed = false;
  bool closed = false;
  bool busy = false;       // a handler is running
  std::size_t served = 0;  // requests answered on this connection
  // The exchange in progress.
  Request current;
  bool answered_ = false;
  bool streaming = false;
  bool broken_ = false;
  bool keep_alive = true;
  std::function<void()> close_callback;

  // ---- Exchange ------------------------------------------------------------------

  const Request& request() const noexcept override { return current; }
  bool answered() const noexcept override { return answered_; }
  bool broken() const noexcept override { return broken_ || closed; }
  const std::string& peer() const noexcept override { return peer_name; }

  void on_close(std::function<void()> callback) override {
    close_callback = std::move(callback);
    if (closed || read_closed) notify_close();
  }

  void notify_close() {
    if (close_callback) {
      auto callback = std::move(close_callback);
      close_callback = nullptr;
      callback();
    }
  }

  asio::awaitable<void> write_raw(std::string_view data) {
    if (broken_ || closed) co_return;
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(data), use_tuple);
    (void)n;
    if (ec) broken_ = true;
  }

  asio::awaitable<void> respond(Response response) override {
    if (answered_ || streaming) co_return;
    answered_ = true;
    const std::string head =
        serialize_head(response.status, response.headers, response.body.size(), false, keep_alive);
    if (broken_ || closed) co_return;
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head),
                                                    asio::buffer(response.body)};
    auto [ec, n] = co_await asio::async_write(socket, buffers, use_tuple);
    (void)n;
    if (ec) broken_ = true;
  }

  asio::awaitable<void> begin_stream(int status, Headers headers) override {
    if (answered_ || streaming) co_return;
    streaming = true;
    co_await write_raw(serialize_head(status, headers, 0, true, keep_alive));
  }

  asio::awaitable<void> write(std::string_view data) override {
    if (!streaming || answered_ || data.empty()) co_return;
    std::string chunk;
    chunk.reserve(data.size() + 16);
    append_chunk(chunk, data);
    co_await write_raw(chunk);
  }

  asio::awaitable<void> end_stream() override {
    if (!streaming || answered_) co_return;
    answered_ = true;
    co_await write_raw("0\r\n\r\n");
  }

  // ---- deadlines -----------------------------------------------------------------

  void set_deadline(Clock::time_point when) {
    deadline = when;
    if (when < armed) watchdog.cancel();  // the watchdog re-arms for the earlier time
  }

  /// The deadline that applies now: a request being read must complete its headers and
  /// body in time; an idle connection closes after the idle timeout.
  void update_deadline() {
    const auto now = Clock::now();
    const bool in_message = parser.in_message();
    const bool headers = parser.headers_complete();
    if (in_message && !was_in_message) message_started = now;
    if (headers && !was_headers_complete) headers_done = now;
    was_in_message = in_message;
    was_headers_complete = headers;
    const auto& o = server->options;
    if (busy) {
      set_deadline(Clock::time_point::max());
    } else if (in_message) {
      set_deadline(headers ? headers_done + o.body_timeout : message_started + o.header_timeout);
    } else if (parser.ready().empty()) {
      // A new connection that sends nothing holds a slot like a slow one: it gets the
      // header timeout; a keep-alive connection between requests gets the idle timeout.
      set_deadline(now +
                   (served == 0 ? std::min(o.header_timeout, o.idle_timeout) : o.idle_timeout));
    } else {
      set_deadline(Clock::time_point::max());
    }
  }

  asio::awaitable<void> watch() {
    auto self = shared_from_this();
    while (!closed) {
      armed = deadline;
      watchdog.expires_at(armed);
      (void)co_await watchdog.async_wait(use_tuple);
      if (closed) break;
      if (Clock::now() < deadline) continue;
      if (busy) {  // a handler is answering: its own limits apply
        deadline = Clock::time_point::max();
        continue;
      }
      const bool mid_request = parser.in_message();
      if (mid_request) {
        const char* what = parser.headers_complete() ? "body" : "headers";
        server->log(LogLevel::warning,
                    fmt::format("{}: closing the connection: request {} not received in time",
                                peer_name, what));
        keep_alive = false;
        const Response response = server->error_response(
            408, fmt::format("Request Timeout: the request {} did not arrive in time", what));
        co_await write_raw(
            serialize_head(response.status, response.headers, response.body.size(), false, false) +
            response.body);
      } else {
        server->log(LogLevel::debug, fmt::format("{}: idle connection closed", peer_name));
      }
      close();
      break;
    }
  }

  // ---- reading and serving ---------------------------------------------------------

  asio::awaitable<void> read_loop() {
    auto self = shared_from_this();
    std::vector<char> buffer(16 * 1024);
    const std::size_t max_pipelined = std::max<std::size_t>(1, server->options.max_pipelined);
    while (!closed) {
      while (parser.ready().size() >= max_pipelined && !closed) {
        reader_wake.expires_at(Clock::time_point::max());
        (void)co_await reader_wake.async_wait(use_tuple);
      }
      if (closed) break;
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
      if (closed) break;
      if (n > 0) {
        const std::size_t before = parser.ready().size();
        if (!parser.feed(buffer.data(), n)) {
          parse_failed = true;
          wake.cancel();
          break;
        }
        if (parser.ready().size() != before) wake.cancel();
        update_deadline();
        // A client waiting for 100 Continue (curl does for large bodies): tell it to send
        // the body -- unless a response is being written, which the 100 must not split.
        if (parser.take_expect_continue() && !busy && parser.ready().empty()) {
          co_await write_raw("HTTP/1.1 100 Continue\r\n\r\n");
        }
      }
      if (ec) {
        read_closed = true;
        wake.cancel();
        notify_close();
        break;
      }
    }
  }

  asio::awaitable<void> serve() {
    auto self = shared_from_this();
    update_deadline();
    for (;;) {
      while (parser.ready().empty() && !read_closed && !parse_failed && !closed &&
             !server->stopping) {
        wake.expires_at(Clock::time_point::max());
        (void)co_await wake.async_wait(use_tuple);
      }
      if (closed) break;
      if (parser.ready().empty()) {
        if (parse_failed) {
          const ParseError& error = *parser.error();
          server->log(LogLevel::warning, fmt::format("{}: refused a request ({}): {}", peer_name,
                                                     error.status, error.reason));
          keep_alive = false;
          answered_ = false;
          streaming = false;
          co_await respond(server->error_response(error.status, error.reason));
        }
        break;  // the client is done, or the server drains
      }
      current = std::move(parser.ready().front());
      parser.ready().pop_front();
      reader_wake.cancel();
      busy = true;
      set_deadline(Clock::time_point::max());
      answered_ = false;
      streaming = false;
      keep_alive = current.keep_alive && !server->stopping;
      try {
        co_await server->handler(*this);
      } catch (const std::exception& e) {
        server->log(LogLevel::error, fmt::format("{}: handler failed on {} {}: {}", peer_name,
                                                 current.method, current.target, e.what()));
      }
      if (!answered_) {
        if (streaming) {
          co_await end_stream();
        } else {
          co_await respond(server->error_response(500, "Internal Server Error"));
        }
      }
      close_callback = nullptr;
      busy = false;
      ++served;
      if (broken_ || closed || !keep_alive) break;
      update_deadline();
    }
    close();
  }

  void close() {
    if (closed) return;
    closed = true;
    std::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    wake.cancel();
    reader_wake.cancel();
    watchdog.cancel();
    notify_close();
    server->forget(this);
  }

  /// Drain: an idle connection ends now; a busy one ends after its response, and a
  /// stream it holds is told to end.
  void stop() {
    keep_alive = false;
    if (!busy) {
      wake.cancel();
    } else {
      notify_close();
    }
  }

  void start() {
    auto self = shared_from_this();
    asio::co_spawn(server->strand, read_loop(), asio::detached);
    asio::co_spawn(server->strand, watch(), asio::detached);
    asio::co_spawn(server->strand, serve(), [self](const std::exception_ptr& e) {
      if (e) self->close();
    });
  }
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  asio::steady_timer backoff(strand);
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (stopping) break;
    if (ec) {
      if (ec == asio::error::operation_aborted) break;
      // Out of descriptors and the like: back off briefly instead of spinning.
      log(LogLevel::error, fmt::format("accept failed: {}", ec.message()));
      backoff.expires_after(std::chrono::milliseconds(50));
      (void)co_await backoff.async_wait(use_tuple);
      continue;
    }
    if (open.size() >= options.max_connections) {
      log(LogLevel::warning, fmt::format("{}: refused: {} connections open (the limit)",
                                         describe(socket), open.size()));
      const Response response = error_response(503, "Service Unavailable: too many connections");
      auto text = std::make_shared<std::string>(
          serialize_head(response.status, response.headers, response.body.size(), false, false) +
          response.body);
      auto sock = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
      asio::async_write(*sock, asio::buffer(*text), [sock, text](std::error_code, std::size_t) {
        std::error_code ignored;
        sock->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        sock->close(ignored);
      });
      continue;
    }
    auto connection = std::make_shared<Connection>(self, std::move(socket));
    open.emplace(connection.get(), connection);
    open_count.store(open.size(), std::memory_order_relaxed);
    connection->start();
  }
}

void HttpServer::Impl::stop_on_strand() {
  if (stopping) return;
  stopping = true;
  std::error_code ignored;
  acceptor.close(ignored);
  std::vector<std::shared_ptr<Connection>> connections;
  for (auto& [key, weak] : open) {
    if (auto c = weak.lock()) connections.push_back(std::move(c));
  }
  for (auto& c : connections) c->stop();
  if (open.empty()) drained.cancel();
}

HttpServer::HttpServer(executor_type executor, HttpServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

void HttpServer::listen() {
  const auto address = asio::ip::make_address(impl_->options.address);
  const asio::ip::tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  impl_->bound_port = acceptor.local_endpoint().port();
}

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port; }

asio::awaitable<void> HttpServer::run() {
  auto impl = impl_;
  co_await impl->accept_loop();
}

void HttpServer::stop() {
  asio::dispatch(impl_->strand, [impl = impl_] { impl->stop_on_strand(); });
}

asio::awaitable<bool> HttpServer::drain(std::chrono::milliseconds timeout) {
  auto impl = impl_;
  impl->stop_on_strand();
  impl->drained.expires_after(timeout);
  while (!impl->open.empty()) {
    auto [ec] = co_await impl->drained.async_wait(use_tuple);
    if (!ec) break;  // the timeout
  }
  if (impl->open.empty()) co_return true;
  impl->log(LogLevel::warning,
            fmt::format("drain timeout: closing {} connection(s)", impl->open.size()));
  std::vector<std::shared_ptr<Connection>> connections;
  for (auto& [key, weak] : impl->open) {
    if (auto c = weak.lock()) connections.push_back(std::move(c));
  }
  for (auto& c : connections) c->close();
  co_return false;
}

std::size_t HttpServer::connections() const noexcept {
  return impl_->open_count.load(std::memory_order_relaxed);
}

}  // namespace mcp::http
