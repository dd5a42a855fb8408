#include <mcp/impl/request_context.ipp>
