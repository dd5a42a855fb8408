#pragma once
// Build-mode switches shared by the library's implementation files.
//
// mcp-htm builds in two modes. The compiled library (mcp::htm) compiles each
// include/mcp/impl/*.ipp once, through its src/*.cpp. The header-only mode
// (mcp::htm-header-only, or -DMCP_HTM_HEADER_ONLY) has every public header include
// its .ipp at its end, so the definitions in them land in each user translation
// unit: MCP_HTM_INLINE makes them `inline`, so the linker keeps one of each.

#ifdef MCP_HTM_HEADER_ONLY
#define MCP_HTM_INLINE inline
#else
#define MCP_HTM_INLINE
#endif
