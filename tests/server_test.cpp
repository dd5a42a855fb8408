// tests/server_test.cpp -- the MCP protocol layer (mcp::Server) driven with raw JSON-RPC
// lines, and the stdio transport driven through pipes.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/detail/json_rpc.hpp>
#include <mcp/detail/json_rpc_envelope.hpp>
#include <mcp/detail/meta_arguments.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/json_schema.hpp>
#include <mcp/server.hpp>
#include <mcp/stdio_transport.hpp>

#include <algorithm>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <climits>
#include <fmt/format.h>

#include "support/gate.hpp"

namespace {

using mcp::Json;

/// Records every outgoing message.
class CaptureSink : public mcp::MessageSink {
 public:
  void send(std::string message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message));
  }
  /// Every message sent since the last take(), parsed.
  std::vector<Json> take() {
    std::lock_guard lock(mutex_);
    std::vector<Json> out;
    for (auto& m : messages_) {
      REQUIRE(m.find('\n') == std::string::npos);  // one message, one line
      out.push_back(Json::parse(m));
    }
    messages_.clear();
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> messages_;
};

std::shared_ptr<mcp::ToolCategory> make_math() {
  auto math = std::make_shared<mcp::ToolCategory>("math", "Arithmetic");
  math->add_tool(
      mcp::ToolSpec("add", "Add a and b.",
                    {{"type", "object"},
                     {"properties", {{"a", {{"type", "number"}}}, {"b", {{"type", "number"}}}}},
                     {"required", {"a", "b"}}}),
      [](Json args) { return args["a"].get<double>() + args["b"].get<double>(); });
  math->add_tool(
      mcp::ToolSpec("divide", "Divide a by b.",
                    {{"type", "object"},
                     {"properties", {{"a", {{"type", "number"}}}, {"b", {{"type", "number"}}}}},
                     {"required", {"a", "b"}}}),
      [](Json args) {
        if (args["b"].get<double>() == 0) throw std::domain_error("division by zero");
        return args["a"].get<double>() / args["b"].get<double>();
      });
  math->add_tool(mcp::ToolSpec("mcp_shaped", "Returns an MCP CallToolResult itself."), [](Json) {
    return Json{{"content", {{{"type", "text"}, {"text", "custom"}}}}};
  });
  return math;
}

/// A category whose `wait` tool suspends on a gate the test opens (no time involved).
std::shared_ptr<mcp::ToolCategory> make_slow(mcp::test::Gate& gate) {
  auto slow = std::make_shared<mcp::ToolCategory>("slow", "Waits on the test's gate");
  slow->add_tool(mcp::ToolSpec("wait", "Wait for the gate."),
                 [&gate](Json) -> asio::awaitable<Json> {
                   if (!co_await gate.wait()) {
                     throw std::system_error(asio::error::operation_aborted);
                   }
                   co_return Json("opened");
                 });
  return slow;
}

struct Fixture {
  explicit Fixture(mcp::ServerOptions options = {}) {
    manager.register_category(make_math());
    manager.register_category(make_slow(gate));
    server = std::make_unique<mcp::Server>(manager, sink, std::move(options));
  }

  /// Runs every handler that is ready, without waiting for time to pass.
  void settle() {
    io.restart();
    while (io.poll() > 0) {
    }
  }

  /// Hands one raw line to the server and returns what it answered once settled.
  std::vector<Json> feed(std::string line) {
    asio::post(server->get_executor(),
               [this, line = std::move(line)] { server->handle_message(line); });
    settle();
    return sink->take();
  }

  /// Feeds one line that must get exactly one message back.
  Json one(std::string line) {
    auto out = feed(std::move(line));
    REQUIRE(out.size() == 1);
    return out.front();
  }

  Json call(int id, std::string_view tool, const Json& args) {
    Json request = {{"jsonrpc", "2.0"},
                    {"id", id},
                    {"method", "tools/call"},
                    {"params", {{"name", tool}, {"arguments", args}}}};
    auto out = feed(request.dump());
    std::erase_if(out,
                  [](const Json& m) { return m.value("method", "") == "notifications/message"; });
    REQUIRE(out.size() == 1);
    return out.front();
  }

  asio::io_context io;
  mcp::test::Gate gate{io.get_executor()};
  mcp::HierarchicalToolManager manager{io.get_executor()};
  std::shared_ptr<CaptureSink> sink = std::make_shared<CaptureSink>();
  std::unique_ptr<mcp::Server> server;
};

/// `id` null: the error answers a message whose id could not be read. Before initialize
/// (as in most tests here) and under 2025-11-25 such an error has no id member: that
/// revision's schema lets an error omit it, and the TypeScript SDK client rejects
/// `"id": null`. (require_null_id_error: the older revisions.)
void require_error(const Json& response, const Json& id, int code) {
  INFO(response.dump());
  REQUIRE(response.at("jsonrpc") == "2.0");
  if (id.is_null()) {
    REQUIRE_FALSE(response.contains("id"));
  } else {
    REQUIRE(response.at("id") == id);
  }
  REQUIRE(response.at("error").at("code") == code);
  REQUIRE(response.at("error").at("message").is_string());
  REQUIRE_FALSE(response.contains("result"));
}

const Json& result_of(const Json& response) {
  INFO(response.dump());
  REQUIRE(response.contains("result"));
  return response.at("result");
}

std::string initialize_line(int id, std::string_view version) {
  return Json{{"jsonrpc", "2.0"},
              {"id", id},
              {"method", "initialize"},
              {"params",
               {{"protocolVersion", version},
                {"capabilities", Json::object()},
                {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}}
      .dump();
}

}  // namespace

TEST_CASE("initialize negotiates the protocol version", "[server]") {
  Fixture f;
  for (auto version : mcp::Server::protocol_versions) {
    const Json r = result_of(f.one(initialize_line(1, version)));
    CHECK(r.at("protocolVersion") == version);
    CHECK(r.at("capabilities").at("tools").at("listChanged") == true);
    CHECK(r.at("capabilities").contains("logging"));
    CHECK(r.at("serverInfo").at("name") == "mcp-htm");
    CHECK(f.server->protocol_version() == version);
  }
  SECTION("an unknown version gets the newest") {
    const Json r = result_of(f.one(initialize_line(2, "2099-01-01")));
    CHECK(r.at("protocolVersion") == "2025-11-25");
  }
  SECTION("protocolVersion is required") {
    require_error(f.one(R"({"jsonrpc":"2.0","id":3,"method":"initialize","params":{}})"), 3,
                  -32602);
    require_error(
        f.one(R"({"jsonrpc":"2.0","id":4,"method":"initialize","params":{"protocolVersion":7}})"),
        4, -32602);
  }
  SECTION("notifications/initialized gets no answer") {
    CHECK(f.feed(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").empty());
    CHECK(f.server->initialized());
  }
}

TEST_CASE("ping answers an empty result, whatever the id type", "[server]") {
  Fixture f;
  CHECK(f.one(R"({"jsonrpc":"2.0","id":7,"method":"ping"})") ==
        Json::parse(R"({"jsonrpc":"2.0","id":7,"result":{}})"));
  CHECK(f.one(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})").at("id") == "abc");
  CHECK(f.one(R"({"jsonrpc":"2.0","id":-3,"method":"ping","params":{"_meta":{}}})").at("id") == -3);
}

TEST_CASE("bad input gets its JSON-RPC error and the server keeps serving", "[server]") {
  Fixture f;
  SECTION("malformed JSON: -32700, id null") {
    require_error(f.one(R"({"jsonrpc":"2.0","id":1,"method":"ping")"), nullptr, -32700);
    require_error(f.one("not json at all"), nullptr, -32700);
    require_error(f.one(R"({"jsonrpc":"2.0","id":1,"method":"ping"} trailing)"), nullptr, -32700);
  }
  SECTION("invalid UTF-8: -32700 with the offset") {
    const Json r = f.one("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xC3\x28ng\"}");
    require_error(r, nullptr, -32700);
    CHECK(r.at("error").at("data").at("reason") == "invalid_utf8");
    CHECK(r.at("error").at("data").at("offset") == 35);
    require_error(f.one("\xED\xA0\x80"), nullptr, -32700);          // a UTF-16 surrogate
    require_error(f.one("\"\xC0\xAF\""), nullptr, -32700);          // an overlong form
    require_error(f.one("\"\xF4\x90\x80\x80\""), nullptr, -32700);  // above U+10FFFF
  }
  SECTION("nesting too deep: -32700") {
    const Json r = f.one(std::string(300, '[') + std::string(300, ']'));
    require_error(r, nullptr, -32700);
    CHECK(r.at("error").at("data").at("reason") == "too_deep");
    // Brackets inside strings do not count.
    CHECK(result_of(f.one(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")" +
                          std::string(300, '[') + R"("}})"))
              .empty());
  }
  SECTION("not a request object: -32600") {
    require_error(f.one("42"), nullptr, -32600);
    require_error(f.one(R"("ping")"), nullptr, -32600);
    require_error(f.one("null"), nullptr, -32600);
    require_error(f.one(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])"), nullptr,
                  -32600);  // batch
    require_error(f.one("[]"), nullptr, -32600);
  }
  SECTION("bad envelope: -32600, with the id when it is usable") {
    require_error(f.one(R"({"id":1,"method":"ping"})"), 1, -32600);  // no jsonrpc
    require_error(f.one(R"({"jsonrpc":"1.0","id":2,"method":"ping"})"), 2,
                  -32600);                                           // wrong version
    require_error(f.one(R"({"jsonrpc":"2.0","id":3})"), 3, -32600);  // no method
    require_error(f.one(R"({"jsonrpc":"2.0","id":4,"method":5})"), 4,
                  -32600);  // method not a string
    require_error(f.one(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})"), nullptr,
                  -32600);  // bad id
    require_error(f.one(R"({"jsonrpc":"2.0","id":null,"method":"ping"})"), nullptr, -32600);
    require_error(f.one(R"({"jsonrpc":"2.0","id":{},"method":"ping"})"), nullptr, -32600);
    require_error(f.one(R"({"jsonrpc":"2.0","id":5,"method":"ping","params":"x"})"), 5, -32600);
  }
  SECTION("unknown method: -32601") {
    const Json r = f.one(R"({"jsonrpc":"2.0","id":9,"method":"resources/list"})");
    require_error(r, 9, -32601);
    CHECK(r.at("error").at("data").at("method") == "resources/list");
  }
  SECTION("bad params: -32602") {
    require_error(f.one(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1,2]})"), 1, -32602);
    require_error(
        f.one(R"({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"loud"}})"),
        2, -32602);
    require_error(f.one(R"({"jsonrpc":"2.0","id":3,"method":"logging/setLevel"})"), 3, -32602);
    require_error(f.one(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{}})"), 4,
                  -32602);
    require_error(f.one(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":1}})"), 5,
                  -32602);
    require_error(
        f.one(
            R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"tools_list_categories","arguments":[]}})"),
        6, -32602);
    require_error(
        f.one(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"bogus"}})"), 7,
        -32602);
    require_error(f.one(R"({"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"cursor":17}})"),
                  8, -32602);
  }
  SECTION("notifications and responses are never answered, even when wrong") {
    CHECK(f.feed(R"({"jsonrpc":"2.0","method":"notifications/unknown"})").empty());
    CHECK(
        f.feed(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}})")
            .empty());
    CHECK(f.feed(R"({"jsonrpc":"2.0","method":"notifications/cancelled"})").empty());
    CHECK(f.feed(R"({"jsonrpc":"2.0","method":"ping","params":[1]})").empty());
    CHECK(f.feed(R"({"jsonrpc":"2.0","id":5,"result":{}})").empty());
    CHECK(f.feed(R"({"jsonrpc":"2.0","id":6,"error":{"code":1,"message":"x"}})").empty());
    CHECK(f.feed("").empty());
    CHECK(f.feed("   \r").empty());
  }
  // Whatever came before, the server still answers.
  CHECK(f.one(R"({"jsonrpc":"2.0","id":100,"method":"ping"})").at("result") == Json::object());
}

