#include <mcp/impl/stdio_transport.ipp>
