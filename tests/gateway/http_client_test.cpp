// The MCP client over Streamable HTTP (HttpClientTransport): against this library's own
// HTTP server (mcp::HttpTransport, in process) and against a scripted raw HTTP server
// for the answers a real server gives rarely (errors, closed connections, bad framing).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/client/client.hpp>
#include <mcp/client/http_client_transport.hpp>
#include <mcp/gateway/gateway.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/http/request_parser.hpp>
#include <mcp/http/response.hpp>
#include <mcp/http_transport.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#include <catch2/catch.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "../../src/client/http/http_url.hpp"
#include "../../src/client/http/response_parser.hpp"
#include "../../src/client/http/sse_reader.hpp"
#include "../support/gate.hpp"

using mcp::Json;
using namespace mcp::client;
using namespace std::chrono_literals;
using asio::ip::tcp;
using mcp::test::Gate;

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

struct Log {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(mcp::LogLevel, std::string_view)> sink() {
    return [this](mcp::LogLevel, std::string_view text) {
      // HTTP_CLIENT_TEST_LOG=1 echoes the logs (client and server) to stderr, timed.
      if (std::getenv("HTTP_CLIENT_TEST_LOG") != nullptr)
        fmt::print(stderr, "{:%T} {}\n", std::chrono::system_clock::now(), text);
      std::lock_guard lock(mutex);
      lines.emplace_back(text);
    };
  }
  bool contains(std::string_view needle) {
    std::lock_guard lock(mutex);
    for (const auto& line : lines)
      if (line.find(needle) != std::string::npos) return true;
    return false;
  }
};

// Never co_await inside a Catch macro: with GCC 12 the awaited operation then runs up to
// three times (the macro repeats its expression in a condition that is never true, and
// GCC evaluates the co_await there regardless). Await into a variable, then check it.

