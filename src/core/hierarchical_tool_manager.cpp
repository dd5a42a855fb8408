#include <mcp/impl/hierarchical_tool_manager.ipp>
