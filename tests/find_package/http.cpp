// tests/find_package/http.cpp -- links the installed mcp::htm-http (the coroutine is
// created, so its code must link, and destroyed without running).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/http_transport.hpp>

#include <asio/io_context.hpp>

int main() {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto serving = mcp::serve_http(manager);
  (void)serving;
  return 0;
}
