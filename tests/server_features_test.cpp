// tests/server_features_test.cpp -- the MCP surface beyond tools: resources (static and
// templated, subscriptions), prompts, completion, requests from a tool to the client
// (sampling, elicitation, roots), the 2025-11-25 tool fields and content helpers, driven
// with raw JSON-RPC lines.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/content.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/prompts/prompt_registry.hpp>
#include <mcp/resources/resource_registry.hpp>
#include <mcp/resources/uri_template.hpp>
#include <mcp/server.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "support/gate.hpp"

namespace {

using mcp::Json;
using namespace std::chrono_literals;

class CaptureSink : public mcp::MessageSink {
 public:
  void send(std::string message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(Json::parse(message));
  }
  std::vector<Json> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(messages_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<Json> messages_;
};

std::shared_ptr<mcp::ResourceRegistry> make_resources(mcp::test::Gate& gate) {
  auto resources = std::make_shared<mcp::ResourceRegistry>();
  resources->add(
      mcp::ResourceSpec("test://a", "A").with_mime_type("text/plain"),
      [](const mcp::ResourceRead& read) { return mcp::content::text_contents(read.uri, "alpha"); });
  resources->add(mcp::ResourceSpec("test://b", "B").with_mime_type("image/png"),
                 [](const mcp::ResourceRead& read) {
                   return mcp::content::blob_contents(read.uri, "iVBORw0KGgo=", "image/png");
                 });
  resources->add(mcp::ResourceSpec("test://slow", "Slow"),
                 [&gate](mcp::ResourceRead read) -> asio::awaitable<Json> {
                   co_await gate.wait();
                   co_return mcp::content::text_contents(read.uri, "late");
                 });
  resources->add(
      mcp::ResourceSpec("test://broken", "Broken"),
      [](const mcp::ResourceRead&) -> Json { throw std::runtime_error("disk on fire"); });
  resources->add_template(
      mcp::ResourceSpec("users://{id}/profile{#section}", "Profile")
          .with_mime_type("application/json"),
      [](const mcp::ResourceRead& read) {
        return mcp::content::text_contents(
            read.uri,
            Json{{"id", read.variables.at("id")}, {"section", read.variables.at("section")}}.dump(),
            "application/json");
      },
      {{"id", mcp::prefix_completer({"alice", "alfred", "bob"})}});
  return resources;
}

std::shared_ptr<mcp::PromptRegistry> make_prompts() {
  auto prompts = std::make_shared<mcp::PromptRegistry>();
  prompts->add(
      mcp::PromptSpec("greet", "Greet someone")
          .with_argument("name", "Who", true, mcp::prefix_completer({"Ada", "Alan", "Bob"}))
          .with_argument("tone", "How", false),
      [](const mcp::PromptRequest& request) {
        auto tone = request.arguments.find("tone");
        return Json::array(
            {{{"role", "user"},
              {"content",
               mcp::content::text(
                   "Hello " + request.arguments.at("name") +
                   (tone == request.arguments.end() ? std::string() : " " + tone->second))}}});
      });
  return prompts;
}

/// Tools that ask the client, in flat mode under their bare names.
std::shared_ptr<mcp::ToolCategory> make_asking() {
  auto asking = std::make_shared<mcp::ToolCategory>("ask", "Tools that ask the client");
  asking->add_tool(
      mcp::ToolSpec("sample", "Ask for a sample"),
      [](Json, mcp::RequestContext ctx) -> asio::awaitable<Json> {
        Json params = {{"messages", Json::array()}, {"maxTokens", 10}};
        const Json sample = co_await ctx.create_message(std::move(params));
        co_return mcp::content::text_result("got " + sample["content"]["text"].get<std::string>());
      });
  asking->add_tool(
      mcp::ToolSpec("form", "Ask for a form"),
      [](Json args, mcp::RequestContext ctx) -> asio::awaitable<Json> {
        Json schema = {{"type", "object"},
                       {"properties", {{"age", {{"type", "integer"}, {"minimum", 0}}}}},
                       {"required", {"age"}}};
        const auto timeout = std::chrono::milliseconds(args.value("timeout_ms", 60000));
        const mcp::ElicitResult answer =
            co_await ctx.elicit("How old?", std::move(schema), timeout);
        co_return mcp::content::text_result(answer.action + " " + answer.content.dump());
      });
  asking->add_tool(mcp::ToolSpec("roots", "Ask for the roots"),
                   [](Json, mcp::RequestContext ctx) -> asio::awaitable<Json> {
                     const Json roots = co_await ctx.list_roots();
                     co_return mcp::content::text_result(roots.dump());
                   });
  asking->add_tool(
      mcp::ToolSpec("shown", "A tool with every display field")
          .with_title("Shown tool")
          .with_annotations(mcp::ToolAnnotations().read_only_hint().idempotent_hint(false))
          .with_icon(Json{{"src", "https://example.com/i.png"}, {"mimeType", "image/png"}})
          .with_meta(Json{{"example.com/v", 1}}),
      [](Json) { return mcp::content::result({mcp::content::resource_link("test://a", "A")}); });
  return asking;
}

struct Fixture {
  explicit Fixture(bool with_features = true) {
    manager.register_category(make_asking());
    mcp::ServerOptions options;
    options.mode = mcp::ToolMode::flat;
    options.unprefixed_categories = {"ask"};
    options.page_size = 2;
    if (with_features) {
      resources = make_resources(gate);
      prompts = make_prompts();
      options.resources = resources;
      options.prompts = prompts;
    }
    server = std::make_unique<mcp::Server>(manager, sink, options);
  }

