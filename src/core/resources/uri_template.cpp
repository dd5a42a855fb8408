#include <mcp/impl/resources/uri_template.ipp>
