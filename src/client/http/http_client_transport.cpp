// src/client/http/http_client_transport.cpp -- the Streamable HTTP client transport:
// POSTs on a small pool of kept-alive connections, JSON and event-stream answers, the
// session, the GET stream, DELETE on close.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/client/http_client_transport.hpp>
#include <mcp/detail/json_rpc.hpp>
#include <mcp/http/request.hpp>
#include <mcp/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <sys/socket.h>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/dispatch.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "http_url.hpp"
#include "message_peek.hpp"
#include "response_parser.hpp"
#include "sse_reader.hpp"

// GCC 12 misreads asio's awaitable frame allocator (as in src/http/http_transport.cpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace mcp::client {
namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;
using namespace http_detail;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// The JSON-RPC code of errors this transport answers for the server (the
// implementation-defined server range, as the HTTP server side uses it).
constexpr int transport_error_code = -32000;
constexpr std::size_t max_error_body_bytes = 64 * 1024;
constexpr std::size_t max_header_bytes = 64 * 1024;
constexpr int max_get_stream_failures = 5;
constexpr int max_resume_attempts = 5;
constexpr std::chrono::milliseconds default_reconnect_delay{1000};
constexpr std::chrono::milliseconds max_reconnect_delay{30'000};

/// A server's `retry:` within sane bounds, or the default.
std::chrono::milliseconds reconnect_delay(std::optional<unsigned long> retry_ms) {
  if (!retry_ms) return default_reconnect_delay;
  return std::min(std::chrono::milliseconds(
                      static_cast<std::int64_t>(std::min<unsigned long>(*retry_ms, 1'000'000))),
                  max_reconnect_delay);
}

/// One TCP connection to the server (and, while it connects, its name lookup).
struct Connection {
  explicit Connection(const asio::any_io_executor& executor)
      : resolver(executor), socket(executor) {}
  tcp::resolver resolver;
  tcp::socket socket;
  bool reused = false;     // it carried an exchange before: a failure may be a stale close
  bool abandoned = false;  // closed on purpose (cancel grace, close()): no failure
  Clock::time_point idle_since{};

  void shut() {
    resolver.cancel();
    asio::error_code ignored;
    socket.close(ignored);
  }
};

/// Closes a connection if `cancel()` does not come within the timeout: the operation
/// pending on it then ends with an error. Works for any operation, cancellable or not.
class Watchdog {
 public:
  Watchdog(const asio::any_io_executor& executor, std::shared_ptr<Connection> connection,
           std::chrono::milliseconds timeout)
      : state_(std::make_shared<State>(executor)) {
    state_->timer.expires_after(timeout);
    state_->timer.async_wait(
        [state = state_, connection = std::move(connection)](const asio::error_code& ec) {
          if (ec || state->cancelled) return;
          state->fired = true;
          connection->shut();
        });
  }
  ~Watchdog() { cancel(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void cancel() {
    state_->cancelled = true;
    state_->timer.cancel();
  }
  [[nodiscard]] bool fired() const noexcept { return state_->fired; }

 private:
  struct State {
    explicit State(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    bool cancelled = false;
    bool fired = false;
  };
  std::shared_ptr<State> state_;
};

/// One message to POST, with what the transport needs to know of it.
struct Outgoing {
  std::string body;
  MessagePeek peek;
  [[nodiscard]] std::string id_key() const { return peek.id.dump(); }
};

/// What one request/response exchange on a connection came to.
struct ExchangeResult {
  bool io_failed = false;  // no complete response (see failure)
  bool abandoned = false;  // the transport closed the connection on purpose
  bool retryable = false;  // failed before a byte of answer on a reused connection
  std::string failure;
  int status = 0;
  std::string media_type;  // of the response, lower case, no parameters
  std::string error_body;  // the start of the body of an error status
  bool answered = false;   // the response to the POSTed request was among the messages
  bool body_too_large = false;
  bool stream_opened = false;  // event-stream bytes arrived (the GET stream)
  std::size_t oversized_events = 0;
  std::string last_event_id;              // of an event stream: where to resume it
  std::optional<unsigned long> retry_ms;  // the stream's `retry:` (reconnection delay)
};

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string::npos;
}

/// Visible ASCII only: what may go back into a header unchanged.
bool is_visible_ascii(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The media type of a Content-Type value ("text/event-stream; charset=utf-8" -> ...).
std::string media_type_of(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return lower(type);
}

/// The headers a configuration may not set: the transport sets them per request.
bool is_reserved_header(std::string_view name) {
  static constexpr std::string_view reserved[] = {
      "content-type",   "content-length",       "transfer-encoding", "connection", "accept",
      "mcp-session-id", "mcp-protocol-version", "last-event-id",     "upgrade",    "te",
      "expect",         "keep-alive",           "proxy-connection",  "trailer"};
  const std::string name_lower = lower(name);
  return std::find(std::begin(reserved), std::end(reserved), name_lower) != std::end(reserved);
}

/// The server's own words from an error body: a JSON-RPC error's message, or the text.
/// True when an HTTP error answering a message that carried Mcp-Session-Id says the
/// server no longer knows the session: 404, as the spec says, or 400 with a message about
/// the session, as servers built on the TypeScript SDK's examples answer an unknown id
/// ("Bad Request: No valid session ID provided"; server-everything among them).
bool session_gone(int status, std::string_view said) {
  if (status == 404) return true;
  if (status != 400) return false;
  std::string lower(said);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("session") != std::string::npos;
}

std::string describe_error_body(std::string_view body, int& code) {
  Json parsed = Json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    if (auto error = parsed.find("error"); error != parsed.end() && error->is_object()) {
      if (auto c = error->find("code"); c != error->end() && c->is_number_integer())
        code = c->get<int>();
      if (auto m = error->find("message"); m != error->end() && m->is_string())
        return m->get<std::string>();
    }
  }
  std::string text;
  for (const char c : body.substr(0, 300)) {
    text += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

struct HttpClientTransport::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, std::string u, HttpClientOptions opts)
      : executor(std::move(ex)),
        url_text(std::move(u)),
        options(std::move(opts)),
        ended_signal(executor, asio::steady_timer::time_point::max()),
        retry_timer(executor) {
    if (options.max_connections == 0) options.max_connections = 1;
  }

  asio::any_io_executor executor;
  const std::string url_text;
  HttpClientOptions options;
  HttpUrl url;
  bool host_overridden = false;
  MessageHandler on_message;
  ClosedHandler on_closed;
  bool started = false;
  bool ended = false;               // on_closed has been called
  bool closing = false;             // close() runs: failures from here on are the closing's
  asio::steady_timer ended_signal;  // cancelled by finish(): a second close() waits on it
  std::vector<std::weak_ptr<asio::steady_timer>> cancel_timers;  // cancel_grace, per request
  asio::steady_timer retry_timer;                                // the GET stream's backoff

  // Session state: written on the strand, read by the accessors from any thread.
  mutable std::mutex identity_mutex;
  std::string session;
  std::string version;

  std::deque<Outgoing> waiting_requests;  // over max_connections: waiting for a slot
  std::size_t active_requests = 0;
  std::map<std::string, std::shared_ptr<Connection>> requests_in_flight;  // by id
  std::set<std::string> cancelled_in_flight;  // ids the client cancelled while in flight
  std::deque<Outgoing> lane;                  // notifications and responses, POSTed one at a time
  bool lane_running = false;
  std::vector<std::shared_ptr<Connection>> idle;  // kept alive, most recent last
  std::vector<std::weak_ptr<Connection>> live;    // every connection not yet closed
  std::shared_ptr<Connection> get_stream;
  bool get_started = false;
  std::atomic<bool> listening{false};  // the GET stream is open (read from any thread)

  void log(LogLevel level, std::string_view text) const {
    if (options.local_log) options.local_log(level, text);
  }

  [[nodiscard]] std::string session_id() const {
    std::lock_guard lock(identity_mutex);
    return session;
  }
  [[nodiscard]] std::string protocol_version() const {
    std::lock_guard lock(identity_mutex);
    return version;
  }

  // ---- setup and end ------------------------------------------------------------------

  void check_configuration() {
    url = parse_http_url(url_text);
    for (const auto& [name, value] : options.headers) {
      if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
        throw std::invalid_argument(fmt::format("header '{}': not a valid header name", name));
      }
      if (is_reserved_header(name)) {
        throw std::invalid_argument(
            fmt::format("header '{}': set by the transport itself, it cannot be configured", name));
      }
      for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) {
          throw std::invalid_argument(
              fmt::format("header '{}': control characters (CR, LF, ...) are not allowed", name));
        }
      }
      if (http::iequals(name, "Host")) host_overridden = true;
    }
  }

  void finish(std::string reason) {
    if (ended) return;
    ended = true;
    waiting_requests.clear();
    lane.clear();
    requests_in_flight.clear();
    cancelled_in_flight.clear();
    idle.clear();
    for (auto& weak : live) {
      if (auto connection = weak.lock()) {
        connection->abandoned = true;
        connection->shut();
      }
    }
    live.clear();
    retry_timer.cancel();
    for (const auto& weak : cancel_timers) {
      if (auto timer = weak.lock()) timer->cancel();
    }
    cancel_timers.clear();
    ended_signal.cancel();
    listening = false;
    on_message = nullptr;
    if (auto handler = std::move(on_closed)) handler(std::move(reason));
  }

  /// A connection-level failure ends the transport (unless close() caused it).
  void fail(const std::string& reason) {
    if (closing || ended) return;
    log(LogLevel::warning, reason);
    finish(reason);
  }

  // ---- connections --------------------------------------------------------------------

  void track(const std::shared_ptr<Connection>& connection) {
    std::erase_if(live, [](const std::weak_ptr<Connection>& w) { return w.expired(); });
    live.push_back(connection);
  }

  /// True when a kept-alive connection still looks open: no EOF, no stray bytes.
  static bool still_open(Connection& connection) {
    if (!connection.socket.is_open()) return false;
    char byte = 0;
    const auto n = ::recv(connection.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  /// A connection for one exchange: a kept-alive one unless `fresh`, else a new one.
  /// On failure, nullptr and the reason.
  asio::awaitable<std::pair<std::shared_ptr<Connection>, std::string>> acquire(
      bool fresh, std::chrono::milliseconds timeout) {
    const auto now = Clock::now();
    while (!fresh && !idle.empty()) {
      auto connection = std::move(idle.back());
      idle.pop_back();
      if (now - connection->idle_since < options.keep_alive_idle && still_open(*connection)) {
        co_return std::pair{std::move(connection), std::string()};
      }
      connection->shut();
    }
    auto connection = std::make_shared<Connection>(executor);
    track(connection);
    Watchdog watchdog(executor, connection, timeout);
    const std::string port = std::to_string(url.port);
    auto [resolve_error, endpoints] =
        co_await connection->resolver.async_resolve(url.host, port, use_tuple);
    asio::error_code ec = resolve_error;
    if (!ec && !watchdog.fired()) {
      auto [connect_error, endpoint] =
          co_await asio::async_connect(connection->socket, endpoints, use_tuple);
      (void)endpoint;
      ec = connect_error;
    }
    watchdog.cancel();
    if (watchdog.fired()) {
      connection->shut();
      co_return std::pair{nullptr, fmt::format("cannot connect to {}: no connection within {} ms",
                                               url_text, timeout.count())};
    }
    if (ec) {
      connection->shut();
      co_return std::pair{nullptr, fmt::format("cannot connect to {}: {}", url_text, ec.message())};
    }
    asio::error_code ignored;
    connection->socket.set_option(tcp::no_delay(true), ignored);
    co_return std::pair{std::move(connection), std::string()};
  }

  void release(std::shared_ptr<Connection> connection) {
    if (ended || closing || idle.size() >= options.max_connections) {
      connection->shut();
      return;
    }
    connection->reused = true;
    connection->idle_since = Clock::now();
    idle.push_back(std::move(connection));
  }

  // ---- one exchange -------------------------------------------------------------------

  [[nodiscard]] std::string request_head(std::string_view method, std::string_view accept,
                                         std::size_t content_length, bool has_body,
                                         std::string_view last_event_id = {}) const {
    std::string out = fmt::format("{} {} HTTP/1.1\r\n", method, url.target);
    if (!host_overridden) out += fmt::format("Host: {}\r\n", url.authority);
    for (const auto& [name, value] : options.headers) out += fmt::format("{}: {}\r\n", name, value);
    if (!accept.empty()) out += fmt::format("Accept: {}\r\n", accept);
    if (has_body) {
      out +=
          fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", content_length);
    }
    std::lock_guard lock(identity_mutex);
    if (!session.empty()) out += fmt::format("Mcp-Session-Id: {}\r\n", session);
    if (!version.empty()) out += fmt::format("MCP-Protocol-Version: {}\r\n", version);
    if (!last_event_id.empty()) out += fmt::format("Last-Event-ID: {}\r\n", last_event_id);
    out += "\r\n";
    return out;
  }

  /// Hands one message of an answer to the client; notes when it is `request`'s answer.
  void deliver(std::string message, const Outgoing* request, ExchangeResult& result) {
    if (ended) return;
    if (request != nullptr && !result.answered) {
      const MessagePeek peek = peek_message(message);
      if (peek.is_response() && peek.has_id && peek.id == request->peek.id) {
        result.answered = true;
        if (request->peek.method == "initialize") learn_version(message);
      }
    }
    if (on_message) on_message(std::move(message));
  }

  /// The revision the initialize result chose: MCP-Protocol-Version from now on.
  void learn_version(std::string_view message) {
    const Json parsed = Json::parse(message, nullptr, false);
    if (!parsed.is_object()) return;
    const auto result = parsed.find("result");
    if (result == parsed.end() || !result->is_object()) return;
    const auto chosen = result->find("protocolVersion");
    if (chosen == result->end() || !chosen->is_string()) return;
    const auto text = chosen->get<std::string>();
    if (!is_visible_ascii(text)) return;  // McpClient refuses it; it must not reach a header
    std::lock_guard lock(identity_mutex);
    version = text;
  }

  void learn_session(std::string_view id) {
    if (id.empty()) return;
    if (!is_visible_ascii(id)) {
      log(LogLevel::warning, "ignored an Mcp-Session-Id with characters other than visible ASCII");
      return;
    }
    std::lock_guard lock(identity_mutex);
    session = std::string(id);
  }

  /// Writes `request` on `connection` and reads the response, passing the messages of a
  /// 2xx answer to the client as they complete (unless `silent`: DELETE's body is none).
  /// `posted` is the message of a POST.
  asio::awaitable<ExchangeResult> exchange(std::shared_ptr<Connection> connection,
                                           std::string request, const Outgoing* posted,
                                           bool silent = false) {
    ExchangeResult result;
    {
      Watchdog watchdog(executor, connection, options.write_timeout);
      auto [ec, written] =
          co_await asio::async_write(connection->socket, asio::buffer(request), use_tuple);
      (void)written;
      if (ec || watchdog.fired()) {
        result.io_failed = true;
        result.abandoned = connection->abandoned;
        result.retryable = connection->reused && !connection->abandoned;
        result.failure = watchdog.fired() ? fmt::format("writing to {} took over {} ms", url_text,
                                                        options.write_timeout.count())
                                          : fmt::format("the connection to {} failed: {}", url_text,
                                                        ec.message());
        connection->shut();
        co_return result;
      }
    }
    ResponseParser parser(max_header_bytes);
    SseReader events(options.max_message_bytes);
    enum class Body { undecided, json, stream, error, discard } body_kind = Body::undecided;
    std::string json_body;
    std::vector<SseEvent> ready;
    bool any_bytes = false;
    std::array<char, 16384> buffer{};
    for (;;) {
      auto [ec, n] = co_await connection->socket.async_read_some(asio::buffer(buffer), use_tuple);
      if (ended) co_return result;
      bool parsed = true;
      if (ec) {
        if (ec == asio::error::eof) {
          parsed = parser.finish();
        } else {
          result.io_failed = true;
          result.retryable = connection->reused && !any_bytes && !connection->abandoned;
          result.failure = fmt::format("the connection to {} failed: {}", url_text, ec.message());
          break;
        }
      } else {
        any_bytes = true;
        parsed = parser.feed(buffer.data(), n);
      }
      if (body_kind == Body::undecided && parser.headers_complete()) {
        result.status = parser.status();
        result.media_type = media_type_of(parser.header("Content-Type"));
        if (posted != nullptr && posted->peek.method == "initialize" && result.status / 100 == 2)
          learn_session(parser.header("Mcp-Session-Id"));
        if (result.status / 100 != 2) {
          body_kind = Body::error;
        } else if (silent) {
          body_kind = Body::discard;
        } else if (result.media_type == "text/event-stream") {
          body_kind = Body::stream;
          if (connection == get_stream) listening = true;
        } else if (result.media_type == "application/json") {
          body_kind = Body::json;
        } else {
          body_kind = Body::discard;
        }
      }
      if (std::string bytes = parser.take_body(); !bytes.empty()) {
        switch (body_kind) {
          case Body::json:
            if (json_body.size() + bytes.size() > options.max_message_bytes) {
              result.body_too_large = true;
              body_kind = Body::discard;
              json_body.clear();
            } else {
              json_body += bytes;
            }
            break;
          case Body::stream:
            result.stream_opened = true;
            events.feed(bytes, ready);
            for (auto& event : ready) {
              // (An event without data, or of another type, carries no message.)
              if (event.type == "message" && !event.data.empty())
                deliver(std::move(event.data), posted, result);
            }
            ready.clear();
            if (ended) co_return result;
            break;
          case Body::error:
            if (result.error_body.size() < max_error_body_bytes) {
              result.error_body.append(bytes, 0, max_error_body_bytes - result.error_body.size());
            }
            break;
          case Body::undecided:
          case Body::discard:
            break;
        }
        if (result.body_too_large) break;  // no use reading the rest of it
      }
      if (!parsed) {
        result.io_failed = true;
        result.failure = fmt::format("{} from {}", parser.error(), url_text);
        result.retryable = connection->reused && !any_bytes && !connection->abandoned;
        break;
      }
      if (parser.complete() || ec) break;
    }
    result.oversized_events = events.oversized_events();
    result.last_event_id = events.last_event_id();
    result.retry_ms = events.retry_ms();
    if (connection->abandoned && result.io_failed) {
      result.abandoned = true;
      co_return result;
    }
    if (body_kind == Body::json && parser.complete()) {
      std::string_view text = json_body;
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0)
        text.remove_prefix(1);
      if (!text.empty()) deliver(std::move(json_body), posted, result);
    }
    if (!result.io_failed && !result.body_too_large && parser.reusable()) {
      release(std::move(connection));
    } else {
      connection->shut();
    }
    co_return result;
  }

  // ---- POST -----------------------------------------------------------------------------

  /// POSTs one message and deals with the outcome.
  asio::awaitable<void> post(Outgoing message) {
    auto self = shared_from_this();
    const bool is_request = message.peek.is_request();
    const std::string what = message.peek.has_method ? message.peek.method : "a response";
    ExchangeResult result;
    bool sent_session = false;
    bool resumed = false;  // the server had begun the request
    for (int attempt = 0;; ++attempt) {
      auto [connection, error] = co_await acquire(attempt > 0, options.connect_timeout);
      if (ended) co_return;
      if (!connection) {
        fail(error);
        co_return;
      }
      const std::string key = is_request ? message.id_key() : std::string();
      if (is_request) requests_in_flight[key] = connection;
      std::string request =
          request_head("POST", "application/json, text/event-stream", message.body.size(), true);
      sent_session = request.find("\r\nMcp-Session-Id: ") != std::string::npos;
      request += message.body;
      result = co_await exchange(connection, std::move(request), &message);
      if (is_request) {
        auto it = requests_in_flight.find(key);
        if (it != requests_in_flight.end() && it->second == connection)
          requests_in_flight.erase(it);
      }
      if (ended) co_return;
      // A kept-alive connection the server had closed meanwhile: once more on a new one.
      if (result.retryable && attempt == 0 && !result.answered) {
        log(LogLevel::debug,
            fmt::format("POST {}: retrying on a new connection ({})", what, result.failure));
        continue;
      }
      break;
    }
    // An event stream that ended (or broke) before the answer after giving an event id
    // may be resumed (SEP-1699: the server may close it and expect a GET with
    // Last-Event-ID). Not for a request the caller has given up on.
    if (is_request && !result.answered && !result.abandoned &&
        result.media_type == "text/event-stream" && !result.last_event_id.empty() &&
        !cancelled_in_flight.contains(message.id_key())) {
      resumed = true;
      result = co_await resume(message, std::move(result), sent_session);
      if (ended) co_return;
    }
    // The caller gave up on a cancelled request: whatever became of it, nobody waits.
    const bool cancelled = is_request && cancelled_in_flight.erase(message.id_key()) != 0;
    if (result.abandoned) co_return;  // cancelled long ago, or close()
    if (result.io_failed && !result.answered) {
      fail(result.failure);
      co_return;
    }
    int code = transport_error_code;
    const std::string said =
        result.status / 100 != 2 ? describe_error_body(result.error_body, code) : std::string();
    if (sent_session && session_gone(result.status, said)) {
      if (!closing) {
        const std::string reason = fmt::format(
            "session expired ({}): {} no longer knows session {}; a new "
            "session must be initialized",
            result.status, url_text, session_id());
        // Unless its stream was being resumed, the server refused the request without
        // running it: its caller may send it again on a new session (McpClient:
        // ClientError, remote, with data.sessionExpired).
        if (is_request && !cancelled) {
          Json data = {{"httpStatus", result.status}, {"url", url_text}};
          if (!resumed) data["sessionExpired"] = true;
          ExchangeResult ignored;
          deliver(jsonrpc::make_error(message.peek.id, transport_error_code, reason, data), nullptr,
                  ignored);
        }
        log(LogLevel::info, reason);
        finish(reason);
      }
      co_return;
    }
    if (result.status / 100 != 2) {
      const std::string text = fmt::format("HTTP {} from {}{}{}", result.status, url_text,
                                           said.empty() ? "" : ": ", said);
      if (is_request && !cancelled) {
        answer_locally(message, code, text, result.status);
      } else if (!is_request) {
        log(LogLevel::warning, fmt::format("POST {}: {}", what, text));
      }
      co_return;
    }
    if (!is_request) {
      if (what == "notifications/initialized") open_get_stream();
      co_return;
    }
    if (result.answered || cancelled) co_return;
    std::string text;
    if (result.body_too_large) {
      text =
          fmt::format("the answer from {} exceeds {} bytes", url_text, options.max_message_bytes);
    } else if (result.status == 202 || result.status == 204) {
      text = fmt::format("HTTP {} from {}: the server accepted the request but sent no answer",
                         result.status, url_text);
    } else if (result.media_type == "text/event-stream") {
      text = fmt::format("the event stream from {} ended without the answer{}", url_text,
                         result.oversized_events != 0
                             ? fmt::format(" ({} event(s) over {} bytes dropped)",
                                           result.oversized_events, options.max_message_bytes)
                             : std::string());
    } else if (result.media_type == "application/json") {
      text = fmt::format(
          "the application/json answer from {} was not the response to this "
          "request",
          url_text);
    } else {
      text = fmt::format(
          "HTTP {} from {} with Content-Type '{}' (expected application/json or "
          "text/event-stream)",
          result.status, url_text, result.media_type);
    }
    answer_locally(message, transport_error_code, text, result.status);
  }

  /// Resumes the event stream of `request` with GET and Last-Event-ID, after the delay the
  /// server asked for (`retry:`), until its answer arrives or the attempts run out.
  asio::awaitable<ExchangeResult> resume(const Outgoing& request, ExchangeResult last,
                                         bool& sent_session) {
    const std::string key = request.id_key();
    std::string event_id = last.last_event_id;
    auto retry = last.retry_ms;
    asio::steady_timer pause(executor);
    for (int attempt = 1; attempt <= max_resume_attempts; ++attempt) {
      if (ended || closing || cancelled_in_flight.contains(key)) break;
      log(LogLevel::debug,
          fmt::format("{}: the event stream ended before the answer ({}); resuming after "
                      "event '{}' (attempt {})",
                      request.peek.method, last.io_failed ? last.failure : "closed by the server",
                      event_id, attempt));
      pause.expires_after(reconnect_delay(retry));
      (void)co_await pause.async_wait(use_tuple);
      if (ended || closing || cancelled_in_flight.contains(key)) break;
      auto [connection, error] = co_await acquire(true, options.connect_timeout);
      if (ended) break;
      if (!connection) {
        last.io_failed = true;
        last.failure = error;
        continue;
      }
      requests_in_flight[key] = connection;
      std::string head = request_head("GET", "text/event-stream", 0, false, event_id);
      sent_session = head.find("\r\nMcp-Session-Id: ") != std::string::npos;
      ExchangeResult next = co_await exchange(connection, std::move(head), &request);
      if (auto it = requests_in_flight.find(key);
          it != requests_in_flight.end() && it->second == connection)
        requests_in_flight.erase(it);
      if (ended || next.answered || next.abandoned) co_return next;
      // Refused (404: the session is gone; 405: no resumption here): the caller decides.
      if (!next.io_failed && next.status / 100 != 2) co_return next;
      if (!next.last_event_id.empty()) event_id = next.last_event_id;
      if (next.retry_ms) retry = next.retry_ms;
      last = std::move(next);
    }
    co_return last;
  }

  /// A JSON-RPC error for a request the server did not answer, so its caller fails now.
  void answer_locally(const Outgoing& request, int code, const std::string& text, int status) {
    if (closing || ended) return;
    log(LogLevel::warning, fmt::format("{}: {}", request.peek.method, text));
    Json data = {{"httpStatus", status}, {"url", url_text}};
    ExchangeResult ignored;
    deliver(jsonrpc::make_error(request.peek.id, code, text, data), nullptr, ignored);
  }

  asio::awaitable<void> run_request(Outgoing message) {
    auto self = shared_from_this();
    std::optional<Outgoing> next = std::move(message);
    while (next && !ended) {
      try {
        co_await post(std::move(*next));
      } catch (const std::exception& e) {
        log(LogLevel::error, fmt::format("POST failed: {}", e.what()));
      }
      next.reset();
      if (!waiting_requests.empty() && !ended && !closing) {
        next = std::move(waiting_requests.front());
        waiting_requests.pop_front();
      }
    }
    --active_requests;
  }

  asio::awaitable<void> run_lane() {
    auto self = shared_from_this();
    while (!lane.empty() && !ended) {
      Outgoing message = std::move(lane.front());
      lane.pop_front();
      try {
        co_await post(std::move(message));
      } catch (const std::exception& e) {
        log(LogLevel::error, fmt::format("POST failed: {}", e.what()));
      }
    }
    lane_running = false;
  }

  void enqueue(std::string text) {
    if (!started || ended || closing) {
      log(LogLevel::debug, "a message sent after the connection ended was dropped");
      return;
    }
    Outgoing message;
    message.peek = peek_message(text);
    message.body = std::move(text);
    if (message.peek.is_request()) {
      if (active_requests < options.max_connections) {
        ++active_requests;
        asio::co_spawn(executor, run_request(std::move(message)), asio::detached);
      } else {
        waiting_requests.push_back(std::move(message));
      }
      return;
    }
    if (message.peek.method == "notifications/cancelled" && cancel_locally(message.body)) return;
    lane.push_back(std::move(message));
    if (!lane_running) {
      lane_running = true;
      asio::co_spawn(executor, run_lane(), asio::detached);
    }
  }

  /// A cancellation of a request still waiting for a slot: neither is sent. Of one in
  /// flight: it is sent, and the answer's connection closed if it goes on too long.
  bool cancel_locally(const std::string& notification) {
    const Json parsed = Json::parse(notification, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("params") || !parsed["params"].is_object())
      return false;
    const Json& params = parsed["params"];
    const auto target = params.find("requestId");
    if (target == params.end()) return false;
    const std::string key = target->dump();
    const auto waiting = std::find_if(waiting_requests.begin(), waiting_requests.end(),
                                      [&](const Outgoing& o) { return o.id_key() == key; });
    if (waiting != waiting_requests.end()) {
      log(LogLevel::debug,
          fmt::format("request {} cancelled before it was sent: not sent at all", key));
      waiting_requests.erase(waiting);
      return true;
    }
    const auto in_flight = requests_in_flight.find(key);
    if (in_flight != requests_in_flight.end()) {
      cancelled_in_flight.insert(key);
      auto timer = std::make_shared<asio::steady_timer>(executor, options.cancel_grace);
      // finish() cancels it: a pending timer would keep the executor's io_context running
      // (the gateway's exit waited the whole grace for a cancelled streaming call).
      std::erase_if(cancel_timers, [](const auto& weak) { return weak.expired(); });
      cancel_timers.push_back(timer);
      std::weak_ptr<Connection> weak = in_flight->second;
      timer->async_wait([self = shared_from_this(), timer, weak, key](const asio::error_code& ec) {
        auto connection = weak.lock();
        if (ec || !connection || self->ended) return;
        const auto it = self->requests_in_flight.find(key);
        if (it == self->requests_in_flight.end() || it->second != connection) return;
        self->log(LogLevel::info,
                  fmt::format("request {} still streaming {} ms after its cancellation: its "
                              "connection is closed",
                              key, self->options.cancel_grace.count()));
        connection->abandoned = true;
        connection->shut();
      });
    }
    return false;
  }

  // ---- the GET stream -------------------------------------------------------------------

  void open_get_stream() {
    if (!options.listen_stream || get_started || ended || closing) return;
    get_started = true;
    asio::co_spawn(executor, listen_loop(), asio::detached);
  }

  asio::awaitable<void> listen_loop() {
    auto self = shared_from_this();
    auto delay = std::chrono::milliseconds(500);
    int failures = 0;
    std::string last_id;  // resumes where the previous stream ended (Last-Event-ID)
    while (!ended && !closing) {
      auto [connection, error] = co_await acquire(true, options.connect_timeout);
      if (ended || closing) co_return;
      std::string why;
      if (connection) {
        get_stream = connection;
        std::string request = request_head("GET", "text/event-stream", 0, false, last_id);
        const bool sent_session = request.find("\r\nMcp-Session-Id: ") != std::string::npos;
        const ExchangeResult result = co_await exchange(connection, std::move(request), nullptr);
        if (get_stream == connection) get_stream.reset();
        listening = false;
        if (ended || closing) co_return;
        if (!result.last_event_id.empty()) last_id = result.last_event_id;
        if (result.status == 405) {
          log(LogLevel::debug, fmt::format("{} offers no GET stream (405)", url_text));
          co_return;
        }
        int code = 0;
        const std::string said =
            result.status / 100 != 2 ? describe_error_body(result.error_body, code) : std::string();
        if (sent_session && session_gone(result.status, said)) {
          finish(
              fmt::format("session expired ({}): {} no longer knows session {} (GET "
                          "stream); a new session must be initialized",
                          result.status, url_text, session_id()));
          co_return;
        }
        if (result.status == 200 && result.media_type == "text/event-stream" &&
            result.stream_opened) {
          failures = 0;  // it was open: reopen it, when the server asked for
          delay =
              result.retry_ms ? reconnect_delay(result.retry_ms) : std::chrono::milliseconds(500);
          why = result.io_failed ? result.failure : "the server ended it";
        } else if (result.io_failed) {
          why = result.failure;
        } else {
          why = fmt::format("HTTP {}{}{}", result.status, said.empty() ? "" : ": ", said);
        }
      } else {
        why = error;
      }
      if (++failures > max_get_stream_failures) {
        log(LogLevel::warning,
            fmt::format("the GET stream of {} failed {} times in a row ({}): server-initiated "
                        "messages (tools/list_changed) will not arrive",
                        url_text, failures - 1, why));
        co_return;
      }
      log(LogLevel::debug, fmt::format("the GET stream of {} ended ({}); reopening in {} ms",
                                       url_text, why, delay.count()));
      retry_timer.expires_after(delay);
      (void)co_await retry_timer.async_wait(use_tuple);
      delay = std::min<std::chrono::milliseconds>(delay * 2, max_reconnect_delay);
    }
  }

  // ---- close ----------------------------------------------------------------------------

  asio::awaitable<void> close_here() {
    auto self = shared_from_this();
    if (!started || ended) co_return;
    if (closing) {  // another close() is under way: wait for its end
      (void)co_await ended_signal.async_wait(use_tuple);
      co_return;
    }
    closing = true;
    waiting_requests.clear();
    lane.clear();
    retry_timer.cancel();
    if (get_stream) {
      get_stream->abandoned = true;
      get_stream->shut();
    }
    if (!session_id().empty()) co_await delete_session();
    finish("closed by the client");
  }

  /// DELETE: the server ends the session (ignored when it does not allow it: 405).
  asio::awaitable<void> delete_session() {
    const auto limit = options.close_timeout;
    auto [connection, error] = co_await acquire(false, std::min(limit, options.connect_timeout));
    if (ended) co_return;
    if (!connection) {
      log(LogLevel::info, fmt::format("could not end the session: {}", error));
      co_return;
    }
    Watchdog watchdog(executor, connection, limit);
    const ExchangeResult result =
        co_await exchange(connection, request_head("DELETE", "", 0, false), nullptr, true);
    if (ended) co_return;
    if (watchdog.fired()) {
      log(LogLevel::info, fmt::format("DELETE of the session: no answer within {} ms from {}",
                                      limit.count(), url_text));
    } else if (result.io_failed) {
      log(LogLevel::info, fmt::format("DELETE of the session: {}", result.failure));
    } else if (result.status / 100 != 2 && result.status != 405 && result.status != 404) {
      log(LogLevel::info,
          fmt::format("DELETE of the session: HTTP {} from {}", result.status, url_text));
    }
  }
};

HttpClientTransport::HttpClientTransport(asio::any_io_executor executor, std::string url,
                                         HttpClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(url), std::move(options))) {}

