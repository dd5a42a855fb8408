// mcp/config.hpp -- version and build configuration of mcp-htm.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CONFIG_HPP
#define MCP_HTM_CONFIG_HPP

/// mcp-htm version as major * 10000 + minor * 100 + patch.
#define MCP_HTM_VERSION 100

#if __cplusplus < 202002L && !defined(_MSVC_LANG)
#error "mcp-htm requires C++20"
#endif

#endif  // MCP_HTM_CONFIG_HPP
