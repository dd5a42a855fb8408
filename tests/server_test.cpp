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

#include <memory>
#include <optional>
#include <utility>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_future.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
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

void require_error(const Json& response, const Json& id, int code) {
  INFO(response.dump());
  REQUIRE(response.at("jsonrpc") == "2.0");
  REQUIRE(response.at("id") == id);
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
      {{"category", "math"}, {"tool", "add"}, {"timeout_ms", 5.0}},
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
  using mcp::jsonrpc::append_id;
  using mcp::detail::append_json_string;
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
    if (m.at("id").is_null()) {
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
