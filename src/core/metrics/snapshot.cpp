#include <mcp/impl/metrics/snapshot.ipp>