TEST_CASE("a line is exactly one JSON value: a NUL byte and what follows it are a parse error",
          "[server]") {
  Fixture f;
  const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  using namespace std::string_literals;
  for (const std::string& line : {ping + "\0"s, ping + "\0garbage"s, ping + " \0 {}"s, "\0"s + ping,
                                  R"({"jsonrpc":"2.0","id":1,"method":"pi)" + "\0"s + R"(ng"})"}) {
    INFO(Json(line).dump());
    const Json r = f.one(line);
    require_error(r, nullptr, -32700);
    CHECK(r.at("error").at("data").at("reason") == "nul_byte");
    CHECK(r.at("error").at("data").at("offset") == line.find('\0'));
  }
  // Whitespace after the value is still fine.
  CHECK(result_of(f.one(ping + " \t\r")).empty());
}

TEST_CASE("tools/list shows the five meta-tools, paginated", "[server]") {
  SECTION("one page") {
    Fixture f;
    const Json r = result_of(f.one(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
    std::vector<std::string> names;
    for (const auto& tool : r.at("tools")) {
      names.push_back(tool.at("name"));
      CHECK(tool.at("inputSchema").at("type") == "object");
      CHECK(tool.at("inputSchema").at("additionalProperties") == false);
      CHECK(tool.at("description").get<std::string>().size() > 20);
    }
    CHECK(names == std::vector<std::string>{"tools_list_categories", "tools_list_tools",
                                            "tools_get_schema", "tools_dispatch",
                                            "tools_dispatch_parallel"});
    CHECK_FALSE(r.contains("nextCursor"));
  }
  SECTION("pages of two") {
    mcp::ServerOptions options;
    options.page_size = 2;
    Fixture f(options);
    std::vector<std::string> names;
    Json params = Json::object();
    for (int page = 0; page < 10; ++page) {
      const Json r = result_of(
          f.one(Json{{"jsonrpc", "2.0"}, {"id", page}, {"method", "tools/list"}, {"params", params}}
                    .dump()));
      for (const auto& tool : r.at("tools")) names.push_back(tool.at("name"));
      if (!r.contains("nextCursor")) break;
      params["cursor"] = r.at("nextCursor");
    }
    CHECK(names.size() == 5);
    CHECK(names.back() == "tools_dispatch_parallel");
  }
}

TEST_CASE("the meta-tools answer with text and structuredContent", "[server]") {
  Fixture f;
  SECTION("tools_list_categories") {
    const Json r = result_of(f.call(1, "tools_list_categories", {{"include_count", true}}));
    CHECK_FALSE(r.value("isError", false));
    const Json& s = r.at("structuredContent");
    CHECK(s.at("status") == "success");
    CHECK(s.at("count") == 2);
    CHECK(s.at("categories").at(0).at("name") == "math");
    CHECK(s.at("categories").at(0).at("tool_count") == 3);
    REQUIRE(r.at("content").size() == 1);
    CHECK(r.at("content").at(0).at("type") == "text");
    CHECK(Json::parse(r.at("content").at(0).at("text").get<std::string>()) == s);
  }
  SECTION("tools_list_tools and tools_get_schema") {
    const Json tools =
        result_of(f.call(1, "tools_list_tools", {{"category", "math"}})).at("structuredContent");
    CHECK(tools.at("status") == "success");
    CHECK(tools.at("tools").at(0).at("name") == "add");
    const Json schema =
        result_of(f.call(2, "tools_get_schema", {{"category", "math"}, {"tool", "add"}}))
            .at("structuredContent");
    CHECK(schema.at("schema").at("inputSchema").at("required") == Json{"a", "b"});
  }
  SECTION("tools_dispatch: success, tool error, unknown category, bad inner params") {
    const Json ok = result_of(
        f.call(1, "tools_dispatch",
               {{"category", "math"}, {"tool", "add"}, {"params", {{"a", 2}, {"b", 3}}}}));
    CHECK_FALSE(ok.value("isError", false));
    CHECK(ok.at("structuredContent").at("result") == 5.0);
    const Json failed = result_of(
        f.call(2, "tools_dispatch",
               {{"category", "math"}, {"tool", "divide"}, {"params", {{"a", 1}, {"b", 0}}}}));
    CHECK(failed.at("isError") == true);
    CHECK(failed.at("structuredContent").at("error_code") == "tool_error");
    const Json unknown =
        result_of(f.call(3, "tools_dispatch", {{"category", "nope"}, {"tool", "x"}}));
    CHECK(unknown.at("isError") == true);
    CHECK(unknown.at("structuredContent").at("error_code") == "category_not_found");
    const Json bad = result_of(f.call(
        4, "tools_dispatch", {{"category", "math"}, {"tool", "add"}, {"params", {{"a", "x"}}}}));
    CHECK(bad.at("isError") == true);
    CHECK(bad.at("structuredContent").at("error_code") == "invalid_params");
  }
  SECTION("arguments not matching a meta-tool's schema, or an unknown tool: -32602") {
    Json r = f.call(1, "tools_dispatch", {{"category", "math"}});
    require_error(r, 1, -32602);
    CHECK(r.at("error").at("data").at("errors").size() >= 1);
    require_error(
        f.call(2, "tools_dispatch", {{"category", "math"}, {"tool", "add"}, {"extra", 1}}), 2,
        -32602);
    require_error(f.call(3, "tools_list_tools", {{"category", 5}}), 3, -32602);
    require_error(f.call(4, "tools_list_categories", {{"include_count", "yes"}}), 4, -32602);
    require_error(f.call(5, "tools_dispatch_parallel", {{"calls", Json::array()}}), 5, -32602);
    require_error(f.call(6, "tools_dispatch_parallel", {{"calls", {{{"category", "math"}}}}}), 6,
                  -32602);
    require_error(
        f.call(7, "tools_dispatch_parallel",
               {{"calls", {{{"category", "math"}, {"tool", "add"}}}}, {"max_concurrent", 0}}),
        7, -32602);
    r = f.call(8, "no_such_tool", Json::object());
    require_error(r, 8, -32602);
    CHECK(r.at("error").at("data").at("available_tools").size() == 5);
  }
  SECTION("argument errors as tool results, when so configured") {
    mcp::ServerOptions options;
    options.argument_errors_as_tool_results = true;
    Fixture g(options);
    const Json r = result_of(g.call(1, "tools_dispatch", {{"category", "math"}}));
    CHECK(r.at("isError") == true);
    CHECK(r.at("structuredContent").at("error_code") == "invalid_params");
    require_error(g.call(2, "no_such_tool", Json::object()), 2, -32602);  // still a protocol error
  }
}

TEST_CASE("tools_dispatch_parallel keeps call order and reports progress", "[server]") {
  Fixture f;
  const std::string line = R"({"jsonrpc":"2.0","id":"p1","method":"tools/call","params":{
      "name":"tools_dispatch_parallel","_meta":{"progressToken":"tok"},
      "arguments":{"max_concurrent":2,"calls":[
        {"category":"math","tool":"add","params":{"a":1,"b":1}},
        {"category":"math","tool":"divide","params":{"a":1,"b":0}},
        {"category":"math","tool":"add","params":{"a":2,"b":2}}]}}})";
  std::string one_line = line;
  std::erase(one_line, '\n');
  auto out = f.feed(one_line);
  std::vector<Json> progress;
  std::optional<Json> response;
  for (auto& m : out) {
    if (m.value("method", "") == "notifications/progress") {
      CHECK_FALSE(response.has_value());  // progress comes before the response
      progress.push_back(m.at("params"));
    } else if (m.contains("id")) {
      response = m;
    }
  }
  REQUIRE(response);
  const Json& s = result_of(*response).at("structuredContent");
  CHECK(s.at("total") == 3);
  CHECK(s.at("succeeded") == 2);
  CHECK(s.at("results").at(0).at("result") == 2.0);
  CHECK(s.at("results").at(1).at("error_code") == "tool_error");
  CHECK(s.at("results").at(2).at("result") == 4.0);
  // "0 of 3", then one per completed call but the last (the response says "done").
  REQUIRE(progress.size() == 3);
  for (std::size_t i = 0; i < progress.size(); ++i) {
    CHECK(progress[i].at("progressToken") == "tok");
    CHECK(progress[i].at("total") == 3);
    CHECK(progress[i].at("progress") == i);
  }
  for (std::size_t i = 1; i < progress.size(); ++i) {
    CHECK(progress[i].at("progress").get<double>() > progress[i - 1].at("progress").get<double>());
  }
}

