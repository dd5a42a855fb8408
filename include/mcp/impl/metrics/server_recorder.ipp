// mcp/impl/metrics/server_recorder.ipp -- ServerMetricsRecorder.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/metrics/server_recorder.hpp>

#include <algorithm>
#include <array>

namespace mcp::metrics {

MCP_HTM_INLINE ServerMetricsRecorder::ServerMetricsRecorder(std::string network_transport)
    : transport_(std::move(network_transport)) {}

MCP_HTM_INLINE std::string_view ServerMetricsRecorder::bounded_method(
    std::string_view method) noexcept {
  static constexpr std::array<std::string_view, 16> known = {"initialize",
                                                             "ping",
                                                             "tools/list",
                                                             "tools/call",
                                                             "resources/list",
                                                             "resources/read",
                                                             "resources/templates/list",
                                                             "prompts/list",
                                                             "prompts/get",
                                                             "logging/setLevel",
                                                             "completion/complete",
                                                             "resources/subscribe",
                                                             "resources/unsubscribe",
                                                             "tasks/get",
                                                             "tasks/list",
                                                             "tasks/cancel"};
  for (const std::string_view m : known) {
    if (m == method) return m;
  }
  return "other";
}

MCP_HTM_INLINE void ServerMetricsRecorder::record_operation(std::string_view method,
                                                            std::string_view tool,
                                                            std::string_view error_type,
                                                            std::string_view protocol_version,
                                                            std::chrono::nanoseconds duration) {
  const std::string_view bounded = bounded_method(method);
  const std::size_t bucket = latency_bucket(duration.count());
  std::lock_guard lock(mutex_);
  auto it = operations_.find(KeyView(bounded, tool, error_type, protocol_version));
  if (it == operations_.end()) {
    it = operations_
             .emplace(Key{std::string(bounded), std::string(tool), std::string(error_type),
                          std::string(protocol_version)},
                      Histogram{})
             .first;
  }
  ++it->second.counts[bucket];
  it->second.sum_ns += duration.count();
}

MCP_HTM_INLINE ServerMetrics ServerMetricsRecorder::snapshot() const {
  ServerMetrics out;
  out.network_transport = transport_;
  out.notifications = notifications_.load(std::memory_order_relaxed);
  out.invalid_messages = invalid_.load(std::memory_order_relaxed);
  out.sessions_open = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, sessions_.load(std::memory_order_relaxed)));
  out.streams_open = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, streams_.load(std::memory_order_relaxed)));
  std::lock_guard lock(mutex_);
  for (const auto& [key, histogram] : operations_) {
    OperationMetrics op;
    std::tie(op.method, op.tool, op.error_type, op.protocol_version) = key;
    for (const std::int64_t bound : latency_bounds_ns) {
      op.duration.bounds_seconds.push_back(static_cast<double>(bound) / 1e9);
    }
    op.duration.counts.assign(histogram.counts.begin(), histogram.counts.end());
    for (const auto c : histogram.counts) op.duration.count += c;
    op.duration.sum_seconds = static_cast<double>(histogram.sum_ns) / 1e9;
    out.operations.push_back(std::move(op));
  }
  return out;
}

}  // namespace mcp::metrics
