#include <mcp/impl/metrics/latency_histogram.ipp>