TEST_CASE("a slow call delays nothing and can be cancelled", "[server]") {
  Fixture f;
  const std::string slow =
      R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"slow","tool":"wait"}}})";
  CHECK(f.feed(slow).empty());
  CHECK(f.server->requests_in_flight() == 1);
  // ping and other calls are answered while it waits.
  CHECK(f.one(R"({"jsonrpc":"2.0","id":1,"method":"ping"})").at("id") == 1);
  CHECK(result_of(f.call(2, "tools_dispatch",
                         {{"category", "math"}, {"tool", "add"}, {"params", {{"a", 1}, {"b", 1}}}}))
            .at("structuredContent")
            .at("result") == 2.0);
  SECTION("a second request with the same id in flight is refused") {
    require_error(f.one(slow), 42, -32600);
    f.gate.open();
    f.settle();
    auto out = f.sink->take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].at("id") == 42);
  }
  SECTION("cancelled: no response at all") {
    CHECK(
        f.feed(
             R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42,"reason":"user"}})")
            .empty());
    CHECK(f.server->requests_in_flight() == 0);
    f.gate.open();
    f.settle();
    CHECK(f.sink->take().empty());
  }
  SECTION("a cancellation for another id changes nothing") {
    CHECK(
        f.feed(
             R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"42"}})")
            .empty());
    CHECK(f.server->requests_in_flight() == 1);
    f.gate.open();
    f.settle();
    auto out = f.sink->take();
    REQUIRE(out.size() == 1);
    CHECK(result_of(out[0]).at("structuredContent").at("result") == "opened");
  }
}

TEST_CASE("shutdown answers the requests in flight", "[server]") {
  Fixture f;
  CHECK(
      f.feed(
           R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"slow","tool":"wait"}}})")
          .empty());
  bool done = false;
  SECTION("they finish") {
    asio::co_spawn(f.server->get_executor(), f.server->shutdown(std::chrono::hours(1)),
                   [&](std::exception_ptr) { done = true; });
    f.settle();
    CHECK_FALSE(done);
    // New requests are refused meanwhile; ping still works.
    require_error(f.one(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"), 2, -32000);
    CHECK(f.one(R"({"jsonrpc":"2.0","id":3,"method":"ping"})").contains("result"));
    f.gate.open();
    f.settle();
    CHECK(done);
    auto out = f.sink->take();
    REQUIRE(out.size() == 1);
    CHECK(result_of(out[0]).at("structuredContent").at("result") == "opened");
  }
  SECTION("past the timeout they are cancelled, and still answered") {
    asio::co_spawn(f.server->get_executor(), f.server->shutdown(std::chrono::milliseconds(0)),
                   [&](std::exception_ptr) { done = true; });
    f.io.restart();
    f.io.run();  // the zero timeout expires, the call is cancelled and answered
    CHECK(done);
    auto out = f.sink->take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].at("id") == 1);
    CHECK(result_of(out[0]).at("isError") == true);
    CHECK(result_of(out[0]).at("structuredContent").at("error_code") == "cancelled");
  }
}

TEST_CASE("logging/setLevel filters notifications/message", "[server]") {
  Fixture f;
  std::vector<std::pair<mcp::LogLevel, std::string>> local;
  f.server->log(mcp::LogLevel::info, "test", "hello");
  auto out = f.sink->take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].at("method") == "notifications/message");
  CHECK(out[0].at("params") == Json{{"level", "info"}, {"logger", "test"}, {"data", "hello"}});
  CHECK(f.one(R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"error"}})")
            .at("result") == Json::object());
  f.server->log(mcp::LogLevel::warning, "test", "dropped");
  CHECK(f.sink->take().empty());
  f.server->log(mcp::LogLevel::critical, "test", {{"k", 1}});
  CHECK(f.sink->take().size() == 1);
  // A tool error is logged at notice: filtered out now.
  CHECK(result_of(
            f.call(2, "tools_dispatch",
                   {{"category", "math"}, {"tool", "divide"}, {"params", {{"a", 1}, {"b", 0}}}}))
            .at("isError") == true);
}

TEST_CASE("notifications/tools/list_changed after initialisation", "[server]") {
  Fixture f;
  auto extra = std::make_shared<mcp::ToolCategory>("extra", "Registered late");
  extra->add_tool(mcp::ToolSpec("t", "T."), [](Json) { return Json(1); });
  f.manager.register_category(std::make_shared<mcp::ToolCategory>("early", "Before initialized"));
  CHECK(f.sink->take().empty());  // not initialised yet: nothing sent
  f.feed(initialize_line(1, "2025-11-25"));
  f.feed(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  f.manager.register_category(extra);
  f.settle();
  auto out = f.sink->take();
  REQUIRE(out.size() == 1);
  CHECK(out[0] == Json{{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}});
}

TEST_CASE("flat mode lists and calls every tool as category.tool", "[server]") {
  mcp::ServerOptions options;
  options.mode = mcp::ToolMode::flat;
  Fixture f(options);
  const Json r = result_of(f.one(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  std::vector<std::string> names;
  for (const auto& t : r.at("tools")) names.push_back(t.at("name"));
  CHECK(names ==
        std::vector<std::string>{"math.add", "math.divide", "math.mcp_shaped", "slow.wait"});
  CHECK(r.at("tools").at(0).at("inputSchema").at("required") == Json{"a", "b"});

  const Json ok = result_of(f.call(2, "math.add", {{"a", 1}, {"b", 2}}));
  CHECK(ok.at("content").at(0).at("text") == "3.0");
  CHECK_FALSE(ok.value("isError", false));
  const Json failed = result_of(f.call(3, "math.divide", {{"a", 1}, {"b", 0}}));
  CHECK(failed.at("isError") == true);
  CHECK(failed.at("structuredContent").at("error_code") == "tool_error");
  CHECK(failed.at("content").at(0).at("text").get<std::string>().ends_with("[tool_error]"));
  const Json bad = result_of(f.call(4, "math.add", {{"a", 1}}));
  CHECK(bad.at("isError") == true);
  CHECK(bad.at("structuredContent").at("error_code") == "invalid_params");
  CHECK(result_of(f.call(5, "math.mcp_shaped", Json::object())).at("content").at(0).at("text") ==
        "custom");
  require_error(f.call(6, "math.nope", Json::object()), 6, -32602);
  require_error(f.call(7, "nope.add", Json::object()), 7, -32602);
  require_error(f.call(8, "tools_dispatch", Json::object()), 8, -32602);
}

TEST_CASE("the quick check of tools_dispatch arguments never accepts what the schema rejects",
          "[server]") {
  Fixture f;
  const Json listed = result_of(f.one(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  const Json* input_schema = nullptr;
  for (const auto& tool : listed.at("tools")) {
    if (tool.at("name") == "tools_dispatch") input_schema = &tool.at("inputSchema");
  }
  REQUIRE(input_schema != nullptr);
  const mcp::JsonSchema schema(*input_schema);
  const std::string long_name(128, 'n');
  const std::vector<Json> accepted = {
      {{"category", "math"}, {"tool", "add"}},
      {{"category", "a.b-c_D9"}, {"tool", "x"}, {"params", Json::object()}},
      {{"category", long_name}, {"tool", "add"}, {"params", {{"a", 1}}}, {"timeout_ms", 1}},
      {{"category", "m"}, {"tool", "t"}, {"timeout_ms", 86'400'000}},
      {{"category", "m"}, {"tool", "t"}, {"timeout_ms", 86'400'000U}},
      // JSON Schema counts a number with a zero fraction as an integer.
      {{"category", "m"}, {"tool", "t"}, {"timeout_ms", 5.0}},
      {{"category", "m"}, {"tool", "t"}, {"timeout_ms", 1.0}},
      {{"category", "m"}, {"tool", "t"}, {"timeout_ms", 86'400'000.0}},
  };
  const std::vector<Json> not_accepted = {
      Json::object(),
      Json::array(),
      {{"category", "math"}},
      {{"tool", "add"}},
      {{"category", ""}, {"tool", "add"}},
      {{"category", long_name + "n"}, {"tool", "add"}},
      {{"category", "ma th"}, {"tool", "add"}},
      {{"category", "math/"}, {"tool", "add"}},
      {{"category", "caf\xC3\xA9"}, {"tool", "add"}},
      {{"category", 7}, {"tool", "add"}},
      {{"category", "math"}, {"tool", nullptr}},
      {{"category", "math"}, {"tool", "add"}, {"params", Json::array()}},
      {{"category", "math"}, {"tool", "add"}, {"params", "x"}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 0}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", -5}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 86'400'001}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 18'446'744'073'709'551'615ULL}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 5.5}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 0.0}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", -5.0}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 86'400'001.0}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 1e300}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 0.5}},
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", "5"}},
      {{"category", "math"}, {"tool", "add"}, {"extra", true}},
  };
  for (const auto& args : accepted) {
    INFO(args.dump());
    CHECK(mcp::detail::plainly_valid_dispatch_arguments(args));
    CHECK(schema.validate(args).empty());
  }
  // Each of these is also invalid for the schema: the quick check is exact on them.
  for (const auto& args : not_accepted) {
    INFO(args.dump());
    CHECK_FALSE(mcp::detail::plainly_valid_dispatch_arguments(args));
    CHECK_FALSE(schema.validate(args).empty());
  }
}

