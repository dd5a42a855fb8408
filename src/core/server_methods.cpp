#include <mcp/impl/server_methods.ipp>
