// tests/tool_category_test.cpp -- ToolCategory: tools, summaries, schema cache.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/tool_category.hpp>

#include <string>

#include <asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "support/run_awaitable.hpp"

using mcp::Json;

namespace {

class MathCategory : public mcp::ToolCategory {
 public:
  MathCategory() : ToolCategory("math", "Arithmetic") {
    add_tool(mcp::ToolSpec("square", "Square a number"),
             [](Json args) { return args["x"].get<int>() * args["x"].get<int>(); });
    add_tool(
        mcp::ToolSpec("later", "Answer from a coroutine").with_timeout(std::chrono::seconds(3)),
        [](Json args) -> asio::awaitable<Json> { co_return args; });
  }
};

}  // namespace

TEST_CASE("A derived category holds sync and coroutine tools, found by name", "[tool_category]") {
  MathCategory math;
  CHECK(math.name() == "math");
  CHECK(math.tool_count() == 2);
  const mcp::Tool* square = math.find_tool("square");
  REQUIRE(square != nullptr);
  CHECK_FALSE(square->is_async());
  CHECK(square->sync_handler()(Json{{"x", 7}}) == 49);  // int result converted to Json
  const mcp::Tool* later = math.find_tool("later");
  REQUIRE(later != nullptr);
  CHECK(later->is_async());
  asio::io_context io;
  CHECK(mcp::test::run_awaitable(io, later->async_handler()(Json{{"k", 1}})) == Json{{"k", 1}});
  CHECK(math.find_tool("cube") == nullptr);
  CHECK(math.tool_names() == std::vector<std::string>{"later", "square"});
}

TEST_CASE("Summaries are the description's first line, cut at 100 code points", "[tool_category]") {
  CHECK(mcp::ToolCategory::summary_of("One line\nmore detail") == "One line");
  CHECK(mcp::ToolCategory::summary_of("Windows line\r\nnext") == "Windows line");
  const std::string exact(100, 'a');
  CHECK(mcp::ToolCategory::summary_of(exact) == exact);
  CHECK(mcp::ToolCategory::summary_of(exact + "b") == exact + "...");
  // 101 two-byte characters: cut after 100 characters (200 bytes), never mid-character.
  std::string accents;
  for (int i = 0; i < 101; ++i) accents += "\xC3\xA9";  // U+00E9
  const std::string cut = mcp::ToolCategory::summary_of(accents);
  CHECK(cut == accents.substr(0, 200) + "...");

  mcp::ToolCategory category("c", "d");
  category.add_tool(mcp::ToolSpec("t", exact + "xyz\nsecond line"), [](Json) { return 1; });
  auto summaries = category.list_tools();
  REQUIRE(summaries.size() == 1);
  CHECK(summaries[0].name == "t");
  CHECK(summaries[0].description == exact + "...");
}

TEST_CASE("Full schemas are built once, cached, counted and clearable", "[tool_category]") {
  mcp::ToolCategory category("c", "d");
  category.add_tool(mcp::ToolSpec("t", "A tool", {{"type", "object"}, {"required", {"q"}}})
                        .with_output_schema({{"type", "string"}})
                        .mark_deprecated("use t2")
                        .with_timeout(std::chrono::milliseconds(1500)),
                    [](Json) { return "x"; });
  auto first = category.schema("t");
  REQUIRE(first);
  CHECK((*first)["name"] == "t");
  CHECK((*first)["description"] == "A tool");
  CHECK((*first)["inputSchema"]["required"] == Json({"q"}));
  CHECK((*first)["outputSchema"] == Json{{"type", "string"}});
  CHECK((*first)["deprecated"] == true);
  CHECK((*first)["deprecationMessage"] == "use t2");
  CHECK((*first)["timeoutMs"] == 1500);
  auto second = category.schema("t");
  CHECK(second.get() == first.get());  // the cached object
  auto stats = category.schema_cache_stats();
  CHECK(stats.misses == 1);
  CHECK(stats.hits == 1);
  CHECK(stats.size == 1);
  CHECK(category.schema("missing") == nullptr);
  category.clear_schema_cache();
  CHECK(category.schema_cache_stats().size == 0);
  auto rebuilt = category.schema("t");
  CHECK(rebuilt.get() != first.get());
  CHECK(*rebuilt == *first);
  CHECK(category.schema_cache_stats().misses == 2);
}

TEST_CASE("An invalid input schema is refused when the tool is added", "[tool_category]") {
  mcp::ToolCategory category("c", "d");
  CHECK_THROWS_AS(
      category.add_tool(mcp::ToolSpec("t", "d", {{"type", 42}}), [](Json) { return 1; }),
      mcp::SchemaError);
  CHECK(category.tool_count() == 0);
}