TEST_CASE("read_envelope reads plain requests as the DOM parser would, and nothing else",
          "[server]") {
  using mcp::jsonrpc::read_envelope;
  const std::vector<std::string> plain = {
      R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
      R"({"method":"tools/call","params":{"name":"x.y","arguments":{}},"id":"abc","jsonrpc":"2.0"})",
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
      R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"m","params":{}})",
      R"({"jsonrpc":"2.0","id":-3,"method":"m","params":{"a":[1,2.5,-7,true,null,"s",{"b":[[],{}]}],)"
      R"("c":{"d":{"e":"\u00e9\n\"q\""}},"f":1e300,"g":18446744073709551615}})",
      R"({"jsonrpc":"2.0","id":2,"method":"m","params":{"k":1,"k":2,"_meta":{"progressToken":"t"}}})",
      " {\"jsonrpc\" : \"2.0\" ,\n \"id\" : 4 , \"method\" : \"caf\u00e9\" } ",
  };
  for (const auto& text : plain) {
    INFO(text);
    const auto envelope = read_envelope(text);
    REQUIRE(envelope.has_value());
    const Json dom = Json::parse(text);
    CHECK(envelope->method == dom.at("method"));
    CHECK(envelope->has_id == dom.contains("id"));
    CHECK(envelope->id == dom.value("id", Json(nullptr)));
    CHECK(envelope->params == dom.value("params", Json::object()));
  }
  CHECK(read_envelope(plain[5])->params.at("k") == 2);  // a repeated key keeps its last value

  const std::vector<std::string> not_plain = {
      "",
      "{",
      "[]",
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])",          // a batch
      R"("ping")",                                              // not an object
      R"({"jsonrpc":"2.0","id":1,"result":{}})",                // a response
      R"({"jsonrpc":"2.0","id":1,"method":"ping","extra":0})",  // an unknown member
      R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})",     // a repeated member
      R"({"jsonrpc":"2.0","id":null,"method":"ping"})",
      R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})",
      R"({"jsonrpc":"2.0","id":true,"method":"ping"})",
      R"({"jsonrpc":"2.0","id":[1],"method":"ping"})",
      R"({"jsonrpc":"2.0","id":{"n":1},"method":"ping"})",
      R"({"jsonrpc":"1.0","id":1,"method":"ping"})",
      R"({"jsonrpc":2,"id":1,"method":"ping"})",
      R"({"id":1,"method":"ping"})",
      R"({"jsonrpc":"2.0","id":1})",
      R"({"jsonrpc":"2.0","id":1,"method":7})",
      R"({"jsonrpc":"2.0","id":1,"method":"m","params":[1,2]})",
      R"({"jsonrpc":"2.0","id":1,"method":"m","params":"x"})",
      R"({"jsonrpc":"2.0","id":1,"method":"m","params":null})",
      R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"a":}})",  // invalid JSON inside
      R"({"jsonrpc":"2.0","id":1,"method":"ping"} {})",            // trailing content
      R"({"jsonrpc":"2.0","id":1,"method":"ping",})",
  };
  for (const auto& text : not_plain) {
    INFO(text);
    CHECK_FALSE(read_envelope(text).has_value());
  }
}

TEST_CASE("append_escaped_utf8 escapes exactly as nlohmann's serialiser", "[server]") {
  std::vector<std::string> texts = {"", "ok", R"({"a":"b\"c","d":[1,2]})",
                                    "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC"};
  for (int c = 0; c < 0x80; ++c) texts.push_back(std::string("<") + static_cast<char>(c) + ">");
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls += static_cast<char>(c);
  texts.push_back(all_controls + "\"\\\x7F" + all_controls);
  for (const auto& text : texts) {
    INFO(Json(text).dump());
    std::string out = "prefix:";
    mcp::detail::append_escaped_utf8(out, text);
    CHECK(out == "prefix:" + Json(text).dump());
  }
}

TEST_CASE("JSON-RPC text helpers escape what must be escaped", "[server]") {
  using mcp::detail::append_json_string;
  using mcp::jsonrpc::append_id;
  auto as_json_string = [](std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
  };
  CHECK(as_json_string("ok") == R"("ok")");
  CHECK(as_json_string("") == R"("")");
  CHECK(as_json_string(R"(say "hi" \ bye)") == R"("say \"hi\" \\ bye")");
  CHECK(as_json_string("tab\tnew\nline\x01") == R"("tab\tnew\nline\u0001")");
  CHECK(as_json_string("caf\xC3\xA9 \xE2\x82\xAC") ==
        "\"caf\xC3\xA9 \xE2\x82\xAC\"");                        // UTF-8 kept
  CHECK(as_json_string("bad \xFF") == "\"bad \xEF\xBF\xBD\"");  // invalid UTF-8: U+FFFD
  for (std::string_view text : {"a\"b", "x\x7Fy", "\xC3\xA9", "plain"}) {
    CHECK(Json::parse(as_json_string(text)).get<std::string>() == text);  // round trip
  }
  auto id_text = [](const Json& id) {
    std::string out;
    append_id(out, id);
    return out;
  };
  CHECK(id_text(Json(42)) == "42");
  CHECK(id_text(Json(-9'007'199'254'740'993LL)) == "-9007199254740993");
  CHECK(id_text(Json(18'446'744'073'709'551'615ULL)) == "18446744073709551615");
  CHECK(id_text(Json("req-1")) == R"("req-1")");
  CHECK(id_text(Json("a\"b")) == R"("a\"b")");
  CHECK(id_text(Json(nullptr)) == "null");
  CHECK(mcp::jsonrpc::make_result_text(Json(7), R"({"x":1})") ==
        R"({"jsonrpc":"2.0","id":7,"result":{"x":1}})");
}

TEST_CASE("scan_message checks UTF-8 and depth in one pass", "[server]") {
  using mcp::jsonrpc::scan_message;
  using mcp::jsonrpc::ScanError;
  CHECK(scan_message("{\"a\":\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"}", 8).error ==
        ScanError::none);
  CHECK(scan_message("\xC3", 8).error == ScanError::invalid_utf8);  // truncated
  CHECK(scan_message("\x80", 8).error == ScanError::invalid_utf8);  // lone continuation
  CHECK(scan_message("\xFF", 8).error == ScanError::invalid_utf8);
  CHECK(scan_message("\xE0\x80\x80", 8).error == ScanError::invalid_utf8);  // overlong
  CHECK(scan_message("[[[]]]", 3).error == ScanError::none);
  CHECK(scan_message("[[[[]]]]", 3).error == ScanError::too_deep);
  CHECK(scan_message(R"(["\"[[[["])", 2).error ==
        ScanError::none);  // escaped quote inside a string
  using namespace std::string_literals;
  CHECK(scan_message("a\0b"s, 8).error == ScanError::nul_byte);  // nlohmann would stop there
  CHECK(scan_message("a\0b"s, 8).offset == 1);
  CHECK(scan_message("\"\0\""s, 8).error == ScanError::nul_byte);
  // After a backslash, only an ASCII byte is stepped over: what else follows is checked.
  CHECK(scan_message("\"\\\0\""s, 8).error == ScanError::nul_byte);
  CHECK(scan_message("\"\\\xFF\"", 8).error == ScanError::invalid_utf8);
  CHECK(scan_message("\"\\\xFF\"", 8).offset == 2);
  CHECK(scan_message("\"\\\xC3\xA9\"", 8).error == ScanError::none);  // valid UTF-8 (invalid JSON)
  CHECK(scan_message(R"("\"\\")", 8).error == ScanError::none);
}

// ---- messages that get no answer, errors without an id, batches, argument limits ------

namespace {

/// The error answer to a message whose id could not be read, under the older revisions
/// (2025-06-18 and before): their schemas have no error without an id, so it is
/// JSON-RPC 2.0's `"id": null`.
void require_null_id_error(const Json& response, int code) {
  INFO(response.dump());
  REQUIRE(response.at("jsonrpc") == "2.0");
  REQUIRE(response.contains("id"));
  REQUIRE(response.at("id").is_null());
  REQUIRE(response.at("error").at("code") == code);
}

/// Serves `text` through Server::serve_message with its own reply sink: what the message
/// was, and what was sent back for it.
std::pair<mcp::MessageKind, std::vector<Json>> serve(Fixture& f, std::string text) {
  auto reply = std::make_shared<CaptureSink>();
  std::optional<mcp::MessageKind> kind;
  asio::co_spawn(
      f.server->get_executor(),
      [&, text]() -> asio::awaitable<void> {
        kind = co_await f.server->serve_message(text, reply);
      },
      asio::detached);
  f.settle();
  REQUIRE(kind.has_value());
  return {*kind, reply->take()};
}

std::string call_line(const Json& id, std::string_view tool, const Json& args) {
  return Json{{"jsonrpc", "2.0"},
              {"id", id},
              {"method", "tools/call"},
              {"params", {{"name", tool}, {"arguments", args}}}}
      .dump();
}

}  // namespace

TEST_CASE("a response is never answered (valid or not) and is logged locally", "[server]") {
  std::vector<std::string> logged;
  mcp::ServerOptions options;
  options.local_log = [&logged](mcp::LogLevel, std::string_view text) {
    logged.emplace_back(text);
  };
  Fixture f(options);
  const std::vector<std::string> responses = {
      // What a client sends back when it cannot parse a line of ours.
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})",
      R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}})",
      R"({"jsonrpc":"2.0","id":1.5,"result":{}})",
      R"({"jsonrpc":"2.0","id":{},"error":{"code":1,"message":"x"}})",
      R"({"jsonrpc":"1.0","id":3,"result":{}})",
      R"({"id":4,"error":"not an error object"})",
      R"({"jsonrpc":"2.0","id":5,"result":{},"error":{"code":1,"message":"both"}})",
      R"({"jsonrpc":"2.0","id":6,"result":{}})",
  };
  for (const auto& text : responses) {
    INFO(text);
    auto [kind, out] = serve(f, text);
    CHECK(kind == mcp::MessageKind::response);
    CHECK(out.empty());
    CHECK(f.sink->take().empty());
  }
  const bool logged_parse_error = std::any_of(logged.begin(), logged.end(), [](const auto& line) {
    return line.find("-32700") != std::string::npos &&
           line.find("Parse error") != std::string::npos;
  });
  CHECK(logged_parse_error);
  // Two peers that each answered the other's error answers would loop forever.
  Fixture peer;
  const Json error = peer.one("{not json");
  CHECK(f.feed(error.dump()).empty());
  CHECK(f.one(R"({"jsonrpc":"2.0","id":7,"method":"ping"})").at("id") == 7);
}

