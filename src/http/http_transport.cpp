// src/http/http_transport.cpp -- MCP Streamable HTTP on top of the HTTP server: sessions,
// per-request reply streams, the GET stream, security checks, health and drain.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/detail/json_rpc.hpp>
#include <mcp/detail/json_rpc_envelope.hpp>
#include <mcp/http/http_server.hpp>
#include <mcp/http_transport.hpp>
#include <mcp/metrics/prometheus.hpp>
#include <mcp/metrics/server_recorder.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <exception>
#include <sys/random.h>
#include <unordered_map>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace mcp {
namespace {

using Clock = std::chrono::steady_clock;
using Strand = asio::strand<asio::any_io_executor>;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// JSON-RPC codes of transport-level refusals (the implementation-defined server range,
// as the TypeScript SDK uses them).
constexpr int bad_request_code = -32000;
constexpr int session_not_found_code = -32001;

http::Headers sse_headers() {
  return {{"Content-Type", "text/event-stream"},
          {"Cache-Control", "no-cache, no-transform"},
          {"X-Accel-Buffering", "no"}};  // nginx: don't buffer the stream
}

std::string sse_event(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 24);
  out += "event: message\ndata: ";
  out += data;  // JSON text from the Server has no raw newlines
  out += "\n\n";
  return out;
}

/// Messages waiting to be written to one SSE stream or one POST's answer. Strand only.
struct Channel {
  explicit Channel(const Strand& strand) : signal(strand) {}
  std::deque<std::string> messages;
  bool final_queued = false;  // the last message is the response: nothing follows
  bool done = false;          // nothing more comes (response queued, or abandoned)
  bool closed = false;        // the reader went away or the stream must end
  asio::steady_timer signal;  // a waiter sleeps on it; push() and close() wake it

  void push(std::string message) {
    if (done || closed) return;
    messages.push_back(std::move(message));
    signal.cancel();
  }
  void finish(std::optional<std::string> response) {
    if (done) return;
    if (response) {
      messages.push_back(std::move(*response));
      final_queued = true;
    }
    done = true;
    signal.cancel();
  }
  void close() {
    closed = true;
    signal.cancel();
  }
  /// Every queued message as SSE events, in one piece (one write for a burst).
  std::string take_events() {
    std::string out;
    for (const auto& message : messages) out += sse_event(message);
    messages.clear();
    return out;
  }
  /// Waits until a message, the end, or `until`.
  asio::awaitable<void> wait(Clock::time_point until) {
    if (!messages.empty() || done || closed) co_return;
    signal.expires_at(until);
    (void)co_await signal.async_wait(use_tuple);
  }
};

/// A MessageSink whose messages reach a Channel on the transport's strand.
class ChannelSink final : public MessageSink {
 public:
  ChannelSink(Strand strand, std::shared_ptr<Channel> channel)
      : strand_(std::move(strand)), channel_(std::move(channel)) {}

  void send(std::string message) override {
    run([message = std::move(message)](Channel& c) mutable { c.push(std::move(message)); });
  }
  void send_response(std::string message) override {
    run([message = std::move(message)](Channel& c) mutable { c.finish(std::move(message)); });
  }
  void send_abandoned() override {
    run([](Channel& c) { c.finish(std::nullopt); });
  }

 private:
  template <class F>
  void run(F f) {
    if (strand_.running_in_this_thread()) {
      f(*channel_);
    } else {
      asio::post(strand_, [channel = channel_, f = std::move(f)]() mutable { f(*channel); });
    }
  }
  Strand strand_;
  std::shared_ptr<Channel> channel_;
};

struct Session;

/// The session's own sink: server-initiated messages go to its GET stream, if open.
class SessionSink final : public MessageSink {
 public:
  SessionSink(Strand strand, std::function<void(std::string)> deliver)
      : strand_(std::move(strand)), deliver_(std::move(deliver)) {}
  void send(std::string message) override {
    if (strand_.running_in_this_thread()) {
      deliver_(std::move(message));
    } else {
      asio::post(strand_,
                 [deliver = deliver_, m = std::move(message)]() mutable { deliver(std::move(m)); });
    }
  }

