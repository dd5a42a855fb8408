#include <mcp/impl/adaptive_limiter.ipp>
