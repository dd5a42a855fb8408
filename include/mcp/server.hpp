// mcp/server.hpp -- the MCP protocol layer: serves a HierarchicalToolManager to MCP clients.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_SERVER_HPP
#define MCP_HTM_SERVER_HPP

#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/json.hpp>
#include <mcp/log_level.hpp>
#include <mcp/metrics/server_recorder.hpp>
#include <mcp/prompts/prompt_registry.hpp>
#include <mcp/request_context.hpp>
#include <mcp/resources/resource_registry.hpp>
#include <mcp/version.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/strand.hpp>

namespace mcp {

/// Where a Server sends its outgoing JSON-RPC messages (responses and notifications).
/**
 * The transport implements it: the stdio transport queues each message and writes it
 * whole, one per line. The Streamable HTTP transport gives the Server one sink for the
 * session (its GET stream) and one per POSTed message (that request's response, and the
 * progress and log notifications of that request before it).
 * Every member may be called from any thread and must not block.
 */
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  /// Sends one complete JSON-RPC message: a single JSON text without a trailing newline.
  virtual void send(std::string message) = 0;
  /// Sends a response (a result, or an error). On a request's own sink it is the last
  /// message; by default it is sent like any other.
  virtual void send_response(std::string message) { send(std::move(message)); }
  /// The request of this sink ends without a response (the client cancelled it).
  virtual void send_abandoned() {}
  /// Sends a `notifications/progress` of a request. Returns a mark for
  /// send_response_after(), or 0 when the sink keeps none (the default: sent like any
  /// other message).
  virtual std::uint64_t send_progress(std::string message) {
    send(std::move(message));
    return 0;
  }
  /// Sends the response of a request whose last progress notification got `mark`: the
  /// client must not read the response in the same read as that notification. (The
  /// TypeScript SDK client handles a notification one microtask after the messages read
  /// with it: progress read in one chunk with its request's response reaches it after the
  /// request is closed, and is dropped as an "unknown token".) The stdio transport holds
  /// the response until the client has read the notification; by default it is
  /// send_response().
  virtual void send_response_after(std::string message, std::uint64_t mark) {
    (void)mark;
    send_response(std::move(message));
  }
};

/// What an incoming message turned out to be (for a transport that answers each one).
enum class MessageKind : std::uint8_t {
  request,       ///< has an id and a method: a response will follow on its reply sink
  notification,  ///< a method without an id (or a batch of such): nothing is sent back
  response,      ///< a result or an error (valid or not): nothing is sent back
  invalid,       ///< not a valid message: an error response was sent -- unless it looked
                 ///< like a notification (a method name, no id), which is never answered
};

/// How the manager's tools are shown to the client.
enum class ToolMode : std::uint8_t {
  hierarchical,  ///< five meta-tools (tools_list_categories, ..., tools_dispatch_parallel)
  flat,          ///< every tool of every category, named `category.tool`, with its own schema
};

/// Options of a Server.
struct ServerOptions {
  std::string name = "mcp-htm";                  ///< serverInfo.name
  std::string version = MCP_HTM_VERSION_STRING;  ///< serverInfo.version (<mcp/version.hpp>)
  std::string title;                             ///< serverInfo.title (omitted when empty)
  std::string instructions;  ///< initialize result `instructions` (omitted when empty)
  ToolMode mode = ToolMode::hierarchical;
  std::size_t page_size = 100;  ///< tools per tools/list page (0 is taken as 1)
  /// Threshold of `notifications/message` until the client sends `logging/setLevel`.
  LogLevel client_log_level = LogLevel::info;
  /// Local log (the stdio server writes it to stderr). Called from the server's strand
  /// or, for log(), from the caller's thread. Empty: no local log.
  std::function<void(LogLevel, std::string_view)> local_log;
  /// Deadline of each tools/call unless the call asks for a shorter one (`timeout_ms`).
  std::optional<std::chrono::milliseconds> call_timeout;
  /// Arrays and objects nest at most this deep in an incoming message (-32700 beyond).
  std::size_t max_json_depth = 256;
  /// Most calls accepted by one tools_dispatch_parallel.
  std::size_t max_parallel_calls = 1000;
  /// Most messages in one JSON-RPC batch (batches exist under 2025-03-26 and 2024-11-05
  /// only): a transport that bounds the requests in flight reads one batch at a time, so
  /// this bounds how far one line can go past that limit.
  std::size_t max_batch_size = 100;
  /// False (default, as issue 7 asks): arguments that don't match a meta-tool's
  /// inputSchema are JSON-RPC error -32602. True: they are `isError` tool results,
  /// as SEP-1303 (protocol revision 2025-11-25) recommends so a model can self-correct.
  bool argument_errors_as_tool_results = false;
  /// Flat mode: the tools of these categories are named by their bare tool name rather
  /// than `category.tool` (e.g. fixtures whose names a client expects verbatim).
  std::vector<std::string> unprefixed_categories;
  /// Where requests are counted (by method, tool and error, with their durations), shared
  /// by every server of a transport; empty: nothing is counted. The HTTP transport sets
  /// one itself when this is empty. See docs/metrics.md.
  std::shared_ptr<metrics::ServerMetricsRecorder> metrics;
  /// Resources to serve (resources/list, templates/list, read, subscribe, unsubscribe;
  /// the `resources` capability). Null: none, and no such capability is declared.
  std::shared_ptr<ResourceRegistry> resources;
  /// Prompts to serve (prompts/list, prompts/get; the `prompts` capability). Null: none.
  std::shared_ptr<PromptRegistry> prompts;
  /// Longest wait for the client's answer to a tool's request (sampling, elicitation,
  /// roots), whatever the tool asks for.
  std::chrono::milliseconds client_request_timeout{std::chrono::minutes(5)};
};