/// Waits (bounded, polling an observable state) until `condition` holds.
asio::awaitable<bool> eventually(std::function<bool()> condition) {
  auto executor = co_await asio::this_coro::executor;
  for (int i = 0; i < 1000; ++i) {
    if (condition()) co_return true;
    asio::steady_timer timer(executor);
    timer.expires_after(10ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return condition();
}

/// `gate` opened within `limit` (a bound, so a failing test ends rather than hangs).
asio::awaitable<bool> opened_within(Gate& gate, std::chrono::milliseconds limit) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(limit);
  auto outcome = co_await (gate.wait() || timer.async_wait(asio::use_awaitable));
  co_return outcome.index() == 0 && std::get<0>(outcome);
}

std::string text_of(const Json& result) { return result["content"][0]["text"].get<std::string>(); }

/// Records progress reports, as the protocol layer would forward them.
struct ProgressRecorder : mcp::RequestReporter {
  std::vector<double> seen;
  void progress(double done, std::optional<double>, std::string_view) override {
    seen.push_back(done);
  }
  void log(mcp::LogLevel, std::string_view, const Json&) override {}
  bool wants_progress() const noexcept override { return true; }
};

/// What the tools of the test server saw. Everything runs on one thread.
struct Tools {
  explicit Tools(asio::any_io_executor executor)
      : hang_started(executor), cancelled(executor), release(executor) {}
  Gate hang_started;  // a `t.hang` call is running
  Gate cancelled;     // a `t.hang` call was cancelled
  Gate release;       // `t.held` calls may answer
  int cancellations = 0;
  int held_started = 0;
  int held_running = 0;
  int held_max_running = 0;
};

std::shared_ptr<mcp::ToolCategory> make_category(Tools& tools) {
  auto category = std::make_shared<mcp::ToolCategory>("t", "Tools the HTTP client tests call");
  Json text_schema = {
      {"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}, {"required", {"text"}}};
  category->add_tool(mcp::ToolSpec("echo", "Returns text.", text_schema),
                     [](Json args) { return args["text"]; });
  Json steps_schema = {{"type", "object"},
                       {"properties", {{"steps", {{"type", "integer"}, {"minimum", 1}}}}},
                       {"required", {"steps"}}};
  category->add_tool(
      mcp::ToolSpec("progress", "Reports progress steps, then answers.", steps_schema),
      [](Json args, mcp::RequestContext context) -> asio::awaitable<Json> {
        const int steps = args["steps"].get<int>();
        for (int i = 1; i <= steps; ++i) context.progress(i, steps, fmt::format("step {}", i));
        co_return steps;
      });
  category->add_tool(mcp::ToolSpec("hang", "Runs until cancelled."),
                     [&tools](Json) -> asio::awaitable<Json> {
                       tools.hang_started.open();
                       asio::steady_timer timer(co_await asio::this_coro::executor);
                       timer.expires_after(std::chrono::hours(1));
                       try {
                         co_await timer.async_wait(asio::use_awaitable);
                       } catch (const std::system_error&) {
                         ++tools.cancellations;
                         tools.cancelled.open();
                         throw;
                       }
                       co_return "never";
                     });
  category->add_tool(mcp::ToolSpec("held", "Answers once the test releases it."),
                     [&tools](Json) -> asio::awaitable<Json> {
                       ++tools.held_started;
                       tools.held_max_running =
                           std::max(tools.held_max_running, ++tools.held_running);
                       co_await tools.release.wait();
                       --tools.held_running;
                       co_return "released";
                     });
  return category;
}

/// This library's Streamable HTTP server on 127.0.0.1 (port 0: any), in process.
struct LocalServer {
  LocalServer(asio::io_context& io, mcp::HierarchicalToolManager& manager, Log& log,
              std::uint16_t port = 0)
      : done(io.get_executor()) {
    mcp::HttpTransportOptions http;
    http.port = port;
    http.local_log = log.sink();
    mcp::ServerOptions server;
    server.name = "http-test-server";
    server.mode = mcp::ToolMode::flat;
    transport = std::make_unique<mcp::HttpTransport>(manager, server, http);
    transport->listen();
    asio::co_spawn(io, transport->run(), [this](std::exception_ptr) { done.open(); });
  }
  [[nodiscard]] std::string url() const {
    return fmt::format("http://127.0.0.1:{}/mcp", transport->port());
  }
  asio::awaitable<void> stop() {
    transport->stop();
    co_await done.wait();
  }
  std::unique_ptr<mcp::HttpTransport> transport;
  Gate done;
};

/// A server, its tools and a client strand on one io_context (one thread).
struct Fixture {
  asio::io_context io;
  mcp::HierarchicalToolManager manager{io.get_executor()};
  Tools tools{io.get_executor()};
  Log log;
  std::unique_ptr<LocalServer> server;

  Fixture() {
    manager.register_category(make_category(tools));
    server = std::make_unique<LocalServer>(io, manager, log);
  }

  /// Runs `body`, then stops the server whatever happened; rethrows the body's error.
  void run(std::function<asio::awaitable<void>(asio::any_io_executor)> body) {
    auto strand = asio::make_strand(io);
    auto future = asio::co_spawn(
        io,
        [this, body, strand]() -> asio::awaitable<void> {
          std::exception_ptr error;
          try {
            co_await body(strand);
          } catch (...) {
            error = std::current_exception();
          }
          co_await server->stop();
          if (error) std::rethrow_exception(error);
        },
        asio::use_future);
    io.run();
    future.get();
  }
};

std::shared_ptr<McpClient> make_client(asio::any_io_executor strand, const std::string& url,
                                       Log& log, HttpClientOptions options = {},
                                       HttpClientTransport** raw = nullptr) {
  options.local_log = log.sink();
  auto transport = std::make_unique<HttpClientTransport>(strand, url, options);
  if (raw != nullptr) *raw = transport.get();
  ClientOptions client_options;
  client_options.local_log = log.sink();
  client_options.initialize_timeout = 10s;
  client_options.request_timeout = 10s;
  return McpClient::create(strand, std::move(transport), client_options);
}

/// A raw HTTP server the test scripts: each request (parsed by the server side's
/// RequestParser) is recorded and answered with the bytes `respond` returns; an empty
/// answer closes the connection without a response.
class ScriptedServer {
 public:
  using Responder = std::function<std::string(const mcp::http::Request&, const Json& body)>;

  ScriptedServer(asio::io_context& io, Responder respond)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        respond_(std::move(respond)) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }

  [[nodiscard]] std::string url() const {
    return fmt::format("http://127.0.0.1:{}/mcp", acceptor_.local_endpoint().port());
  }
  void stop() {
    asio::error_code ignored;
    acceptor_.close(ignored);
    for (auto& socket : sockets_) socket->close(ignored);
  }
  /// The requests of method `method` (POSTs: of JSON-RPC method `rpc`, when given).
  [[nodiscard]] std::vector<mcp::http::Request> requests(std::string_view method,
                                                         std::string_view rpc = {}) const {
    std::vector<mcp::http::Request> out;
    for (const auto& r : requests_) {
      if (r.method != method) continue;
      if (!rpc.empty()) {
        const Json body = Json::parse(r.body, nullptr, false);
        if (!body.is_object() || body.value("method", std::string()) != rpc) continue;
      }
      out.push_back(r);
    }
    return out;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      auto shared = std::make_shared<tcp::socket>(std::move(socket));
      sockets_.push_back(shared);
      asio::co_spawn(acceptor_.get_executor(), serve(shared), asio::detached);
    }
  }
  asio::awaitable<void> serve(std::shared_ptr<tcp::socket> socket) {
    mcp::http::RequestParser parser;
    std::array<char, 8192> buffer{};
    for (;;) {
      auto [ec, n] = co_await socket->async_read_some(asio::buffer(buffer), use_tuple);
      if (ec || !parser.feed(buffer.data(), n)) co_return;
      while (!parser.ready().empty()) {
        requests_.push_back(std::move(parser.ready().front()));
        parser.ready().pop_front();
        const auto& request = requests_.back();
        const std::string answer = respond_(request, Json::parse(request.body, nullptr, false));
        if (answer.empty()) {
          asio::error_code ignored;
          socket->close(ignored);
          co_return;
        }
        auto [write_error, written] =
            co_await asio::async_write(*socket, asio::buffer(answer), use_tuple);
        if (write_error) co_return;
      }
    }
  }

  tcp::acceptor acceptor_;
  Responder respond_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<mcp::http::Request> requests_;
};

/// Runs `body` with a strand of `io`, then stops `server` whatever happened (so that
/// io.run() ends); rethrows the body's error.
void run_with(asio::io_context& io, ScriptedServer& server,
              std::function<asio::awaitable<void>(asio::any_io_executor)> body) {
  auto future = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::exception_ptr error;
        try {
          co_await body(asio::make_strand(io));
        } catch (...) {
          error = std::current_exception();
        }
        server.stop();
        if (error) std::rethrow_exception(error);
      },
      asio::use_future);
  io.run();
  future.get();
}

