// mcp/json.hpp -- the JSON value type used throughout mcp-htm.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_JSON_HPP
#define MCP_HTM_JSON_HPP

#include <nlohmann/json.hpp>

namespace mcp {

/// JSON values: tool arguments, results and schemas. An alias, so that host code and
/// any other nlohmann-based MCP code exchange values without conversion.
using Json = nlohmann::json;

}  // namespace mcp

#endif  // MCP_HTM_JSON_HPP
