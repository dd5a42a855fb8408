// examples/conformance_category.cpp -- the conformance suite's fixture tools.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// What each tool returns follows the "Server Implementation Requirements" of the
// scenarios in @modelcontextprotocol/conformance (src/scenarios/server/tools.ts and
// json-schema-2020-12.ts, versions 0.1.13 to 0.1.16). Results that are not plain text
// are returned as a whole CallToolResult ({"content": [...]}), which flat mode passes
// through as it is.
#include "conformance_category.hpp"

#include <mcp/content.hpp>
#include <mcp/log_level.hpp>
#include <mcp/request_context.hpp>

#include <chrono>
#include <string>

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace demo {
namespace {

using mcp::Json;

// A 1x1 red pixel, 8-bit RGB PNG (69 bytes).
constexpr const char* kRedPixelPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
// A 1 ms WAV: RIFF/WAVE, PCM, mono, 8 kHz, 8-bit, eight samples of silence (52 bytes).
constexpr const char* kSilentWav =
    "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==";

/// The input schema of a tool that takes no arguments (the suite calls some of them with
/// `arguments: {}` and some with no `arguments` at all).
Json no_arguments() { return Json{{"type", "object"}, {"properties", Json::object()}}; }

Json text_content(std::string text) { return Json{{"type", "text"}, {"text", std::move(text)}}; }

Json image_content() {
  return Json{{"type", "image"}, {"data", kRedPixelPng}, {"mimeType", "image/png"}};
}

/// Waits on an asio timer of the calling coroutine's executor (no thread blocked).
asio::awaitable<void> pause(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace

std::shared_ptr<mcp::ToolCategory> make_conformance_category() {
  auto category = std::make_shared<mcp::ToolCategory>(
      "conformance",
      "Fixture tools of the official MCP conformance suite (@modelcontextprotocol/conformance)");

  // tools-call-simple-text
  category->add_tool(
      mcp::ToolSpec("test_simple_text", "Return one text content item (conformance fixture).",
                    no_arguments()),
      [](Json) {
        return Json{{"content",
                     Json::array({text_content("This is a simple text response for testing.")})}};
      });

  // tools-call-image
  category->add_tool(mcp::ToolSpec("test_image_content",
                                   "Return one image content item: a 1x1 red PNG (conformance "
                                   "fixture).",
                                   no_arguments()),
                     [](Json) {
                       return Json{{"content", Json::array({image_content()})}};
                     });

  // tools-call-audio (the suite checks mimeType == "audio/wav")
  category->add_tool(
      mcp::ToolSpec("test_audio_content",
                    "Return one audio content item: a short silent WAV (conformance fixture).",
                    no_arguments()),
      [](Json) {
        return Json{
            {"content", Json::array({Json{
                            {"type", "audio"}, {"data", kSilentWav}, {"mimeType", "audio/wav"}}})}};
      });

  // tools-call-embedded-resource
  category->add_tool(
      mcp::ToolSpec("test_embedded_resource",
                    "Return one embedded text resource (conformance fixture).", no_arguments()),
      [](Json) {
        return Json{{"content",
                     Json::array({Json{{"type", "resource"},
                                       {"resource",
                                        {{"uri", "test://embedded-resource"},
                                         {"mimeType", "text/plain"},
                                         {"text", "This is an embedded resource content."}}}}})}};
      });

  // tools-call-mixed-content
  category->add_tool(
      mcp::ToolSpec("test_multiple_content_types",
                    "Return text, image and embedded resource content together (conformance "
                    "fixture).",
                    no_arguments()),
      [](Json) {
        return Json{
            {"content", Json::array({text_content("Multiple content types test:"), image_content(),
                                     Json{{"type", "resource"},
                                          {"resource",
                                           {{"uri", "test://mixed-content-resource"},
                                            {"mimeType", "application/json"},
                                            {"text", R"({"test":"data","value":123})"}}}}})}};
      });

  // tools-call-with-logging: three info messages during the call, ~50 ms apart.
  category->add_tool(
      mcp::ToolSpec("test_tool_with_logging",
                    "Send three info log notifications (~50 ms apart) while running, then "
                    "answer (conformance fixture).",
                    no_arguments()),
      [](Json, mcp::RequestContext ctx) -> asio::awaitable<Json> {
        ctx.log(mcp::LogLevel::info, "conformance", Json("Tool execution started"));
        co_await pause(std::chrono::milliseconds(50));
        ctx.log(mcp::LogLevel::info, "conformance", Json("Tool processing data"));
        co_await pause(std::chrono::milliseconds(50));
        ctx.log(mcp::LogLevel::info, "conformance", Json("Tool execution completed"));
        co_return Json{
            {"content", Json::array({text_content("Tool with logging executed successfully")})}};
      });

  // tools-call-with-progress: 0, 50, 100 of 100, ~50 ms apart (only sent when the
  // request carries a progressToken; without one the tool just takes its time). The
  // suite wants all three before the result.
  category->add_tool(
      mcp::ToolSpec("test_tool_with_progress",
                    "Report progress 0, 50 and 100 of 100 (~50 ms apart), then answer "
                    "(conformance fixture).",
                    no_arguments()),
      [](Json, mcp::RequestContext ctx) -> asio::awaitable<Json> {
        ctx.progress(0, 100, "started");
        co_await pause(std::chrono::milliseconds(50));
        ctx.progress(50, 100, "halfway");
        co_await pause(std::chrono::milliseconds(50));
        ctx.progress(100, 100, "done");
        // The TypeScript SDK client handles a notification a microtask later than a
        // response: a last report read in the same chunk as the result would reach it
        // after the request is closed and be dropped. A short wait keeps them apart.
        co_await pause(std::chrono::milliseconds(50));
        co_return Json{
            {"content", Json::array({text_content("Tool with progress executed successfully")})}};
      });

  // tools-call-sampling: ask the client's LLM through sampling/createMessage.
  category->add_tool(
      mcp::ToolSpec("test_sampling",
                    "Ask the client for an LLM completion of `prompt` (sampling/createMessage) "
                    "and answer with it (conformance fixture).",
                    Json{{"type", "object"},
                         {"properties", {{"prompt", {{"type", "string"}}}}},
                         {"required", {"prompt"}}}),
      [](Json args, mcp::RequestContext ctx) -> asio::awaitable<Json> {
        Json request = {
            {"messages", Json::array({Json{{"role", "user"},
                                           {"content", mcp::content::text(args["prompt"])}}})},
            {"maxTokens", 100}};
        const Json sample = co_await ctx.create_message(std::move(request));
        const Json& content = sample["content"];
        const std::string text = content.is_object() && content.contains("text")
                                     ? content["text"].get<std::string>()
                                     : content.dump();
        co_return mcp::content::text_result("LLM response: " + text);
      });

  // tools-call-elicitation: ask the user for a username and an email.
  category->add_tool(
      mcp::ToolSpec("test_elicitation",
                    "Ask the user (elicitation/create) for a username and an email "
                    "(conformance fixture).",
                    Json{{"type", "object"},
                         {"properties", {{"message", {{"type", "string"}}}}},
                         {"required", {"message"}}}),
      [](Json args, mcp::RequestContext ctx) -> asio::awaitable<Json> {
        Json schema = {{"type", "object"},
                       {"properties",
                        {{"username", {{"type", "string"}, {"description", "User's response"}}},
                         {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                       {"required", {"username", "email"}}};
        const mcp::ElicitResult answer =
            co_await ctx.elicit(args["message"].get<std::string>(), std::move(schema));
        co_return mcp::content::text_result(fmt::format("User response: action={}, content={}",
                                                        answer.action, answer.content.dump()));
      });

  // elicitation-sep1034-defaults: a form whose every primitive field has a default.
  category->add_tool(
      mcp::ToolSpec("test_elicitation_sep1034_defaults",
                    "Ask the user for a form whose fields have defaults (conformance fixture, "
                    "SEP-1034).",
                    no_arguments()),
      [](Json, mcp::RequestContext ctx) -> asio::awaitable<Json> {
        Json schema = {{"type", "object"},
                       {"properties",
                        {{"name", {{"type", "string"}, {"default", "John Doe"}}},
                         {"age", {{"type", "integer"}, {"default", 30}}},
                         {"score", {{"type", "number"}, {"default", 95.5}}},
                         {"status",
                          {{"type", "string"},
                           {"enum", {"active", "inactive", "pending"}},
                           {"default", "active"}}},
                         {"verified", {{"type", "boolean"}, {"default", true}}}}}};
        const mcp::ElicitResult answer = co_await ctx.elicit(
            "Please review and update the form fields with defaults", std::move(schema));
        co_return mcp::content::text_result(fmt::format(
            "Elicitation completed: action={}, content={}", answer.action, answer.content.dump()));
      });

  // elicitation-sep1330-enums: the five enum forms of 2025-11-25.
  category->add_tool(
      mcp::ToolSpec("test_elicitation_sep1330_enums",
                    "Ask the user for a form with every kind of enum field (conformance "
                    "fixture, SEP-1330).",
                    no_arguments()),
      [](Json, mcp::RequestContext ctx) -> asio::awaitable<Json> {
        auto titled = [](const char* prefix, const char* a, const char* b, const char* c) {
          return Json::array({Json{{"const", std::string(prefix) + "1"}, {"title", a}},
                              Json{{"const", std::string(prefix) + "2"}, {"title", b}},
                              Json{{"const", std::string(prefix) + "3"}, {"title", c}}});
        };
        Json schema = {
            {"type", "object"},
            {"properties",
             {{"untitledSingle", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}},
              {"titledSingle",
               {{"type", "string"},
                {"oneOf", titled("value", "First Option", "Second Option", "Third Option")}}},
              {"legacyEnum",
               {{"type", "string"},
                {"enum", {"opt1", "opt2", "opt3"}},
                {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
              {"untitledMulti",
               {{"type", "array"},
                {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
              {"titledMulti",
               {{"type", "array"},
                {"items",
                 {{"anyOf",
                   titled("value", "First Choice", "Second Choice", "Third Choice")}}}}}}}};
        const mcp::ElicitResult answer =
            co_await ctx.elicit("Please pick from each kind of list", std::move(schema));
        co_return mcp::content::text_result(fmt::format(
            "Elicitation completed: action={}, content={}", answer.action, answer.content.dump()));
      });

  // tools-call-error: a tool-level error (a CallToolResult with isError), not a JSON-RPC
  // error. Returned rather than thrown, so that repeated runs do not open the category's
  // circuit breaker and the text is exactly the suite's.
  category->add_tool(
      mcp::ToolSpec("test_error_handling",
                    "Always fail: answer with isError true and an error text (conformance "
                    "fixture).",
                    no_arguments()),
      [](Json) {
        return Json{
            {"isError", true},
            {"content",
             Json::array({text_content("This tool intentionally returns an error for testing")})}};
      });

  // server-sse-polling (SEP-1699): the scenario POSTs tools/call test_reconnection and
  // watches the stream; a server that closes the SSE stream mid-call gets the result
  // replayed on the client's GET with Last-Event-ID. The tool only takes its time.
  category->add_tool(
      mcp::ToolSpec("test_reconnection",
                    "Wait ~100 ms, then answer: the call during which a server may close its "
                    "SSE stream for the client to resume (conformance fixture, SEP-1699).",
                    no_arguments()),
      [](Json) -> asio::awaitable<Json> {
        co_await pause(std::chrono::milliseconds(100));
        co_return Json{{"content", Json::array({text_content(
                                       "Reconnection test completed successfully. If you "
                                       "received this, the client properly reconnected after "
                                       "stream closure.")})}};
      });

  // json-schema-2020-12 (SEP-1613): tools/list must keep $schema, $defs and
  // additionalProperties of the input schema as given.
  category->add_tool(
      mcp::ToolSpec(
          "json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
          Json{{"$schema", "https://json-schema.org/draft/2020-12/schema"},
               {"type", "object"},
               {"$defs",
                {{"address",
                  {{"type", "object"},
                   {"properties",
                    {{"street", {{"type", "string"}}}, {"city", {{"type", "string"}}}}}}}}},
               {"properties",
                {{"name", {{"type", "string"}}}, {"address", {{"$ref", "#/$defs/address"}}}}},
               {"additionalProperties", false}}),
      [](Json args) {
        return Json{{"content", Json::array({text_content("Received: " + args.dump())})}};
      });

  return category;
}

std::shared_ptr<mcp::ResourceRegistry> make_conformance_resources() {
  auto resources = std::make_shared<mcp::ResourceRegistry>();
  // resources-read-text
  resources->add(mcp::ResourceSpec("test://static-text", "Static text resource")
                     .with_description("A static text resource (conformance fixture)")
                     .with_mime_type("text/plain"),
                 [](const mcp::ResourceRead& read) {
                   return mcp::content::text_contents(
                       read.uri, "This is the content of the static text resource.");
                 });
  // resources-read-binary
  resources->add(mcp::ResourceSpec("test://static-binary", "Static binary resource")
                     .with_description("A 1x1 red PNG (conformance fixture)")
                     .with_mime_type("image/png"),
                 [](const mcp::ResourceRead& read) {
                   return mcp::content::blob_contents(read.uri, kRedPixelPng, "image/png");
                 });
  // resources-subscribe, resources-unsubscribe
  resources->add(mcp::ResourceSpec("test://watched-resource", "Watched resource")
                     .with_description("A resource to subscribe to (conformance fixture)")
                     .with_mime_type("text/plain"),
                 [](const mcp::ResourceRead& read) {
                   return mcp::content::text_contents(read.uri, "Watched resource content.");
                 });
  // resources-templates-read
  resources->add_template(
      mcp::ResourceSpec("test://template/{id}/data", "Template data")
          .with_description("Data for one id (conformance fixture)")
          .with_mime_type("application/json"),
      [](const mcp::ResourceRead& read) {
        const std::string& id = read.variables.at("id");
        const Json data = {{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
        return mcp::content::text_contents(read.uri, data.dump(), "application/json");
      },
      {{"id", mcp::prefix_completer({"123", "456", "789"})}});
  return resources;
}

void add_resource_update_tool(mcp::ToolCategory& category,
                              std::shared_ptr<mcp::ResourceRegistry> resources) {
  category.add_tool(
      mcp::ToolSpec("test_update_resource",
                    "Tell subscribed clients that test://watched-resource changed "
                    "(notifications/resources/updated; end-to-end tests' fixture).",
                    no_arguments()),
      [resources](Json) {
        resources->notify_updated("test://watched-resource");
        return mcp::content::text_result("updated");
      });
}

std::shared_ptr<mcp::PromptRegistry> make_conformance_prompts() {
  auto prompts = std::make_shared<mcp::PromptRegistry>();
  auto user = [](Json content) { return Json{{"role", "user"}, {"content", std::move(content)}}; };
  // prompts-get-simple
  prompts->add(
      mcp::PromptSpec("test_simple_prompt", "A simple prompt without arguments"),
      [user](const mcp::PromptRequest&) {
        return Json::array({user(mcp::content::text("This is a simple prompt for testing."))});
      });
  // prompts-get-with-args, completion-complete
  prompts->add(
      mcp::PromptSpec("test_prompt_with_arguments", "A prompt with two required arguments")
          .with_argument("arg1", "First test argument", true,
                         mcp::prefix_completer({"test", "testing", "paris", "park", "party"}))
          .with_argument("arg2", "Second test argument", true),
      [user](const mcp::PromptRequest& request) {
        return Json::array({user(mcp::content::text(
            fmt::format("Prompt with arguments: arg1='{}', arg2='{}'", request.arguments.at("arg1"),
                        request.arguments.at("arg2"))))});
      });
  // prompts-get-embedded-resource
  prompts->add(
      mcp::PromptSpec("test_prompt_with_embedded_resource", "A prompt that embeds a resource")
          .with_argument("resourceUri", "URI of the resource to embed", true),
      [user](const mcp::PromptRequest& request) {
        return Json::array(
            {user(mcp::content::embedded(mcp::content::text_contents(
                 request.arguments.at("resourceUri"), "Embedded resource content for testing."))),
             user(mcp::content::text("Please process the embedded resource above."))});
      });
  // prompts-get-with-image
  prompts->add(mcp::PromptSpec("test_prompt_with_image", "A prompt with an image"),
               [user](const mcp::PromptRequest&) {
                 return Json::array({user(mcp::content::image(kRedPixelPng, "image/png")),
                                     user(mcp::content::text("Please analyze the image above."))});
               });
  return prompts;
}

}  // namespace demo