TEST_CASE("a message without an id that looks like a notification is never answered", "[server]") {
  Fixture f;
  const std::vector<std::string> malformed_notifications = {
      R"({"jsonrpc":"1.0","method":"notifications/initialized"})",
      R"({"method":"notifications/initialized"})",
      R"({"jsonrpc":2,"method":"notifications/initialized"})",
      R"({"jsonrpc":"2.0","method":"notifications/x","params":"bar"})",
      R"({"jsonrpc":"2.0","method":"notifications/x","params":7})",
      R"({"jsonrpc":"2.0","method":"notifications/x","params":null})",
      R"({"jsonrpc":"2.0","method":"notifications/x","params":[1]})",
      R"({"jsonrpc":"2.0","method":"ping","extra":true,"params":{}})",
  };
  for (const auto& text : malformed_notifications) {
    INFO(text);
    CHECK(f.feed(text).empty());
  }
  CHECK_FALSE(f.server->initialized());  // none of them was taken for a valid notification
  // Without a method string it is no notification: Invalid Request, as JSON-RPC 2.0's own
  // example answers {"jsonrpc": "2.0", "method": 1, "params": "bar"}.
  require_error(f.one(R"({"jsonrpc":"2.0","method":1,"params":"bar"})"), nullptr, -32600);
  require_error(f.one(R"({"jsonrpc":"2.0"})"), nullptr, -32600);
  require_error(f.one("{}"), nullptr, -32600);
  CHECK(f.one(R"({"jsonrpc":"2.0","id":1,"method":"ping"})").at("id") == 1);
}

TEST_CASE("an error for a message whose id cannot be read has the form its revision allows",
          "[server]") {
  using namespace std::string_literals;
  const std::vector<std::pair<std::string, int>> unreadable = {
      {"{oops", -32700},
      {"\xFF\xFE", -32700},
      {std::string(300, '[') + std::string(300, ']'), -32700},
      {R"({"jsonrpc":"2.0","id":1,"method":"ping"})" + "\0x"s, -32700},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", -32600},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", -32600},
      {R"({"jsonrpc":"2.0","id":true,"method":"ping"})", -32600},
      {"42", -32600},
  };
  std::vector<std::string> revisions = {""};  // "": before initialize
  for (auto v : mcp::Server::protocol_versions) revisions.emplace_back(v);
  for (const auto& revision : revisions) {
    INFO("revision " << (revision.empty() ? "(none)" : revision));
    Fixture f;
    if (!revision.empty())
      CHECK(result_of(f.one(initialize_line(1, revision))).contains("protocolVersion"));
    const bool omitted = revision.empty() || revision == "2025-11-25";
    for (const auto& [text, code] : unreadable) {
      INFO(Json(text).dump(-1, ' ', false, Json::error_handler_t::replace));
      const Json r = f.one(text);
      if (omitted) {
        require_error(r, nullptr, code);
      } else {
        require_null_id_error(r, code);
      }
    }
    // A readable id is always given back.
    require_error(f.one(R"({"jsonrpc":"1.0","id":"x","method":"ping"})"), "x", -32600);
  }
}

TEST_CASE("batches are answered with an array under 2025-03-26 and 2024-11-05", "[server]") {
  for (std::string_view revision : {"2025-03-26", "2024-11-05"}) {
    INFO(revision);
    Fixture f;
    f.one(initialize_line(1, revision));
    // Requests and a notification: one array, the responses in the batch's order.
    auto out = f.feed(
        R"([{"jsonrpc":"2.0","id":2,"method":"ping"},)"
        R"({"jsonrpc":"2.0","method":"notifications/initialized"},)" +
        call_line("t", "tools_dispatch",
                  {{"category", "math"}, {"tool", "add"}, {"params", {{"a", 1}, {"b", 2}}}}) +
        "]");
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].is_array());
    REQUIRE(out[0].size() == 2);
    CHECK(out[0][0] == Json::parse(R"({"jsonrpc":"2.0","id":2,"result":{}})"));
    CHECK(out[0][1].at("id") == "t");
    CHECK(result_of(out[0][1]).at("structuredContent").at("result") == 3.0);
    CHECK(f.server->initialized());
    // Invalid members get their own errors, inside the array.
    out =
        f.feed(R"([1,{"jsonrpc":"2.0","id":3,"method":"nope"},[],{"jsonrpc":"1.0","method":"n"}])");
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].size() == 3);
    require_null_id_error(out[0][0], -32600);
    require_error(out[0][1], 3, -32601);
    require_null_id_error(out[0][2], -32600);
    // An empty batch is one Invalid Request, not an array.
    require_null_id_error(f.one("[]"), -32600);
    // Notifications only: nothing at all.
    CHECK(
        f.feed(
             R"([{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":9,"result":{}}])")
            .empty());
    // A request that waits holds the array back until it is answered.
    CHECK(f.feed(R"([{"jsonrpc":"2.0","id":4,"method":"ping"},)" +
                 call_line(5, "tools_dispatch", {{"category", "slow"}, {"tool", "wait"}}) + "]")
              .empty());
    CHECK(f.server->requests_in_flight() == 1);
    f.gate.open();
    f.settle();
    out = f.sink->take();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].size() == 2);
    CHECK(out[0][0].at("id") == 4);
    CHECK(result_of(out[0][1]).at("structuredContent").at("result") == "opened");
    // Through serve_message (as the HTTP transport calls it): a request; notifications: not.
    CHECK(serve(f, R"([{"jsonrpc":"2.0","id":6,"method":"ping"}])").first ==
          mcp::MessageKind::request);
    CHECK(serve(f, R"([{"jsonrpc":"2.0","method":"notifications/x"}])").first ==
          mcp::MessageKind::notification);
  }
}

TEST_CASE("a batch: a cancelled request leaves the array; progress goes out beside it",
          "[server]") {
  Fixture f;
  f.one(initialize_line(1, "2025-03-26"));
  const std::string parallel =
      R"({"jsonrpc":"2.0","id":"p","method":"tools/call","params":{)"
      R"("name":"tools_dispatch_parallel","_meta":{"progressToken":"tok"},)"
      R"("arguments":{"max_concurrent":1,"calls":[)"
      R"({"category":"math","tool":"add","params":{"a":1,"b":1}},)"
      R"({"category":"math","tool":"add","params":{"a":2,"b":2}}]}}})";
  const auto progress =
      f.feed("[" + call_line(7, "tools_dispatch", {{"category", "slow"}, {"tool", "wait"}}) + "," +
             parallel + R"(,{"jsonrpc":"2.0","id":8,"method":"ping"}])");
  REQUIRE(progress.size() == 2);  // "0 of 2" and "1 of 2": the array waits for request 7
  for (const auto& m : progress) CHECK(m.at("method") == "notifications/progress");
  const auto out =
      f.feed(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})");
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].is_array());
  REQUIRE(out[0].size() == 2);
  CHECK(out[0][0].at("id") == "p");
  CHECK(result_of(out[0][0]).at("structuredContent").at("succeeded") == 2);
  CHECK(out[0][1].at("id") == 8);
  f.gate.open();
  f.settle();
  CHECK(f.sink->take().empty());
}