std::string http_response(int status, std::string_view content_type, std::string_view body,
                          mcp::http::Headers headers = {}) {
  if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
  std::string out = mcp::http::serialize_head(status, headers, body.size(), false, true);
  out += body;
  return out;
}

std::string event_stream(const std::vector<std::string>& events) {
  mcp::http::Headers headers = {{"Content-Type", "text/event-stream"}};
  std::string out = mcp::http::serialize_head(200, headers, 0, true, true);
  for (const auto& event : events) mcp::http::append_chunk(out, event);
  out += "0\r\n\r\n";
  return out;
}

std::string initialize_answer(const Json& body) {
  Json result = {{"protocolVersion", "2025-11-25"},
                 {"capabilities", {{"tools", Json::object()}}},
                 {"serverInfo", {{"name", "scripted"}, {"version", "1"}}}};
  Json response = {{"jsonrpc", "2.0"}, {"id", body["id"]}, {"result", result}};
  return http_response(200, "application/json", response.dump(), {{"Mcp-Session-Id", "s-1"}});
}

Json tool_result(std::string_view text) {
  Json content = Json::array();
  content.push_back({{"type", "text"}, {"text", text}});
  return {{"content", content}};
}

/// A port nothing listens on (bound, then released).
std::uint16_t closed_port(asio::io_context& io) {
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace

// ---- against this library's HTTP server ---------------------------------------------------

TEST_CASE("initialize, list, call and ping over HTTP; close ends the session", "[http-client]") {
  Fixture f;
  f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    HttpClientTransport* transport = nullptr;
    auto client = make_client(strand, f.server->url(), f.log, {}, &transport);
    const ServerIdentity identity = co_await client->initialize();
    CHECK(identity.protocol_version == "2025-11-25");
    CHECK(identity.server_info["name"] == "http-test-server");
    CHECK(transport->protocol_version() == "2025-11-25");
    CHECK(transport->session_id().size() == 32);
    CHECK(f.server->transport->sessions() == 1);
    const std::vector<Json> tools = co_await client->list_tools();
    std::vector<std::string> names;
    for (const auto& tool : tools) names.push_back(tool["name"].get<std::string>());
    CHECK(std::find(names.begin(), names.end(), "t.echo") != names.end());
    Json args = {{"text", "hello"}};
    const Json answer0 = co_await client->call_tool("t.echo", args);
    CHECK(text_of(answer0) == "hello");
    co_await client->ping();
    // Calls at once, each on its own POST (and connection), answers matched by id.
    using namespace asio::experimental::awaitable_operators;
    auto echo = [&](std::string text) -> asio::awaitable<std::string> {
      Json each = {{"text", text}};
      co_return text_of(co_await client->call_tool("t.echo", each));
    };
    const auto [a, b, c] = co_await (echo("a") && echo("b") && echo("c"));
    CHECK(a + b + c == "abc");
    // Sequential calls reuse the kept-alive connections.
    for (int i = 0; i < 5; ++i) {
      const std::string echoed = co_await echo(std::to_string(i));
      CHECK(echoed == std::to_string(i));
    }
    co_await client->close();
    CHECK(client->closed());
    CHECK(f.server->transport->sessions() == 0);  // the DELETE ended it
  });
  // DELETE's answer body is no message for the client.
  CHECK_FALSE(f.log.contains("ignored a response to no request"));
}

TEST_CASE("a call with progress is answered as an event stream; progress arrives in order",
          "[http-client]") {
  Fixture f;
  auto recorder = std::make_shared<ProgressRecorder>();
  f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, f.server->url(), f.log);
    (void)co_await client->initialize();
    Json args = {{"steps", 4}};
    const Json result =
        co_await client->call_tool("t.progress", args, mcp::RequestContext(recorder));
    CHECK(text_of(result) == "4");
    co_await client->close();
  });
  CHECK(recorder->seen == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("cancelling a call sends notifications/cancelled, which stops it on the server",
          "[http-client]") {
  using namespace asio::experimental::awaitable_operators;
  Fixture f;
  f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, f.server->url(), f.log);
    (void)co_await client->initialize();
    // Cancelled as soon as the server runs it: the gate wins the race.
    auto outcome =
        co_await (client->call_tool("t.hang", Json::object()) || f.tools.hang_started.wait());
    CHECK(outcome.index() == 1);
    CHECK(client->requests_in_flight() == 0);
    const bool cancelled_on_server = co_await opened_within(f.tools.cancelled, 10s);
    CHECK(cancelled_on_server);
    CHECK(f.tools.cancellations == 1);
    Json args = {{"text", "after"}};
    const Json answer1 = co_await client->call_tool("t.echo", args);
    CHECK(text_of(answer1) == "after");
    co_await client->close();
  });
  CHECK_FALSE(f.log.contains("ended without the answer"));  // a cancelled call is no error
}

