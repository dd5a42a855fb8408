// mcp/client/client.hpp -- the client side of MCP: initialize, tools/list, tools/call
// (with progress and cancellation passed through), ping, notifications.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CLIENT_CLIENT_HPP
#define MCP_HTM_CLIENT_CLIENT_HPP

#include <mcp/client/client_transport.hpp>
#include <mcp/json.hpp>
#include <mcp/log_level.hpp>
#include <mcp/request_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

namespace mcp::client {

/// Why a client request failed.
enum class ClientErrorKind {
  closed,    ///< the connection ended before the answer (the server exited, stop())
  timeout,   ///< no answer within the request's time limit
  protocol,  ///< the server broke the protocol (e.g. an unsupported revision)
  remote,    ///< the server answered with a JSON-RPC error (code(), data())
};

/// A failed client request. what() says what happened in words.
class ClientError : public std::runtime_error {
 public:
  ClientError(ClientErrorKind kind, const std::string& message, int code = 0, Json data = nullptr)
      : std::runtime_error(message), kind_(kind), code_(code), data_(std::move(data)) {}
  [[nodiscard]] ClientErrorKind kind() const noexcept { return kind_; }
  [[nodiscard]] int code() const noexcept { return code_; }  ///< JSON-RPC code when remote
  [[nodiscard]] const Json& data() const noexcept { return data_; }

 private:
  ClientErrorKind kind_;
  int code_;
  Json data_;
};

/// Options of an McpClient.
struct ClientOptions {
  std::string name = "mcp-htm";   ///< clientInfo.name
  std::string version = "0.1.0";  ///< clientInfo.version
  /// Limit of initialize (a server that never answers it is given up on).
  std::chrono::milliseconds initialize_timeout{30'000};
  /// Limit of every other request unless the caller cancels earlier; tools/call has
  /// none of its own (the caller's deadline or cancellation ends it).
  std::chrono::milliseconds request_timeout{60'000};
  /// Local log: the server's `notifications/message` and the client's own notes.
  std::function<void(LogLevel, std::string_view)> local_log;
};

/// What the server said in its initialize result.
struct ServerIdentity {
  std::string protocol_version;  ///< the negotiated revision
  Json server_info;              ///< serverInfo
  Json capabilities;             ///< capabilities
  std::string instructions;
};

/// One MCP session with one server, over any ClientTransport.
/**
 * Requests may be awaited from any executor and any number at once; each is matched to
 * its answer by id. Cancelling an awaiting coroutine (Asio cancellation) sends the
 * server `notifications/cancelled` for that request and ends the wait at once with
 * `operation_aborted`. When the connection ends, every request in flight fails at once
 * with ClientErrorKind::closed (a crashed server never leaves a caller hanging).
 * Server-to-client requests are answered: `ping` with an empty result, anything else
 * with -32601 (this client declares no client capabilities).
 *
 * @par Example
 * @code
 * auto transport = std::make_unique<mcp::client::StdioClientTransport>(
 *     strand, mcp::client::ProcessSpec{"npx", {"-y", "@modelcontextprotocol/server-memory"}});
 * auto client = mcp::client::McpClient::create(strand, std::move(transport));
 * co_await client->initialize();
 * std::vector<mcp::Json> tools = co_await client->list_tools();
 * mcp::Json args = {{"query", "x"}};
 * mcp::Json result = co_await client->call_tool("search_nodes", args);
 * co_await client->close();
 * @endcode
 */
class McpClient : public std::enable_shared_from_this<McpClient> {
 public:
  using NotificationHandler = std::function<void(const std::string& method, const Json& params)>;
  using ClosedHandler = std::function<void(const std::string& reason)>;

  /// `executor` should be a strand: the transport's handlers run on it.
  static std::shared_ptr<McpClient> create(asio::any_io_executor executor,
                                           std::unique_ptr<ClientTransport> transport,
                                           ClientOptions options = {});
  ~McpClient();
  McpClient(const McpClient&) = delete;
  McpClient& operator=(const McpClient&) = delete;

  /// Called for each server notification other than progress (e.g.
  /// `notifications/tools/list_changed`), on the client's executor. Set before initialize().
  void on_notification(NotificationHandler handler);
  /// Called once when the connection ends, with the reason. Set before initialize().
  void on_closed(ClosedHandler handler);

  /// Starts the transport, runs initialize (proposing the newest revision this library
  /// speaks, accepting any it speaks) and sends `notifications/initialized`. Throws
  /// ClientError (or std::system_error when the transport cannot start).
  [[nodiscard]] asio::awaitable<ServerIdentity> initialize();
  /// The initialize result (empty before initialize() succeeded).
  [[nodiscard]] const ServerIdentity& identity() const noexcept { return identity_; }

  /// Every tool of the server (tools/list, page after page).
  [[nodiscard]] asio::awaitable<std::vector<Json>> list_tools();
  /// tools/call; the server's CallToolResult as it is (`isError` results included).
  /// When `context` wants progress, the server's progress for this call is forwarded
  /// to it. `meta` (an object) is sent as `params._meta` (e.g. a W3C traceparent).
  [[nodiscard]] asio::awaitable<Json> call_tool(std::string name, Json arguments,
                                                RequestContext context = {}, Json meta = nullptr);
  /// ping.
  [[nodiscard]] asio::awaitable<void> ping();
  /// Any request; the result.
  [[nodiscard]] asio::awaitable<Json> request(std::string method, Json params,
                                              RequestContext context = {},
                                              std::optional<std::chrono::milliseconds> limit = {});
  /// Sends a notification.
  void notify(std::string_view method, const Json& params);

  /// True once the connection has ended.
  [[nodiscard]] bool closed() const noexcept;
  /// Why the connection ended (empty while open).
  [[nodiscard]] std::string close_reason() const;
  /// Requests awaiting an answer.
  [[nodiscard]] std::size_t requests_in_flight() const;
  /// Ends the session: the transport's graceful close; requests in flight fail.
  [[nodiscard]] asio::awaitable<void> close();

 private:
  struct State;
  McpClient(asio::any_io_executor executor, std::unique_ptr<ClientTransport> transport,
            ClientOptions options);

  asio::any_io_executor executor_;
  std::unique_ptr<ClientTransport> transport_;
  ClientOptions options_;
  std::shared_ptr<State> state_;
  ServerIdentity identity_;
};

}  // namespace mcp::client

#endif  // MCP_HTM_CLIENT_CLIENT_HPP
