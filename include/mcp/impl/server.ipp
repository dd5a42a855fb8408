// mcp/impl/server.ipp -- the MCP protocol layer: JSON-RPC 2.0 dispatching, the meta-tools,
// cancellation, progress, logging and tool-list change notifications.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/detail/json_rpc.hpp>
#include <mcp/detail/json_rpc_envelope.hpp>
#include <mcp/detail/meta_arguments.hpp>
#include <mcp/detail/server_methods.hpp>
#include <mcp/json_schema.hpp>
#include <mcp/metrics/server_recorder.hpp>
#include <mcp/metrics/trace_context.hpp>
#include <mcp/server.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <exception>
#include <mutex>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/dispatch.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

// GCC 12 false positive: after inlining a coroutine's ramp and destroy functions it pairs
// Asio's class-specific awaitable_frame_base::operator delete (its thread-local frame
// recycler) with the global operator new and reports -Wmismatched-new-delete.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace mcp {
namespace detail::server_impl {

MCP_HTM_INLINE constexpr std::array<std::string_view, 8> level_names = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

/// JSON-RPC server error (implementation-defined range): the server is shutting down.
MCP_HTM_INLINE constexpr int server_shutting_down = -32000;

MCP_HTM_INLINE constexpr std::string_view meta_list_categories = "tools_list_categories";
MCP_HTM_INLINE constexpr std::string_view meta_list_tools = "tools_list_tools";
MCP_HTM_INLINE constexpr std::string_view meta_get_schema = "tools_get_schema";
MCP_HTM_INLINE constexpr std::string_view meta_dispatch = "tools_dispatch";
MCP_HTM_INLINE constexpr std::string_view meta_dispatch_parallel = "tools_dispatch_parallel";

MCP_HTM_INLINE Json name_property(std::string_view what) {
  return {{"type", "string"},
          {"minLength", 1},
          {"maxLength", detail::max_meta_name_length},
          {"pattern", "^[A-Za-z0-9_.-]+$"},
          {"description", what}};
}

MCP_HTM_INLINE Json timeout_property(std::string_view what) {
  return {{"type", "integer"},
          {"minimum", 1},
          {"maximum", detail::max_meta_timeout_ms},
          {"description", what}};
}

/// The five meta-tools of the hierarchical mode, as tools/list shows them.
MCP_HTM_INLINE Json meta_tool_definitions(std::size_t max_parallel_calls) {
  const Json category = name_property("Category name, as listed by tools_list_categories.");
  const Json tool = name_property("Tool name, as listed by tools_list_tools.");
  const Json params = {{"type", "object"},
                       {"description",
                        "Arguments of the tool, matching the inputSchema returned by "
                        "tools_get_schema. Default: {}."}};
  Json call_item = {{"type", "object"},
                    {"properties", {{"category", category}, {"tool", tool}, {"params", params}}},
                    {"required", {"category", "tool"}},
                    {"additionalProperties", false}};
  auto annotations = [](bool read_only) {
    return Json{{"readOnlyHint", read_only}, {"openWorldHint", !read_only}};
  };
  Json tools = Json::array();
  tools.push_back(
      {{"name", meta_list_categories},
       {"title", "List tool categories"},
       {"description",
        "List the tool categories (name, description, whether loaded), sorted by name. Start "
        "here: then list a category's tools with tools_list_tools."},
       {"inputSchema",
        {{"type", "object"},
         {"properties",
          {{"include_count",
            {{"type", "boolean"},
             {"default", false},
             {"description",
              "Also give each category's tool_count (loads categories not loaded yet)."}}}}},
         {"additionalProperties", false}}},
       {"annotations", annotations(true)}});
  tools.push_back(
      {{"name", meta_list_tools},
       {"title", "List the tools of a category"},
       {"description",
        "List the tools of one category: name and one-line description of each, sorted by "
        "name. Get a tool's full schema with tools_get_schema."},
       {"inputSchema",
        {{"type", "object"},
         {"properties", {{"category", category}}},
         {"required", {"category"}},
         {"additionalProperties", false}}},
       {"annotations", annotations(true)}});
  tools.push_back({{"name", meta_get_schema},
                   {"title", "Get a tool's schema"},
                   {"description",
                    "Get the full JSON Schema (inputSchema, and outputSchema if any) of one "
                    "tool, to build the params of tools_dispatch."},
                   {"inputSchema",
                    {{"type", "object"},
                     {"properties", {{"category", category}, {"tool", tool}}},
                     {"required", {"category", "tool"}},
                     {"additionalProperties", false}}},
                   {"annotations", annotations(true)}});
  tools.push_back(
      {{"name", meta_dispatch},
       {"title", "Run a tool"},
       {"description",
        "Run one tool of a category with its params. The result has status \"success\" and "
        "the tool's result, or status \"error\" with error and error_code (category_not_found, "
        "tool_not_found, invalid_params, tool_error, circuit_open, timeout, cancelled, "
        "shutting_down, load_failed, overloaded)."},
       {"inputSchema",
        {{"type", "object"},
         {"properties",
          {{"category", category},
           {"tool", tool},
           {"params", params},
           {"timeout_ms", timeout_property("Deadline of the call in milliseconds.")}}},
         {"required", {"category", "tool"}},
         {"additionalProperties", false}}},
       {"annotations", annotations(false)}});
  tools.push_back(
      {{"name", meta_dispatch_parallel},
       {"title", "Run many tools concurrently"},
       {"description",
        "Run many tool calls concurrently, at most max_concurrent at a time (a sliding "
        "window). Results come back in call order, one per call. With return_exceptions "
        "false, the first failure cancels the remaining calls. Reports progress as calls "
        "complete when the request carries a progress token."},
       {"inputSchema",
        {{"type", "object"},
         {"properties",
          {{"calls",
            {{"type", "array"},
             {"minItems", 1},
             {"maxItems", max_parallel_calls},
             {"items", call_item},
             {"description", "The calls to run: {category, tool, params}."}}},
           {"max_concurrent",
            {{"type", "integer"},
             {"minimum", 1},
             {"maximum", 1024},
             {"description", "Most calls running at once. Default: all of them."}}},
           {"return_exceptions",
            {{"type", "boolean"},
             {"default", true},
             {"description",
              "True: every call gets its own result, errors included. False: the first "
              "failure stops the batch."}}},
           {"timeout_ms", timeout_property("Deadline of the whole batch in milliseconds.")}}},
         {"required", {"calls"}},
         {"additionalProperties", false}}},
       {"annotations", annotations(false)}});
  return tools;
}

struct MetaTool {
  std::string name;
  JsonSchema schema;
};

/// The meta-tools' definitions and compiled schemas: immutable, so every Server (one per
/// HTTP session) shares one copy instead of compiling five schemas per session.
struct MetaTools {
  Json definitions = Json::array();
  std::vector<MetaTool> tools;
};

MCP_HTM_INLINE std::shared_ptr<const MetaTools> shared_meta_tools(std::size_t max_parallel_calls) {
  static std::mutex mutex;
  static std::unordered_map<std::size_t, std::shared_ptr<const MetaTools>> cache;
  const std::lock_guard lock(mutex);
  auto& entry = cache[max_parallel_calls];
  if (!entry) {
    auto meta = std::make_shared<MetaTools>();
    meta->definitions = meta_tool_definitions(max_parallel_calls);
    for (const auto& def : meta->definitions) {
      meta->tools.push_back({def["name"].get<std::string>(), JsonSchema(def["inputSchema"])});
    }
    entry = std::move(meta);
  }
  return entry;
}

/// `value` as JSON text (invalid UTF-8 in strings replaced, never thrown on).
MCP_HTM_INLINE std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// Appends `{"content":[{"type":"text","text":<text as a JSON string>}]` to `out`: the
/// start of a CallToolResult, left open for the members that follow.
MCP_HTM_INLINE void append_text_content(std::string& out, std::string_view text) {
  out += R"({"content":[{"type":"text","text":)";
  detail::append_json_string(out, text);
  out += "}]";
}

// Results are written as JSON text straight away rather than built as a Json tree and
// serialised afterwards: a tools/call result holds its payload twice (text and
// structuredContent), and the tree would copy it, then serialise it twice.

/// A tools/call result (JSON text) whose text content is `structured_json` (JSON text of
/// an object, valid UTF-8) and whose structuredContent is that same object.
MCP_HTM_INLINE std::string structured_result_text(std::string_view structured_json, bool is_error) {
  std::string out;
  out.reserve(2 * structured_json.size() + 96);
  out += R"({"content":[{"type":"text","text":)";
  detail::append_escaped_utf8(out, structured_json);
  out += "}]";
  if (is_error) out += R"(,"isError":true)";
  out += R"(,"structuredContent":)";
  out += structured_json;
  out += '}';
  return out;
}

/// The same for a Json object (the serialiser replaces invalid UTF-8).
MCP_HTM_INLINE std::string structured_result(const Json& structured, bool is_error) {
  return structured_result_text(dump(structured), is_error);
}

/// A tools/call result (JSON text) of a tool called directly (flat mode). An error
/// carries the Python-compatible error shape as structuredContent only when the tool
/// declares no outputSchema (clients check structuredContent against it, even on errors).
/// `is_error` is set to the result's isError.
MCP_HTM_INLINE std::string flat_result(DispatchResult& dispatched, bool has_output_schema,
                                       bool& is_error) {
  std::string out;
  is_error = !dispatched.ok();
  if (!dispatched.ok()) {
    const auto& error = dispatched.error();
    append_text_content(out, fmt::format("{} [{}]", error.message, to_string(error.code)));
    out += R"(,"isError":true)";
    if (!has_output_schema) {
      out += R"(,"structuredContent":)";
      out += dump(dispatched.to_json());
    }
    out += '}';
    return out;
  }
  Json value = std::move(dispatched).value();
  if (value.is_object()) {
    // A tool that already returns an MCP CallToolResult is passed through.
    if (auto content = value.find("content"); content != value.end() && content->is_array()) {
      const auto flag = value.find("isError");
      is_error = flag != value.end() && flag->is_boolean() && flag->get<bool>();
      return dump(value);
    }
    std::string text = dump(value);
    out.reserve(2 * text.size() + 64);
    append_text_content(out, text);
    out += R"(,"structuredContent":)";
    out += text;
  } else if (value.is_string()) {
    append_text_content(out, value.get_ref<const std::string&>());  // the string is the text
  } else {
    append_text_content(out, dump(value));
  }
  out += '}';
  return out;
}

/// A JSON-RPC error to answer with instead of a result.
struct ProtocolError {
  int code = jsonrpc::invalid_params;
  std::string message;
  Json data;
};

/// The outcome of a request handled in its own coroutine.
struct Outcome {
  std::string result;  // when !error: the result object as JSON text
  std::optional<ProtocolError> error;
  bool is_error = false;  // a tools/call result with isError (metrics: error_type=tool_error)
};

/// Most schema violations an error lists (`error_count` says how many there are): a
/// hundred thousand bad items must not make an answer larger than the request.
MCP_HTM_INLINE constexpr std::size_t max_listed_violations = 10;

/// The first max_listed_violations violations as `[{pointer, reason}]`.
MCP_HTM_INLINE Json violations_json(const std::vector<SchemaViolation>& violations) {
  Json errors = Json::array();
  const std::size_t listed = std::min(violations.size(), max_listed_violations);
  for (std::size_t i = 0; i < listed; ++i) {
    errors.push_back({{"pointer", violations[i].pointer}, {"reason", violations[i].reason}});
  }
  return errors;
}

MCP_HTM_INLINE std::string_view trim(std::string_view text) noexcept {
  constexpr std::string_view ws = " \t\r\n";
  const auto first = text.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(ws);
  return text.substr(first, last - first + 1);
}

MCP_HTM_INLINE bool valid_id(const Json& id) noexcept {
  return id.is_string() || id.is_number_integer();
}

/// Sets ParallelOptions::on_result (the per-call completion hook) when the manager has it.
template <class Options, class Callback>
void set_on_result(Options& options, Callback callback) {
  if constexpr (requires { options.on_result = std::move(callback); }) {
    options.on_result = std::move(callback);
  } else {
    (void)options;
    (void)callback;  // no hook yet: only the "0 of N" notification is sent
  }
}

MCP_HTM_INLINE std::optional<std::chrono::milliseconds> shortest(
    std::optional<std::chrono::milliseconds> a, std::optional<std::chrono::milliseconds> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace detail::server_impl
using namespace detail::server_impl;

MCP_HTM_INLINE std::string_view to_string(LogLevel level) noexcept {
  const auto i = static_cast<std::size_t>(level);
  return i < level_names.size() ? level_names[i] : "unknown";
}

MCP_HTM_INLINE std::optional<LogLevel> parse_log_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (level_names[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

struct Server::Impl : std::enable_shared_from_this<Impl> {
  /// A request being answered. Its messages (progress, log, the response) go to
  /// `reply`: the transport's stream of that request. It is also the RequestReporter of
  /// the tools it calls, so their reports reach the same stream. The strand owns
  /// `signal`, `cancelled_by_client`, `closed` and `progress_mark`; the rest is set before
  /// the request runs, then only read.
  struct Request final : RequestReporter, std::enable_shared_from_this<Request> {
    Json id;
    std::string key;  // id.dump(): distinguishes 1 from "1"
    asio::cancellation_signal signal;
    bool cancelled_by_client = false;
    /// Answered, or cancelled by the client: nothing more goes out for it.
    bool closed = false;
    /// The reply sink's mark of the last progress notification sent (0: none): the
    /// response waits for the client to have read it (MessageSink::send_response_after).
    std::uint64_t progress_mark = 0;
    std::shared_ptr<MessageSink> reply;
    Json progress_token;                         // null: the client asked for no progress
    std::optional<metrics::TraceContext> trace;  // params._meta.traceparent of a tools/call
    std::weak_ptr<Impl> server;                  // for the client's log level and the local log
    std::atomic<bool> answered{false};           // lets reports from other threads stop early
    // For ServerOptions::metrics: the request's method and tool labels and its start.
    std::string_view metric_method;
    std::string metric_tool;
    std::chrono::steady_clock::time_point metric_start{};

    /// Sends a notification about this request (its progress, or a log message), from any
    /// thread. It reaches the sink on the strand, where it is dropped once the request is
    /// closed: whatever a tool reports after the response, or after the client's
    /// cancellation was read, never follows them.
    void notify(std::string message, bool is_progress) {
      if (answered.load(std::memory_order_acquire)) return;
      auto deliver = [self = shared_from_this(), message = std::move(message),
                      is_progress]() mutable {
        if (self->closed) return;
        if (is_progress) {
          self->progress_mark =
              std::max(self->progress_mark, self->reply->send_progress(std::move(message)));
        } else {
          self->reply->send(std::move(message));
        }
      };
      const auto impl = server.lock();
      if (!impl) return;
      if (impl->strand.running_in_this_thread()) {
        deliver();
      } else {
        asio::post(impl->strand, std::move(deliver));
      }
    }

    void progress(double done, std::optional<double> total, std::string_view message) override {
      if (progress_token.is_null()) return;
      Json params = {{"progressToken", progress_token}, {"progress", done}};
      if (total) params["total"] = *total;
      if (!message.empty()) params["message"] = message;
      notify(jsonrpc::make_notification("notifications/progress", params), true);
    }
    void log(LogLevel level, std::string_view logger, const Json& data) override {
      if (answered.load(std::memory_order_acquire)) return;
      if (auto impl = server.lock()) {
        if (auto message = impl->log_message(level, logger, data))
          notify(std::move(*message), false);
      }
    }
    [[nodiscard]] bool wants_progress() const noexcept override {
      return !progress_token.is_null();
    }
    [[nodiscard]] const metrics::TraceContext* trace_context() const noexcept override {
      return trace ? &*trace : nullptr;
    }
    asio::awaitable<Json> ask_client(std::string method, Json params,
                                     std::chrono::milliseconds timeout) override {
      auto impl = server.lock();
      if (!impl) {
        throw ClientRequestError(ClientRequestError::Reason::no_client,
                                 fmt::format("{}: the server has stopped", method));
      }
      // On the server's strand, which owns the table of requests to the client.
      co_return co_await asio::co_spawn(
          impl->strand,
          Impl::client_request(impl, shared_from_this(), std::move(method), std::move(params),
                               timeout),
          asio::use_awaitable);
    }
  };

  /// A request sent to the client; the strand owns it. The waiting coroutine sleeps on
  /// `timer` until the answer, its timeout or its cancellation.
  struct ClientRequest {
    explicit ClientRequest(const executor_type& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::optional<Json> answer;  // the response message
  };

  Impl(HierarchicalToolManager& m, std::shared_ptr<MessageSink> s, ServerOptions o,
       executor_type ex)
      : manager(m),
        sink(std::move(s)),
        options(std::move(o)),
        strand(std::move(ex)),
        client_level(static_cast<int>(options.client_log_level)),
        drain_timer(strand) {
    if (options.page_size == 0) options.page_size = 1;
    if (options.mode == ToolMode::hierarchical) {
      meta = shared_meta_tools(options.max_parallel_calls);
    }
  }

  HierarchicalToolManager& manager;
  std::shared_ptr<MessageSink> sink;
  ServerOptions options;
  executor_type strand;
  std::atomic<int> client_level;
  std::atomic<int> version_index{-1};
  std::atomic<bool> is_initialized{false};
  std::atomic<std::size_t> in_flight_count{0};
  // Strand-only state.
  bool closing = false;
  std::unordered_map<std::string, std::shared_ptr<Request>> in_flight;
  asio::steady_timer drain_timer;
  std::shared_ptr<const MetaTools> meta;      // hierarchical mode only
  Json client_capabilities = Json::object();  // from initialize
  std::unordered_map<std::string, std::shared_ptr<ClientRequest>> client_requests;
  std::atomic<std::size_t> client_requests_count{0};
  std::uint64_t next_client_request = 0;
  std::set<std::string, std::less<>> subscriptions;  // resources/subscribe URIs
  /// A tools/call serve_message() runs inline.
  struct InlineCall {
    Json id;
    Json params;
    std::shared_ptr<MessageSink> reply;
  };
  /// The reply sink of the message being handled, as given to handle_message() (null or
  /// empty: the session's sink). Strand only.
  const std::shared_ptr<MessageSink>* current_reply = nullptr;
  std::optional<InlineCall>* inline_slot = nullptr;  // set while serve_message() parses

  /// A message of the session, related to no request (list_changed, session logs).
  void send(std::string message) { sink->send(std::move(message)); }

  /// Where the responses to the message being handled go: the transport's reply stream
  /// of that message, or the session's sink.
  const std::shared_ptr<MessageSink>& reply_sink() const {
    return current_reply != nullptr && *current_reply ? *current_reply : sink;
  }

  /// Answers the message being handled (a result or an error).
  void send_response(std::string message) { reply_sink()->send_response(std::move(message)); }

  /// Answers the message being handled with an error. A null `id` means the message's id
  /// could not be read (not JSON, not UTF-8, too deep, too long, an id of the wrong type).
  void send_error(const Json& id, int code, std::string_view message, const Json& data = nullptr) {
    last_error_code = code;
    if (options.metrics && (code == jsonrpc::parse_error || code == jsonrpc::invalid_request)) {
      options.metrics->record_invalid();
    }
    send_response(id.is_null() ? error_without_id(code, message, data)
                               : jsonrpc::make_error(id, code, message, data));
  }

  /// An error for a message whose id could not be read, in the form the negotiated revision
  /// allows: 2025-11-25's schema lets an error omit its id (and the TypeScript SDK client
  /// rejects `"id": null`); the older schemas require an id, so there it is JSON-RPC 2.0's
  /// null. Before initialize, the newest form (the revision the server proposes).
  [[nodiscard]] std::string error_without_id(int code, std::string_view message,
                                             const Json& data) const {
    return version_index.load(std::memory_order_relaxed) <= 0
               ? jsonrpc::make_error_without_id(code, message, data)
               : jsonrpc::make_error(nullptr, code, message, data);
  }

  /// True when the negotiated revision has JSON-RPC batches (2025-03-26 and 2024-11-05;
  /// 2025-06-18 removed them). Before initialize there is none: initialize itself may
  /// not be sent in a batch.
  [[nodiscard]] bool batches_allowed() const noexcept {
    const int index = version_index.load(std::memory_order_relaxed);
    return index >= 0 && protocol_versions[static_cast<std::size_t>(index)] < "2025-06-18";
  }

  void local_log(LogLevel level, std::string_view text) const {
    if (options.local_log) options.local_log(level, text);
  }

  void log(LogLevel level, std::string_view logger, const Json& data) {
    if (auto message = log_message(level, logger, data)) sink->send(std::move(*message));
  }

  /// Writes the local log; returns the `notifications/message` to send when `level`
  /// reaches the client's threshold.
  std::optional<std::string> log_message(LogLevel level, std::string_view logger,
                                         const Json& data) const {
    if (options.local_log) {
      options.local_log(
          level, fmt::format("{}: {}", logger,
                             data.is_string()
                                 ? data.get<std::string>()
                                 : data.dump(-1, ' ', false, Json::error_handler_t::replace)));
    }
    if (static_cast<int>(level) < client_level.load(std::memory_order_relaxed)) return std::nullopt;
    return jsonrpc::make_notification(
        "notifications/message", {{"level", to_string(level)}, {"logger", logger}, {"data", data}});
  }

  void categories_changed() {
    local_log(LogLevel::info, "tool categories changed");
    if (is_initialized.load(std::memory_order_acquire)) {
      send(jsonrpc::make_notification("notifications/tools/list_changed"));
    }
  }

  // ---- incoming messages ------------------------------------------------------------

  void handle_message(std::string_view text, const std::shared_ptr<MessageSink>& reply) {
    // Nested calls (a sink that handles a message from inside send) keep their own reply.
    struct Restore {
      Impl& self;
      const std::shared_ptr<MessageSink>* saved;
      ~Restore() { self.current_reply = saved; }
    } restore{*this, std::exchange(current_reply, &reply)};
    try {
      handle_message_unguarded(text);
    } catch (const std::exception& e) {
      local_log(LogLevel::error, fmt::format("internal error handling a message: {}", e.what()));
      send_error(nullptr, jsonrpc::internal_error, "Internal error", Json{{"detail", e.what()}});
    }
  }

  void handle_message_unguarded(std::string_view raw) {
    last_kind = MessageKind::invalid;
    const std::string_view text = trim(raw);
    if (text.empty()) return;  // blank lines are tolerated
    if (auto scan = jsonrpc::scan_message(text, options.max_json_depth);
        scan.error != jsonrpc::ScanError::none) {
      if (scan.error == jsonrpc::ScanError::invalid_utf8) {
        send_error(nullptr, jsonrpc::parse_error, "Parse error: the message is not valid UTF-8",
                   Json{{"reason", "invalid_utf8"}, {"offset", scan.offset}});
      } else if (scan.error == jsonrpc::ScanError::nul_byte) {
        send_error(nullptr, jsonrpc::parse_error,
                   "Parse error: a NUL byte in the message (a line holds exactly one JSON value)",
                   Json{{"reason", "nul_byte"}, {"offset", scan.offset}});
      } else {
        send_error(nullptr, jsonrpc::parse_error,
                   fmt::format("Parse error: arrays and objects nest deeper than {}",
                               options.max_json_depth),
                   Json{{"reason", "too_deep"}, {"offset", scan.offset}});
      }
      return;
    }
    // The common case, a well-formed request, is read without a tree for the envelope;
    // anything else is parsed whole below, to say exactly what is wrong with it.
    if (auto envelope = jsonrpc::read_envelope(text)) {
      route(envelope->has_id, envelope->id, envelope->method, std::move(envelope->params));
      return;
    }
    Json message;
    try {
      message = Json::parse(text);
    } catch (const Json::exception& e) {
      send_error(nullptr, jsonrpc::parse_error, "Parse error: the message is not valid JSON",
                 Json{{"reason", "invalid_json"}, {"detail", e.what()}});
      return;
    }
    if (message.is_array()) {
      handle_batch(std::move(message));
    } else {
      handle_value(message);
    }
  }

  /// One parsed message, alone or a member of a batch.
  void handle_value(Json& message) {
    last_kind = MessageKind::invalid;
    if (!message.is_object()) {
      send_error(nullptr, jsonrpc::invalid_request,
                 "Invalid Request: a JSON-RPC message must be a JSON object");
      return;
    }
    const auto method_it = message.find("method");
    const auto id_it = message.find("id");
    const bool has_id = id_it != message.end();
    if (method_it == message.end() && (message.contains("result") || message.contains("error"))) {
      // A response. This server sends no requests, and answering a response -- even an
      // invalid one, such as a client's report that it could not parse a line of ours --
      // could make two peers answer each other forever.
      last_kind = MessageKind::response;
      note_response(message);
      return;
    }
    const auto version = message.find("jsonrpc");
    const bool version_ok = version != message.end() && version->is_string() &&
                            version->get_ref<const std::string&>() == "2.0";
    auto params_it = message.find("params");
    if (!has_id && method_it != message.end() && method_it->is_string()) {
      // A notification: never answered, not even when malformed (JSON-RPC 2.0: the server
      // MUST NOT reply to a notification).
      const std::string& method = method_it->get_ref<const std::string&>();
      std::string_view wrong;
      if (!version_ok) {
        wrong = "\"jsonrpc\" is not \"2.0\"";
      } else if (params_it != message.end() && !params_it->is_object()) {
        wrong = "\"params\" is not an object";
      }
      if (!wrong.empty()) {
        local_log(LogLevel::warning,
                  fmt::format("ignoring a malformed notification {}: {}", method, wrong));
        return;  // MessageKind::invalid, though nothing is sent
      }
      Json params = Json::object();
      if (params_it != message.end()) params = std::move(*params_it);
      route(false, nullptr, method, std::move(params));
      return;
    }
    if (has_id && !valid_id(*id_it)) {
      send_error(nullptr, jsonrpc::invalid_request,
                 "Invalid Request: \"id\" must be a string or an integer");
      return;
    }
    const Json id = has_id ? *id_it : Json(nullptr);
    if (!version_ok) {
      send_error(id, jsonrpc::invalid_request, "Invalid Request: \"jsonrpc\" must be \"2.0\"");
      return;
    }
    if (method_it == message.end()) {
      send_error(id, jsonrpc::invalid_request, "Invalid Request: \"method\" is missing");
      return;
    }
    if (!method_it->is_string()) {
      send_error(id, jsonrpc::invalid_request, "Invalid Request: \"method\" must be a string");
      return;
    }
    // From here on the message has an id: it is a request.
    const std::string& method = method_it->get_ref<const std::string&>();
    Json params = Json::object();
    if (params_it != message.end()) {
      if (params_it->is_array()) {
        send_error(id, jsonrpc::invalid_params,
                   fmt::format("Invalid params: {} takes named params (an object)", method));
        return;
      }
      if (!params_it->is_object()) {
        send_error(id, jsonrpc::invalid_request,
                   "Invalid Request: \"params\" must be an object or an array");
        return;
      }
      params = std::move(*params_it);
    }
    route(true, id, method, std::move(params));
  }

  /// Hands a response to the request to the client it answers, else logs it.
  void note_response(const Json& message) {
    const auto id = message.find("id");
    if (id != message.end() && id->is_string()) {
      if (auto it = client_requests.find(id->get_ref<const std::string&>());
          it != client_requests.end()) {
        it->second->answer = message;
        it->second->timer.cancel();
        return;
      }
    }
    const std::string id_text = id == message.end() ? "none" : dump(*id);
    const auto error = message.find("error");
    if (error != message.end()) {
      // Most likely the client's report that it could not read a message of ours.
      local_log(LogLevel::warning,
                fmt::format("the client answered with an error (id {}), not answered: {}", id_text,
                            dump(*error)));
    } else {
      local_log(LogLevel::debug, fmt::format("ignoring a response with id {}", id_text));
    }
  }

  // ---- batches (JSON-RPC 2.0, MCP 2025-03-26 and 2024-11-05) ---------------------------

  /// Collects the answers to the members of one batch and sends them as one array once
  /// every request in it is answered, in the order of the batch. Members that are
  /// notifications or responses get no entry; a cancelled request gets none either.
  /// Progress and log notifications of its requests pass straight through.
  class BatchReply : public std::enable_shared_from_this<BatchReply> {
   public:
    BatchReply(std::shared_ptr<MessageSink> outer, std::size_t size)
        : outer_(std::move(outer)), answers_(size) {}

    /// The sink of member `index`.
    std::shared_ptr<MessageSink> member(std::size_t index) {
      return std::make_shared<Member>(shared_from_this(), index);
    }
    /// True when member `index` has been answered (or abandoned) already.
    bool answered(std::size_t index) {
      const std::lock_guard lock(mutex_);
      return answers_[index].done;
    }
    /// Every member has been handled; `expected` of them answer (or have answered).
    void seal(std::size_t expected) {
      std::unique_lock lock(mutex_);
      expected_ = expected;
      sealed_ = true;
      if (done_ == expected_) emit(lock);
    }

   private:
    struct Answer {
      bool done = false;
      std::optional<std::string> message;  // none: abandoned
    };
    class Member final : public MessageSink {
     public:
      Member(std::shared_ptr<BatchReply> batch, std::size_t index)
          : batch_(std::move(batch)), index_(index) {}
      void send(std::string message) override { batch_->outer_->send(std::move(message)); }
      std::uint64_t send_progress(std::string message) override {
        return batch_->outer_->send_progress(std::move(message));
      }
      void send_response(std::string message) override {
        batch_->answer(index_, std::move(message), 0);
      }
      void send_response_after(std::string message, std::uint64_t mark) override {
        batch_->answer(index_, std::move(message), mark);
      }
      void send_abandoned() override { batch_->answer(index_, std::nullopt, 0); }

     private:
      std::shared_ptr<BatchReply> batch_;
      std::size_t index_;
    };

    void answer(std::size_t index, std::optional<std::string> message, std::uint64_t mark) {
      std::unique_lock lock(mutex_);
      Answer& slot = answers_[index];
      if (slot.done) return;
      slot.done = true;
      slot.message = std::move(message);
      mark_ = std::max(mark_, mark);
      ++done_;
      if (sealed_ && done_ == expected_) emit(lock);
    }

    void emit(std::unique_lock<std::mutex>& lock) {
      std::string array = "[";
      for (auto& slot : answers_) {
        if (!slot.message) continue;
        if (array.size() > 1) array += ',';
        array += *slot.message;
      }
      array += ']';
      const std::uint64_t mark = mark_;
      lock.unlock();
      if (array.size() == 2) {
        outer_->send_abandoned();  // every request of it was cancelled
      } else if (mark != 0) {
        outer_->send_response_after(std::move(array), mark);
      } else {
        outer_->send_response(std::move(array));
      }
    }

    std::shared_ptr<MessageSink> outer_;
    std::mutex mutex_;
    std::vector<Answer> answers_;
    std::size_t done_ = 0;
    std::size_t expected_ = 0;
    std::uint64_t mark_ = 0;
    bool sealed_ = false;
  };

  void handle_batch(Json batch) {
    if (!batches_allowed()) {
      const int index = version_index.load(std::memory_order_relaxed);
      send_error(nullptr, jsonrpc::invalid_request,
                 index < 0 ? std::string("Invalid Request: a JSON-RPC batch before initialize "
                                         "(initialize may not be sent in one); send each "
                                         "message on its own")
                           : fmt::format("Invalid Request: JSON-RPC batches are not part of MCP "
                                         "{} (2025-06-18 removed them); send each message on "
                                         "its own",
                                         protocol_versions[static_cast<std::size_t>(index)]));
      return;
    }
    if (batch.empty()) {
      send_error(nullptr, jsonrpc::invalid_request, "Invalid Request: an empty batch");
      return;
    }
    if (batch.size() > options.max_batch_size) {
      send_error(nullptr, jsonrpc::invalid_request,
                 fmt::format("Invalid Request: a batch of {} messages; at most {} are accepted",
                             batch.size(), options.max_batch_size),
                 Json{{"reason", "batch_too_large"},
                      {"batch_size", batch.size()},
                      {"max_batch_size", options.max_batch_size}});
      return;
    }
    auto reply = std::make_shared<BatchReply>(reply_sink(), batch.size());
    // Members are handled as messages of their own; a call that could run inline in
    // serve_message() is spawned instead (the inline slot holds one call).
    struct Restore {
      Impl& self;
      const std::shared_ptr<MessageSink>* reply;
      std::optional<InlineCall>* inline_call;
      ~Restore() {
        self.current_reply = reply;
        self.inline_slot = inline_call;
      }
    } restore{*this, current_reply, std::exchange(inline_slot, nullptr)};
    std::size_t expected = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::shared_ptr<MessageSink> member = reply->member(i);
      current_reply = &member;
      handle_value(batch[i]);
      if (last_kind == MessageKind::request || reply->answered(i)) ++expected;
    }
    reply->seal(expected);
    last_kind = expected > 0 ? MessageKind::request : MessageKind::notification;
  }

  /// A valid message, by either parse path: a notification or a request.
  void route(bool has_id, const Json& id, const std::string& method, Json params) {
    last_kind = has_id ? MessageKind::request : MessageKind::notification;
    if (has_id) {
      if (!options.metrics) {
        handle_request(id, method, std::move(params));
        return;
      }
      metric_method = metrics::ServerMetricsRecorder::bounded_method(method);
      metric_tool.clear();
      metric_start = std::chrono::steady_clock::now();
      metric_deferred = false;
      last_error_code = 0;
      handle_request(id, method, std::move(params));
      // Answered now, unless a Request answers later (respond() records it then).
      if (!metric_deferred) record_operation(metric_method, metric_tool, last_error_code, false);
    } else {
      if (options.metrics) options.metrics->record_notification();
      handle_notification(method, params);
    }
  }

  // ---- metrics (ServerOptions::metrics) ---------------------------------------------------

  // The request being handled, for the Request that may answer it later. Strand only.
  std::string_view metric_method;
  std::string metric_tool;
  std::chrono::steady_clock::time_point metric_start{};
  bool metric_deferred = false;  // a Request answers it (spawned, or run inline)
  int last_error_code = 0;       // of the last send_error()

  // The tool label of a tools/call: the tool's name when this server has that tool, else
  // empty (a client's arbitrary name never becomes a label).
  [[nodiscard]] std::string tool_label(const std::string& name) const {
    if (options.mode == ToolMode::hierarchical) {
      if (meta) {
        for (const auto& meta_tool : meta->tools) {
          if (meta_tool.name == name) return name;
        }
      }
      return {};
    }
    auto has = [this](std::string_view category, std::string_view tool) {
      auto loaded = manager.loaded_category(category);
      return loaded && loaded->find_tool(tool) != nullptr;
    };
    for (const auto& category : options.unprefixed_categories) {
      if (has(category, name)) return name;
    }
    for (std::size_t dot = name.find('.'); dot != std::string::npos;
         dot = name.find('.', dot + 1)) {
      if (has(std::string_view(name.data(), dot),
              std::string_view(name.data() + dot + 1, name.size() - dot - 1))) {
        return name;
      }
    }
    return {};
  }

  void record_operation(std::string_view method, std::string_view tool, int error_code,
                        bool tool_error, std::chrono::steady_clock::time_point start = {}) {
    if (start == std::chrono::steady_clock::time_point{}) start = metric_start;
    const int index = version_index.load(std::memory_order_relaxed);
    const std::string_view version =
        index >= 0 ? protocol_versions[static_cast<std::size_t>(index)] : std::string_view();
    const std::string error_type = error_code != 0 ? std::to_string(error_code)
                                   : tool_error    ? std::string("tool_error")
                                                   : std::string();
    options.metrics->record_operation(method, tool, error_type, version,
                                      std::chrono::steady_clock::now() - start);
  }

  void handle_notification(const std::string& method, const Json& params) {
    if (method == "notifications/initialized") {
      is_initialized.store(true, std::memory_order_release);
    } else if (method == "notifications/cancelled") {
      auto rid = params.find("requestId");
      if (rid == params.end() || !valid_id(*rid)) {
        local_log(LogLevel::warning, "notifications/cancelled without a valid requestId");
        return;
      }
      auto it = in_flight.find(rid->dump());
      if (it == in_flight.end()) {
        local_log(LogLevel::debug,
                  fmt::format("cancellation of request {}: not in flight (already answered?)",
                              rid->dump()));
        return;
      }
      std::string reason = "no reason given";
      if (auto r = params.find("reason"); r != params.end() && r->is_string()) {
        reason = r->get<std::string>();
      }
      local_log(LogLevel::debug, fmt::format("cancelling request {}: {}", rid->dump(), reason));
      auto request = it->second;  // emit() may run handlers; keep the request alive
      request->cancelled_by_client = true;
      request->closed = true;  // from now on nothing goes out for it
      request->signal.emit(asio::cancellation_type::all);
    } else if (method == "notifications/progress" || method == "notifications/roots/list_changed") {
      // Nothing to do: a tool asks for the roots when it needs them.
    } else {
      local_log(LogLevel::debug, fmt::format("ignoring unknown notification {}", method));
    }
  }

  void handle_request(const Json& id, const std::string& method, Json params) {
    if (closing && method != "ping") {
      send_error(id, server_shutting_down, "Server is shutting down: no new requests");
      return;
    }
    if (method == "ping") {
      send_response(jsonrpc::make_result(id, Json::object()));
    } else if (method == "tools/call") {
      start_call(id, std::move(params));
    } else if (method == "tools/list") {
      list_tools(id, params);
    } else if (method == "initialize") {
      initialize(id, params);
    } else if (method.starts_with("resources/") || method.starts_with("prompts/") ||
               method == "completion/complete") {
      handle_feature(id, method, std::move(params));
    } else if (method == "logging/setLevel") {
      auto level = params.find("level");
      std::optional<LogLevel> parsed;
      if (level != params.end() && level->is_string())
        parsed = parse_log_level(level->get<std::string>());
      if (!parsed) {
        send_error(id, jsonrpc::invalid_params,
                   "Invalid params: \"level\" must be one of debug, info, notice, warning, error, "
                   "critical, alert, emergency");
        return;
      }
      client_level.store(static_cast<int>(*parsed), std::memory_order_relaxed);
      send_response(jsonrpc::make_result(id, Json::object()));
    } else {
      send_error(id, jsonrpc::method_not_found, fmt::format("Method not found: {}", method),
                 Json{{"method", method}});
    }
  }

  void initialize(const Json& id, const Json& params) {
    auto requested = params.find("protocolVersion");
    if (requested == params.end() || !requested->is_string()) {
      send_error(id, jsonrpc::invalid_params,
                 "Invalid params: initialize needs \"protocolVersion\" (a string)");
      return;
    }
    const auto& asked = requested->get_ref<const std::string&>();
    int index = 0;  // the newest, when we don't know the one asked for
    for (std::size_t i = 0; i < protocol_versions.size(); ++i) {
      if (protocol_versions[i] == asked) index = static_cast<int>(i);
    }
    version_index.store(index, std::memory_order_relaxed);
    Json info = {{"name", options.name}, {"version", options.version}};
    if (!options.title.empty()) info["title"] = options.title;
    Json capabilities = {{"tools", {{"listChanged", true}}}, {"logging", Json::object()}};
    if (options.resources) capabilities["resources"] = {{"subscribe", true}, {"listChanged", true}};
    if (options.prompts) capabilities["prompts"] = {{"listChanged", true}};
    if (options.resources || options.prompts) capabilities["completions"] = Json::object();
    if (auto c = params.find("capabilities"); c != params.end() && c->is_object())
      client_capabilities = *c;
    Json result = {{"protocolVersion", protocol_versions[static_cast<std::size_t>(index)]},
                   {"capabilities", std::move(capabilities)},
                   {"serverInfo", std::move(info)}};
    if (!options.instructions.empty()) result["instructions"] = options.instructions;
    std::string client = "unknown client";
    if (auto ci = params.find("clientInfo"); ci != params.end() && ci->is_object()) {
      client = fmt::format("{} {}", ci->value("name", "?"), ci->value("version", "?"));
    }
    local_log(LogLevel::info, fmt::format("initialize from {}: asked {}, agreed {}", client, asked,
                                          protocol_versions[static_cast<std::size_t>(index)]));
    send_response(jsonrpc::make_result(id, result));
  }

  // ---- resources, prompts, completion (src/server_methods.cpp) --------------------------

  /// The JSON-RPC error for an exception of a resources/*, prompts/* or completion
  /// request: a refusal the registry chose, or a handler that failed (-32603).
  static ProtocolError feature_error(const std::exception_ptr& failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const detail::MethodError& e) {
      return {e.code, e.what(), e.data};
    } catch (const ResourceNotFound& e) {
      return {detail::resource_not_found, e.what(), Json{{"uri", e.uri()}}};
    } catch (const PromptError& e) {
      return {jsonrpc::invalid_params, fmt::format("Invalid params: {}", e.what()), nullptr};
    } catch (const std::exception& e) {
      return {jsonrpc::internal_error, "Internal error", Json{{"detail", e.what()}}};
    }
  }

  void handle_feature(const Json& id, const std::string& method, Json params) {
    const bool resources = options.resources && method.starts_with("resources/");
    const bool prompts = options.prompts && method.starts_with("prompts/");
    const bool completion =
        (options.resources || options.prompts) && method == "completion/complete";
    try {
      if (resources && method == "resources/read") {
        std::string uri = detail::resource_uri(params);
        // A synchronous handler is answered at once; a coroutine one in its own coroutine.
        if (auto now = options.resources->read_now(uri, RequestContext())) {
          send_response(jsonrpc::make_result(id, *now));
          return;
        }
        spawn(
            id,
            [](std::shared_ptr<Impl> self, std::shared_ptr<Request> request,
               Json uri_json) -> asio::awaitable<Outcome> {
              Outcome outcome;
              try {
                const Json contents = co_await self->options.resources->read(
                    uri_json.get<std::string>(), RequestContext(request));
                outcome.result = dump(contents);
              } catch (...) {
                outcome.error = feature_error(std::current_exception());
              }
              co_return outcome;
            },
            Json(std::move(uri)));
      } else if (resources && method == "resources/list") {
        send_response(jsonrpc::make_result(id, detail::list_page(options.resources->list(), params,
                                                                 options.page_size, "resources")));
      } else if (resources && method == "resources/templates/list") {
        send_response(
            jsonrpc::make_result(id, detail::list_page(options.resources->list_templates(), params,
                                                       options.page_size, "resourceTemplates")));
      } else if (resources &&
                 (method == "resources/subscribe" || method == "resources/unsubscribe")) {
        std::string uri = detail::resource_uri(params);
        if (method == "resources/subscribe") {
          if (!options.resources->contains(uri)) throw ResourceNotFound(uri);
          subscriptions.insert(std::move(uri));
        } else {
          subscriptions.erase(uri);
        }
        send_response(jsonrpc::make_result(id, Json::object()));
      } else if (prompts && method == "prompts/list") {
        send_response(jsonrpc::make_result(
            id, detail::list_page(options.prompts->list(), params, options.page_size, "prompts")));
      } else if (prompts && method == "prompts/get") {
        const auto name = params.find("name");
        if (name == params.end() || !name->is_string()) {
          throw detail::MethodError(jsonrpc::invalid_params,
                                    "Invalid params: prompts/get needs \"name\" (a string)");
        }
        spawn(
            id,
            [](std::shared_ptr<Impl> self, std::shared_ptr<Request> request,
               Json p) -> asio::awaitable<Outcome> {
              Outcome outcome;
              try {
                Json arguments = p.contains("arguments") ? std::move(p["arguments"]) : Json();
                const Json result = co_await self->options.prompts->get(
                    p["name"].get<std::string>(), std::move(arguments), RequestContext(request));
                outcome.result = dump(result);
              } catch (...) {
                outcome.error = feature_error(std::current_exception());
              }
              co_return outcome;
            },
            std::move(params));
      } else if (completion) {
        send_response(jsonrpc::make_result(
            id, detail::complete(options.resources.get(), options.prompts.get(), params)));
      } else {
        send_error(id, jsonrpc::method_not_found, fmt::format("Method not found: {}", method),
                   Json{{"method", method}});
      }
    } catch (...) {
      const ProtocolError error = feature_error(std::current_exception());
      send_error(id, error.code, error.message, error.data);
    }
  }

  /// A registry changed (from any thread): tell this session's client, on the strand.
  void resources_changed(ResourceRegistry::Change change, const std::string& uri) {
    asio::post(strand, [self = shared_from_this(), change, uri] {
      if (!self->is_initialized.load(std::memory_order_acquire)) return;
      if (change == ResourceRegistry::Change::list_changed) {
        self->send(jsonrpc::make_notification("notifications/resources/list_changed"));
      } else if (self->subscriptions.contains(uri)) {
        self->send(jsonrpc::make_notification("notifications/resources/updated", {{"uri", uri}}));
      }
    });
  }
  void prompts_changed() {
    asio::post(strand, [self = shared_from_this()] {
      if (self->is_initialized.load(std::memory_order_acquire))
        self->send(jsonrpc::make_notification("notifications/prompts/list_changed"));
    });
  }

  // ---- requests to the client (RequestContext::ask_client) ------------------------------

  /// The capability a client must have declared for the server to send it `method`.
  static std::string_view capability_of(std::string_view method) noexcept {
    if (method == "sampling/createMessage") return "sampling";
    if (method == "elicitation/create") return "elicitation";
    if (method == "roots/list") return "roots";
    return {};
  }

  /// Sends `method` to the client on `request`'s stream and waits, on the strand, for
  /// the answer; cancels it on timeout or when the call is cancelled.
  static asio::awaitable<Json> client_request(std::shared_ptr<Impl> self,
                                              std::shared_ptr<Request> request, std::string method,
                                              Json params, std::chrono::milliseconds timeout) {
    using Reason = ClientRequestError::Reason;
    const std::string_view capability = capability_of(method);
    if (!capability.empty()) {
      const auto declared = self->client_capabilities.find(capability);
      bool supported = declared != self->client_capabilities.end();
      // Elicitation: {} means form mode; a client may declare url mode alone.
      if (supported && capability == "elicitation" && declared->is_object() && !declared->empty() &&
          !declared->contains("form")) {
        supported = false;
      }
      if (!supported) {
        throw ClientRequestError(
            Reason::not_supported,
            fmt::format("{}: the client did not declare the '{}' capability", method, capability));
      }
    }
    if (request->closed) {
      throw ClientRequestError(Reason::cancelled,
                               fmt::format("{}: the tool call was cancelled", method));
    }
    const std::string id = fmt::format("mcp-htm-{}", ++self->next_client_request);
    auto pending = std::make_shared<ClientRequest>(self->strand);
    self->client_requests.emplace(id, pending);
    self->client_requests_count.fetch_add(1, std::memory_order_relaxed);
    Json message = {
        {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
    request->reply->send(dump(message));
    pending->timer.expires_after(std::min(timeout, self->options.client_request_timeout));
    std::error_code ec;
    co_await pending->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    self->client_requests.erase(id);
    self->client_requests_count.fetch_sub(1, std::memory_order_relaxed);
    if (pending->answer) {
      Json& answer = *pending->answer;
      if (auto error = answer.find("error"); error != answer.end()) {
        const int code = error->is_object() ? error->value("code", 0) : 0;
        const std::string text = error->is_object() ? error->value("message", "") : "";
        throw ClientRequestError(
            Reason::client_error,
            fmt::format("{}: the client answered with error {}: {}", method, code, text), code,
            error->is_object() ? error->value("data", Json()) : Json());
      }
      co_return answer.value("result", Json::object());
    }
    const bool timed_out = !ec;
    Json cancel = {
        {"requestId", id},
        {"reason", timed_out ? "timeout: no answer in time" : "the tool call was cancelled"}};
    std::string notice = jsonrpc::make_notification("notifications/cancelled", cancel);
    // The call's stream may be closed already (the client cancelled it): then the session's.
    if (request->closed) {
      self->send(std::move(notice));
    } else {
      request->reply->send(std::move(notice));
    }
    if (timed_out) {
      throw ClientRequestError(
          Reason::timeout,
          fmt::format("{}: the client did not answer within {} ms", method,
                      std::min(timeout, self->options.client_request_timeout).count()));
    }
    throw ClientRequestError(Reason::cancelled,
                             fmt::format("{}: the tool call was cancelled", method));
  }

  // ---- tools/list ----------------------------------------------------------------------

  /// One page of `tools` starting at `cursor`; nullopt for an invalid cursor.
  std::optional<Json> page(const Json& tools, const Json& params) const {
    std::size_t offset = 0;
    if (auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
      if (!c->is_string()) return std::nullopt;
      const auto& text = c->get_ref<const std::string&>();
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), offset);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty() || offset == 0 ||
          offset >= tools.size()) {
        return std::nullopt;
      }
    }
    const std::size_t last = std::min(tools.size(), offset + options.page_size);
    Json slice = Json::array();
    for (std::size_t i = offset; i < last; ++i) slice.push_back(tools[i]);
    Json result = {{"tools", std::move(slice)}};
    if (last < tools.size()) result["nextCursor"] = std::to_string(last);
    return result;
  }

  void list_tools(const Json& id, const Json& params) {
    if (options.mode == ToolMode::hierarchical) {
      auto result = page(meta->definitions, params);
      if (!result) {
        send_error(id, jsonrpc::invalid_params, "Invalid params: unknown or expired cursor");
        return;
      }
      send_response(jsonrpc::make_result(id, *result));
      return;
    }
    // Flat mode loads every category: run it in its own coroutine.
    spawn(
        id,
        [](std::shared_ptr<Impl> self, std::shared_ptr<Request>,
           Json p) -> asio::awaitable<Outcome> {
          Json tools = co_await self->flat_tools();
          auto result = self->page(tools, p);
          if (!result)
            co_return Outcome{{},
                              ProtocolError{jsonrpc::invalid_params,
                                            "Invalid params: unknown or expired cursor", nullptr}};
          co_return Outcome{dump(*result), std::nullopt};
        },
        params);
  }

  asio::awaitable<Json> flat_tools() {
    (void)co_await manager.list_categories(true);  // loads every category
    Json tools = Json::array();
    for (const auto& name : manager.category_names()) {
      auto category = manager.loaded_category(name);
      if (!category) continue;  // its load failed; tools/call reports why
      for (const auto& tool_name : category->tool_names()) {
        const Tool* tool = category->find_tool(tool_name);
        if (tool == nullptr) continue;
        const ToolSpec& spec = tool->spec();
        std::string description = spec.description;
        if (spec.deprecated) {
          description +=
              fmt::format("\n(deprecated{}{})", spec.deprecation_message.empty() ? "" : ": ",
                          spec.deprecation_message);
        }
        Json def = {
            {"name", is_unprefixed(name) ? tool_name : fmt::format("{}.{}", name, tool_name)},
            {"description", std::move(description)},
            {"inputSchema", spec.input_schema}};
        if (spec.output_schema) def["outputSchema"] = *spec.output_schema;
        spec.add_display_fields(def);
        tools.push_back(std::move(def));
      }
    }
    co_return tools;
  }

  // ---- tools/call -----------------------------------------------------------------------

  void start_call(const Json& id, Json params) {
    auto name = params.find("name");
    if (name == params.end() || !name->is_string()) {
      send_error(id, jsonrpc::invalid_params,
                 "Invalid params: tools/call needs \"name\" (a string)");
      return;
    }
    auto args = params.find("arguments");
    if (args != params.end() && !args->is_null() && !args->is_object()) {
      send_error(id, jsonrpc::invalid_params, "Invalid params: \"arguments\" must be an object");
      return;
    }
    if (options.metrics) metric_tool = tool_label(name->get_ref<const std::string&>());
    // (An id already in flight goes to spawn(), which refuses it.)
    if (inline_slot != nullptr && (in_flight.empty() || !in_flight.contains(id.dump())) &&
        can_run_inline(name->get_ref<const std::string&>(),
                       args == params.end() ? nullptr : &*args)) {
      inline_slot->emplace(InlineCall{id, std::move(params), reply_sink()});
      metric_deferred = true;
      return;
    }
    spawn(
        id,
        [](std::shared_ptr<Impl> self, std::shared_ptr<Request> request,
           Json p) -> asio::awaitable<Outcome> {
          co_return co_await self->call_tool(std::move(p), std::move(request));
        },
        std::move(params));
  }

  /// True for a synchronous tool of a loaded category: its call cannot wait.
  [[nodiscard]] bool is_loaded_sync_tool(std::string_view category, std::string_view tool) const {
    auto loaded = manager.loaded_category(category);
    if (!loaded) return false;
    const Tool* t = loaded->find_tool(tool);
    return t != nullptr && !t->is_async();
  }

  /// True when a tools/call can run inline in serve_message(): it runs a synchronous
  /// tool of a loaded category (flat `category.tool`, or `tools_dispatch` of one).
  [[nodiscard]] bool can_run_inline(const std::string& name, const Json* args) const {
    if (closing) return false;
    if (options.mode == ToolMode::flat) {
      for (const auto& category : options.unprefixed_categories) {
        if (is_loaded_sync_tool(category, name)) return true;
      }
      for (std::size_t dot = name.find('.'); dot != std::string::npos;
           dot = name.find('.', dot + 1)) {
        if (is_loaded_sync_tool(std::string_view(name.data(), dot),
                                std::string_view(name.data() + dot + 1, name.size() - dot - 1))) {
          return true;
        }
      }
      return false;
    }
    if (name != meta_dispatch || args == nullptr || !args->is_object()) return false;
    auto category = args->find("category");
    auto tool = args->find("tool");
    if (category == args->end() || tool == args->end() || !category->is_string() ||
        !tool->is_string()) {
      return false;
    }
    return is_loaded_sync_tool(category->get_ref<const std::string&>(),
                               tool->get_ref<const std::string&>());
  }

  /// handle_message() for a coroutine caller on the strand: a call that cannot wait runs
  /// inline, in the caller's coroutine (no co_spawn, no hop).
  asio::awaitable<MessageKind> serve_message(std::string_view text,
                                             const std::shared_ptr<MessageSink>& reply) {
    std::optional<InlineCall> call;
    inline_slot = &call;
    handle_message(text, reply);
    inline_slot = nullptr;
    const MessageKind kind = last_kind;
    if (!call) co_return kind;
    auto request = make_request(call->id, std::move(call->reply));
    Outcome outcome;
    try {
      outcome = co_await call_tool(std::move(call->params), request);
    } catch (const std::exception& e) {
      outcome.error =
          ProtocolError{jsonrpc::internal_error, "Internal error", Json{{"detail", e.what()}}};
    }
    if (!strand.running_in_this_thread()) {
      co_await asio::dispatch(strand, asio::use_awaitable);
    }
    respond(*request, outcome);
    co_return kind;
  }

  /// What the last message handle_message() saw was.
  MessageKind last_kind = MessageKind::invalid;

  std::shared_ptr<Request> make_request(const Json& id, std::shared_ptr<MessageSink> reply) {
    auto request = std::make_shared<Request>();
    request->id = id;
    request->reply = std::move(reply);
    request->server = weak_from_this();
    if (options.metrics) {
      request->metric_method = metric_method;
      request->metric_tool = metric_tool;
      request->metric_start = metric_start;
    }
    return request;
  }

  void respond(Request& request, const Outcome& outcome) {
    request.answered.store(true, std::memory_order_release);
    request.closed = true;
    if (options.metrics) {
      record_operation(request.metric_method, request.metric_tool,
                       outcome.error ? outcome.error->code : 0, !outcome.error && outcome.is_error,
                       request.metric_start);
    }
    std::string response = outcome.error
                               ? jsonrpc::make_error(request.id, outcome.error->code,
                                                     outcome.error->message, outcome.error->data)
                               : jsonrpc::make_result_text(request.id, outcome.result);
    if (request.progress_mark != 0) {
      // Not in one read with its progress: the TypeScript SDK client would drop it.
      request.reply->send_response_after(std::move(response), request.progress_mark);
    } else {
      request.reply->send_response(std::move(response));
    }
  }

  /// Runs `body(self, params)` in its own cancellable coroutine and answers `id` with its
  /// outcome (no answer when the client cancelled the request).
  template <class Body>
  void spawn(const Json& id, Body body, Json params) {
    auto request = make_request(id, reply_sink());
    request->key = id.dump();
    auto [it, inserted] = in_flight.try_emplace(request->key, request);
    if (!inserted) {
      send_error(id, jsonrpc::invalid_request,
                 fmt::format("Invalid Request: id {} is already used by a request in flight",
                             request->key));
      return;
    }
    metric_deferred = true;
    in_flight_count.fetch_add(1, std::memory_order_relaxed);
    auto self = shared_from_this();
    asio::co_spawn(
        strand,
        [](std::shared_ptr<Impl> self, std::shared_ptr<Request> request, Body body,
           Json params) -> asio::awaitable<void> {
          Outcome outcome;
          if (!request->cancelled_by_client) {
            try {
              outcome = co_await body(self, request, std::move(params));
            } catch (const std::exception& e) {
              outcome.error = ProtocolError{jsonrpc::internal_error, "Internal error",
                                            Json{{"detail", e.what()}}};
            }
            // The manager may have resumed us on one of its own strands: come back to
            // ours before touching the server's state (inline when already there).
            if (!self->strand.running_in_this_thread()) {
              co_await asio::this_coro::reset_cancellation_state(asio::disable_cancellation());
              co_await asio::dispatch(self->strand, asio::use_awaitable);
            }
          }
          self->finish(*request, std::move(outcome));
        }(self, request, std::move(body), std::move(params)),
        asio::bind_cancellation_slot(request->signal.slot(), [self, request](std::exception_ptr e) {
          if (e) self->finish_after_exception(*request, e);
        }));
  }

  void finish(Request& request, Outcome outcome) {
    if (request.cancelled_by_client) {
      local_log(LogLevel::debug, fmt::format("request {} cancelled: no response", request.key));
      request.answered.store(true, std::memory_order_release);
      request.closed = true;
      // The transport may hold a stream open for this request: tell it no answer comes.
      request.reply->send_abandoned();
    } else {
      respond(request, outcome);
    }
    retire(request);
  }

  void finish_after_exception(Request& request, const std::exception_ptr& e) {
    // Only reached if finish() itself threw (e.g. out of memory): answer if we still can.
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    local_log(LogLevel::error, fmt::format("request {} failed: {}", request.key, what));
    if (in_flight.contains(request.key)) {
      respond(request, Outcome{{},
                               ProtocolError{jsonrpc::internal_error, "Internal error",
                                             Json{{"detail", what}}}});
      retire(request);
    }
  }

  void retire(Request& request) {
    if (in_flight.erase(request.key) > 0) in_flight_count.fetch_sub(1, std::memory_order_relaxed);
    if (closing && in_flight.empty()) drain_timer.cancel();
  }

  /// `notifications/progress {progressToken, progress, total, message}`.
  static std::string progress_notification(const Json& token, std::size_t done, std::size_t total) {
    return jsonrpc::make_notification(
        "notifications/progress", {{"progressToken", token},
                                   {"progress", done},
                                   {"total", total},
                                   {"message", fmt::format("{} of {} calls done", done, total)}});
  }

  std::optional<ProtocolError> check_arguments(std::string_view tool, const Json& args) const {
    if (tool == meta_dispatch && detail::plainly_valid_dispatch_arguments(args))
      return std::nullopt;
    for (const auto& meta_tool : meta->tools) {
      if (meta_tool.name != tool) continue;
      std::vector<SchemaViolation> violations;
      if (auto too_many = too_many_calls(tool, args)) {
        // The count decides before any item is validated: validating 100,000 items to
        // refuse them anyway took half a second, and listed 200,000 violations.
        violations.push_back(std::move(*too_many));
      } else {
        violations = meta_tool.schema.validate(args);
      }
      if (violations.empty()) return std::nullopt;
      std::string first =
          violations.front().pointer.empty()
              ? violations.front().reason
              : fmt::format("{}: {}", violations.front().pointer, violations.front().reason);
      return ProtocolError{jsonrpc::invalid_params,
                           fmt::format("Invalid params: arguments of {} do not match its "
                                       "inputSchema ({})",
                                       tool, first),
                           Json{{"tool", tool},
                                {"errors", violations_json(violations)},
                                {"error_count", violations.size()}}};
    }
    return ProtocolError{jsonrpc::invalid_params,
                         fmt::format("Invalid params: unknown tool '{}'", tool),
                         Json{{"tool", tool},
                              {"available_tools",
                               {meta_list_categories, meta_list_tools, meta_get_schema,
                                meta_dispatch, meta_dispatch_parallel}}}};
  }

  /// The `maxItems` violation of tools_dispatch_parallel's `calls`, checked on its own.
  [[nodiscard]] std::optional<SchemaViolation> too_many_calls(std::string_view tool,
                                                              const Json& args) const {
    if (tool != meta_dispatch_parallel || !args.is_object()) return std::nullopt;
    const auto calls = args.find("calls");
    if (calls == args.end() || !calls->is_array() || calls->size() <= options.max_parallel_calls)
      return std::nullopt;
    return SchemaViolation{"/calls", fmt::format("array of {} calls; at most {} are accepted "
                                                 "(maxItems {})",
                                                 calls->size(), options.max_parallel_calls,
                                                 options.max_parallel_calls)};
  }

  asio::awaitable<Outcome> call_tool(Json params, std::shared_ptr<Request> request) {
    std::string name = params["name"].get<std::string>();
    Json args = Json::object();
    if (auto a = params.find("arguments"); a != params.end() && a->is_object())
      args = std::move(*a);
    Json token;
    if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
      if (auto t = meta->find("progressToken");
          t != meta->end() && (t->is_string() || t->is_number_integer())) {
        token = *t;
      }
      if (meta->contains("traceparent")) request->trace = metrics::trace_context_of(params);
    }
    request->progress_token = token;
    const RequestContext context(request);
    if (options.mode == ToolMode::flat)
      co_return co_await call_flat(name, std::move(args), context, *request);

    if (auto error = check_arguments(name, args)) {
      if (options.argument_errors_as_tool_results && error->data.contains("errors")) {
        Json shape = {
            {"status", "error"}, {"error", error->message}, {"error_code", "invalid_params"}};
        shape.update(error->data);
        co_return Outcome{structured_result(shape, true), std::nullopt, true};
      }
      co_return Outcome{{}, std::move(error)};
    }
    Json out;
    if (name == meta_dispatch) {
      CallOptions call;
      if (auto t = args.find("timeout_ms"); t != args.end())
        call.timeout = std::chrono::milliseconds(t->get<std::int64_t>());
      call.timeout = shortest(call.timeout, options.call_timeout);
      call.context = context;
      Json inner = Json::object();
      if (auto p = args.find("params"); p != args.end()) inner = std::move(*p);
      DispatchResult result =
          co_await manager.dispatch(args["category"].get<std::string>(),
                                    args["tool"].get<std::string>(), std::move(inner), call);
      note_failure(result, *request);
      co_return Outcome{structured_result_text(result.to_json_text(), !result.ok()), std::nullopt,
                        !result.ok()};
    } else if (name == meta_dispatch_parallel) {
      out = co_await dispatch_parallel(std::move(args), token, context, request);
    } else if (name == meta_list_categories) {
      out = co_await manager.list_categories(args.value("include_count", false));
    } else if (name == meta_list_tools) {
      out = co_await manager.list_tools(args["category"].get<std::string>());
    } else {  // meta_get_schema
      out = co_await manager.get_tool_schema(args["category"].get<std::string>(),
                                             args["tool"].get<std::string>());
    }
    const bool is_error = !out.is_object() || out.value("status", "") != "success";
    co_return Outcome{structured_result(out, is_error), std::nullopt, is_error};
  }

  asio::awaitable<Json> dispatch_parallel(Json args, const Json& token,
                                          const RequestContext& context,
                                          std::shared_ptr<Request> request) {
    std::vector<ToolCall> calls;
    auto& items = args["calls"];
    calls.reserve(items.size());
    for (auto& item : items) {
      ToolCall call;
      call.category = item["category"].get<std::string>();
      call.tool = item["tool"].get<std::string>();
      if (auto p = item.find("params"); p != item.end()) call.params = std::move(*p);
      calls.push_back(std::move(call));
    }
    ParallelOptions parallel;
    parallel.context = context;
    if (auto m = args.find("max_concurrent"); m != args.end())
      parallel.max_concurrent = m->get<std::size_t>();
    parallel.return_exceptions = args.value("return_exceptions", true);
    if (auto t = args.find("timeout_ms"); t != args.end())
      parallel.deadline = std::chrono::milliseconds(t->get<std::int64_t>());
    parallel.deadline = shortest(parallel.deadline, options.call_timeout);
    // Progress: "0 of N" when the batch starts, then one notification per completed call
    // (at most about 100 per batch) but the last: the response itself says the batch is
    // done. They go through the request, which drops them once it is answered or
    // cancelled, and the response waits until the client has read them (see respond()).
    if (!token.is_null()) {
      const std::size_t total = calls.size();
      request->notify(progress_notification(token, 0, total), true);
      struct Counter {
        std::mutex mutex;  // orders the notifications of calls ending on different threads
        std::size_t done = 0;
      };
      set_on_result(parallel, [counter = std::make_shared<Counter>(), total, token, request](
                                  std::size_t, const DispatchResult&) {
        const std::lock_guard lock(counter->mutex);
        const std::size_t done = ++counter->done;
        if (done >= total) return;
        if (total > 100 && done * 100 / total == (done - 1) * 100 / total) return;
        request->notify(progress_notification(token, done, total), true);
      });
    }
    BatchResult batch = co_await manager.dispatch_parallel(std::move(calls), parallel);
    for (const auto& r : batch) note_failure(r, *request);
    co_return batch.to_json();
  }

  asio::awaitable<Outcome> call_flat(const std::string& name, Json args,
                                     const RequestContext& context, Request& request) {
    for (const auto& [category, tool] : flat_splits(name)) {
      if (!manager.has_category(category)) continue;
      auto loaded = manager.loaded_category(category);
      if (loaded && loaded->find_tool(tool) == nullptr) continue;  // maybe a longer category name
      CallOptions call;
      call.timeout = options.call_timeout;
      call.context = context;
      DispatchResult result = co_await manager.dispatch(std::string(category), std::string(tool),
                                                        std::move(args), call);
      note_failure(result, request);
      if (!result.ok() && (result.code() == ErrorCode::tool_not_found)) {
        co_return Outcome{{},
                          ProtocolError{jsonrpc::invalid_params,
                                        fmt::format("Invalid params: unknown tool '{}'", name),
                                        Json{{"tool", name}}}};
      }
      bool has_output_schema = false;
      if (!loaded) loaded = manager.loaded_category(category);
      if (loaded) {
        const Tool* t = loaded->find_tool(tool);
        has_output_schema = t != nullptr && t->spec().output_schema.has_value();
      }
      bool is_error = false;
      std::string text = flat_result(result, has_output_schema, is_error);
      co_return Outcome{std::move(text), std::nullopt, is_error};
    }
    co_return Outcome{{},
                      ProtocolError{jsonrpc::invalid_params,
                                    fmt::format("Invalid params: unknown tool '{}'", name),
                                    Json{{"tool", name}}}};
  }

  /// The (category, tool) pairs a flat tool name may mean, in the order tried: the bare
  /// name in each unprefixed category, then "category.tool" split at each dot
  /// (categories and tools may themselves hold dots).
  [[nodiscard]] std::vector<std::pair<std::string_view, std::string_view>> flat_splits(
      std::string_view name) const {
    std::vector<std::pair<std::string_view, std::string_view>> splits;
    for (const auto& category : options.unprefixed_categories) splits.emplace_back(category, name);
    for (std::size_t dot = name.find('.'); dot != std::string_view::npos;
         dot = name.find('.', dot + 1)) {
      splits.emplace_back(name.substr(0, dot), name.substr(dot + 1));
    }
    return splits;
  }

  [[nodiscard]] bool is_unprefixed(std::string_view category) const {
    return std::find(options.unprefixed_categories.begin(), options.unprefixed_categories.end(),
                     category) != options.unprefixed_categories.end();
  }

  /// Tells the client's log about failures worth seeing (an open breaker, a tool error).
  void note_failure(const DispatchResult& result, Request& request) {
    if (result.ok()) return;
    const auto code = result.code();
    if (code == ErrorCode::circuit_open || code == ErrorCode::tool_error ||
        code == ErrorCode::load_failed || code == ErrorCode::timeout) {
      request.log(code == ErrorCode::circuit_open ? LogLevel::warning : LogLevel::notice, "mcp-htm",
                  Json{{"category", result.category},
                       {"tool", result.tool},
                       {"error_code", to_string(code)},
                       {"error", result.error().message}});
    }
  }

  // ---- shutdown ---------------------------------------------------------------------------

  asio::awaitable<void> shutdown(std::chrono::milliseconds timeout) {
    closing = true;
    if (!in_flight.empty()) {
      local_log(LogLevel::info,
                fmt::format("shutting down: waiting up to {} ms for {} request(s) in flight",
                            timeout.count(), in_flight.size()));
      std::error_code ec;
      drain_timer.expires_after(timeout);
      co_await drain_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!in_flight.empty()) {
      local_log(LogLevel::warning,
                fmt::format("shutdown timeout: cancelling {} request(s) still running",
                            in_flight.size()));
      std::vector<std::shared_ptr<Request>> running;
      for (auto& [key, request] : in_flight) running.push_back(request);
      for (auto& request : running) request->signal.emit(asio::cancellation_type::all);
      std::error_code ec;
      drain_timer.expires_after(std::chrono::seconds(5));
      if (!in_flight.empty()) {
        co_await drain_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!in_flight.empty()) {
        local_log(
            LogLevel::error,
            fmt::format("{} request(s) ignored cancellation; giving up on them", in_flight.size()));
      }
    }
  }
};

MCP_HTM_INLINE Server::Server(HierarchicalToolManager& manager, std::shared_ptr<MessageSink> sink,
                              ServerOptions options, std::optional<executor_type> executor)
    : impl_(std::make_shared<Impl>(
          manager, std::move(sink), std::move(options),
          executor ? std::move(*executor) : asio::make_strand(manager.get_executor()))) {
  if (!impl_->sink) throw std::invalid_argument("mcp::Server needs a MessageSink");
  std::weak_ptr<Impl> weak = impl_;
  categories_subscription_ = manager.on_categories_changed([weak] {
    if (auto impl = weak.lock()) impl->categories_changed();
  });
  if (impl_->options.resources) {
    resources_subscription_ = impl_->options.resources->subscribe(
        [weak](ResourceRegistry::Change change, const std::string& uri) {
          if (auto impl = weak.lock()) impl->resources_changed(change, uri);
        });
  }
  if (impl_->options.prompts) {
    prompts_subscription_ = impl_->options.prompts->subscribe([weak] {
      if (auto impl = weak.lock()) impl->prompts_changed();
    });
  }
}

// One Server per HTTP session: a destroyed one must not leave a subscriber behind.
MCP_HTM_INLINE Server::~Server() {
  impl_->manager.remove_categories_changed(categories_subscription_);
  if (impl_->options.resources) impl_->options.resources->unsubscribe(resources_subscription_);
  if (impl_->options.prompts) impl_->options.prompts->unsubscribe(prompts_subscription_);
}

MCP_HTM_INLINE const Server::executor_type& Server::get_executor() const noexcept {
  return impl_->strand;
}

MCP_HTM_INLINE void Server::handle_message(std::string_view text) {
  impl_->handle_message(text, nullptr);
}

MCP_HTM_INLINE void Server::handle_message(std::string_view text,
                                           const std::shared_ptr<MessageSink>& reply) {
  impl_->handle_message(text, reply);
}

MCP_HTM_INLINE asio::awaitable<void> Server::serve_message(std::string_view text) {
  auto impl = impl_;  // keep alive across the suspension
  co_await impl->serve_message(text, nullptr);
}

MCP_HTM_INLINE asio::awaitable<MessageKind> Server::serve_message(
    std::string_view text, std::shared_ptr<MessageSink> reply) {
  auto impl = impl_;  // keep alive across the suspension
  co_return co_await impl->serve_message(text, reply);
}

MCP_HTM_INLINE void Server::reject(int code, std::string_view message, const Json& data,
                                   const Json& id) {
  impl_->send_error(valid_id(id) ? id : Json(nullptr), code, message, data);
}

MCP_HTM_INLINE asio::awaitable<void> Server::shutdown(std::chrono::milliseconds timeout) {
  auto impl = impl_;  // keep alive across the suspension
  co_await impl->shutdown(timeout);
}

MCP_HTM_INLINE void Server::log(LogLevel level, std::string_view logger, const Json& data) {
  impl_->log(level, logger, data);
}

MCP_HTM_INLINE std::size_t Server::requests_in_flight() const noexcept {
  return impl_->in_flight_count.load(std::memory_order_relaxed);
}

MCP_HTM_INLINE std::string Server::protocol_version() const {
  const int i = impl_->version_index.load(std::memory_order_relaxed);
  return i < 0 ? std::string() : std::string(protocol_versions[static_cast<std::size_t>(i)]);
}

MCP_HTM_INLINE std::size_t Server::client_requests_pending() const noexcept {
  return impl_->client_requests_count.load(std::memory_order_relaxed);
}

MCP_HTM_INLINE bool Server::initialized() const noexcept {
  return impl_->is_initialized.load(std::memory_order_acquire);
}

}  // namespace mcp
