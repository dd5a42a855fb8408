// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/client/client.hpp>
#include <mcp/detail/json_rpc.hpp>
#include <mcp/server.hpp>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace mcp::client {
namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
using ResponseChannel = asio::experimental::concurrent_channel<void(asio::error_code, Json)>;

std::string text_of(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

/// Shared with the transport's handlers (which hold it weakly), so a late message after
/// the client is gone finds nothing to touch.
struct McpClient::State {
  struct Pending {
    explicit Pending(asio::any_io_executor executor) : channel(std::move(executor), 1) {}
    ResponseChannel channel;
    RequestContext context;
  };

  mutable std::mutex mutex;  // guards everything below; never held across a co_await
  std::int64_t next_id = 1;
  std::unordered_map<std::int64_t, std::shared_ptr<Pending>> pending;
  bool closed = false;
  std::string close_reason;
  NotificationHandler notification_handler;
  ClosedHandler closed_handler;
  std::function<void(LogLevel, std::string_view)> local_log;
  ClientTransport* transport = nullptr;  // owned by the McpClient, which outlives its use here

  void log(LogLevel level, std::string_view text) const {
    if (local_log) local_log(level, text);
  }

  std::shared_ptr<Pending> take(std::int64_t id) {
    std::lock_guard lock(mutex);
    auto it = pending.find(id);
    if (it == pending.end()) return nullptr;
    auto result = std::move(it->second);
    pending.erase(it);
    return result;
  }

  void handle(std::string text) {
    Json message = Json::parse(text, nullptr, false);
    if (message.is_discarded() || !message.is_object()) {
      log(LogLevel::warning,
          fmt::format("ignored a line from the server that is not a JSON-RPC message: {:.200}",
                      text));
      return;
    }
    const auto method = message.find("method");
    const auto id = message.find("id");
    if (method != message.end() && method->is_string()) {
      if (id != message.end() && !id->is_null()) {
        answer_server_request(*id, method->get<std::string>());
        return;
      }
      handle_notification(method->get<std::string>(),
                          message.contains("params") ? message["params"] : Json::object());
      return;
    }
    if (id == message.end() || !id->is_number_integer()) {
      log(LogLevel::warning,
          fmt::format("ignored a response to no request of this client: {:.200}", text));
      return;
    }
    if (auto waiter = take(id->get<std::int64_t>())) {
      waiter->channel.try_send(asio::error_code{}, std::move(message));
    }
    // else: the caller gave up (cancelled or timed out) before the answer came.
  }

  void answer_server_request(const Json& id, const std::string& method) {
    if (!transport) return;
    if (method == "ping") {
      transport->send(jsonrpc::make_result(id, Json::object()));
    } else {
      transport->send(jsonrpc::make_error(
          id, jsonrpc::method_not_found,
          fmt::format("Method not found: {} (this client declares no capabilities)", method)));
    }
  }

  void handle_notification(const std::string& method, const Json& params) {
    if (method == "notifications/progress") {
      const auto token = params.find("progressToken");
      const auto progress = params.find("progress");
      if (token == params.end() || !token->is_number_integer() || progress == params.end() ||
          !progress->is_number())
        return;
      std::shared_ptr<Pending> waiter;
      {
        std::lock_guard lock(mutex);
        auto it = pending.find(token->get<std::int64_t>());
        if (it != pending.end()) waiter = it->second;
      }
      if (!waiter) return;  // progress after the answer, or for nothing we asked
      std::optional<double> total;
      if (auto t = params.find("total"); t != params.end() && t->is_number())
        total = t->get<double>();
      std::string text;
      if (auto m = params.find("message"); m != params.end() && m->is_string())
        text = m->get<std::string>();
      waiter->context.progress(progress->get<double>(), total, text);
      return;
    }
    if (method == "notifications/message") {
      const std::string logger = params.value("logger", std::string());
      const Json data = params.contains("data") ? params["data"] : Json();
      log(LogLevel::info, fmt::format("{}{}{}", logger, logger.empty() ? "" : ": ",
                                      data.is_string() ? data.get<std::string>() : text_of(data)));
    }
    NotificationHandler handler;
    {
      std::lock_guard lock(mutex);
      handler = notification_handler;
    }
    if (handler) handler(method, params);
  }

  void handle_closed(std::string reason) {
    std::unordered_map<std::int64_t, std::shared_ptr<Pending>> orphans;
    ClosedHandler handler;
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      closed = true;
      close_reason = reason;
      orphans.swap(pending);
      handler = std::move(closed_handler);
    }
    for (auto& [id, waiter] : orphans) waiter->channel.try_send(asio::error::eof, Json());
    if (handler) handler(reason);
  }
};

