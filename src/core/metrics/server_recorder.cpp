#include <mcp/impl/metrics/server_recorder.ipp>
