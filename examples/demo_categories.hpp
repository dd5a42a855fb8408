// examples/demo_categories.hpp -- the demo tool categories served by mcp-htm-server.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_EXAMPLES_DEMO_CATEGORIES_HPP
#define MCP_HTM_EXAMPLES_DEMO_CATEGORIES_HPP

#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/tool_category.hpp>

#include <memory>

namespace demo {

/// math: add, subtract, multiply, divide (division by zero is a tool error), sqrt.
std::shared_ptr<mcp::ToolCategory> make_math();
/// text: word_count, normalize, truncate -- arguments checked by the validator.
std::shared_ptr<mcp::ToolCategory> make_text();
/// timing: sleep_ms, a coroutine tool waiting on an asio timer (cancellable);
/// wait_for_cancel, which waits until cancelled and counts the cancellations its coroutine
/// saw, and cancellations, which reads the counts (for the end-to-end tests).
std::shared_ptr<mcp::ToolCategory> make_timing();
/// faults: flaky, which fails when asked (so the category's breaker can be seen opening).
std::shared_ptr<mcp::ToolCategory> make_faults();
/// util: noop and echo, with the semantics of the mcp-stdio-bench peer server.
std::shared_ptr<mcp::ToolCategory> make_util();
/// stats: mean, median, stdev -- registered lazily (created on first use).
std::shared_ptr<mcp::ToolCategory> make_stats();
/// admin: register_extras, which registers the `extras` category at run time (so that
/// clients receive notifications/tools/list_changed).
std::shared_ptr<mcp::ToolCategory> make_admin(mcp::HierarchicalToolManager& manager);

/// Registers every demo category with `manager`.
void register_all(mcp::HierarchicalToolManager& manager);

}  // namespace demo

#endif  // MCP_HTM_EXAMPLES_DEMO_CATEGORIES_HPP
