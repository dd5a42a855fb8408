#include <mcp/impl/tool_category.ipp>
