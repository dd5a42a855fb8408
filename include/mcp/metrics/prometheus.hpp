// mcp/metrics/prometheus.hpp -- the Prometheus text exposition of a MetricsSnapshot.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_METRICS_PROMETHEUS_HPP
#define MCP_HTM_METRICS_PROMETHEUS_HPP

#include <mcp/metrics/snapshot.hpp>

#include <string>
#include <string_view>

namespace mcp::metrics {

/// The content type of the text exposition format, version 0.0.4.
inline constexpr std::string_view prometheus_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

/// The snapshot in Prometheus's text exposition format (what `/metrics` of the HTTP
/// transport serves; hosts that expose metrics their own way call this).
/**
 * Families (docs/metrics.md lists them with their labels):
 * - `mcp_server_operation_duration_seconds` (histogram; OpenTelemetry's
 *   `mcp.server.operation.duration` with `mcp_method_name`, `gen_ai_tool_name`,
 *   `error_type`, `network_transport`, `mcp_protocol_version`), from the server;
 * - `mcp_htm_category_*`, `mcp_htm_breaker_*` and `mcp_htm_limiter_*` per category;
 * - `mcp_htm_server_*` for messages, sessions and streams.
 * Every family has HELP and TYPE lines; labels come only from bounded sets.
 */
[[nodiscard]] std::string to_prometheus(const MetricsSnapshot& snapshot);

}  // namespace mcp::metrics

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/metrics/prometheus.ipp>
#endif

#endif  // MCP_HTM_METRICS_PROMETHEUS_HPP
