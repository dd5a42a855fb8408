// tests/find_package/main.cpp -- a host application of mcp-htm, built by every consumer
// test (find_package against an install or the .deb, add_subdirectory, pkg-config):
// a typed tool dispatched through the manager, and the version the build system,
// <mcp/version.hpp> and the server's serverInfo agree on. Header-only builds add
// second_unit.cpp, whose checks run first.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/htm.hpp>
#include <mcp/version.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/use_future.hpp>

#ifndef EXPECTED_VERSION
#error "build with -DEXPECTED_VERSION=\"<mcp_htm_VERSION or pkg-config --modversion>\""
#endif

#ifdef MCP_HTM_HEADER_ONLY
bool second_unit_works();
#endif

namespace {

struct AddArgs {
  int a = 0;
  int b = 0;
  MCP_HTM_FIELDS(AddArgs, MCP_HTM_FIELD(a, "First addend"), MCP_HTM_FIELD(b))
};
struct Sum {
  int value = 0;
  MCP_HTM_FIELDS(Sum, MCP_HTM_FIELD(value))
};

class KeepLast : public mcp::MessageSink {
 public:
  void send(std::string message) override { last = std::move(message); }
  std::string last;
};

}  // namespace

int main() {
  if (std::strcmp(MCP_HTM_VERSION_STRING, EXPECTED_VERSION) != 0) {
    std::printf("<mcp/version.hpp> says %s, the build system %s\n", MCP_HTM_VERSION_STRING,
                EXPECTED_VERSION);
    return 1;
  }
#ifdef MCP_HTM_HEADER_ONLY
  if (!second_unit_works()) return 1;
#endif
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto math = std::make_shared<mcp::ToolCategory>("math", "Arithmetic");
  math->add_tool(mcp::ToolSpec("add", "Add two numbers"),
                 [](AddArgs args) { return Sum{args.a + args.b}; });
  manager.register_category(math);
  mcp::Json args = {{"a", 2}, {"b", 40}};
  auto future = asio::co_spawn(io, manager.dispatch("math", "add", args), asio::use_future);
  io.run();
  const mcp::DispatchResult result = future.get();
  std::printf("%s\n", result.to_json().dump().c_str());
  if (!result.ok() || result.value() != mcp::Json{{"value", 42}}) return 1;

  auto sink = std::make_shared<KeepLast>();
  mcp::Server server(manager, sink);
  asio::post(server.get_executor(), [&server] {
    server.handle_message(
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
        R"("capabilities":{},"clientInfo":{"name":"consumer","version":"1"}}})");
  });
  io.restart();
  io.run();
  const auto info = mcp::Json::parse(sink->last).at("result").at("serverInfo");
  std::printf("serverInfo %s\n", info.dump().c_str());
  return info.at("version") == EXPECTED_VERSION ? 0 : 1;
}