std::shared_ptr<McpClient> McpClient::create(asio::any_io_executor executor,
                                             std::unique_ptr<ClientTransport> transport,
                                             ClientOptions options) {
  return std::shared_ptr<McpClient>(
      new McpClient(std::move(executor), std::move(transport), std::move(options)));
}

McpClient::McpClient(asio::any_io_executor executor, std::unique_ptr<ClientTransport> transport,
                     ClientOptions options)
    : executor_(std::move(executor)),
      transport_(std::move(transport)),
      options_(std::move(options)),
      state_(std::make_shared<State>()) {
  state_->local_log = options_.local_log;
  state_->transport = transport_.get();
}

McpClient::~McpClient() {
  std::lock_guard lock(state_->mutex);
  state_->transport = nullptr;
}

void McpClient::on_notification(NotificationHandler handler) {
  std::lock_guard lock(state_->mutex);
  state_->notification_handler = std::move(handler);
}

void McpClient::on_closed(ClosedHandler handler) {
  std::lock_guard lock(state_->mutex);
  state_->closed_handler = std::move(handler);
}

asio::awaitable<ServerIdentity> McpClient::initialize() {
  std::weak_ptr<State> weak = state_;
  transport_->start(
      [weak](std::string message) {
        if (auto state = weak.lock()) state->handle(std::move(message));
      },
      [weak](std::string reason) {
        if (auto state = weak.lock()) state->handle_closed(std::move(reason));
      });
  Json client_info = {{"name", options_.name}, {"version", options_.version}};
  Json params = {{"protocolVersion", std::string(Server::protocol_versions.front())},
                 {"capabilities", Json::object()},
                 {"clientInfo", std::move(client_info)}};
  Json result = co_await request("initialize", std::move(params), {}, options_.initialize_timeout);
  ServerIdentity identity;
  if (auto v = result.find("protocolVersion"); v != result.end() && v->is_string())
    identity.protocol_version = v->get<std::string>();
  const auto& versions = Server::protocol_versions;
  if (std::find(versions.begin(), versions.end(), identity.protocol_version) == versions.end()) {
    throw ClientError(ClientErrorKind::protocol,
                      fmt::format("the server chose protocol revision '{}', which this client "
                                  "does not speak (it speaks {})",
                                  identity.protocol_version, fmt::join(versions, ", ")));
  }
  identity.server_info = result.value("serverInfo", Json::object());
  identity.capabilities = result.value("capabilities", Json::object());
  identity.instructions = result.value("instructions", std::string());
  identity_ = identity;
  notify("notifications/initialized", Json::object());
  co_return identity;
}

asio::awaitable<std::vector<Json>> McpClient::list_tools() {
  std::vector<Json> tools;
  std::unordered_set<std::string> cursors_seen;
  Json params = Json::object();
  for (;;) {
    Json page = co_await request("tools/list", params);
    if (auto list = page.find("tools"); list != page.end() && list->is_array()) {
      for (auto& tool : *list) tools.push_back(std::move(tool));
    } else {
      throw ClientError(ClientErrorKind::protocol, "tools/list result without a tools array");
    }
    auto next = page.find("nextCursor");
    if (next == page.end() || next->is_null()) break;
    if (!next->is_string() || !cursors_seen.insert(next->get<std::string>()).second) {
      throw ClientError(ClientErrorKind::protocol,
                        "tools/list returned a cursor it had returned before (paging loop)");
    }
    params["cursor"] = *next;
  }
  co_return tools;
}

asio::awaitable<Json> McpClient::call_tool(std::string name, Json arguments, RequestContext context,
                                           Json meta) {
  Json params = Json::object();
  params["name"] = std::move(name);
  params["arguments"] = arguments.is_null() ? Json::object() : std::move(arguments);
  if (meta.is_object() && !meta.empty()) params["_meta"] = std::move(meta);
  co_return co_await request("tools/call", std::move(params), std::move(context),
                             std::chrono::milliseconds::zero());
}

