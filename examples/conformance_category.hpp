// examples/conformance_category.hpp -- the tools the official MCP conformance suite
// (@modelcontextprotocol/conformance, server scenarios) calls, served by
// `mcp-htm-server --http PORT --conformance`.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_EXAMPLES_CONFORMANCE_CATEGORY_HPP
#define MCP_HTM_EXAMPLES_CONFORMANCE_CATEGORY_HPP

#include <mcp/prompts/prompt_registry.hpp>
#include <mcp/resources/resource_registry.hpp>
#include <mcp/tool_category.hpp>

#include <memory>

namespace demo {

/// conformance: the fixture tools of the conformance suite's tools scenarios, under the
/// names and with the results the suite checks (served flat, under their bare names):
/// - test_simple_text, test_image_content, test_audio_content, test_embedded_resource,
///   test_multiple_content_types: fixed CallToolResults of those content types;
/// - test_tool_with_logging: three notifications/message at info, ~50 ms apart;
/// - test_tool_with_progress: progress 0, 50, 100 of 100, ~50 ms apart;
/// - test_error_handling: a CallToolResult with isError true and an error text;
/// - test_reconnection: waits ~100 ms, then answers (the SSE polling scenario; closing
///   the stream mid-call is the transport's business, not the tool's);
/// - json_schema_2020_12_tool: a tool whose inputSchema uses $schema (2020-12), $defs,
///   $ref and additionalProperties, which tools/list must pass through unchanged.
/// Tools that need server-to-client requests (test_sampling, test_elicitation, ...) are
/// not here: the server offers neither.
std::shared_ptr<mcp::ToolCategory> make_conformance_category();
/// The suite's resources (test://static-text, ...) and its template test://template/{id}/data.
std::shared_ptr<mcp::ResourceRegistry> make_conformance_resources();
/// Adds `test_update_resource` to `category`: it sends notifications/resources/updated
/// for test://watched-resource of `resources` (for the end-to-end tests, not the suite).
void add_resource_update_tool(mcp::ToolCategory& category,
                              std::shared_ptr<mcp::ResourceRegistry> resources);
/// The suite's prompts (test_simple_prompt, ...).
std::shared_ptr<mcp::PromptRegistry> make_conformance_prompts();

}  // namespace demo

#endif  // MCP_HTM_EXAMPLES_CONFORMANCE_CATEGORY_HPP