/// The MCP protocol layer (revisions 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05).
/**
 * Consumes JSON-RPC messages one at a time (handle_message) and emits responses and
 * notifications through a MessageSink; it knows nothing of the transport. A message
 * is one JSON value; under 2025-03-26 and 2024-11-05 it may be a batch (an array),
 * answered with one array. Notifications and responses are never answered. Requests
 * that may wait (`tools/call`, the flat `tools/list`) each run in their own coroutine,
 * so a slow call never delays `ping` or other calls; each can be cancelled by the
 * client's `notifications/cancelled` (no response is then sent for it).
 *
 * @par Thread safety
 * handle_message(), serve_message(), reject() and shutdown() must run on
 * get_executor() (a strand).
 * log() and the manager's category-change notifications may come from any thread.
 *
 * @par Example
 * @code
 * auto strand = asio::make_strand(io.get_executor());
 * auto sink = std::make_shared<MySink>();
 * auto server = std::make_shared<mcp::Server>(manager, sink, mcp::ServerOptions{}, strand);
 * asio::dispatch(strand, [server] {
 * server->handle_message(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"); });
 * @endcode
 */
class Server {
 public:
  using executor_type = asio::strand<asio::any_io_executor>;

  /// Protocol revisions understood, newest first; the first is proposed when the
  /// client asks for one we don't know.
  static constexpr std::array<std::string_view, 4> protocol_versions = {"2025-11-25", "2025-06-18",
                                                                        "2025-03-26", "2024-11-05"};

  /// Serves `manager` (which must outlive the server) through `sink`, on `executor`
  /// (default: a new strand of the manager's executor).
  Server(HierarchicalToolManager& manager, std::shared_ptr<MessageSink> sink,
         ServerOptions options = {}, std::optional<executor_type> executor = std::nullopt);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] const executor_type& get_executor() const noexcept;

  /// Handles one incoming message text (one JSON-RPC request, notification or response).
  /// Answers bad input with the matching JSON-RPC error. Never throws.
  void handle_message(std::string_view text);
  /// The same, with the responses to this message (and the progress and log messages of
  /// the request it holds) sent to `reply` instead of the server's sink.
  void handle_message(std::string_view text, const std::shared_ptr<MessageSink>& reply);

  /// handle_message() for a caller that is a coroutine on get_executor(), such as a
  /// transport's reader: a `tools/call` of a synchronous tool of a loaded category (which
  /// cannot wait) runs inline in the awaiting coroutine -- no co_spawn, no executor hop --
  /// and is answered before it returns; everything else is as handle_message().
  /// `text` must stay valid until the returned awaitable completes.
  [[nodiscard]] asio::awaitable<void> serve_message(std::string_view text);
  /// serve_message() with the replies to this message sent to `reply` (see
  /// handle_message()); tells what the message was.
  [[nodiscard]] asio::awaitable<MessageKind> serve_message(std::string_view text,
                                                           std::shared_ptr<MessageSink> reply);

  /// Answers input the transport could not turn into a message (e.g. an over-long line)
  /// with an error response: with `id` when the transport could read it (a string or an
  /// integer), else without one, in the form the negotiated revision allows (2025-11-25:
  /// no id member; the older revisions: `"id": null`).
  void reject(int code, std::string_view message, const Json& data = nullptr,
              const Json& id = nullptr);

  /// Graceful end: requests already received are finished and answered. Waits up to
  /// `timeout` for them; then cancels those still running (they are answered with a
  /// `cancelled` result) and waits for them to end. New requests are refused.
  [[nodiscard]] asio::awaitable<void> shutdown(std::chrono::milliseconds timeout);

  /// Sends `notifications/message` when `level` reaches the client's threshold, and
  /// writes the local log. Thread-safe.
  void log(LogLevel level, std::string_view logger, const Json& data);

  /// Requests received and not answered yet (those running in their own coroutine).
  [[nodiscard]] std::size_t requests_in_flight() const noexcept;
  /// The protocol revision agreed by `initialize`; empty before.
  [[nodiscard]] std::string protocol_version() const;
  /// True once the client sent `notifications/initialized`.
  [[nodiscard]] bool initialized() const noexcept;
  /// Requests sent to the client (by tools, see RequestContext::ask_client) and not
  /// answered, timed out or cancelled yet.
  [[nodiscard]] std::size_t client_requests_pending() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::size_t categories_subscription_ = 0;
  std::size_t resources_subscription_ = 0;
  std::size_t prompts_subscription_ = 0;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/server.ipp>
#endif

#endif  // MCP_HTM_SERVER_HPP
