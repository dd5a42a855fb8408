// mcp/metrics/snapshot.hpp -- the metrics of a manager and its servers, as plain structs.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_METRICS_SNAPSHOT_HPP
#define MCP_HTM_METRICS_SNAPSHOT_HPP

#include <mcp/circuit_breaker.hpp>
#include <mcp/error.hpp>
#include <mcp/metrics/latency_histogram.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::metrics {

/// How a dispatch ended, as counted: 0 is success, then one per ErrorCode (by its value).
inline constexpr std::size_t outcome_count = 11;
/// The outcome index of a result: 0 for success, else the ErrorCode's value.
[[nodiscard]] constexpr std::size_t outcome_index(std::optional<ErrorCode> error) noexcept {
  return error ? static_cast<std::size_t>(*error) : 0;
}
/// "success", or the ErrorCode's name ("timeout", "circuit_open", ...).
[[nodiscard]] std::string_view outcome_name(std::size_t index) noexcept;

/// A category's adaptive concurrency limit (see AdaptiveLimiter), when it has one.
struct LimiterMetrics {
  std::size_t limit = 0;        ///< the current limit
  std::size_t in_flight = 0;    ///< calls holding a permit
  std::size_t queued = 0;       ///< calls waiting for one
  std::uint64_t rejected = 0;   ///< calls refused (fail fast, or waited too long)
  std::uint64_t decreases = 0;  ///< multiplicative decreases so far
};

/// One category, as HierarchicalToolManager::metrics() reads it.
struct CategoryMetrics {
  std::string name;
  bool loaded = false;
  /// Finished calls by outcome (outcome_index()); category_not_found never lands here
  /// (ManagerMetrics::unknown_category_calls counts those).
  std::array<std::uint64_t, outcome_count> calls{};
  /// From admission to the end of each finished call, whatever its outcome.
  HistogramSnapshot latency;
  /// Calls of this category running now (coroutine tools, and calls waiting for the
  /// category's lazy load; a synchronous tool finishes before anyone can look).
  std::uint64_t in_flight = 0;
  BreakerState breaker_state = BreakerState::closed;
  std::uint64_t breaker_transitions = 0;  ///< state changes since registration
  std::uint64_t breaker_rejections = 0;   ///< calls the breaker refused
  std::optional<LimiterMetrics> limiter;  ///< only with an adaptive limit

  [[nodiscard]] std::uint64_t total_calls() const noexcept;
};

/// Everything the manager counts.
struct ManagerMetrics {
  std::vector<CategoryMetrics> categories;  ///< sorted by name
  std::uint64_t unknown_category_calls = 0;
  std::uint64_t calls_in_flight = 0;  ///< HierarchicalToolManager::calls_in_flight()
};

/// Requests a Server handled with one (method, tool, error type), and their durations.
/**
 * `method` is one of the MCP methods the server knows, or "other" (never a client's
 * arbitrary string); `tool` is a tools/call's tool name when the server has that tool
 * (else empty: the label is left out); `error_type` is empty for a success, "tool_error"
 * for a tool result with `isError`, else the JSON-RPC error code as text ("-32602").
 * All three come from bounded sets: the registered tools, the known methods and codes.
 */
struct OperationMetrics {
  std::string method;
  std::string tool;
  std::string error_type;
  std::string protocol_version;  ///< negotiated revision; empty before initialize
  HistogramSnapshot duration;
};

/// What a ServerMetricsRecorder counts, over every session that shares it.
struct ServerMetrics {
  std::string network_transport;             ///< "pipe" (stdio) or "tcp" (HTTP), as OpenTelemetry
  std::vector<OperationMetrics> operations;  ///< sorted by (method, tool, error, version)
  std::uint64_t notifications = 0;           ///< notifications received
  std::uint64_t invalid_messages = 0;        ///< messages answered with a parse/invalid error
  std::uint64_t sessions_open = 0;           ///< HTTP: sessions live now
  std::uint64_t streams_open = 0;            ///< HTTP: event streams open now
};

/// What an exporter writes: the manager's metrics and, when a server recorded any, its.
struct MetricsSnapshot {
  ManagerMetrics manager;
  std::optional<ServerMetrics> server;
};

}  // namespace mcp::metrics

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/metrics/snapshot.ipp>
#endif

#endif  // MCP_HTM_METRICS_SNAPSHOT_HPP