  void settle() {
    io.restart();
    while (io.poll() > 0) {
    }
  }
  std::vector<Json> feed(const Json& message) {
    asio::post(server->get_executor(),
               [this, line = message.dump()] { server->handle_message(line); });
    settle();
    auto out = sink->take();
    // The server logs a failed tool call to the client: not what these tests look at.
    std::erase_if(out,
                  [](const Json& m) { return m.value("method", "") == "notifications/message"; });
    return out;
  }
  Json request(int id, std::string method, Json params = Json::object()) {
    auto out = feed(Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
    REQUIRE(out.size() == 1);
    return out.front();
  }
  void initialize(Json capabilities) {
    const Json init = request(0, "initialize",
                              {{"protocolVersion", "2025-11-25"},
                               {"capabilities", std::move(capabilities)},
                               {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
    REQUIRE(init.contains("result"));
    capabilities_seen = init["result"]["capabilities"];
    feed(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  }
  Json call(int id, std::string tool, Json args = Json::object()) {
    return Json{{"jsonrpc", "2.0"},
                {"id", id},
                {"method", "tools/call"},
                {"params", {{"name", tool}, {"arguments", args}}}};
  }

  asio::io_context io;
  mcp::test::Gate gate{io.get_executor()};
  mcp::HierarchicalToolManager manager{io.get_executor()};
  std::shared_ptr<CaptureSink> sink = std::make_shared<CaptureSink>();
  std::shared_ptr<mcp::ResourceRegistry> resources;
  std::shared_ptr<mcp::PromptRegistry> prompts;
  std::unique_ptr<mcp::Server> server;
  Json capabilities_seen;
};

int error_code(const Json& response) {
  INFO(response.dump());
  REQUIRE(response.contains("error"));
  return response["error"]["code"].get<int>();
}

const Json& result_of(const Json& response) {
  INFO(response.dump());
  REQUIRE(response.contains("result"));
  return response["result"];
}

}  // namespace

TEST_CASE("UriTemplate matches RFC 6570 level 1-2 expansions and refuses other templates",
          "[resources]") {
  const mcp::UriTemplate simple("test://template/{id}/data");
  auto vars = simple.match("test://template/123/data");
  REQUIRE(vars);
  CHECK(vars->at("id") == "123");
  CHECK(simple.match("test://template/a%20b/data")->at("id") == "a b");
  CHECK_FALSE(simple.match("test://template/1/2/data"));  // {var} never holds '/'
  CHECK_FALSE(simple.match("test://template//data"));     // nor nothing
  CHECK_FALSE(simple.match("test://template/123/datax"));
  CHECK_FALSE(simple.match("test://template/%zz/data"));  // bad percent-encoding

  const mcp::UriTemplate reserved("file:///{+path}");
  CHECK(reserved.match("file:///etc/hosts")->at("path") == "etc/hosts");
  const mcp::UriTemplate fragment("doc://{name}{#part}");
  CHECK(fragment.match("doc://x#intro")->at("part") == "intro");
  CHECK(fragment.match("doc://x")->at("part").empty());
  CHECK(fragment.variables() == std::vector<std::string>{"name", "part"});

  for (const char* bad : {"a{", "a}", "a{}", "a{?q}", "a{x,y}", "a{x}{y}", "a{b c}", "a{;x}"}) {
    INFO(bad);
    CHECK_THROWS_AS(mcp::UriTemplate(bad), std::invalid_argument);
  }
  mcp::ResourceRegistry registry;
  CHECK_THROWS_AS(registry.add_template(mcp::ResourceSpec("x://{a", "bad"),
                                        [](const mcp::ResourceRead&) { return Json(); }),
                  std::invalid_argument);
  CHECK_THROWS_AS(registry.add_template(mcp::ResourceSpec("x://{a}", "bad"),
                                        [](const mcp::ResourceRead&) { return Json(); },
                                        {{"b", mcp::prefix_completer({})}}),
                  std::invalid_argument);
}

TEST_CASE("capabilities name only what the server offers", "[resources][prompts]") {
  Fixture bare(false);
  bare.initialize(Json::object());
  CHECK_FALSE(bare.capabilities_seen.contains("resources"));
  CHECK_FALSE(bare.capabilities_seen.contains("prompts"));
  CHECK_FALSE(bare.capabilities_seen.contains("completions"));
  CHECK(error_code(bare.request(1, "resources/list")) == -32601);
  CHECK(error_code(bare.request(2, "prompts/get", {{"name", "greet"}})) == -32601);
  CHECK(error_code(bare.request(3, "completion/complete")) == -32601);

  Fixture full;
  full.initialize(Json::object());
  CHECK(full.capabilities_seen["resources"] == Json{{"subscribe", true}, {"listChanged", true}});
  CHECK(full.capabilities_seen["prompts"] == Json{{"listChanged", true}});
  CHECK(full.capabilities_seen["completions"] == Json::object());
}

TEST_CASE(
    "resources/list and templates/list page - resources/read reads text and blobs and templates",
    "[resources]") {
  Fixture f;
  f.initialize(Json::object());
  const Json first = result_of(f.request(1, "resources/list"));
  REQUIRE(first["resources"].size() == 2);
  CHECK(first["resources"][0] ==
        Json{{"uri", "test://a"}, {"name", "A"}, {"mimeType", "text/plain"}});
  const Json second = result_of(f.request(2, "resources/list", {{"cursor", first["nextCursor"]}}));
  CHECK(second["resources"][0]["uri"] == "test://slow");
  CHECK(error_code(f.request(3, "resources/list", {{"cursor", "99"}})) == -32602);
  CHECK(error_code(f.request(4, "resources/list", {{"cursor", 2}})) == -32602);
  const Json templates = result_of(f.request(5, "resources/templates/list"));
  CHECK(templates["resourceTemplates"][0]["uriTemplate"] == "users://{id}/profile{#section}");
  CHECK_FALSE(templates.contains("nextCursor"));

  CHECK(result_of(f.request(6, "resources/read", {{"uri", "test://a"}}))["contents"] ==
        Json::array({{{"uri", "test://a"}, {"mimeType", "text/plain"}, {"text", "alpha"}}}));
  CHECK(result_of(f.request(7, "resources/read", {{"uri", "test://b"}}))["contents"][0]["blob"] ==
        "iVBORw0KGgo=");
  const Json profile =
      result_of(f.request(8, "resources/read", {{"uri", "users://al%21/profile#bio"}}));
  CHECK(Json::parse(profile["contents"][0]["text"].get<std::string>()) ==
        Json{{"id", "al!"}, {"section", "bio"}});
  CHECK(profile["contents"][0]["mimeType"] == "application/json");

  // Bad input: each gets its error, and the server keeps serving.
  const Json unknown = f.request(9, "resources/read", {{"uri", "test://nope"}});
  CHECK(error_code(unknown) == -32002);
  CHECK(unknown["error"]["data"]["uri"] == "test://nope");
  CHECK(error_code(f.request(10, "resources/read", Json::object())) == -32602);
  CHECK(error_code(f.request(11, "resources/read", {{"uri", 5}})) == -32602);
  CHECK(error_code(f.request(12, "resources/read", {{"uri", "users:///profile"}})) == -32002);
  const Json broken = f.request(13, "resources/read", {{"uri", "test://broken"}});
  CHECK(error_code(broken) == -32603);
  CHECK(broken["error"]["data"]["detail"] == "disk on fire");

  // A coroutine handler: answered when it finishes, other requests meanwhile.
  CHECK(f.feed(Json{{"jsonrpc", "2.0"},
                    {"id", 14},
                    {"method", "resources/read"},
                    {"params", {{"uri", "test://slow"}}}})
            .empty());
  CHECK(result_of(f.request(15, "ping")).empty());
  f.gate.open();
  f.settle();
  auto late = f.sink->take();
  REQUIRE(late.size() == 1);
  CHECK(late[0]["id"] == 14);
  CHECK(late[0]["result"]["contents"][0]["text"] == "late");
}

TEST_CASE("resources/subscribe: updates reach subscribers until they unsubscribe - list_changed",
          "[resources]") {
  Fixture f;
  f.initialize(Json::object());
  CHECK(error_code(f.request(1, "resources/subscribe", {{"uri", "test://nope"}})) == -32002);
  CHECK(result_of(f.request(2, "resources/subscribe", {{"uri", "test://a"}})).empty());
  f.resources->notify_updated("test://a");
  f.resources->notify_updated("test://b");  // not subscribed
  f.settle();
  auto updates = f.sink->take();
  REQUIRE(updates.size() == 1);
  CHECK(updates[0] == Json{{"jsonrpc", "2.0"},
                           {"method", "notifications/resources/updated"},
                           {"params", {{"uri", "test://a"}}}});
  CHECK(result_of(f.request(3, "resources/unsubscribe", {{"uri", "test://a"}})).empty());
  f.resources->notify_updated("test://a");
  f.settle();
  CHECK(f.sink->take().empty());

  f.resources->add(mcp::ResourceSpec("test://new", "New"), [](const mcp::ResourceRead& read) {
    return mcp::content::text_contents(read.uri, "n");
  });
  f.settle();
  auto changed = f.sink->take();
  REQUIRE(changed.size() == 1);
  CHECK(changed[0]["method"] == "notifications/resources/list_changed");
  CHECK(f.resources->remove("test://new"));
  f.prompts->remove("greet");
  f.settle();
  changed = f.sink->take();
  REQUIRE(changed.size() == 2);
  CHECK(changed[1]["method"] == "notifications/prompts/list_changed");
}

TEST_CASE("prompts/get validates arguments - completion/complete suggests values", "[prompts]") {
  Fixture f;
  f.initialize(Json::object());
  const Json list = result_of(f.request(1, "prompts/list"));
  REQUIRE(list["prompts"].size() == 1);
  CHECK(list["prompts"][0]["arguments"][0] ==
        Json{{"name", "name"}, {"description", "Who"}, {"required", true}});
  const Json got = result_of(f.request(
      2, "prompts/get", {{"name", "greet"}, {"arguments", {{"name", "Ada"}, {"tone", "warmly"}}}}));
  CHECK(got["messages"][0]["content"]["text"] == "Hello Ada warmly");
  CHECK(got["description"] == "Greet someone");

  const Json missing = f.request(3, "prompts/get", {{"name", "greet"}});
  CHECK(error_code(missing) == -32602);
  CHECK(missing["error"]["message"].get<std::string>().find("missing required argument 'name'") !=
        std::string::npos);
  CHECK(error_code(f.request(4, "prompts/get",
                             {{"name", "greet"}, {"arguments", {{"name", 3}}}})) == -32602);
  CHECK(error_code(f.request(5, "prompts/get",
                             {{"name", "greet"}, {"arguments", {{"name", "x"}, {"who", "y"}}}})) ==
        -32602);
  CHECK(error_code(f.request(6, "prompts/get", {{"name", "nope"}})) == -32602);
  CHECK(error_code(f.request(7, "prompts/get", Json::object())) == -32602);

  const Json names = result_of(f.request(8, "completion/complete",
                                         {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                                          {"argument", {{"name", "name"}, {"value", "A"}}}}));
  CHECK(names["completion"] == Json{{"values", {"Ada", "Alan"}}, {"total", 2}, {"hasMore", false}});
  const Json none = result_of(f.request(9, "completion/complete",
                                        {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                                         {"argument", {{"name", "tone"}, {"value", ""}}}}));
  CHECK(none["completion"]["values"].empty());
  const Json ids = result_of(
      f.request(10, "completion/complete",
                {{"ref", {{"type", "ref/resource"}, {"uri", "users://{id}/profile{#section}"}}},
                 {"argument", {{"name", "id"}, {"value", "al"}}}}));
  CHECK(ids["completion"]["values"] == Json{"alice", "alfred"});
  CHECK(error_code(f.request(11, "completion/complete",
                             {{"ref", {{"type", "ref/prompt"}, {"name", "nope"}}},
                              {"argument", {{"name", "x"}, {"value", ""}}}})) == -32602);
  CHECK(error_code(f.request(12, "completion/complete",
                             {{"ref", {{"type", "ref/resource"}, {"uri", "x://{bad"}}},
                              {"argument", {{"name", "x"}, {"value", ""}}}})) == -32602);
  CHECK(error_code(f.request(13, "completion/complete",
                             {{"ref", {{"type", "ref/tool"}}},
                              {"argument", {{"name", "x"}, {"value", ""}}}})) == -32602);
  CHECK(error_code(f.request(14, "completion/complete",
                             {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}}})) == -32602);
}

TEST_CASE("tools/list passes title and annotations and icons and _meta through", "[tools]") {
  Fixture f;
  f.initialize(Json::object());
  const Json tools = result_of(f.request(1, "tools/list", {{"cursor", "2"}}));
  REQUIRE(tools["tools"].size() == 2);
  const Json& shown = tools["tools"][1];
  REQUIRE(shown["name"] == "shown");
  CHECK(shown["title"] == "Shown tool");
  CHECK(shown["annotations"] == Json{{"readOnlyHint", true}, {"idempotentHint", false}});
  CHECK(shown["icons"] ==
        Json::array({{{"src", "https://example.com/i.png"}, {"mimeType", "image/png"}}}));
  CHECK(shown["_meta"] == Json{{"example.com/v", 1}});
  CHECK_FALSE(tools["tools"][0].contains("annotations"));  // nothing set, nothing sent
  auto category = f.manager.loaded_category("ask");
  REQUIRE(category);
  CHECK((*category->schema("shown"))["annotations"]["readOnlyHint"] == true);
  auto out = f.feed(f.call(2, "shown"));
  REQUIRE(out.size() == 1);
  CHECK(result_of(out[0])["content"][0] ==
        Json{{"type", "resource_link"}, {"uri", "test://a"}, {"name", "A"}});
}

TEST_CASE("a tool asks the client: sampling and elicitation and roots on the call's stream",
          "[client-requests]") {
  Fixture f;
  f.initialize(
      {{"sampling", Json::object()}, {"elicitation", Json::object()}, {"roots", Json::object()}});
  auto out = f.feed(f.call(1, "sample"));
  REQUIRE(out.size() == 1);
  const Json asked = out[0];
  CHECK(asked["method"] == "sampling/createMessage");
  CHECK(asked["params"]["maxTokens"] == 10);
  CHECK(f.server->client_requests_pending() == 1);
  out = f.feed(Json{
      {"jsonrpc", "2.0"},
      {"id", asked["id"]},
      {"result",
       {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "hi"}}}, {"model", "m"}}}});
  REQUIRE(out.size() == 1);
  CHECK(out[0]["id"] == 1);
  CHECK(result_of(out[0])["content"][0]["text"] == "got hi");
  CHECK(f.server->client_requests_pending() == 0);

