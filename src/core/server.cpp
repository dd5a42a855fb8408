#include <mcp/impl/server.ipp>
