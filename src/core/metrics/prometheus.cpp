#include <mcp/impl/metrics/prometheus.ipp>
