// tests/find_package/main.cpp -- links the installed mcp::htm and dispatches one call.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/htm.hpp>

#include <cstdio>
#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

int main() {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto math = std::make_shared<mcp::ToolCategory>("math", "Arithmetic");
  math->add_tool(mcp::ToolSpec("add", "Add two numbers"),
                 [](mcp::Json args) { return args["a"].get<int>() + args["b"].get<int>(); });
  manager.register_category(math);
  auto future =
      asio::co_spawn(io, manager.dispatch("math", "add", {{"a", 2}, {"b", 40}}), asio::use_future);
  io.run();
  const mcp::DispatchResult result = future.get();
  std::printf("%s\n", result.to_json().dump().c_str());
  return result.ok() && result.value() == 42 ? 0 : 1;
}
