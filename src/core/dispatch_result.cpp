#include <mcp/impl/dispatch_result.ipp>