TEST_CASE("a restarted server does not know the session: 404 ends the connection",
          "[http-client]") {
  Fixture f;
  SECTION("seen by the next POST") {
    f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
      HttpClientOptions options;
      options.listen_stream = false;  // only the POST can notice
      auto client = make_client(strand, f.server->url(), f.log, options);
      std::string reason;
      client->on_closed([&](const std::string& why) { reason = why; });
      (void)co_await client->initialize();
      const auto port = f.server->transport->port();
      co_await f.server->stop();
      f.server = std::make_unique<LocalServer>(f.io, f.manager, f.log, port);
      const auto started = std::chrono::steady_clock::now();
      try {
        Json args = {{"text", "lost"}};
        (void)co_await client->call_tool("t.echo", args);
        FAIL("the call succeeded");
      } catch (const ClientError& e) {
        CHECK(e.kind() == ClientErrorKind::closed);
        CHECK_THAT(e.what(), Catch::Contains("session expired (404)"));
      }
      CHECK(std::chrono::steady_clock::now() - started < 5s);
      CHECK(client->closed());
      CHECK_THAT(reason, Catch::Contains("session expired (404)"));
    });
  }
  SECTION("seen by the GET stream, with no call made") {
    f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
      HttpClientTransport* transport = nullptr;
      auto client = make_client(strand, f.server->url(), f.log, {}, &transport);
      Gate closed(strand);
      std::string reason;
      client->on_closed([&](const std::string& why) {
        reason = why;
        closed.open();
      });
      (void)co_await client->initialize();
      const bool stream_open = co_await eventually([&] { return transport->listening(); });
      CHECK(stream_open);
      const auto port = f.server->transport->port();
      co_await f.server->stop();
      f.server = std::make_unique<LocalServer>(f.io, f.manager, f.log, port);
      const bool closed_in_time = co_await opened_within(closed, 10s);
      CHECK(closed_in_time);
      CHECK_THAT(reason, Catch::Contains("session expired (404)"));
      CHECK_FALSE(transport->listening());
    });
  }
}

TEST_CASE("server-initiated tools/list_changed arrives on the GET stream", "[http-client]") {
  Fixture f;
  f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    HttpClientTransport* transport = nullptr;
    auto client = make_client(strand, f.server->url(), f.log, {}, &transport);
    Gate changed(strand);
    client->on_notification([&](const std::string& method, const Json&) {
      if (method == "notifications/tools/list_changed") changed.open();
    });
    (void)co_await client->initialize();
    const bool stream_open = co_await eventually([&] { return transport->listening(); });
    CHECK(stream_open);
    auto extra = std::make_shared<mcp::ToolCategory>("extra", "Added at run time");
    extra->add_tool(mcp::ToolSpec("added", "Answers added."), [](Json) { return "added"; });
    f.manager.register_category(extra);
    const bool notified = co_await opened_within(changed, 10s);
    CHECK(notified);
    co_await client->close();
    CHECK_FALSE(transport->listening());
  });
}

TEST_CASE("requests in flight are bounded by max_connections; the rest wait their turn",
          "[http-client]") {
  Fixture f;
  f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    HttpClientOptions options;
    options.max_connections = 2;
    auto client = make_client(strand, f.server->url(), f.log, options);
    (void)co_await client->initialize();
    int answered = 0;
    for (int i = 0; i < 5; ++i) {
      asio::co_spawn(
          strand,
          [&]() -> asio::awaitable<void> {
            if (text_of(co_await client->call_tool("t.held", Json::object())) == "released")
              ++answered;
          },
          asio::detached);
    }
    const bool two_started = co_await eventually([&] { return f.tools.held_started == 2; });
    CHECK(two_started);
    f.tools.release.open();
    const bool all_answered = co_await eventually([&] { return answered == 5; });
    CHECK(all_answered);
    CHECK(f.tools.held_started == 5);
    CHECK(f.tools.held_max_running == 2);
    co_await client->close();
  });
}

TEST_CASE("a request cancelled while it waits for a connection is never sent", "[http-client]") {
  using namespace asio::experimental::awaitable_operators;
  Fixture f;
  f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    HttpClientOptions options;
    options.max_connections = 1;
    auto client = make_client(strand, f.server->url(), f.log, options);
    (void)co_await client->initialize();
    std::string first;
    asio::co_spawn(
        strand,
        [&]() -> asio::awaitable<void> {
          first = text_of(co_await client->call_tool("t.held", Json::object()));
        },
        asio::detached);
    const bool first_started = co_await eventually([&] { return f.tools.held_started == 1; });
    CHECK(first_started);
    // The only connection is taken: this call waits, and is cancelled while it waits.
    asio::steady_timer soon(strand);
    soon.expires_after(1ms);
    auto outcome = co_await (client->call_tool("t.held", Json::object()) ||
                             soon.async_wait(asio::use_awaitable));
    CHECK(outcome.index() == 1);
    f.tools.release.open();
    const bool first_answered = co_await eventually([&] { return first == "released"; });
    CHECK(first_answered);
    Json args = {{"text", "next"}};
    const Json answer2 = co_await client->call_tool("t.echo", args);
    CHECK(text_of(answer2) == "next");
    CHECK(f.tools.held_started == 1);  // the cancelled one never reached the server
    co_await client->close();
  });
}

