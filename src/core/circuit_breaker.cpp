#include <mcp/impl/circuit_breaker.ipp>
