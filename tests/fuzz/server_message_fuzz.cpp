// tests/fuzz/server_message_fuzz.cpp -- libFuzzer harness: one JSON-RPC message through
// mcp::Server, the in-process entry point both transports use.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// An input is one message. An input holding newlines is several messages, one per line,
// as the stdio transport frames them (at most 16), so that a notifications/cancelled can
// reach a call still in flight.
//
// Each input goes to a fresh server over a fresh manager (on one io_context, drained
// after each input), so that nothing one input does (a loaded category, an open breaker,
// a log level) changes how the next one runs, and a crash reproduces from its input
// alone. The input's length modulo 3 picks the server (trailing whitespace, which the
// server ignores, picks it for a seed without changing the message):
//  0. hierarchical mode, handle_message() with the session's sink;
//  1. hierarchical mode, serve_message() with a reply sink per message (the path of the
//     Streamable HTTP transport, where synchronous calls run inline);
//  2. flat mode, handle_message(), tools named `category.tool` ("noop" unprefixed).
// The categories are built once: every tool answers without waiting for time to pass, so
// the io_context is run until it has nothing ready, never until a timer fires.
//
// Checked for every input: every message sent is one line of JSON, a JSON-RPC 2.0
// notification or response; no request is left in flight; each request gets exactly one
// response (in a single-message input: with the request's id, or id null for text that
// is not JSON or nests deeper than the limit; invalid JSON gets -32700); a notification
// gets none.
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/json.hpp>
#include <mcp/server.hpp>
#include <mcp/tool_category.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "bench_categories.hpp"
#include "fuzz_check.hpp"

namespace {

using mcp::Json;

/// Records what the server sends (the io_context runs on this thread only).
class RecordingSink : public mcp::MessageSink {
 public:
  void send(std::string message) override { messages.push_back(std::move(message)); }
  void send_abandoned() override { ++abandoned; }
  std::vector<std::string> messages;
  std::size_t abandoned = 0;
};

/// Suspends the calling coroutine once: a call that is in flight for a moment.
asio::awaitable<void> yield_once() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

/// Tools for every kind of result the server writes: values of each JSON type, an
/// MCP-shaped result, an exception, schema violations, progress and logs, a deprecated
/// tool, an output schema, coroutines that do and don't suspend.
std::shared_ptr<mcp::ToolCategory> make_harness_category() {
  auto c = std::make_shared<mcp::ToolCategory>("fuzz", "Harness tools that never wait on time");
  c->add_tool(mcp::ToolSpec("echo", "Return the arguments"), [](Json args) { return args; });
  c->add_tool(mcp::ToolSpec("add", "Add a and b", Json::parse(R"({"type":"object",
                              "properties":{"a":{"type":"number"},"b":{"type":"number"}},
                              "required":["a","b"],"additionalProperties":false})")),
              [](Json args) { return args["a"].get<double>() + args["b"].get<double>(); });
  c->add_tool(mcp::ToolSpec("fail", "Throw"), [](Json args) -> Json {
    throw std::runtime_error("fail: " + args.dump(-1, ' ', false, Json::error_handler_t::replace));
  });
  c->add_tool(mcp::ToolSpec("text", "Return s as a string"),
              [](Json args) { return Json(args.value("s", std::string("none"))); });
  c->add_tool(mcp::ToolSpec("shaped", "Return an MCP CallToolResult"), [](Json args) {
    return Json{{"content", {{{"type", "text"}, {"text", args.dump()}}}},
                {"isError", args.value("error", false)}};
  });
  c->add_tool(mcp::ToolSpec("async_echo", "Return the arguments from a coroutine"),
              [](Json args) -> asio::awaitable<Json> { co_return args; });
  c->add_tool(mcp::ToolSpec("yield", "Suspend once, then return the arguments")
                  .with_timeout(std::chrono::hours(1)),
              [](Json args) -> asio::awaitable<Json> {
                co_await yield_once();
                co_return args;
              });
  c->add_tool(mcp::ToolSpec("report", "Progress and a log line around a suspension"),
              [](Json args, mcp::RequestContext ctx) -> asio::awaitable<Json> {
                ctx.progress(1, 2, "half");
                ctx.log(mcp::LogLevel::info, "fuzz", args);
                co_await yield_once();
                ctx.progress(2, 2);
                co_return Json("reported");
              });
  c->add_tool(mcp::ToolSpec("report_sync", "Progress and a log line, synchronously"),
              [](Json args, const mcp::RequestContext& ctx) {
                ctx.progress(1);
                ctx.log(mcp::LogLevel::warning, "fuzz", args);
                return Json(args.size());
              });
  c->add_tool(mcp::ToolSpec("typed", "Return the arguments; has an output schema")
                  .with_output_schema(Json{{"type", "object"}}),
              [](Json args) { return args; });
  c->add_tool(mcp::ToolSpec("old", "A deprecated echo").mark_deprecated("use echo"),
              [](Json args) { return args; });
  return c;
}

struct Categories {
  std::shared_ptr<mcp::ToolCategory> harness = make_harness_category();
  std::shared_ptr<mcp::ToolCategory> noop = std::make_shared<mcp::bench::NoopCategory>();
  std::shared_ptr<mcp::ToolCategory> lazy =
      std::make_shared<mcp::ToolCategory>("lazy", "Loaded on first use");
  std::shared_ptr<mcp::ToolCategory> async_lazy =
      std::make_shared<mcp::ToolCategory>("async_lazy", "Loaded by a coroutine on first use");