TEST_CASE("close() during a call fails it at once and ends the session on the server",
          "[http-client]") {
  using namespace asio::experimental::awaitable_operators;
  Fixture f;
  f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, f.server->url(), f.log);
    (void)co_await client->initialize();
    auto call = [&]() -> asio::awaitable<std::string> {
      try {
        (void)co_await client->call_tool("t.hang", Json::object());
        co_return "answered";
      } catch (const ClientError& e) {
        co_return e.what();
      }
    };
    auto closer = [&]() -> asio::awaitable<void> {
      co_await f.tools.hang_started.wait();
      co_await client->close();
    };
    const std::string outcome = co_await (call() && closer());
    CHECK_THAT(outcome, Catch::Contains("closed by the client"));
    CHECK(f.server->transport->sessions() == 0);
    const bool cancelled_on_server = co_await opened_within(f.tools.cancelled, 10s);
    CHECK(cancelled_on_server);  // the session's end cancelled it
  });
}

TEST_CASE("an HTTP error status fails a request at once with the server's words", "[http-client]") {
  Fixture f;
  SECTION("a wrong path: 404 without a session is an error, not an expired session") {
    f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
      const std::string url = fmt::format("http://127.0.0.1:{}/wrong", f.server->transport->port());
      auto client = make_client(strand, url, f.log);
      try {
        (void)co_await client->initialize();
        FAIL("initialize succeeded");
      } catch (const ClientError& e) {
        CHECK(e.kind() == ClientErrorKind::remote);
        CHECK_THAT(e.what(), Catch::Contains(fmt::format("HTTP 404 from {}: Not Found", url)));
      }
    });
  }
  SECTION("configured headers are sent: a Host the server refuses is 403") {
    f.run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
      HttpClientOptions options;
      options.headers["Host"] = "evil.example";
      auto client = make_client(strand, f.server->url(), f.log, options);
      try {
        (void)co_await client->initialize();
        FAIL("initialize succeeded");
      } catch (const ClientError& e) {
        CHECK(e.kind() == ClientErrorKind::remote);
        CHECK_THAT(e.what(), Catch::Contains("HTTP 403 from") &&
                                 Catch::Contains("Host 'evil.example' is not allowed"));
      }
    });
  }
}

TEST_CASE("no server listening: initialize fails at once with the reason", "[http-client]") {
  asio::io_context io;
  Log log;
  const std::string url = fmt::format("http://127.0.0.1:{}/mcp", closed_port(io));
  auto future = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto client = make_client(asio::make_strand(io), url, log);
        const auto started = std::chrono::steady_clock::now();
        try {
          (void)co_await client->initialize();
          FAIL("initialize succeeded");
        } catch (const ClientError& e) {
          CHECK(e.kind() == ClientErrorKind::closed);
          CHECK_THAT(e.what(), Catch::Contains(fmt::format("cannot connect to {}", url)) &&
                                   Catch::Contains("refused"));
        }
        CHECK(std::chrono::steady_clock::now() - started < 5s);
        co_await client->close();
      },
      asio::use_future);
  io.run();
  future.get();
}

TEST_CASE("bad URLs and headers are refused at start, https with the reason", "[http-client]") {
  asio::io_context io;
  Log log;
  auto fails_with = [&](std::string url, HttpClientOptions options) {
    auto future = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<std::string> {
          auto client = make_client(asio::make_strand(io), url, log, options);
          try {
            (void)co_await client->initialize();
          } catch (const std::invalid_argument& e) {
            co_return e.what();
          }
          co_return "started";
        },
        asio::use_future);
    io.restart();
    io.run();
    return future.get();
  };
  CHECK_THAT(fails_with("https://mcp.example.com/mcp", {}),
             Catch::Contains("https upstreams need TLS, which this build lacks: put a local "
                             "TLS-terminating proxy in front or use stdio"));
  CHECK_THAT(fails_with("http://user:pw@h/mcp", {}), Catch::Contains("credentials in the URL"));
  HttpClientOptions injected;
  injected.headers["X-Token"] = "a\r\nX-Evil: 1";
  CHECK_THAT(fails_with("http://127.0.0.1:1/mcp", injected),
             Catch::Contains("header 'X-Token': control characters"));
  HttpClientOptions reserved;
  reserved.headers["Mcp-Session-Id"] = "mine";
  CHECK_THAT(fails_with("http://127.0.0.1:1/mcp", reserved),
             Catch::Contains("set by the transport itself"));
}