  out = f.feed(f.call(2, "form"));
  REQUIRE(out.size() == 1);
  CHECK(out[0]["method"] == "elicitation/create");
  CHECK(out[0]["params"]["requestedSchema"]["required"] == Json{"age"});
  out = f.feed(Json{{"jsonrpc", "2.0"},
                    {"id", out[0]["id"]},
                    {"result", {{"action", "accept"}, {"content", {{"age", 7}}}}}});
  REQUIRE(out.size() == 1);
  CHECK(result_of(out[0])["content"][0]["text"] == R"(accept {"age":7})");

  // An answer that does not match the form's schema fails the tool with a clear error.
  out = f.feed(f.call(3, "form"));
  REQUIRE(out.size() == 1);
  out = f.feed(Json{{"jsonrpc", "2.0"},
                    {"id", out[0]["id"]},
                    {"result", {{"action", "accept"}, {"content", {{"age", -1}}}}}});
  REQUIRE(out.size() == 1);
  CHECK(result_of(out[0])["isError"] == true);
  CHECK(result_of(out[0])["content"][0]["text"].get<std::string>().find(
            "does not match the requested schema") != std::string::npos);

  // The client's JSON-RPC error reaches the tool.
  out = f.feed(f.call(4, "roots"));
  REQUIRE(out.size() == 1);
  CHECK(out[0]["method"] == "roots/list");
  out = f.feed(Json{{"jsonrpc", "2.0"},
                    {"id", out[0]["id"]},
                    {"error", {{"code", -1}, {"message", "user said no"}}}});
  REQUIRE(out.size() == 1);
  CHECK(result_of(out[0])["content"][0]["text"].get<std::string>().find("user said no") !=
        std::string::npos);
  CHECK(f.server->client_requests_pending() == 0);
}

TEST_CASE("a request the client cannot take is refused - one it never answers times out",
          "[client-requests]") {
  Fixture f;
  f.initialize({{"elicitation", {{"url", Json::object()}}}});  // no sampling, no form mode
  auto out = f.feed(f.call(1, "sample"));
  REQUIRE(out.size() == 1);  // no request sent: the tool's error at once
  CHECK(result_of(out[0])["isError"] == true);
  CHECK(result_of(out[0])["content"][0]["text"].get<std::string>().find(
            "did not declare the 'sampling' capability") != std::string::npos);
  out = f.feed(f.call(2, "form"));
  REQUIRE(out.size() == 1);
  CHECK(result_of(out[0])["content"][0]["text"].get<std::string>().find("'elicitation'") !=
        std::string::npos);

  Fixture g;
  g.initialize({{"elicitation", Json::object()}});
  out = g.feed(g.call(3, "form", {{"timeout_ms", 20}}));
  REQUIRE(out.size() == 1);
  const Json asked = out[0];
  std::vector<Json> seen;
  while (seen.size() < 2) {  // the cancellation, then the tool's result
    g.io.restart();
    g.io.run_one_for(5s);
    for (auto& m : g.sink->take()) {
      if (m.value("method", "") != "notifications/message") seen.push_back(std::move(m));
    }
  }
  CHECK(seen[0] ==
        Json{{"jsonrpc", "2.0"},
             {"method", "notifications/cancelled"},
             {"params", {{"requestId", asked["id"]}, {"reason", "timeout: no answer in time"}}}});
  CHECK(seen[1]["id"] == 3);
  CHECK(result_of(seen[1])["content"][0]["text"].get<std::string>().find(
            "did not answer within 20 ms") != std::string::npos);
  CHECK(g.server->client_requests_pending() == 0);
  CHECK(g.server->requests_in_flight() == 0);
  // A late answer is only logged.
  CHECK(g.feed(Json{{"jsonrpc", "2.0"}, {"id", asked["id"]}, {"result", {{"action", "cancel"}}}})
            .empty());

  // The client cancels the call: its request to the client is cancelled too.
  out = g.feed(g.call(4, "form"));
  REQUIRE(out.size() == 1);
  out = g.feed(Json{
      {"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 4}}}});
  REQUIRE(out.size() == 1);
  CHECK(out[0]["method"] == "notifications/cancelled");
  CHECK(out[0]["params"]["requestId"] != 4);
  CHECK(g.server->client_requests_pending() == 0);
  CHECK(g.server->requests_in_flight() == 0);
}

TEST_CASE("content helpers build the MCP content blocks", "[tools]") {
  using namespace mcp::content;
  CHECK(text("t") == Json{{"type", "text"}, {"text", "t"}});
  CHECK(image("AA==", "image/png") ==
        Json{{"type", "image"}, {"data", "AA=="}, {"mimeType", "image/png"}});
  CHECK(audio("AA==", "audio/wav")["type"] == "audio");
  CHECK(resource_link("x://y", "Y", "text/plain", "d") == Json{{"type", "resource_link"},
                                                               {"uri", "x://y"},
                                                               {"name", "Y"},
                                                               {"mimeType", "text/plain"},
                                                               {"description", "d"}});
  CHECK(embedded(text_contents("x://y", "body")) ==
        Json{{"type", "resource"},
             {"resource", {{"uri", "x://y"}, {"text", "body"}, {"mimeType", "text/plain"}}}});
  CHECK(text_result("bad", true) ==
        Json{{"content", {{{"type", "text"}, {"text", "bad"}}}}, {"isError", true}});
}
