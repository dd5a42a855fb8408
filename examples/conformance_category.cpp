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

#include <mcp/log_level.hpp>
#include <mcp/request_context.hpp>

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <string>

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

Json text_content(std::string text) {
  return Json{{"type", "text"}, {"text", std::move(text)}};
}

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
        return Json{{"content", Json::array({text_content(
                                    "This is a simple text response for testing.")})}};
      });

  // tools-call-image
  category->add_tool(mcp::ToolSpec("test_image_content",
                                   "Return one image content item: a 1x1 red PNG (conformance "
                                   "fixture).",
                                   no_arguments()),
                     [](Json) { return Json{{"content", Json::array({image_content()})}}; });

  // tools-call-audio (the suite checks mimeType == "audio/wav")
  category->add_tool(
      mcp::ToolSpec("test_audio_content",
                    "Return one audio content item: a short silent WAV (conformance fixture).",
                    no_arguments()),
      [](Json) {
        return Json{{"content", Json::array({Json{{"type", "audio"},
                                                  {"data", kSilentWav},
                                                  {"mimeType", "audio/wav"}}})}};
      });

  // tools-call-embedded-resource
  category->add_tool(
      mcp::ToolSpec("test_embedded_resource",
                    "Return one embedded text resource (conformance fixture).", no_arguments()),
      [](Json) {
        return Json{
            {"content",
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
            {"content",
             Json::array({text_content("Multiple content types test:"), image_content(),
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
            {"content",
             Json::array({text_content("Tool with logging executed successfully")})}};
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
            {"content",
             Json::array({text_content("Tool with progress executed successfully")})}};
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
            {"content", Json::array({text_content(
                            "This tool intentionally returns an error for testing")})}};
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
        co_return Json{
            {"content",
             Json::array({text_content("Reconnection test completed successfully. If you "
                                       "received this, the client properly reconnected after "
                                       "stream closure.")})}};
      });

  // json-schema-2020-12 (SEP-1613): tools/list must keep $schema, $defs and
  // additionalProperties of the input schema as given.
  category->add_tool(
      mcp::ToolSpec("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
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

}  // namespace demo