  Categories() {
    lazy->add_tool(mcp::ToolSpec("echo", "Return the arguments"), [](Json args) { return args; });
    async_lazy->add_tool(mcp::ToolSpec("echo", "Return the arguments"),
                         [](Json args) -> asio::awaitable<Json> { co_return args; });
  }
};

const Categories& categories() {
  static const Categories built;  // schemas compiled once, not per input
  return built;
}

void register_categories(mcp::HierarchicalToolManager& manager) {
  const Categories& c = categories();
  manager.register_category(c.harness);
  manager.register_category(c.noop);
  manager.lazy_register_category(
      "lazy", mcp::CategoryLoader([category = c.lazy] { return category; }), "Loaded on first use");
  manager.lazy_register_category("broken",
                                 mcp::CategoryLoader([]() -> std::shared_ptr<mcp::ToolCategory> {
                                   throw std::runtime_error("this category never loads");
                                 }),
                                 "A loader that throws");
  manager.lazy_register_category(
      "async_lazy",
      mcp::AsyncCategoryLoader(
          [category = c.async_lazy]() -> asio::awaitable<std::shared_ptr<mcp::ToolCategory>> {
            co_await yield_once();
            co_return category;
          }),
      "Loaded by a coroutine");
}

std::vector<std::string_view> split_lines(std::string_view input) {
  constexpr std::size_t max_lines = 16;
  std::vector<std::string_view> lines;
  while (lines.size() < max_lines) {
    const auto end = input.find('\n');
    lines.push_back(input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return lines;
}

/// The id of a response; null when it has none (2025-11-25 lets an error omit it).
Json id_of(const Json& response) { return response.value("id", Json()); }

/// One response object of JSON-RPC 2.0: a result or an error, with a usable id (an
/// error's may be null or absent).
void check_response(const Json& message, const std::string& text) {
  FUZZ_CHECK(message.is_object() && message.value("jsonrpc", "") == "2.0", text);
  FUZZ_CHECK(message.contains("result") != message.contains("error"), text);
  const Json id = id_of(message);
  FUZZ_CHECK(
      id.is_string() || id.is_number_integer() || (id.is_null() && message.contains("error")),
      text);
  if (message.contains("error")) {
    const Json& error = message["error"];
    FUZZ_CHECK(error.is_object() && error.contains("code") && error["code"].is_number_integer() &&
                   error.contains("message") && error["message"].is_string(),
               text);
  }
}

/// One sent message, checked to be one line of JSON-RPC 2.0 and parsed: a notification,
/// a response, or (to a batch) an array of responses.
struct Sent {
  Json message;
  bool is_response = false;  // a response or a batch of them: the answer to one message
};

Sent check_sent(const std::string& text) {
  FUZZ_CHECK(text.find('\n') == std::string::npos, text);
  Json message = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!message.is_discarded(), text);  // the server writes JSON, always
  Sent sent;
  if (message.is_array()) {
    FUZZ_CHECK(!message.empty(), "an empty batch response");
    for (const auto& item : message) check_response(item, text);
    sent.is_response = true;
  } else if (message.is_object() && message.contains("method")) {
    FUZZ_CHECK(message.value("jsonrpc", "") == "2.0", text);
    FUZZ_CHECK(message["method"].is_string() && !message.contains("id"), text);
  } else {
    check_response(message, text);
    sent.is_response = true;
  }
  sent.message = std::move(message);
  return sent;
}

std::string_view trim_ascii(std::string_view text) {
  constexpr std::string_view ws = " \t\r\n";
  const auto first = text.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(ws) - first + 1);
}

/// What a single-message input must get back, judged from nlohmann's DOM.
void check_single_answer(std::string_view line, const std::vector<Sent>& responses,
                         std::size_t max_depth) {
  const std::string_view text = trim_ascii(line);
  if (text.empty()) {
    FUZZ_CHECK(responses.empty(), "a blank line gets no answer");
    return;
  }
  // nlohmann's lexer takes a NUL byte for the end of the text; JSON never holds one.
  const bool has_nul = text.find('\0') != std::string_view::npos;
  // The nesting of the text as the parser meets it: a repeated member's dropped value
  // may nest deeper than anything the DOM keeps, and the server measures the text.
  std::size_t text_depth = 0;
  const auto measure = [&text_depth](int depth, Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start)
      text_depth = std::max(text_depth, static_cast<std::size_t>(depth) + 1);
    return true;
  };
  const Json dom = has_nul ? Json(Json::value_t::discarded)
                           : Json::parse(text.begin(), text.end(), measure,
                                         /*allow_exceptions=*/false);
  if (dom.is_discarded()) {  // not JSON (or not UTF-8): one parse error without an id
    FUZZ_CHECK(responses.size() == 1, "text that is not JSON gets exactly one answer");
    const Json& r = responses.front().message;
    FUZZ_CHECK(
        r.is_object() && id_of(r).is_null() && r.contains("error") && r["error"]["code"] == -32700,
        r.dump());
    return;
  }
  const bool request = dom.is_object() && dom.contains("id") &&
                       (dom["id"].is_string() || dom["id"].is_number_integer()) &&
                       dom.contains("method");
  const bool notification = dom.is_object() && !dom.contains("id") && dom.contains("method") &&
                            dom["method"].is_string() && dom.value("jsonrpc", Json()) == "2.0";
  if (text_depth > max_depth) {
    FUZZ_CHECK(responses.size() == 1 && responses.front().message.is_object() &&
                   id_of(responses.front().message).is_null(),
               "too deep: one error without an id");
  } else if (request) {
    FUZZ_CHECK(responses.size() == 1, "a request gets exactly one answer");
    FUZZ_CHECK(
        responses.front().message.is_object() && id_of(responses.front().message) == dom["id"],
        responses.front().message.dump());
  } else if (notification) {
    FUZZ_CHECK(responses.empty(), "a notification gets no answer");
  } else {
    FUZZ_CHECK(responses.size() <= 1, "at most one answer");
  }
}

