#include <mcp/impl/validator.ipp>
