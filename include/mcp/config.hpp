// mcp/config.hpp -- version and build configuration of mcp-htm.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CONFIG_HPP
#define MCP_HTM_CONFIG_HPP

// The version macros (MCP_HTM_VERSION, MCP_HTM_VERSION_STRING) are generated from the
// CMake project's version.
#include <mcp/version.hpp>

#if __cplusplus < 202002L && !defined(_MSVC_LANG)
#error "mcp-htm requires C++20"
#endif

#endif  // MCP_HTM_CONFIG_HPP
