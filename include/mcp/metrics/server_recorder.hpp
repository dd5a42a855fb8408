// mcp/metrics/server_recorder.hpp -- what Servers count: requests by method and error.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_METRICS_SERVER_RECORDER_HPP
#define MCP_HTM_METRICS_SERVER_RECORDER_HPP

#include <mcp/metrics/snapshot.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace mcp::metrics {

/// Shared by every Server (session) of a transport: ServerOptions::metrics. The HTTP
/// transport makes one and counts its sessions and streams in it too.
/**
 * A request costs one short lock (a server request costs microseconds of JSON work
 * anyway); the labels are bounded (see OperationMetrics), so the map stays small.
 *
 * @par Thread safety
 * Every member may be called concurrently.
 */
class ServerMetricsRecorder {
 public:
  /// `network_transport`: "pipe" for stdio, "tcp" for HTTP (OpenTelemetry's values).
  explicit ServerMetricsRecorder(std::string network_transport);

  /// The method's label: itself when it is an MCP method the library knows, else "other".
  [[nodiscard]] static std::string_view bounded_method(std::string_view method) noexcept;

  /// One answered request. `method` is passed through bounded_method(); `tool` and
  /// `error_type` must come from bounded sets (see OperationMetrics).
  void record_operation(std::string_view method, std::string_view tool, std::string_view error_type,
                        std::string_view protocol_version, std::chrono::nanoseconds duration);
  void record_notification() noexcept { notifications_.fetch_add(1, std::memory_order_relaxed); }
  void record_invalid() noexcept { invalid_.fetch_add(1, std::memory_order_relaxed); }
  void session_opened() noexcept { sessions_.fetch_add(1, std::memory_order_relaxed); }
  void session_closed() noexcept { sessions_.fetch_sub(1, std::memory_order_relaxed); }
  void stream_opened() noexcept { streams_.fetch_add(1, std::memory_order_relaxed); }
  void stream_closed() noexcept { streams_.fetch_sub(1, std::memory_order_relaxed); }

  [[nodiscard]] ServerMetrics snapshot() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, latency_bucket_count> counts{};
    std::int64_t sum_ns = 0;
  };
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  using KeyView =
      std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>;
  // Orders keys and their views alike, so a lookup allocates nothing.
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return view(a) < view(b);
    }
    template <class T>
    static KeyView view(const T& key) noexcept {
      return {std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key)};
    }
  };

  const std::string transport_;
  mutable std::mutex mutex_;
  std::map<Key, Histogram, KeyLess> operations_;
  std::atomic<std::uint64_t> notifications_{0};
  std::atomic<std::uint64_t> invalid_{0};
  std::atomic<std::int64_t> sessions_{0};
  std::atomic<std::int64_t> streams_{0};
};

}  // namespace mcp::metrics

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/metrics/server_recorder.ipp>
#endif

#endif  // MCP_HTM_METRICS_SERVER_RECORDER_HPP