TEST_CASE("an HTTP upstream mounted in the gateway: calls, restart after a server restart",
          "[http-client][gateway]") {
  Fixture f;
  mcp::HierarchicalToolManager front(f.io.get_executor());
  Json servers = {{"remote", {{"url", f.server->url()}, {"headers", {{"X-Any", "1"}}}}}};
  Json document = {{"mcpServers", servers}};
  mcp::gateway::GatewayOptions gateway_options;
  gateway_options.local_log = f.log.sink();
  mcp::gateway::Gateway gateway(front, mcp::gateway::parse_gateway_config(document, "test.json"),
                                gateway_options);
  gateway.mount();
  auto status = [&] { return gateway.status().front(); };
  f.run([&](asio::any_io_executor) -> asio::awaitable<void> {
    Json args = {{"text", "through"}};
    auto result = co_await front.dispatch("remote", "t.echo", args);
    REQUIRE(result.ok());
    CHECK(result.value()["content"][0]["text"] == "through");
    CHECK(status().running);
    CHECK(status().pid == 0);
    CHECK(f.server->transport->sessions() == 1);
    // The server restarts: the session is gone. The GET stream's reconnection is told
    // 404, which ends the session; the next call starts a new one.
    const auto port = f.server->transport->port();
    co_await f.server->stop();
    f.server = std::make_unique<LocalServer>(f.io, f.manager, f.log, port);
    const bool session_ended = co_await eventually([&] { return !status().running; });
    CHECK(session_ended);
    CHECK_THAT(status().last_error, Catch::Contains("session expired (404)"));
    auto again = co_await front.dispatch("remote", "t.echo", args);
    REQUIRE(again.ok());
    CHECK(again.value()["content"][0]["text"] == "through");
    CHECK(status().starts == 2);
    co_await gateway.stop();
    CHECK(f.server->transport->sessions() == 0);  // stop() ended the session (DELETE)
  });
  CHECK(f.log.contains("[remote] started (http://127.0.0.1:"));
}

// ---- against a scripted server --------------------------------------------------------------

TEST_CASE("every request carries the headers the transport must send", "[http-client]") {
  asio::io_context io;
  Log log;
  ScriptedServer server(io, [](const mcp::http::Request& request, const Json& body) {
    if (request.method == "GET") return http_response(405, "", "", {{"Allow", "POST, DELETE"}});
    if (request.method == "DELETE") return http_response(200, "application/json", "{}");
    const std::string method = body.value("method", std::string());
    if (method == "initialize") return initialize_answer(body);
    if (!body.contains("id")) return http_response(202, "", "");
    // tools/list as an event stream: a log notification first, CRLF line ends, a
    // comment, an event of another type (ignored), the data split over two lines.
    Json log_message = {{"jsonrpc", "2.0"},
                        {"method", "notifications/message"},
                        {"params", {{"level", "info"}, {"logger", "s"}, {"data", "listing"}}}};
    Json tools = {{"tools", Json::array({{{"name", "a"}, {"inputSchema", {{"type", "object"}}}}})}};
    Json response = {{"jsonrpc", "2.0"}, {"id", body["id"]}, {"result", tools}};
    std::string text = response.dump();
    const auto half = text.find(",\"result\"");
    return event_stream(
        {": open\r\n\r\n", "event: message\r\ndata: " + log_message.dump() + "\r\n\r\n",
         "event: other\r\ndata: {}\r\n\r\n",
         "data: " + text.substr(0, half) + "\r\ndata: " + text.substr(half) + "\r\n\r\n"});
  });
  run_with(io, server, [&](asio::any_io_executor strand) -> asio::awaitable<void> {
    HttpClientOptions options;
    options.headers["X-Api-Key"] = "secret";
    auto client = make_client(strand, server.url(), log, options);
    (void)co_await client->initialize();
    const auto tools = co_await client->list_tools();
    REQUIRE(tools.size() == 1);
    CHECK(tools[0]["name"] == "a");
    const bool get_sent = co_await eventually([&] { return !server.requests("GET").empty(); });
    CHECK(get_sent);
    co_await client->close();
  });
  CHECK(log.contains("s: listing"));  // the notification before the answer was delivered

  const auto initialize = server.requests("POST", "initialize");
  REQUIRE(initialize.size() == 1);
  CHECK(initialize[0].target == "/mcp");
  CHECK(initialize[0].header("Content-Type") == "application/json");
  CHECK(initialize[0].header("Accept") == "application/json, text/event-stream");
  CHECK(initialize[0].header("X-Api-Key") == "secret");
  CHECK_FALSE(initialize[0].has_header("Mcp-Session-Id"));
  CHECK_FALSE(initialize[0].has_header("MCP-Protocol-Version"));
  for (const char* method : {"notifications/initialized", "tools/list"}) {
    const auto posts = server.requests("POST", method);
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].header("Mcp-Session-Id") == "s-1");
    CHECK(posts[0].header("MCP-Protocol-Version") == "2025-11-25");
    CHECK(posts[0].header("X-Api-Key") == "secret");
  }
  const auto gets = server.requests("GET");
  REQUIRE(gets.size() == 1);  // 405: the server offers no stream, not asked again
  CHECK(gets[0].header("Accept") == "text/event-stream");
  CHECK(gets[0].header("Mcp-Session-Id") == "s-1");
  const auto deletes = server.requests("DELETE");
  REQUIRE(deletes.size() == 1);
  CHECK(deletes[0].header("Mcp-Session-Id") == "s-1");
}