TEST_CASE("batches stay refused before initialize and from 2025-06-18 on", "[server]") {
  for (std::string_view revision : {"", "2025-06-18", "2025-11-25"}) {
    INFO(revision);
    Fixture f;
    if (!revision.empty()) f.one(initialize_line(1, revision));
    const Json r = f.one(R"([{"jsonrpc":"2.0","id":2,"method":"ping"}])");
    if (revision == "2025-06-18") {
      require_null_id_error(r, -32600);
    } else {
      require_error(r, nullptr, -32600);
    }
    CHECK(r.at("error").at("message").get<std::string>().find("batch") != std::string::npos);
  }
}

TEST_CASE("tools_dispatch_parallel over its item limit is refused on the count alone", "[server]") {
  Fixture f;
  // 100,000 items, each invalid: the count decides before any item is validated, so the
  // answer names one violation, not 200,001.
  Json calls = Json::array();
  for (int i = 0; i < 100'000; ++i) calls.push_back(Json::object());
  const Json r = f.call(1, "tools_dispatch_parallel", {{"calls", calls}});
  require_error(r, 1, -32602);
  const Json& data = r.at("error").at("data");
  REQUIRE(data.at("errors").size() == 1);
  CHECK(data.at("errors")[0].at("pointer") == "/calls");
  CHECK(data.at("errors")[0].at("reason").get<std::string>().find("1000") != std::string::npos);
  CHECK(r.dump().size() < 1024);
}

TEST_CASE("an argument error lists at most 10 violations and counts them all", "[server]") {
  Fixture f;
  Json calls = Json::array();
  for (int i = 0; i < 40; ++i) calls.push_back(Json::object());  // 2 violations each
  const Json r = f.call(1, "tools_dispatch_parallel", {{"calls", calls}});
  require_error(r, 1, -32602);
  const Json& data = r.at("error").at("data");
  CHECK(data.at("errors").size() == 10);
  CHECK(data.at("error_count") == 80);
  CHECK(data.at("errors")[0].at("pointer") == "/calls/0");
  // Few violations: all listed.
  const Json one = f.call(2, "tools_dispatch", {{"category", "math"}});
  CHECK(one.at("error").at("data").at("errors").size() == 1);
  CHECK(one.at("error").at("data").at("error_count") == 1);
}

TEST_CASE("integer arguments may be written with a zero fraction (2.0)", "[server]") {
  Fixture f;
  const Json add = {{"category", "math"}, {"tool", "add"}, {"params", {{"a", 1}, {"b", 2}}}};
  Json r = f.call(1, "tools_dispatch_parallel", {{"calls", {add, add}}, {"max_concurrent", 2.0}});
  CHECK(result_of(r).at("structuredContent").at("succeeded") == 2);
  Json with_timeout = add;
  with_timeout["timeout_ms"] = 10000.0;
  r = f.call(2, "tools_dispatch", with_timeout);
  CHECK(result_of(r).at("structuredContent").at("result") == 3.0);
  r = f.call(3, "tools_dispatch_parallel", {{"calls", {add}}, {"timeout_ms", 10000.0}});
  CHECK(result_of(r).at("structuredContent").at("succeeded") == 1);
  // A fraction stays refused.
  require_error(f.call(4, "tools_dispatch_parallel", {{"calls", {add}}, {"max_concurrent", 2.5}}),
                4, -32602);
  with_timeout["timeout_ms"] = 10.5;
  require_error(f.call(5, "tools_dispatch", with_timeout), 5, -32602);
}

TEST_CASE("EnvelopeScanner reads the envelope of a message fed in pieces", "[server]") {
  struct Case {
    std::string text;
    Json id;
    bool has_id;
    bool method;
    bool result_or_error;
  };
  const std::string big(5000, 'x');
  const std::vector<Case> cases = {
      {R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"t":")" + big + R"("}})", 7, true,
       true, false},
      // The TypeScript SDK's order: the id last, after params that hold decoy ids.
      {R"({"method":"tools/call","params":{"id":1,"a":{"id":2},"b":[{"id":3}],"t":")" + big +
           R"("},"jsonrpc":"2.0","id":"req-9"})",
       "req-9", true, true, false},
      // A string that holds what looks like a member.
      {R"({"method":"m","params":{"s":"\",\"id\":5,\"","u":"\\"},"id":-12})", -12, true, true,
       false},
      {R"({"id":"a\"b\\c","method":"m"})", "a\"b\\c", true, true, false},
      {"  \t{ \"id\" : 42 ,\r\n \"method\" : \"m\" } trailing", 42, true, true, false},
      {R"({"idx":1,"ids":{"id":4},"id":2,"id":3,"method":"m"})", 2, true, true, false},
      {R"({"id":18446744073709551615,"method":"m"})", Json(18'446'744'073'709'551'615ULL), true,
       true, false},
      {R"({"id":1.5,"method":"m"})", nullptr, true, true, false},
      {R"({"id":[1],"method":"m"})", nullptr, true, true, false},
      {R"({"id":true,"method":"m"})", nullptr, true, true, false},
      {R"({"id":")" + std::string(300, 'i') + R"(","method":"m"})", nullptr, true, true, false},
      {R"({"jsonrpc":"2.0","method":"notifications/x","params":{"id":3}})", nullptr, false, true,
       false},
      {R"({"jsonrpc":"2.0","method":7,"id":3})", 3, true, false, false},
      {R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"m"}})", nullptr, true, false,
       true},
      {R"({"params":{"method":"x"},"result":{"id":9}})", nullptr, false, false, true},
      {R"([{"jsonrpc":"2.0","id":1,"method":"m"}])", nullptr, false, false, false},
      {R"("id")", nullptr, false, false, false},
      {R"({"jsonrpc":"2.0","id":8,"method":"m","params":{"t":")" + big, 8, true, true, false},
  };
  for (const auto& c : cases) {
    INFO(c.text.substr(0, 160));
    auto check = [&c](const mcp::jsonrpc::EnvelopeScanner& scanner) {
      CHECK(scanner.id() == c.id);
      CHECK(scanner.has_id() == c.has_id);
      CHECK(scanner.has_method() == c.method);
      CHECK(scanner.has_result_or_error() == c.result_or_error);
    };
    mcp::jsonrpc::EnvelopeScanner whole;
    whole.feed(c.text);
    check(whole);
    mcp::jsonrpc::EnvelopeScanner bytewise;
    for (const char ch : c.text) bytewise.feed(std::string_view(&ch, 1));
    check(bytewise);
    for (std::size_t split : {std::size_t{1}, c.text.size() / 3, c.text.size() - 2}) {
      mcp::jsonrpc::EnvelopeScanner halves;
      halves.feed(std::string_view(c.text).substr(0, split));
      halves.feed(std::string_view(c.text).substr(split));
      check(halves);
    }
  }
}

TEST_CASE("Server::reject answers with the id the transport could read", "[server]") {
  Fixture f;
  auto reject = [&f](const Json& id) {
    asio::post(f.server->get_executor(), [&f, id] {
      f.server->reject(-32600, "Invalid Request: too long", Json{{"reason", "line_too_long"}}, id);
    });
    f.settle();
    auto out = f.sink->take();
    REQUIRE(out.size() == 1);
    return out[0];
  };
  require_error(reject(5), 5, -32600);
  require_error(reject("r-1"), "r-1", -32600);
  require_error(reject(nullptr), nullptr, -32600);
  require_error(reject(1.5), nullptr, -32600);  // not an id: none
  f.one(initialize_line(1, "2024-11-05"));
  require_null_id_error(reject(nullptr), -32600);
}

TEST_CASE("a batch larger than max_batch_size is refused whole", "[server]") {
  mcp::ServerOptions options;
  options.max_batch_size = 3;
  Fixture f(options);
  f.one(initialize_line(1, "2025-03-26"));
  const std::string ping = R"({"jsonrpc":"2.0","id":2,"method":"ping"})";
  const Json refused = f.one("[" + ping + "," + ping + "," + ping + "," + ping + "]");
  require_null_id_error(refused, -32600);
  CHECK(refused.at("error").at("data").at("reason") == "batch_too_large");
  CHECK(refused.at("error").at("data").at("batch_size") == 4);
  CHECK(f.one("[" + ping + "," + ping + "," + ping + "]").size() == 3);
}

TEST_CASE("nothing of a cancelled request follows the cancellation (progress included)",
          "[server]") {
  Fixture f;
  // One call at a time: the addition ends ("1 of 3"), then the first wait runs.
  const std::string line =
      R"({"jsonrpc":"2.0","id":"c","method":"tools/call","params":{)"
      R"("name":"tools_dispatch_parallel","_meta":{"progressToken":"tok"},)"
      R"("arguments":{"max_concurrent":1,"calls":[)"
      R"({"category":"math","tool":"add","params":{"a":1,"b":1}},)"
      R"({"category":"slow","tool":"wait"},{"category":"slow","tool":"wait"}]}}})";
  const auto before = f.feed(line);
  REQUIRE(before.size() == 2);
  CHECK(before[1].at("params").at("progress") == 1);
  // The cancelled wait ends at once, as a completed call: its progress must not go out.
  CHECK(f.feed(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c"}})")
            .empty());
  f.gate.open();
  f.settle();
  CHECK(f.sink->take().empty());
  CHECK(f.server->requests_in_flight() == 0);
}

// ---- the stdio transport, through pipes ------------------------------------------------