 private:
  Strand strand_;
  std::function<void(std::string)> deliver_;
};

struct Session {
  std::string id;
  std::shared_ptr<Server> server;
  std::shared_ptr<Channel> get_stream;  // the open GET stream, if any
  Clock::time_point last_used = Clock::now();
  std::size_t active_posts = 0;  // POSTs being answered: the session is not idle
};

/// Counts a POST as active for its scope, however it ends.
struct ActivePost {
  explicit ActivePost(Session& s) : session(s) { ++session.active_posts; }
  ~ActivePost() {
    --session.active_posts;
    session.last_used = Clock::now();
  }
  ActivePost(const ActivePost&) = delete;
  ActivePost& operator=(const ActivePost&) = delete;
  Session& session;
};

/// `count` random bytes from the kernel's CSPRNG, as hex.
std::string random_hex(std::size_t count) {
  std::string bytes(count, '\0');
  std::size_t filled = 0;
  while (filled < count) {
    const ssize_t n = ::getrandom(bytes.data() + filled, count - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    filled += static_cast<std::size_t>(n);
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * count);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

/// The host part of a Host header value or of an origin's authority ("[::1]:80" -> "[::1]").
std::string_view host_of(std::string_view authority) {
  if (authority.starts_with('[')) {
    const auto end = authority.find(']');
    return end == std::string_view::npos ? authority : authority.substr(0, end + 1);
  }
  return authority.substr(0, authority.find(':'));
}

bool is_loopback_host(std::string_view host) {
  return http::iequals(host, "localhost") || host == "127.0.0.1" || host == "[::1]";
}

bool is_loopback_address(const std::string& address) {
  std::error_code ec;
  const auto a = asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

/// True when the comma-separated media ranges of an Accept header include `type`
/// (`*/*` and `application/*` included).
bool accepts(std::string_view accept, std::string_view type) {
  const std::string_view major = type.substr(0, type.find('/'));
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (http::iequals(item, type) || item == "*/*") return true;
    if (item.size() == major.size() + 2 && http::iequals(item.substr(0, major.size()), major) &&
        item.substr(major.size()) == "/*") {
      return true;
    }
  }
  return false;
}

}  // namespace

struct HttpTransport::Impl : std::enable_shared_from_this<Impl> {
  Impl(HierarchicalToolManager& m, ServerOptions so, HttpTransportOptions o)
      : manager(m),
        server_options(std::move(so)),
        options(std::move(o)),
        strand(asio::make_strand(manager.get_executor())),
        sweep_timer(strand),
        loopback(is_loopback_address(options.address)) {
    if (!options.local_log) options.local_log = server_options.local_log;
    if (!server_options.metrics) {
      server_options.metrics = std::make_shared<metrics::ServerMetricsRecorder>("tcp");
    }
    http::HttpServerOptions h;
    h.address = options.address;
    h.port = options.port;
    h.limits.max_body_bytes = options.max_body_bytes;
    h.limits.max_header_bytes = options.max_header_bytes;
    h.header_timeout = options.header_timeout;
    h.body_timeout = options.body_timeout;
    h.idle_timeout = options.idle_timeout;
    h.max_connections = options.max_connections;
    h.local_log = options.local_log;
    h.error_response = [](int status, std::string_view reason) {
      return error_response(status, bad_request_code, reason);
    };
    http_server = std::make_unique<http::HttpServer>(
        strand, std::move(h),
        [this](http::Exchange& exchange) -> asio::awaitable<void> { co_await handle(exchange); });
  }

  HierarchicalToolManager& manager;
  ServerOptions server_options;
  HttpTransportOptions options;
  Strand strand;
  std::unique_ptr<http::HttpServer> http_server;
  asio::steady_timer sweep_timer;
  bool loopback;
  bool listening = false;
  std::atomic<bool> is_draining{false};
  std::atomic<std::size_t> session_count{0};
  std::atomic<std::int64_t> streams_open{0};  // SSE responses and GET streams open now

  // Counts an event stream as open for its lifetime.
  struct OpenStream {
    std::atomic<std::int64_t>& count;
    explicit OpenStream(std::atomic<std::int64_t>& c) : count(c) { count.fetch_add(1); }
    ~OpenStream() { count.fetch_sub(1); }
    OpenStream(const OpenStream&) = delete;
    OpenStream& operator=(const OpenStream&) = delete;
  };

  metrics::MetricsSnapshot metrics() const {
    metrics::MetricsSnapshot out;
    out.manager = manager.metrics();
    out.server = server_options.metrics->snapshot();
    out.server->sessions_open = session_count.load(std::memory_order_relaxed);
    out.server->streams_open =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, streams_open.load()));
    return out;
  }
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions;  // strand only
  /// Stateless mode: server-initiated messages have no stream to go to.
  std::shared_ptr<MessageSink> stateless_sink =
      std::make_shared<SessionSink>(strand, [this](std::string) {
        log(LogLevel::debug, "stateless mode: a server-initiated message has no stream");
      });

  void log(LogLevel level, std::string_view text) const {
    if (options.local_log) options.local_log(level, text);
  }

  static http::Response json_response(int status, std::string body) {
    return http::Response{status, {{"Content-Type", "application/json"}}, std::move(body)};
  }

  static http::Response error_response(int status, int code, std::string_view message) {
    return http::Response{status,
                          {{"Content-Type", "application/json"}},
                          jsonrpc::make_error(nullptr, code, message)};
  }

  /// Refuses a request: a JSON-RPC error body and a local log line.
  asio::awaitable<void> refuse(http::Exchange& exchange, int status, int code,
                               std::string_view message, http::Headers extra = {}) {
    log(status >= 500 ? LogLevel::error : LogLevel::warning,
        fmt::format("{}: {} {} refused ({}): {}", exchange.peer(), exchange.request().method,
                    exchange.request().target, status, message));
    auto response = error_response(status, code, message);
    for (auto& h : extra) response.headers.push_back(std::move(h));
    co_await exchange.respond(std::move(response));
  }

  // ---- routing -----------------------------------------------------------------------

  asio::awaitable<void> handle(http::Exchange& exchange) {
    const http::Request& request = exchange.request();
    const std::string_view path = request.path();
    if (path == options.path) {
      co_await handle_mcp(exchange);
    } else if (!options.metrics_path.empty() && path == options.metrics_path &&
               (request.method == "GET" || request.method == "HEAD")) {
      http::Response response{200,
                              {{"Content-Type", std::string(metrics::prometheus_content_type)}},
                              metrics::to_prometheus(metrics())};
      co_await exchange.respond(std::move(response));
    } else if (path == "/healthz" && (request.method == "GET" || request.method == "HEAD")) {
      co_await exchange.respond(json_response(200, R"({"status":"ok"})"));
    } else if (path == "/readyz" && (request.method == "GET" || request.method == "HEAD")) {
      if (is_draining.load()) {
        co_await exchange.respond(json_response(503, R"({"status":"draining"})"));
      } else {
        co_await exchange.respond(json_response(200, R"({"status":"ready"})"));
      }
    } else {
      co_await refuse(exchange, 404, bad_request_code,
                      fmt::format("Not Found: the MCP endpoint is {}", options.path));
    }
  }

  /// DNS-rebinding protection: Host and Origin against the allow-lists.
  [[nodiscard]] std::optional<std::string> forbidden(const http::Request& request) const {
    if (request.header_count("Host") > 1) return "Forbidden: more than one Host header";
    const std::string_view host = host_of(request.header("Host"));
    if (!options.allowed_hosts.empty()) {
      const bool listed = std::any_of(
          options.allowed_hosts.begin(), options.allowed_hosts.end(),
          [host](const std::string& allowed) { return http::iequals(host_of(allowed), host); });
      if (!listed && !(loopback && is_loopback_host(host)))
        return fmt::format("Forbidden: Host '{}' is not allowed", host);
    } else if (loopback && !is_loopback_host(host)) {
      return fmt::format(
          "Forbidden: Host '{}' is not allowed (the server is bound to "
          "loopback; allow other names with allowed_hosts / --allowed-host)",
          host);
    }
    if (request.has_header("Origin")) {
      const std::string_view origin = request.header("Origin");
      const bool listed = std::any_of(
          options.allowed_origins.begin(), options.allowed_origins.end(),
          [origin](const std::string& allowed) { return http::iequals(allowed, origin); });
      bool loopback_origin = false;
      if (const auto scheme = origin.find("://"); scheme != std::string_view::npos) {
        const std::string_view rest = origin.substr(scheme + 3);
        loopback_origin = is_loopback_host(host_of(rest.substr(0, rest.find('/'))));
      }
      if (!listed && !(loopback && loopback_origin))
        return fmt::format("Forbidden: Origin '{}' is not allowed", origin);
    }
    return std::nullopt;
  }

  asio::awaitable<void> handle_mcp(http::Exchange& exchange) {
    const http::Request& request = exchange.request();
    if (auto why = forbidden(request)) {
      co_await refuse(exchange, 403, bad_request_code, *why);
      co_return;
    }
    const std::string_view allow =
        options.stateless ? std::string_view("POST") : std::string_view("GET, POST, DELETE");
    if (request.method == "POST") {
      co_await handle_post(exchange);
    } else if (request.method == "GET" && !options.stateless) {
      co_await handle_get(exchange);
    } else if (request.method == "DELETE" && !options.stateless) {
      co_await handle_delete(exchange);
    } else {
      // (Braced initialisers inside a co_await expression trip GCC 12: built apart.)
      http::Headers allow_header;
      allow_header.emplace_back("Allow", allow);
      co_await refuse(exchange, 405, bad_request_code,
                      fmt::format("Method Not Allowed: {} accepts {}", options.path, allow),
                      std::move(allow_header));
    }
  }

  /// 400 for an MCP-Protocol-Version this server does not speak.
  [[nodiscard]] static std::optional<std::string> bad_version(const http::Request& request) {
    if (!request.has_header("MCP-Protocol-Version")) return std::nullopt;  // 2025-03-26 clients
    const std::string_view version = request.header("MCP-Protocol-Version");
    for (auto known : Server::protocol_versions) {
      if (known == version) return std::nullopt;
    }
    return fmt::format("Bad Request: unsupported MCP-Protocol-Version '{}' (supported: {})",
                       version, fmt::join(Server::protocol_versions, ", "));
  }

  /// The session a request names: nullptr after answering 400 (none) or 404 (unknown).
  asio::awaitable<std::shared_ptr<Session>> find_session(http::Exchange& exchange) {
    const http::Request& request = exchange.request();
    if (!request.has_header("Mcp-Session-Id")) {
      co_await refuse(exchange, 400, bad_request_code,
                      "Bad Request: the Mcp-Session-Id header is required (send initialize "
                      "first, then the session id it returned)");
      co_return nullptr;
    }
    const auto it = sessions.find(std::string(request.header("Mcp-Session-Id")));
    if (it == sessions.end()) {
      co_await refuse(exchange, 404, session_not_found_code,
                      "Session not found: it ended or expired; initialize a new session");
      co_return nullptr;
    }
    it->second->last_used = Clock::now();
    co_return it->second;
  }

  // ---- POST ----------------------------------------------------------------------------

  asio::awaitable<void> handle_post(http::Exchange& exchange) {
    const http::Request& request = exchange.request();
    const std::string_view accept = request.header("Accept");
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      co_await refuse(exchange, 406, bad_request_code,
                      "Not Acceptable: the client must accept both application/json and "
                      "text/event-stream");
      co_return;
    }
    const std::string_view content_type = request.header("Content-Type");
    if (!http::iequals(content_type.substr(0, content_type.find(';')), "application/json")) {
      co_await refuse(exchange, 415, bad_request_code,
                      "Unsupported Media Type: the body must be application/json");
      co_return;
    }
    if (auto why = bad_version(request)) {
      co_await refuse(exchange, 400, bad_request_code, *why);
      co_return;
    }
    if (options.stateless) {
      // One Server per POST: clients of a stateless server share nothing, not even the
      // space of request ids (every SDK client numbers from 0) or cancellation.
      auto server = std::make_shared<Server>(manager, stateless_sink, server_options, strand);
      co_await answer(exchange, *server, {});
      co_return;
    }
    if (!request.has_header("Mcp-Session-Id")) {
      co_await start_session(exchange);
      co_return;
    }
    auto session = co_await find_session(exchange);
    if (!session) co_return;
    const ActivePost active(*session);
    co_await answer(exchange, *session->server, {});
  }

  /// A POST without a session: only initialize may open one.
  asio::awaitable<void> start_session(http::Exchange& exchange) {
    const http::Request& request = exchange.request();
    auto envelope = jsonrpc::read_envelope(request.body);
    if (!envelope || envelope->method != "initialize" || !envelope->has_id) {
      co_await refuse(exchange, 400, bad_request_code,
                      "Bad Request: the Mcp-Session-Id header is required (only initialize "
                      "may be sent without it)");
      co_return;
    }
    if (is_draining.load()) {
      co_await refuse(exchange, 503, bad_request_code,
                      "Service Unavailable: the server is draining; no new sessions");
      co_return;
    }
    if (sessions.size() >= options.max_sessions) {
      co_await refuse(
          exchange, 503, bad_request_code,
          fmt::format("Service Unavailable: {} sessions open (the limit)", sessions.size()));
      co_return;
    }
    auto session = std::make_shared<Session>();
    session->id = options.node_id.empty() ? random_hex(16)
                                          : fmt::format("{}-{}", options.node_id, random_hex(16));
    std::weak_ptr<Session> weak = session;
    auto sink = std::make_shared<SessionSink>(strand, [this, weak](std::string message) {
      auto s = weak.lock();
      if (s && s->get_stream) {
        s->get_stream->push(std::move(message));
      } else {
        log(LogLevel::debug, "a server-initiated message found no open GET stream");
      }
    });
    session->server = std::make_shared<Server>(manager, std::move(sink), server_options, strand);
    sessions.emplace(session->id, session);
    session_count.store(sessions.size(), std::memory_order_relaxed);
    {
      const ActivePost active(*session);
      http::Headers session_header;
      session_header.emplace_back("Mcp-Session-Id", session->id);
      co_await answer(exchange, *session->server, std::move(session_header));
    }
    if (session->server->protocol_version().empty()) {  // initialize was refused
      end_session(*session, "initialize failed");
      update_session_count();
    } else {
      log(LogLevel::info, fmt::format("{}: session {} opened ({} open)", exchange.peer(),
                                      session->id, sessions.size()));
    }
  }

  void update_session_count() { session_count.store(sessions.size(), std::memory_order_relaxed); }

  /// Serves one POSTed message and answers it: 202, JSON, or an SSE stream.
  asio::awaitable<void> answer(http::Exchange& exchange, Server& server, http::Headers headers) {
    auto channel = std::make_shared<Channel>(strand);
    auto reply = std::make_shared<ChannelSink>(strand, channel);
    const MessageKind kind = co_await server.serve_message(exchange.request().body, reply);
    if (kind == MessageKind::notification || kind == MessageKind::response) {
      http::Response accepted{202, std::move(headers), {}};
      co_await exchange.respond(std::move(accepted));
      co_return;
    }
    if (kind == MessageKind::invalid) {
      std::string body = channel->messages.empty()
                             ? jsonrpc::make_error(nullptr, jsonrpc::invalid_request,
                                                   "Invalid Request: not a JSON-RPC message")
                             : std::move(channel->messages.front());
      log(LogLevel::warning, fmt::format("{}: POST {} refused (400): invalid JSON-RPC message",
                                         exchange.peer(), options.path));
      headers.emplace_back("Content-Type", "application/json");
      http::Response invalid{400, std::move(headers), std::move(body)};
      co_await exchange.respond(std::move(invalid));
      co_return;
    }
    // A request: JSON when the response is all there is, SSE once a notification of the
    // request must go out before it.
    bool streaming = false;
    std::optional<OpenStream> open_stream;
    for (;;) {
      co_await channel->wait(Clock::time_point::max());
      if (!streaming && channel->final_queued && channel->messages.size() == 1) {
        headers.emplace_back("Content-Type", "application/json");
        http::Response json{200, std::move(headers), std::move(channel->messages.front())};
        co_await exchange.respond(std::move(json));
        co_return;
      }
      if (!streaming && (!channel->messages.empty() || channel->done)) {
        for (auto& h : sse_headers()) headers.push_back(std::move(h));
        co_await exchange.begin_stream(200, std::move(headers));
        streaming = true;
        open_stream.emplace(streams_open);
      }
      if (!channel->messages.empty()) co_await exchange.write(channel->take_events());
      if (channel->done && channel->messages.empty()) {
        co_await exchange.end_stream();
        co_return;
      }
    }
  }

  // ---- GET -------------------------------------------------------------------------------

  asio::awaitable<void> handle_get(http::Exchange& exchange) {
    const http::Request& request = exchange.request();
    if (!accepts(request.header("Accept"), "text/event-stream")) {
      co_await refuse(exchange, 406, bad_request_code,
                      "Not Acceptable: the GET stream is text/event-stream");
      co_return;
    }
    if (auto why = bad_version(request)) {
      co_await refuse(exchange, 400, bad_request_code, *why);
      co_return;
    }
    auto session = co_await find_session(exchange);
    if (!session) co_return;
    if (session->get_stream) {
      co_await refuse(exchange, 409, bad_request_code,
                      "Conflict: this session already has an open GET stream");
      co_return;
    }
    auto channel = std::make_shared<Channel>(strand);
    session->get_stream = channel;
    exchange.on_close([channel] { channel->close(); });
    http::Headers stream_headers = sse_headers();
    stream_headers.emplace_back("Mcp-Session-Id", session->id);
    co_await exchange.begin_stream(200, std::move(stream_headers));
    const OpenStream open_stream(streams_open);
    // The first bytes go out now, so the client (and any proxy) sees the stream open.
    co_await exchange.write(": stream open\n\n");
    while (!channel->closed && !exchange.broken()) {
      co_await channel->wait(Clock::now() + options.keepalive_interval);
      if (channel->closed || exchange.broken()) break;
      if (channel->messages.empty()) {
        co_await exchange.write(": keep-alive\n\n");
        continue;
      }
      co_await exchange.write(channel->take_events());
    }
    if (session->get_stream == channel) session->get_stream.reset();
    session->last_used = Clock::now();
    co_await exchange.end_stream();
  }

  // ---- DELETE ----------------------------------------------------------------------------

  asio::awaitable<void> handle_delete(http::Exchange& exchange) {
    auto session = co_await find_session(exchange);
    if (!session) co_return;
    end_session(*session, "deleted by the client");
    co_await exchange.respond(json_response(200, "{}"));
  }

  /// Ends a session: its stream closes, its requests in flight are cancelled.
  void end_session(Session& session, std::string_view why) {
    log(LogLevel::info, fmt::format("session {} ended: {}", session.id, why));
    if (session.get_stream) session.get_stream->close();
    auto server = session.server;
    sessions.erase(session.id);
    update_session_count();
    asio::co_spawn(
        strand,
        [](std::shared_ptr<Server> s) -> asio::awaitable<void> {
          co_await s->shutdown(std::chrono::milliseconds(0));
        }(std::move(server)),
        asio::detached);
  }

  // ---- expiry, drain ---------------------------------------------------------------------

  asio::awaitable<void> sweep() {
    auto self = shared_from_this();
    const auto period = std::clamp(options.session_idle_timeout / 4, std::chrono::milliseconds(10),
                                   std::chrono::milliseconds(60'000));
    while (!is_draining.load()) {
      sweep_timer.expires_after(period);
      auto [ec] = co_await sweep_timer.async_wait(use_tuple);
      if (ec || is_draining.load()) break;
      const auto now = Clock::now();
      std::vector<std::shared_ptr<Session>> idle;
      for (auto& [id, s] : sessions) {
        if (!s->get_stream && s->active_posts == 0 && s->server->requests_in_flight() == 0 &&
            now - s->last_used >= options.session_idle_timeout) {
          idle.push_back(s);
        }
      }
      for (auto& s : idle) end_session(*s, "idle timeout");
    }
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    if (!listening) listen();
    asio::co_spawn(strand, sweep(), asio::detached);
    // Ends on stop(), or when the awaiting coroutine is cancelled (the accept is aborted):
    // either way the drain below runs whole.
    co_await http_server->run();
    co_await asio::this_coro::reset_cancellation_state(asio::disable_cancellation());
    if (!is_draining.exchange(true)) log(LogLevel::notice, "cancelled: draining");
    http_server->stop();
    log(LogLevel::info, "draining: finishing the requests in flight");
    for (auto& [id, s] : sessions) {
      if (s->get_stream) s->get_stream->close();
    }
    const bool clean = co_await http_server->drain(options.shutdown_timeout);
    std::vector<std::shared_ptr<Server>> servers;
    for (auto& [id, s] : sessions) servers.push_back(s->server);
    for (auto& server : servers)
      co_await server->shutdown(clean ? std::chrono::milliseconds(0) : options.shutdown_timeout);
    sessions.clear();
    update_session_count();
    sweep_timer.cancel();
    log(LogLevel::info, "drained");
  }

  void listen() {
    http_server->listen();
    listening = true;
    if (!loopback && options.allowed_hosts.empty()) {
      log(LogLevel::warning,
          fmt::format("listening on {} with no allowed hosts: any Host header is accepted; "
                      "set allowed_hosts (--allowed-host) to protect against DNS rebinding",
                      options.address));
    }
    if (options.on_listening) options.on_listening(http_server->port());
  }

  void stop() {
    if (is_draining.exchange(true)) return;
    asio::post(strand, [self = shared_from_this()] {
      self->log(LogLevel::notice, "stop: /readyz now answers 503; no new sessions");
      self->sweep_timer.cancel();
      if (self->options.drain_delay.count() <= 0) {
        self->http_server->stop();
        return;
      }
      auto timer = std::make_shared<asio::steady_timer>(self->strand, self->options.drain_delay);
      timer->async_wait([self, timer](std::error_code) { self->http_server->stop(); });
    });
  }
};

HttpTransport::HttpTransport(HierarchicalToolManager& manager, ServerOptions server_options,
                             HttpTransportOptions options)
    : impl_(std::make_shared<Impl>(manager, std::move(server_options), std::move(options))) {}

HttpTransport::~HttpTransport() = default;

void HttpTransport::listen() { impl_->listen(); }
std::uint16_t HttpTransport::port() const noexcept { return impl_->http_server->port(); }

asio::awaitable<void> HttpTransport::run() {
  auto impl = impl_;
  co_await asio::co_spawn(impl->strand, impl->run(), asio::use_awaitable);
}

void HttpTransport::stop() { impl_->stop(); }
std::size_t HttpTransport::sessions() const noexcept {
  return impl_->session_count.load(std::memory_order_relaxed);
}
bool HttpTransport::draining() const noexcept { return impl_->is_draining.load(); }

metrics::MetricsSnapshot HttpTransport::metrics() const { return impl_->metrics(); }

asio::awaitable<void> serve_http(HierarchicalToolManager& manager, ServerOptions server_options,
                                 HttpTransportOptions http_options) {
  HttpTransport transport(manager, std::move(server_options), std::move(http_options));
  co_await transport.run();
}

}  // namespace mcp