TEST_CASE("answers without the response fail the request at once; the client goes on",
          "[http-client]") {
  asio::io_context io;
  Log log;
  ScriptedServer server(io, [](const mcp::http::Request& request, const Json& body) {
    if (request.method != "POST") return http_response(405, "", "");
    const std::string method = body.value("method", std::string());
    if (method == "initialize") return initialize_answer(body);
    if (!body.contains("id")) return http_response(202, "", "");
    const std::string tool = body["params"].value("name", std::string());
    if (tool == "jsonrpc-500") {
      return http_response(500, "application/json",
                           R"({"jsonrpc":"2.0","id":null,"error":{"code":-32603,)"
                           R"("message":"database on fire"}})");
    }
    if (tool == "text-503") return http_response(503, "text/plain", "overloaded, retry later");
    if (tool == "accepted") return http_response(202, "", "");
    if (tool == "empty-stream") return event_stream({": nothing to say\n\n"});
    Json response = {{"jsonrpc", "2.0"}, {"id", body["id"]}, {"result", tool_result("fine")}};
    return http_response(200, "application/json", response.dump());
  });
  run_with(io, server, [&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, server.url(), log);
    (void)co_await client->initialize();
    auto failure = [&](std::string tool) -> asio::awaitable<std::string> {
      try {
        (void)co_await client->call_tool(tool, Json::object());
      } catch (const ClientError& e) {
        CHECK(e.kind() == ClientErrorKind::remote);
        co_return e.what();
      }
      co_return "answered";
    };
    const std::string json_500 = co_await failure("jsonrpc-500");
    CHECK_THAT(json_500,
               Catch::Contains(fmt::format("HTTP 500 from {}: database on fire", server.url())));
    const std::string text_503 = co_await failure("text-503");
    CHECK_THAT(text_503, Catch::Contains(fmt::format("HTTP 503 from {}: overloaded, retry later",
                                                     server.url())));
    const std::string accepted = co_await failure("accepted");
    CHECK_THAT(accepted, Catch::Contains("accepted the request but sent no answer"));
    const std::string empty_stream = co_await failure("empty-stream");
    CHECK_THAT(empty_stream,
               Catch::Contains("event stream from") && Catch::Contains("without the answer"));
    const Json answer3 = co_await client->call_tool("ok", Json::object());
    CHECK(text_of(answer3) == "fine");
    CHECK_FALSE(client->closed());
    co_await client->close();
  });
}

TEST_CASE("a connection closed without an answer, or bad HTTP, ends the connection",
          "[http-client]") {
  const std::string mode = GENERATE(std::string("close"), std::string("malformed"));
  asio::io_context io;
  Log log;
  ScriptedServer server(io, [&](const mcp::http::Request& request, const Json& body) {
    if (request.method != "POST") return http_response(405, "", "");
    const std::string method = body.value("method", std::string());
    if (method == "initialize") return initialize_answer(body);
    if (!body.contains("id")) return http_response(202, "", "");
    if (mode == "close") return std::string();
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\n");
  });
  run_with(io, server, [&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, server.url(), log);
    std::string reason;
    client->on_closed([&](const std::string& why) { reason = why; });
    (void)co_await client->initialize();
    const auto started = std::chrono::steady_clock::now();
    try {
      (void)co_await client->call_tool("any", Json::object());
      FAIL("the call succeeded");
    } catch (const ClientError& e) {
      CHECK(e.kind() == ClientErrorKind::closed);
    }
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    CHECK(client->closed());
    if (mode == "close") {
      CHECK_THAT(reason, Catch::Contains("closed the connection without a response"));
    } else {
      CHECK_THAT(reason, Catch::Contains("malformed HTTP response"));
    }
  });
}

TEST_CASE("event streams closed before their end are resumed with Last-Event-ID", "[http-client]") {
  asio::io_context io;
  Log log;
  int listen_streams = 0;
  Json call_id;
  ScriptedServer server(io, [&](const mcp::http::Request& request, const Json& body) {
    if (request.method == "DELETE") return http_response(200, "application/json", "{}");
    if (request.method == "GET") {
      const std::string resume_after(request.header("Last-Event-ID"));
      if (resume_after == "p2") {  // the rest of the tools/call stream: its answer
        Json response = {{"jsonrpc", "2.0"}, {"id", call_id}, {"result", tool_result("resumed")}};
        return event_stream({"id: p3\ndata: " + response.dump() + "\n\n"});
      }
      // The listen stream: one notification, then it ends (and is asked for again).
      if (++listen_streams > 1) return http_response(405, "", "");
      Json changed = {{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}};
      return event_stream({"id: g1\nretry: 10\ndata: \n\n", "data: " + changed.dump() + "\n\n"});
    }
    const std::string method = body.value("method", std::string());
    if (method == "initialize") return initialize_answer(body);
    if (!body.contains("id")) return http_response(202, "", "");
    // tools/call: a priming event (id, retry, no data), a log message, then the server
    // closes the stream without the answer (SEP-1699 polling).
    call_id = body["id"];
    Json note = {{"jsonrpc", "2.0"},
                 {"method", "notifications/message"},
                 {"params", {{"level", "info"}, {"logger", "s"}, {"data", "working"}}}};
    return event_stream({"id: p1\nretry: 10\ndata: \n\n", "id: p2\ndata: " + note.dump() + "\n\n"});
  });
  bool changed = false;
  run_with(io, server, [&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, server.url(), log);
    client->on_notification([&](const std::string& method, const Json&) {
      if (method == "notifications/tools/list_changed") changed = true;
    });
    (void)co_await client->initialize();
    const Json answer4 = co_await client->call_tool("slow", Json::object());
    CHECK(text_of(answer4) == "resumed");
    const bool gets_sent = co_await eventually([&] { return server.requests("GET").size() >= 3; });
    CHECK(gets_sent);
    co_await client->close();
  });
  CHECK(log.contains("s: working"));
  CHECK(changed);
  std::vector<std::string> resumed_after;
  for (const auto& get : server.requests("GET")) {
    CHECK(get.header("Mcp-Session-Id") == "s-1");
    resumed_after.emplace_back(get.header("Last-Event-ID"));
  }
  std::sort(resumed_after.begin(), resumed_after.end());
  // The listen stream (none, then after g1) and the call's stream (after p2).
  CHECK(resumed_after == std::vector<std::string>{"", "g1", "p2"});
}

