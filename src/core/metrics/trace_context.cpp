#include <mcp/impl/metrics/trace_context.ipp>
