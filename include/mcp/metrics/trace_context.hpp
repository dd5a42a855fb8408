// mcp/metrics/trace_context.hpp -- W3C Trace Context (traceparent, tracestate) of a request.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_METRICS_TRACE_CONTEXT_HPP
#define MCP_HTM_METRICS_TRACE_CONTEXT_HPP

#include <mcp/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mcp::metrics {

/// A request's W3C Trace Context, as a client sends it in `params._meta`
/// (`traceparent`, `tracestate`), for tracing hooks and for forwarding upstream.
struct TraceContext {
  std::string traceparent;  ///< validated: `00-<32 hex>-<16 hex>-<2 hex>` (lower case)
  std::string tracestate;   ///< passed on as received when traceparent is valid (<= 512 chars)

  /// The trace id (32 hex digits) inside traceparent.
  [[nodiscard]] std::string_view trace_id() const noexcept {
    return std::string_view(traceparent).substr(3, 32);
  }
  /// The parent (span) id (16 hex digits) inside traceparent.
  [[nodiscard]] std::string_view parent_id() const noexcept {
    return std::string_view(traceparent).substr(36, 16);
  }
  /// True when the sampled flag (bit 0 of trace-flags) is set.
  [[nodiscard]] bool sampled() const noexcept;
};

/// Parses a traceparent header value by the W3C Trace Context rules: version 00 exactly
/// 55 characters; a later version at least that, its first four fields read as 00's; version
/// ff, upper-case hex, an all-zero trace id or parent id are invalid. nullopt when invalid.
[[nodiscard]] std::optional<TraceContext> parse_traceparent(std::string_view traceparent,
                                                            std::string_view tracestate = {});

/// The trace context of a request's `params` (its `_meta.traceparent` and
/// `_meta.tracestate` strings), or nullopt when absent or invalid.
[[nodiscard]] std::optional<TraceContext> trace_context_of(const Json& params);

}  // namespace mcp::metrics

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/metrics/trace_context.ipp>
#endif

#endif  // MCP_HTM_METRICS_TRACE_CONTEXT_HPP
