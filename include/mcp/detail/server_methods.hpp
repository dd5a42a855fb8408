// mcp/detail/server_methods.hpp -- the parts of resources/*, prompts/* and
// completion/complete that do not depend on the session (src/server.cpp routes them).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DETAIL_SERVER_METHODS_HPP
#define MCP_HTM_DETAIL_SERVER_METHODS_HPP

#include <mcp/json.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {
class ResourceRegistry;
class PromptRegistry;
}  // namespace mcp

namespace mcp::detail {

/// A request to refuse with a JSON-RPC error.
struct MethodError : std::runtime_error {
  MethodError(int error_code, const std::string& message, Json error_data = nullptr)
      : std::runtime_error(message), code(error_code), data(std::move(error_data)) {}
  int code;
  Json data;
};

/// MCP's "Resource not found" (resources/read of an unknown URI).
constexpr int resource_not_found = -32002;

/// `{key: [one page of items], "nextCursor"?}` from params' `cursor` (an offset as text);
/// MethodError -32602 for a cursor that is not one this server gave.
[[nodiscard]] Json list_page(const std::vector<Json>& items, const Json& params,
                             std::size_t page_size, std::string_view key);

/// The `uri` member of a resources/* request; MethodError -32602 when missing.
[[nodiscard]] std::string resource_uri(const Json& params);

/// completion/complete: `{"completion": {"values", "total", "hasMore"}}`. Either registry
/// may be null. MethodError -32602 for a bad ref or argument.
[[nodiscard]] Json complete(const ResourceRegistry* resources, const PromptRegistry* prompts,
                            const Json& params);

}  // namespace mcp::detail

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/server_methods.ipp>
#endif

#endif  // MCP_HTM_DETAIL_SERVER_METHODS_HPP
