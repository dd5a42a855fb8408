// tests/examples/example_context.hpp -- what the documentation's C++ fragments assume
// without declaring it, for the units tests/examples/extract_examples generates.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// A fragment compiled as a `body` runs in mcp_htm_examples::Scope::example(), a
// coroutine of a ToolCategory (so add_tool() is at hand), where these names are members:
//   io, manager, strand, args, spec, breaker, server_options, stdio_options,
//   run(), index_part(i)
// and these classes are declared at global scope: MathCategory, SearchCategory,
// MyCategory (categories), MySink (a MessageSink). A block that declares one of them
// itself (`asio::io_context io;`, `class MathCategory`) uses its own. Nothing here is
// ever run: the examples are compiled, not executed.
#ifndef MCP_HTM_TESTS_EXAMPLES_EXAMPLE_CONTEXT_HPP
#define MCP_HTM_TESTS_EXAMPLES_EXAMPLE_CONTEXT_HPP

#include <mcp/htm.hpp>
#if MCP_HTM_EXAMPLES_HTTP
#include <mcp/http_transport.hpp>
#endif

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

/// A category of arithmetic tools (the README writes its own).
class MathCategory : public mcp::ToolCategory {
 public:
  MathCategory();
};

/// A category with a `query` tool.
class SearchCategory : public mcp::ToolCategory {
 public:
  SearchCategory();
};

/// Any category of the reader's.
class MyCategory : public mcp::ToolCategory {
 public:
  MyCategory();
};

/// Any MessageSink of the reader's.
class MySink : public mcp::MessageSink {
 public:
  void send(std::string message) override;
};

namespace mcp_htm_examples {

/// The scope of a `body` fragment: its example() is a member coroutine of a category.
struct Scope : mcp::ToolCategory {
  Scope();

  asio::io_context& io;
  mcp::HierarchicalToolManager& manager;
  asio::strand<asio::any_io_executor> strand;
  mcp::Json args;  ///< a tool's arguments
  mcp::ToolSpec spec;
  mcp::CircuitBreaker& breaker;
  mcp::ServerOptions server_options;
  mcp::StdioOptions stdio_options;

  /// Some work to guard or to wait for.
  static void run();
  static asio::awaitable<void> index_part(int part);
};

}  // namespace mcp_htm_examples

#endif  // MCP_HTM_TESTS_EXAMPLES_EXAMPLE_CONTEXT_HPP