// ---- the pieces ------------------------------------------------------------------------------

TEST_CASE("SseReader: line ends, split reads, comments, types, ids, limits", "[http-client]") {
  using mcp::client::http_detail::SseEvent;
  using mcp::client::http_detail::SseReader;
  auto read_bytewise = [](std::string_view stream, std::size_t limit = 1 << 20) {
    SseReader reader(limit);
    std::vector<SseEvent> events;
    for (const char c : stream) reader.feed(std::string_view(&c, 1), events);
    return std::pair{events, reader.oversized_events()};
  };
  {
    auto [events, oversized] = read_bytewise(
        "\xEF\xBB\xBF"
        "data: a\r\n\r\ndata:b\rdata: c\r\r");
    REQUIRE(events.size() == 2);
    CHECK(events[0].data == "a");
    CHECK(events[1].data == "b\nc");
    CHECK(oversized == 0);
  }
  {
    auto [events, oversized] =
        read_bytewise(": keep-alive\n\nevent: other\nid: 7\ndata: z\n\nretry: 5\ndata: y\n\n");
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == "other");
    CHECK(events[0].id == "7");
    CHECK(events[1].type == "message");
    CHECK(events[1].id == "7");  // the last id stays
    CHECK(events[1].data == "y");
  }
  {
    // Over the limit (10 bytes) the first event is dropped and counted; the incomplete
    // last one is not dispatched.
    auto [events, oversized] = read_bytewise("data: 0123456789abcdef\n\ndata: ok\n\ndata: cut", 10);
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "ok");
    CHECK(oversized == 1);
  }
  {
    SseReader reader;
    std::vector<SseEvent> events;
    reader.feed("data: one\n\ndata", events);
    reader.feed(": two\n", events);
    reader.feed("\n", events);
    REQUIRE(events.size() == 2);
    CHECK(events[1].data == "two");
  }
}

TEST_CASE("ResponseParser: interim answers, keep-alive, bodies to the end", "[http-client]") {
  using mcp::client::http_detail::ResponseParser;
  {
    ResponseParser parser;
    const std::string bytes =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
        "Mcp-Session-Id: abc  \r\n\r\nokEXTRA";
    REQUIRE(parser.feed(bytes.data(), bytes.size()));
    CHECK(parser.complete());
    CHECK(parser.status() == 200);
    CHECK(parser.header("mcp-session-id") == "abc");
    CHECK(parser.take_body() == "ok");
    CHECK(parser.trailing_bytes() == 5);
    CHECK_FALSE(parser.reusable());  // a server that sent more than its answer
  }
  {
    ResponseParser parser;
    const std::string bytes = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
    REQUIRE(parser.feed(bytes.data(), bytes.size()));
    CHECK(parser.complete());
    CHECK(parser.reusable());
  }
  {
    ResponseParser parser;
    const std::string bytes = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{}";
    REQUIRE(parser.feed(bytes.data(), bytes.size()));
    CHECK_FALSE(parser.complete());
    CHECK(parser.finish());  // the body ends with the connection
    CHECK(parser.take_body() == "{}");
    CHECK_FALSE(parser.reusable());
  }
  {
    ResponseParser parser;
    const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
    REQUIRE(parser.feed(bytes.data(), bytes.size()));
    CHECK_FALSE(parser.finish());
    CHECK_THAT(parser.error(), Catch::Contains("before the end of the response"));
  }
}

TEST_CASE("parse_http_url", "[http-client]") {
  using mcp::client::http_detail::parse_http_url;
  auto plain = parse_http_url("http://example.com");
  CHECK(plain.host == "example.com");
  CHECK(plain.port == 80);
  CHECK(plain.authority == "example.com");
  CHECK(plain.target == "/");
  auto v6 = parse_http_url("HTTP://[::1]:8080/mcp?x=1#frag");
  CHECK(v6.host == "::1");
  CHECK(v6.authority == "[::1]:8080");
  CHECK(v6.port == 8080);
  CHECK(v6.target == "/mcp?x=1");
  CHECK(parse_http_url("http://h:1?q").target == "/?q");
  CHECK_THROWS_WITH(parse_http_url("https://h/mcp"), Catch::Contains("need TLS"));
  CHECK_THROWS_WITH(parse_http_url("ftp://h/"), Catch::Contains("only http://"));
  CHECK_THROWS_WITH(parse_http_url("http://h:0/"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(parse_http_url("http://h:70000/"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(parse_http_url("http://h/a b"), Catch::Contains("spaces"));
  CHECK_THROWS_WITH(parse_http_url("http:///mcp"), Catch::Contains("no host"));
}
