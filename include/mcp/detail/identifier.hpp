// mcp/detail/identifier.hpp -- validation of category and tool names.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DETAIL_IDENTIFIER_HPP
#define MCP_HTM_DETAIL_IDENTIFIER_HPP

#include <string_view>

namespace mcp::detail {

/// Throws std::invalid_argument unless `name` has 1-128 characters of [A-Za-z0-9_.-];
/// `what` ("tool", "category") starts the message.
void check_identifier(std::string_view what, std::string_view name);

}  // namespace mcp::detail

#endif  // MCP_HTM_DETAIL_IDENTIFIER_HPP
