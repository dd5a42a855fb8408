// mcp/htm.hpp -- convenience header: every public header of mcp-htm.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_HTM_HPP
#define MCP_HTM_HTM_HPP

#include <mcp/adaptive_limiter.hpp>
#include <mcp/circuit_breaker.hpp>
#include <mcp/completion.hpp>
#include <mcp/config.hpp>
#include <mcp/content.hpp>
#include <mcp/dispatch_hook.hpp>
#include <mcp/dispatch_parallel.hpp>
#include <mcp/dispatch_result.hpp>
#include <mcp/error.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/json.hpp>
#include <mcp/json_schema.hpp>
#include <mcp/prompts/prompt_registry.hpp>
#include <mcp/request_context.hpp>
#include <mcp/resources/resource_registry.hpp>
#include <mcp/resources/uri_template.hpp>
#include <mcp/server.hpp>
#include <mcp/stdio_transport.hpp>
#include <mcp/tool_category.hpp>
#include <mcp/typed_tool.hpp>
#include <mcp/validator.hpp>
#include <mcp/version.hpp>

#endif  // MCP_HTM_HTM_HPP
