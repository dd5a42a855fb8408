// tests/typed_tool/unsupported.cpp -- typed tools a user gets wrong, one per CASE; each
// must fail to compile with a static_assert that says what to do (typed_tool.cmake
// checks the message). CASE 0 is the control: the same code, correct, compiles.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/tool_category.hpp>

#include <map>
#include <set>
#include <string>

namespace {

enum class Color { red, green };
#if CASE != 5
MCP_HTM_ENUM(Color, {Color::red, "red"}, {Color::green, "green"})
#endif

struct Args {
#if CASE == 1
  std::set<int> values;  // not a supported container
#elif CASE == 2
  std::map<int, int> values;  // a map with non-string keys
#else
  std::map<std::string, int> values;
#endif
#if CASE == 4
  int limit = 0;
#else
  std::string limit;
#endif
  Color color = Color::red;
  MCP_HTM_FIELDS(Args, MCP_HTM_FIELD(values),
                 MCP_HTM_FIELD(limit, "a limit", mcp::pattern("^[0-9]+$")),  // CASE 4: on an int
                 MCP_HTM_FIELD(color))
};

#if CASE == 3
struct Plain {  // no MCP_HTM_FIELDS
  int a = 0;
};
#else
using Plain = Args;
#endif

struct Category : mcp::ToolCategory {
  Category() : ToolCategory("c", "d") {
    add_tool(mcp::ToolSpec("t", "d"), [](Plain) { return std::string("ok"); });
#if CASE == 6
    add_tool(mcp::ToolSpec("u", "d"), [](Args) { return 42; });  // an int result
#endif
  }
};

}  // namespace

int main() {
  Category category;
  return category.tool_count() == 1 ? 0 : 1;
}