namespace {

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { REQUIRE(::pipe(fds) == 0); }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (fds[0] >= 0) ::close(fds[0]);
    fds[0] = -1;
  }
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
};

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    REQUIRE(n > 0);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::vector<Json> lines_of(const std::string& output) {
  std::vector<Json> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = output.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(Json::parse(output.substr(start, nl - start)));
  }
  CHECK(start == output.size());  // every message ends with a newline
  return out;
}

}  // namespace

TEST_CASE("stdio transport: framing, limits, and a graceful end of input", "[server][stdio]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager{io.get_executor()};
  manager.register_category(make_math());
  auto timing = std::make_shared<mcp::ToolCategory>("timing", "Real timers");
  timing->add_tool(
      mcp::ToolSpec("sleep", "Wait 20 ms on a timer."), [](Json) -> asio::awaitable<Json> {
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
        co_return Json("slept");
      });
  manager.register_category(timing);
  Pipe in;
  Pipe out;
  mcp::StdioOptions options;
  options.input_fd = in.fds[0];
  options.output_fd = out.fds[1];
  options.max_line_bytes = 200;
  auto strand = asio::make_strand(io.get_executor());
  auto transport = std::make_shared<mcp::StdioTransport>(strand, options);
  mcp::Server server(manager, transport->sink(), {}, strand);

  std::string input;
  input +=
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"timing","tool":"sleep"}}})"
      "\n";
  input += R"({"jsonrpc":"2.0","id":2,"method":"ping"})"
           "\n";
  // A synchronous tool: run inline by the reader (Server::serve_message).
  input +=
      R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"math","tool":"add","params":{"a":2,"b":3}}}})"
      "\n";
  input += std::string(100'000, 'x') + "\n";  // over the limit: discarded, answered
  input += R"({"jsonrpc":"2.0","id":3,"method":"ping"})"
           "\r\n";
  input += std::string(150, ' ') + R"({"jsonrpc":"2.0","id":5,"method":"ping"})"
                                   "\n";  // 191 bytes: fits
  input += "\xFF\xFE\n";                  // not UTF-8
  input += "{oops\n";
  input += "\n";
  input += std::string(300, 'y');  // over the limit, and ended by the end of input...
  input += "\n";
  input += R"({"jsonrpc":"2.0","id":4,"method":"ping"})";  // ...the last line has no newline

  std::string output;
  std::thread writer([&] {
    write_all(in.fds[1], input);
    in.close_write();  // end of input
  });
  std::thread reader([&] {
    char buf[4096];
    for (ssize_t n; (n = ::read(out.fds[0], buf, sizeof buf)) > 0;)
      output.append(buf, static_cast<std::size_t>(n));
  });
  bool finished = false;
  asio::co_spawn(strand, transport->run(server), [&](std::exception_ptr e) {
    finished = true;
    CHECK_FALSE(e);
  });
  io.run();  // returns once input ended, the sleeping call was answered and output flushed
  writer.join();
  out.close_write();
  reader.join();
  CHECK(finished);

  int too_long = 0;
  int parse_errors = 0;
  std::vector<int> ids;
  for (const auto& m : lines_of(output)) {
    if (!m.contains("id")) {  // no readable id (and no revision negotiated): none given
      const int code = m.at("error").at("code");
      if (code == -32600) {
        ++too_long;
        CHECK(m.at("error").at("data").at("reason") == "line_too_long");
        CHECK(m.at("error").at("data").at("max_line_bytes") == 200);
      } else {
        CHECK(code == -32700);
        ++parse_errors;
      }
    } else {
      ids.push_back(m.at("id").get<int>());
      if (ids.back() == 6) CHECK(m.at("result").at("structuredContent").at("result") == 5.0);
    }
  }
  CHECK(too_long == 2);
  CHECK(parse_errors == 2);
  // The pings are answered before the slow call, which still is answered before exit.
  CHECK(ids == std::vector<int>{2, 6, 3, 5, 4, 1});
  CHECK(transport->lines_too_long() == 2);
}

TEST_CASE("stdio transport: the responses to one read leave in one write", "[server][stdio]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager{io.get_executor()};
  manager.register_category(make_math());
  Pipe in;
  Pipe out;
  mcp::StdioOptions options;
  options.input_fd = in.fds[0];
  options.output_fd = out.fds[1];
  auto strand = asio::make_strand(io.get_executor());
  auto transport = std::make_shared<mcp::StdioTransport>(strand, options);
  mcp::Server server(manager, transport->sink(), {}, strand);

  // Pings (answered by handle_message) and synchronous tool calls (run inline by the
  // reader), in one write of less than PIPE_BUF bytes: the reader gets them in one read.
  std::string input;
  for (int i = 1; i <= 10; ++i) {
    input += fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"ping"}})"
                         "\n",
                         2 * i);
    input += fmt::format(
        R"({{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"tools_dispatch","arguments":{{"category":"math","tool":"add","params":{{"a":{},"b":1}}}}}}}})"
        "\n",
        2 * i + 1, i);
  }
  REQUIRE(input.size() < PIPE_BUF);
  REQUIRE(::write(in.fds[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
  in.close_write();

  std::string output;
  std::thread reader([&] {
    char buf[4096];
    for (ssize_t n; (n = ::read(out.fds[0], buf, sizeof buf)) > 0;)
      output.append(buf, static_cast<std::size_t>(n));
  });
  asio::co_spawn(strand, transport->run(server), [](std::exception_ptr e) { CHECK_FALSE(e); });
  io.run();
  out.close_write();
  reader.join();

  const auto messages = lines_of(output);
  REQUIRE(messages.size() == 20);
  for (std::size_t k = 0; k < messages.size(); ++k) {
    const int id = static_cast<int>(k) + 2;  // answered in order: 2, 3, 4, ...
    CHECK(messages[k].at("id") == id);
    if (id % 2 == 1)
      CHECK(messages[k].at("result").at("structuredContent").at("result") == (id - 1) / 2 + 1.0);
  }
  CHECK(transport->writes() == 1);
}

namespace {

/// A stdio transport and its Server on pipes, stepped by the test on one thread: write
/// input, run what is ready, read what came out.
struct StdioRig {
  explicit StdioRig(mcp::StdioOptions options = {}) {
    manager.register_category(make_math());
    manager.register_category(make_slow(gate));
    options.input_fd = in.fds[0];
    options.output_fd = out.fds[1];
    transport = std::make_shared<mcp::StdioTransport>(strand, options);
    server =
        std::make_unique<mcp::Server>(manager, transport->sink(), mcp::ServerOptions{}, strand);
    REQUIRE(::fcntl(out.fds[0], F_SETFL, ::fcntl(out.fds[0], F_GETFL) | O_NONBLOCK) == 0);
    asio::co_spawn(strand, transport->run(*server), [this](std::exception_ptr e) {
      finished = true;
      CHECK_FALSE(e);
    });
  }
  ~StdioRig() {
    in.close_write();
    io.run();  // the transport ends with the input
  }
  void write(std::string_view text) { write_all(in.fds[1], text); }
  /// Runs every handler that is ready (the reactor is polled too), without waiting.
  void settle() {
    io.restart();
    while (io.poll() > 0) {
    }
  }
  /// What the transport has written since the last call (without waiting).
  std::string read_available() {
    std::string text;
    char buf[65536];
    for (ssize_t n; (n = ::read(out.fds[0], buf, sizeof buf)) > 0;)
      text.append(buf, static_cast<std::size_t>(n));
    return text;
  }
  /// Runs handlers one at a time until `done(output so far)`; the transport's own timers
  /// (its polling of the output) are what it waits for. Gives up after 10 s.
  std::string run_until(const std::function<bool(const std::string&)>& done) {
    std::string output;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    io.restart();
    while (!done(output) && std::chrono::steady_clock::now() < give_up) {
      io.run_one_for(std::chrono::milliseconds(100));
      output += read_available();
    }
    return output;
  }

  asio::io_context io;
  mcp::test::Gate gate{io.get_executor()};
  mcp::HierarchicalToolManager manager{io.get_executor()};
  Pipe in;
  Pipe out;
  asio::strand<asio::any_io_executor> strand = asio::make_strand(io.get_executor());
  std::shared_ptr<mcp::StdioTransport> transport;
  std::unique_ptr<mcp::Server> server;
  bool finished = false;
};

std::vector<Json> parse_lines(const std::string& output) {
  std::vector<Json> messages;
  std::size_t start = 0;
  for (std::size_t nl; (nl = output.find('\n', start)) != std::string::npos; start = nl + 1)
    messages.push_back(Json::parse(output.substr(start, nl - start)));
  return messages;
}

}  // namespace

TEST_CASE("stdio transport: an over-long line is refused with its request's id",
          "[server][stdio]") {
  mcp::StdioOptions options;
  options.max_line_bytes = 200;
  StdioRig rig(options);
  const std::string text(100'000, 't');  // longer than a read: discarded across reads
  std::string input;
  // The TypeScript SDK writes the id last.
  input += R"({"method":"tools/call","params":{"name":"x","arguments":{"id":1,"text":")" + text +
           R"("}},"jsonrpc":"2.0","id":17})"
           "\n";
  input += R"({"jsonrpc":"2.0","id":"s-1","method":"tools/call","params":{"text":")" +
           std::string(300, 's') + "\"}}\n";
  input += R"({"jsonrpc":"2.0","method":"notifications/x","params":{"text":")" + text + "\"}}\n";
  input += R"({"jsonrpc":"2.0","id":3,"result":{"text":")" + std::string(300, 'r') + "\"}}\n";
  input += std::string(300, 'y') + "\n";
  input += R"({"jsonrpc":"2.0","id":99,"method":"ping"})"
           "\n";
  std::thread writer([&] { rig.write(input); });
  const std::string output =
      rig.run_until([](const std::string& o) { return o.find(R"("id":99)") != std::string::npos; });
  writer.join();
  const auto messages = parse_lines(output);
  REQUIRE(messages.size() == 4);  // nothing for the notification and the response
  require_error(messages[0], 17, -32600);
  CHECK(messages[0].at("error").at("data").at("reason") == "line_too_long");
  CHECK(messages[0].at("error").at("data").at("line_bytes") == input.find('\n'));
  require_error(messages[1], "s-1", -32600);
  require_error(messages[2], nullptr, -32600);
  CHECK(messages[3].at("id") == 99);
  CHECK(rig.transport->lines_too_long() == 5);
}

