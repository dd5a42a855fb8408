// mcp/metrics/latency_histogram.hpp -- a fixed-bucket latency histogram, lock-free.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_METRICS_LATENCY_HISTOGRAM_HPP
#define MCP_HTM_METRICS_LATENCY_HISTOGRAM_HPP

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mcp::metrics {

/// Upper bounds of the latency buckets, in nanoseconds: the OpenTelemetry MCP semantic
/// conventions' advice for `mcp.server.operation.duration` (10 ms ... 300 s) with five
/// finer bounds below 10 ms, because in-process tool calls often take microseconds.
inline constexpr std::array<std::int64_t, 19> latency_bounds_ns = {
    10'000,         50'000,         100'000,        500'000,        1'000'000,
    5'000'000,      10'000'000,     20'000'000,     50'000'000,     100'000'000,
    200'000'000,    500'000'000,    1'000'000'000,  2'000'000'000,  5'000'000'000,
    10'000'000'000, 30'000'000'000, 60'000'000'000, 120'000'000'000};
/// Buckets: one per bound, plus the last for everything above (Prometheus's `+Inf`).
inline constexpr std::size_t latency_bucket_count = latency_bounds_ns.size() + 1;

/// The bucket a duration falls in (`d <= bound`, as Prometheus's `le`).
[[nodiscard]] inline std::size_t latency_bucket(std::int64_t ns) noexcept {
  std::size_t i = 0;
  while (i < latency_bounds_ns.size() && ns > latency_bounds_ns[i]) ++i;
  return i;
}

/// A histogram as read at one moment: plain numbers, for any exporter.
struct HistogramSnapshot {
  /// Upper bounds in seconds; `counts` has one more entry (above the last bound).
  std::vector<double> bounds_seconds;
  std::vector<std::uint64_t> counts;  ///< per bucket (not cumulative)
  std::uint64_t count = 0;            ///< sum of `counts`
  double sum_seconds = 0.0;           ///< sum of the recorded durations

  /// Adds another snapshot with the same bounds (e.g. to total several categories).
  void merge(const HistogramSnapshot& other);
};

/// A latency histogram with the bounds above. Recording is two relaxed atomic additions
/// (the bucket and the sum); reading is a snapshot of each counter in turn (exact
/// counters, not read at one instant while other threads record).
class LatencyHistogram {
 public:
  void record(std::chrono::nanoseconds d) noexcept { add(latency_bucket(d.count()), 1, d.count()); }
  /// Adds `n` durations that fell into `bucket` and summed `sum_ns` (a recorder that
  /// tallied a run of calls locally flushes them with one call).
  void add(std::size_t bucket, std::uint64_t n, std::int64_t sum_ns) noexcept {
    buckets_[bucket].fetch_add(n, std::memory_order_relaxed);
    sum_ns_.fetch_add(sum_ns, std::memory_order_relaxed);
  }
  [[nodiscard]] HistogramSnapshot snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, latency_bucket_count> buckets_{};
  std::atomic<std::int64_t> sum_ns_{0};
};

}  // namespace mcp::metrics

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/metrics/latency_histogram.ipp>
#endif

#endif  // MCP_HTM_METRICS_LATENCY_HISTOGRAM_HPP
