// mcp/impl/metrics/latency_histogram.ipp -- LatencyHistogram snapshots.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/metrics/latency_histogram.hpp>

#include <algorithm>

namespace mcp::metrics {

MCP_HTM_INLINE HistogramSnapshot LatencyHistogram::snapshot() const {
  HistogramSnapshot out;
  out.bounds_seconds.reserve(latency_bounds_ns.size());
  for (const std::int64_t bound : latency_bounds_ns) {
    out.bounds_seconds.push_back(static_cast<double>(bound) / 1e9);
  }
  out.counts.reserve(latency_bucket_count);
  for (const auto& bucket : buckets_) {
    out.counts.push_back(bucket.load(std::memory_order_relaxed));
    out.count += out.counts.back();
  }
  out.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return out;
}

MCP_HTM_INLINE void HistogramSnapshot::merge(const HistogramSnapshot& other) {
  if (counts.empty()) {
    *this = other;
    return;
  }
  for (std::size_t i = 0; i < std::min(counts.size(), other.counts.size()); ++i) {
    counts[i] += other.counts[i];
  }
  count += other.count;
  sum_seconds += other.sum_seconds;
}

}  // namespace mcp::metrics