TEST_CASE("stdio transport: reading pauses while max_requests_in_flight requests wait",
          "[server][stdio]") {
  mcp::StdioOptions options;
  options.max_requests_in_flight = 2;
  StdioRig rig(options);
  const std::string wait =
      R"(,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"slow","tool":"wait"}}})";
  rig.write(R"({"jsonrpc":"2.0","id":1)" + wait + "\n" + R"({"jsonrpc":"2.0","id":2)" + wait +
            "\n" + R"({"jsonrpc":"2.0","id":3)" + wait + "\n" +
            R"({"jsonrpc":"2.0","id":4,"method":"ping"})"
            "\n");
  rig.settle();
  // Two calls wait: the third line and the ping behind it are not read yet.
  CHECK(rig.server->requests_in_flight() == 2);
  CHECK(rig.read_available().empty());
  rig.gate.open();
  const std::string output =
      rig.run_until([](const std::string& o) { return std::count(o.begin(), o.end(), '\n') == 4; });
  std::vector<Json> ids;
  for (const auto& m : parse_lines(output)) ids.push_back(m.at("id"));
  REQUIRE(ids.size() == 4);
  // The ping was read only after the first two calls ended.
  CHECK(std::find(ids.begin(), ids.end(), Json(4)) > std::find(ids.begin(), ids.end(), Json(1)));
  CHECK(std::find(ids.begin(), ids.end(), Json(4)) > std::find(ids.begin(), ids.end(), Json(2)));
}

TEST_CASE("stdio transport: a response waits until the client has read its progress",
          "[server][stdio]") {
  mcp::StdioOptions options;
  options.progress_read_timeout = std::chrono::hours(1);  // never given up on here
  StdioRig rig(options);
  rig.write(R"({"jsonrpc":"2.0","id":"p","method":"tools/call","params":{)"
            R"("name":"tools_dispatch_parallel","_meta":{"progressToken":"tok"},)"
            R"("arguments":{"calls":[{"category":"math","tool":"add","params":{"a":1,"b":1}},)"
            R"({"category":"math","tool":"add","params":{"a":2,"b":2}}]}}})"
            "\n");
  rig.settle();
  // The calls are done and the response is ready, but the client has not read the progress:
  // only the progress is out. A ping that comes meanwhile waits behind the response.
  rig.write(R"({"jsonrpc":"2.0","id":5,"method":"ping"})"
            "\n");
  rig.settle();
  CHECK(rig.server->requests_in_flight() == 0);
  const std::string first = rig.read_available();
  auto progress = parse_lines(first);
  REQUIRE(progress.size() == 2);  // "0 of 2", "1 of 2"
  for (const auto& m : progress) CHECK(m.at("method") == "notifications/progress");
  // Now that the client has read it, the response follows, then the ping's.
  const std::string second =
      rig.run_until([](const std::string& o) { return std::count(o.begin(), o.end(), '\n') == 2; });
  const auto rest = parse_lines(second);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].at("id") == "p");
  CHECK(rest[0].at("result").at("structuredContent").at("succeeded") == 2);
  CHECK(rest[1].at("id") == 5);
}

TEST_CASE("stdio transport: a client that reads nothing gets the held response anyway",
          "[server][stdio]") {
  mcp::StdioOptions options;
  options.progress_read_timeout = std::chrono::milliseconds(20);
  StdioRig rig(options);
  rig.write(R"({"jsonrpc":"2.0","id":"p","method":"tools/call","params":{)"
            R"("name":"tools_dispatch_parallel","_meta":{"progressToken":1},)"
            R"("arguments":{"calls":[{"category":"math","tool":"add","params":{"a":1,"b":1}}]}}})"
            "\n");
  // The test does not read until the transport has given up waiting: the response is then
  // in the pipe behind the progress, unread, in a write of its own.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  rig.io.restart();
  while (rig.transport->writes() < 2 && std::chrono::steady_clock::now() < give_up) {
    rig.io.run_one_for(std::chrono::milliseconds(100));
  }
  CHECK(rig.transport->writes() == 2);
  const auto messages = parse_lines(rig.read_available());
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].at("method") == "notifications/progress");
  CHECK(messages[1].at("id") == "p");
}

TEST_CASE("replies to a message go to its reply sink; tools report through RequestContext",
          "[server][context]") {
  mcp::ServerOptions options;
  options.mode = mcp::ToolMode::flat;
  options.unprefixed_categories = {"ctx"};
  Fixture f(options);
  auto ctx = std::make_shared<mcp::ToolCategory>("ctx", "Tools that report");
  ctx->add_tool(mcp::ToolSpec("sync_report", "Reports synchronously."),
                [](Json, const mcp::RequestContext& context) {
                  context.progress(1, 2, "half");
                  context.log(mcp::LogLevel::warning, "ctx", "from a sync tool");
                  return Json(context.wants_progress());
                });
  ctx->add_tool(mcp::ToolSpec("async_report", "Reports from a coroutine."),
                [](Json, mcp::RequestContext context) -> asio::awaitable<Json> {
                  context.progress(1);
                  co_return Json("done");
                });
  f.manager.register_category(ctx);
  f.feed(initialize_line(1, "2025-11-25"));

  for (std::string_view tool : {"sync_report", "async_report"}) {
    INFO(tool);
    auto reply = std::make_shared<CaptureSink>();
    const Json request = {{"jsonrpc", "2.0"},
                          {"id", 7},
                          {"method", "tools/call"},
                          {"params", {{"name", tool}, {"_meta", {{"progressToken", "tok"}}}}}};
    std::optional<mcp::MessageKind> kind;
    asio::co_spawn(
        f.server->get_executor(),
        [&]() -> asio::awaitable<void> {
          kind = co_await f.server->serve_message(request.dump(), reply);
        },
        asio::detached);
    f.settle();
    REQUIRE(kind == mcp::MessageKind::request);
    CHECK(f.sink->take().empty());  // nothing on the session's sink
    auto out = reply->take();
    REQUIRE(out.size() >= 2);
    CHECK(out.front().at("method") == "notifications/progress");
    CHECK(out.front().at("params").at("progressToken") == "tok");
    CHECK(out.back().at("id") == 7);  // the response is the last message
    if (tool == "sync_report") {
      REQUIRE(out.size() == 3);
      CHECK(out[1].at("method") == "notifications/message");
      CHECK(out[1].at("params").at("data") == "from a sync tool");
      CHECK(result_of(out.back()).at("content")[0].at("text") == "true");
    }
  }
  // Called from C++ without a client, the same tool gets an empty context.
  auto direct = asio::co_spawn(f.io, f.manager.dispatch("ctx", "sync_report"), asio::use_future);
  f.settle();
  CHECK(direct.get().value() == false);
}

TEST_CASE("serve_message says what a message was", "[server]") {
  Fixture f;
  auto kind_of = [&f](std::string text) {
    auto reply = std::make_shared<CaptureSink>();
    std::optional<mcp::MessageKind> kind;
    asio::co_spawn(
        f.server->get_executor(),
        [&, text]() -> asio::awaitable<void> {
          kind = co_await f.server->serve_message(text, reply);
        },
        asio::detached);
    f.settle();
    REQUIRE(kind.has_value());
    return std::pair{*kind, reply->take()};
  };
  auto [request, r1] = kind_of(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  CHECK(request == mcp::MessageKind::request);
  CHECK(r1.size() == 1);
  auto [notification, r2] = kind_of(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  CHECK(notification == mcp::MessageKind::notification);
  CHECK(r2.empty());
  auto [response, r3] = kind_of(R"({"jsonrpc":"2.0","id":5,"result":{}})");
  CHECK(response == mcp::MessageKind::response);
  CHECK(r3.empty());
  auto [invalid, r4] = kind_of("{not json");
  CHECK(invalid == mcp::MessageKind::invalid);
  REQUIRE(r4.size() == 1);
  CHECK(r4[0].at("error").at("code") == -32700);
}

TEST_CASE("a destroyed Server leaves no category subscriber behind", "[server]") {
  Fixture f;
  std::size_t calls = 0;
  const auto token = f.manager.on_categories_changed([&calls] { ++calls; });
  const auto before = token;
  for (int i = 0; i < 3; ++i) {
    mcp::Server session(f.manager, std::make_shared<CaptureSink>());
  }
  // Tokens are handed out in order: the three servers took three and gave them back.
  const auto after = f.manager.on_categories_changed([] {});
  CHECK(after == before + 4);
  // Without the unsubscribe in ~Server these tokens would still be registered.
  CHECK_FALSE(f.manager.remove_categories_changed(before + 1));
  CHECK_FALSE(f.manager.remove_categories_changed(before + 3));
  f.manager.register_category(std::make_shared<mcp::ToolCategory>("late", "Late"));
  CHECK(calls == 1);
}