enum class Path { handle, serve };

/// One io_context for every input (its services are built once): each input runs it
/// until nothing is ready, and leaves nothing queued behind.
asio::io_context& io_context() {
  static asio::io_context io;
  return io;
}

void serve_input(asio::io_context& io, std::string_view input, mcp::ToolMode mode, Path path) {
  mcp::HierarchicalToolManager manager(io.get_executor());
  register_categories(manager);
  auto session = std::make_shared<RecordingSink>();
  mcp::ServerOptions options;
  options.mode = mode;
  options.page_size = 3;  // tools/list pages
  options.max_parallel_calls = 64;
  options.call_timeout = std::chrono::hours(1);  // deadline timers, cancelled at the end
  options.local_log = [](mcp::LogLevel, std::string_view text) {
    FUZZ_CHECK(text.size() < (std::size_t{1} << 24), "local log line");
  };
  if (mode == mcp::ToolMode::flat) options.unprefixed_categories = {"noop"};
  const std::size_t max_depth = options.max_json_depth;
  auto server = std::make_shared<mcp::Server>(manager, session, std::move(options));

  const std::vector<std::string_view> lines = split_lines(input);
  std::vector<std::shared_ptr<RecordingSink>> replies;
  std::vector<mcp::MessageKind> kinds(lines.size(), mcp::MessageKind::invalid);
  std::size_t served = 0;
  if (path == Path::handle) {
    asio::post(server->get_executor(), [&] {
      for (auto line : lines) server->handle_message(line);
      served = lines.size();
    });
  } else {
    for (std::size_t i = 0; i < lines.size(); ++i)
      replies.push_back(std::make_shared<RecordingSink>());
    asio::co_spawn(
        server->get_executor(),
        [&]() -> asio::awaitable<void> {
          for (std::size_t i = 0; i < lines.size(); ++i) {
            kinds[i] = co_await server->serve_message(lines[i], replies[i]);
            ++served;
          }
        },
        asio::detached);
  }
  while (io.poll() > 0) {
  }
  FUZZ_CHECK(served == lines.size(), "every message was handled");
  FUZZ_CHECK(server->requests_in_flight() == 0,
             "a request is still in flight with nothing to wait for");

  std::vector<Sent> session_responses;
  for (const auto& text : session->messages) {
    Sent sent = check_sent(text);
    if (sent.is_response) session_responses.push_back(std::move(sent));
  }
  if (path == Path::handle) {
    FUZZ_CHECK(session_responses.size() <= lines.size(), "at most one answer per message");
    if (lines.size() == 1) check_single_answer(lines.front(), session_responses, max_depth);
    return;
  }
  FUZZ_CHECK(session_responses.empty(), "serve_message answers on the reply sink");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::vector<Sent> responses;
    for (const auto& text : replies[i]->messages) {
      Sent sent = check_sent(text);
      if (sent.is_response) responses.push_back(std::move(sent));
    }
    switch (kinds[i]) {
      case mcp::MessageKind::request:
        FUZZ_CHECK(responses.size() + replies[i]->abandoned == 1,
                   "a request gets one answer, or is abandoned once");
        break;
      case mcp::MessageKind::notification:
      case mcp::MessageKind::response:
        FUZZ_CHECK(responses.empty(), "no answer to a notification or a response");
        break;
      case mcp::MessageKind::invalid:
        FUZZ_CHECK(responses.size() <= 1, "at most one error for an invalid message");
        break;
    }
    if (lines.size() == 1) check_single_answer(lines.front(), responses, max_depth);
  }
}

void run_server(std::string_view input, mcp::ToolMode mode, Path path) {
  asio::io_context& io = io_context();
  io.restart();
  serve_input(io, input, mode, path);
  // Whatever the server's and the manager's destructors queued runs now, not during the
  // next input.
  io.restart();
  while (io.poll() > 0) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)categories();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  switch (size % 3) {
    case 0:
      run_server(input, mcp::ToolMode::hierarchical, Path::handle);
      break;
    case 1:
      run_server(input, mcp::ToolMode::hierarchical, Path::serve);
      break;
    default:
      run_server(input, mcp::ToolMode::flat, Path::handle);
  }
  return 0;
}
