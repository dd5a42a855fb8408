#include <mcp/impl/resources/resource_registry.ipp>