asio::awaitable<void> McpClient::ping() { (void)co_await request("ping", Json::object()); }

asio::awaitable<Json> McpClient::request(std::string method, Json params, RequestContext context,
                                         std::optional<std::chrono::milliseconds> limit) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  auto waiter = std::make_shared<State::Pending>(executor);
  const bool wants_progress = context.wants_progress();
  waiter->context = std::move(context);
  std::int64_t id = 0;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->closed) {
      throw ClientError(ClientErrorKind::closed, fmt::format("{}: the connection has ended ({})",
                                                             method, state_->close_reason));
    }
    id = state_->next_id++;
    state_->pending.emplace(id, waiter);
  }
  if (wants_progress) params["_meta"]["progressToken"] = id;
  std::string text = R"({"jsonrpc":"2.0","id":)";
  text += std::to_string(id);
  text += R"(,"method":)";
  detail::append_json_string(text, method);
  text += R"(,"params":)";
  text += text_of(params);
  text += '}';
  transport_->send(std::move(text));

  // A zero limit: none (tools/call: the caller's deadline or cancellation ends it).
  const auto deadline = limit.value_or(options_.request_timeout);
  asio::error_code ec;
  Json response;
  bool timed_out = false;
  if (deadline.count() > 0) {
    asio::steady_timer timer(executor);
    timer.expires_after(deadline);
    auto outcome =
        co_await (waiter->channel.async_receive(use_tuple) || timer.async_wait(use_tuple));
    if (outcome.index() == 0) {
      std::tie(ec, response) = std::move(std::get<0>(outcome));
    } else {
      ec = std::get<0>(std::get<1>(outcome));
      timed_out = !ec;
      if (!ec) ec = asio::error::timed_out;
    }
  } else {
    std::tie(ec, response) = co_await waiter->channel.async_receive(use_tuple);
  }
  if (ec == asio::error::eof) {
    throw ClientError(
        ClientErrorKind::closed,
        fmt::format("{}: the connection ended before the answer ({})", method, close_reason()));
  }
  if (ec) {
    // Cancelled by the caller, or out of time: the server is told to stop working on it.
    if (state_->take(id) && !closed()) {
      Json cancel = {{"requestId", id},
                     {"reason", timed_out ? "timed out" : "cancelled by the caller"}};
      notify("notifications/cancelled", cancel);
    }
    if (timed_out) {
      throw ClientError(ClientErrorKind::timeout,
                        fmt::format("{}: no answer within {} ms", method, deadline.count()));
    }
    throw std::system_error(asio::error::operation_aborted);
  }
  if (auto error = response.find("error"); error != response.end()) {
    const int code = error->is_object() ? error->value("code", 0) : 0;
    std::string message = error->is_object() ? error->value("message", std::string()) : "";
    Json data = error->is_object() && error->contains("data") ? (*error)["data"] : Json();
    throw ClientError(ClientErrorKind::remote,
                      fmt::format("{}: the server answered error {}: {}", method, code, message),
                      code, std::move(data));
  }
  auto result = response.find("result");
  if (result == response.end()) {
    throw ClientError(ClientErrorKind::protocol,
                      fmt::format("{}: an answer with neither result nor error", method));
  }
  co_return std::move(*result);
}

void McpClient::notify(std::string_view method, const Json& params) {
  std::string text = R"({"jsonrpc":"2.0","method":)";
  detail::append_json_string(text, method);
  text += R"(,"params":)";
  text += text_of(params);
  text += '}';
  transport_->send(std::move(text));
}

bool McpClient::closed() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->closed;
}

std::string McpClient::close_reason() const {
  std::lock_guard lock(state_->mutex);
  return state_->close_reason;
}

std::size_t McpClient::requests_in_flight() const {
  std::lock_guard lock(state_->mutex);
  return state_->pending.size();
}

asio::awaitable<void> McpClient::close() {
  co_await transport_->close();
  state_->handle_closed("closed by the client");
}

}  // namespace mcp::client