HttpClientTransport::~HttpClientTransport() {
  // Whatever the coroutines still hold, their connections close and they end.
  asio::dispatch(impl_->executor, [impl = impl_] {
    impl->on_message = nullptr;
    impl->on_closed = nullptr;
    impl->closing = true;
    impl->finish("the transport was destroyed");
  });
}

void HttpClientTransport::start(MessageHandler on_message, ClosedHandler on_closed) {
  auto& impl = *impl_;
  impl.check_configuration();
  impl.on_message = std::move(on_message);
  impl.on_closed = std::move(on_closed);
  impl.started = true;
}

void HttpClientTransport::send(std::string message) {
  // Posted, not dispatched: a message sent from inside on_message (an answer to a server
  // ping) is handled after the message being delivered, never in the middle of it.
  asio::post(impl_->executor, [impl = impl_, message = std::move(message)]() mutable {
    impl->enqueue(std::move(message));
  });
}

asio::awaitable<void> HttpClientTransport::close() {
  co_await asio::co_spawn(impl_->executor, impl_->close_here(), asio::use_awaitable);
}

std::string HttpClientTransport::session_id() const { return impl_->session_id(); }
std::string HttpClientTransport::protocol_version() const { return impl_->protocol_version(); }
const std::string& HttpClientTransport::url() const noexcept { return impl_->url_text; }
bool HttpClientTransport::listening() const noexcept { return impl_->listening.load(); }

}  // namespace mcp::client
