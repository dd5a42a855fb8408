#include <mcp/impl/error.ipp>
