#include <mcp/impl/json_schema.ipp>
