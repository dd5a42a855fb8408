// mcp/impl/metrics/prometheus.ipp -- text exposition format 0.0.4 from a MetricsSnapshot.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/metrics/prometheus.hpp>

#include <array>
#include <iterator>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace mcp::metrics {
namespace prometheus_impl {

// A label value with `\`, `"` and newlines escaped, as the format requires.
MCP_HTM_INLINE std::string escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// `{a="x",b="y"}` (labels with empty values are left out), or "" for none.
MCP_HTM_INLINE std::string label_text(const Labels& labels, std::string_view extra_name = {},
                                      std::string_view extra_value = {}) {
  std::string out;
  auto add = [&out](std::string_view name, std::string_view value) {
    out += out.empty() ? "{" : ",";
    fmt::format_to(std::back_inserter(out), "{}=\"{}\"", name, escape(value));
  };
  for (const auto& [name, value] : labels) {
    if (!value.empty()) add(name, value);
  }
  if (!extra_name.empty()) add(extra_name, extra_value);
  if (!out.empty()) out += '}';
  return out;
}

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
  }
  template <class T>
  void sample(std::string_view name, const Labels& labels, T value) {
    fmt::format_to(std::back_inserter(out_), "{}{} {}\n", name, label_text(labels), value);
  }
  void histogram(std::string_view name, const Labels& labels, const HistogramSnapshot& h) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
      cumulative += h.counts[i];
      const std::string le =
          i < h.bounds_seconds.size() ? fmt::format("{}", h.bounds_seconds[i]) : "+Inf";
      fmt::format_to(std::back_inserter(out_), "{}_bucket{} {}\n", name,
                     label_text(labels, "le", le), cumulative);
    }
    fmt::format_to(std::back_inserter(out_), "{}_sum{} {}\n{}_count{} {}\n", name,
                   label_text(labels), h.sum_seconds, name, label_text(labels), cumulative);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

MCP_HTM_INLINE constexpr std::array<BreakerState, 5> breaker_states = {
    BreakerState::closed, BreakerState::open, BreakerState::half_open, BreakerState::forced_open,
    BreakerState::disabled};

MCP_HTM_INLINE void write_server(Writer& w, const ServerMetrics& s) {
  w.family("mcp_server_operation_duration_seconds", "histogram",
           "Duration of MCP requests handled by the server (OpenTelemetry "
           "mcp.server.operation.duration).");
  for (const auto& op : s.operations) {
    w.histogram("mcp_server_operation_duration_seconds",
                {{"mcp_method_name", op.method},
                 {"gen_ai_tool_name", op.tool},
                 {"error_type", op.error_type},
                 {"network_transport", s.network_transport},
                 {"mcp_protocol_version", op.protocol_version}},
                op.duration);
  }
  const Labels transport = {{"network_transport", s.network_transport}};
  w.family("mcp_htm_server_notifications_total", "counter", "Notifications received from clients.");
  w.sample("mcp_htm_server_notifications_total", transport, s.notifications);
  w.family("mcp_htm_server_invalid_messages_total", "counter",
           "Messages answered with a parse error or an invalid-request error.");
  w.sample("mcp_htm_server_invalid_messages_total", transport, s.invalid_messages);
  w.family("mcp_htm_server_sessions_open", "gauge", "MCP sessions open now (HTTP).");
  w.sample("mcp_htm_server_sessions_open", transport, s.sessions_open);
  w.family("mcp_htm_server_streams_open", "gauge", "Server-sent event streams open now (HTTP).");
  w.sample("mcp_htm_server_streams_open", transport, s.streams_open);
}

MCP_HTM_INLINE void write_manager(Writer& w, const ManagerMetrics& m) {
  const auto& cats = m.categories;
  w.family("mcp_htm_category_calls_total", "counter",
           "Finished tool calls by category and outcome.");
  for (const auto& c : cats) {
    for (std::size_t i = 0; i < outcome_count; ++i) {
      if (outcome_name(i) == "category_not_found") continue;  // never counted per category
      w.sample("mcp_htm_category_calls_total", {{"category", c.name}, {"outcome", outcome_name(i)}},
               c.calls[i]);
    }
  }
  w.family("mcp_htm_category_call_duration_seconds", "histogram",
           "Duration of finished tool calls, from admission to result, by category.");
  for (const auto& c : cats) {
    w.histogram("mcp_htm_category_call_duration_seconds", {{"category", c.name}}, c.latency);
  }
  w.family("mcp_htm_category_in_flight", "gauge",
           "Calls of the category running now (coroutine tools and waits for a lazy load).");
  for (const auto& c : cats)
    w.sample("mcp_htm_category_in_flight", {{"category", c.name}}, c.in_flight);
  w.family("mcp_htm_category_loaded", "gauge", "1 when the category is loaded.");
  for (const auto& c : cats) {
    w.sample("mcp_htm_category_loaded", {{"category", c.name}}, c.loaded ? 1 : 0);
  }
  w.family("mcp_htm_breaker_state", "gauge",
           "The category's circuit breaker state: 1 for the current state, 0 for the others.");
  for (const auto& c : cats) {
    for (const BreakerState state : breaker_states) {
      w.sample("mcp_htm_breaker_state", {{"category", c.name}, {"state", to_string(state)}},
               c.breaker_state == state ? 1 : 0);
    }
  }
  w.family("mcp_htm_breaker_transitions_total", "counter", "Circuit breaker state changes.");
  for (const auto& c : cats) {
    w.sample("mcp_htm_breaker_transitions_total", {{"category", c.name}}, c.breaker_transitions);
  }
  w.family("mcp_htm_breaker_rejections_total", "counter", "Calls the circuit breaker refused.");
  for (const auto& c : cats) {
    w.sample("mcp_htm_breaker_rejections_total", {{"category", c.name}}, c.breaker_rejections);
  }
  bool any_limiter = false;
  for (const auto& c : cats) any_limiter = any_limiter || c.limiter.has_value();
  if (any_limiter) {
    const auto each = [&](std::string_view name, std::string_view type, std::string_view help,
                          auto field) {
      w.family(name, type, help);
      for (const auto& c : cats) {
        if (c.limiter) w.sample(name, {{"category", c.name}}, field(*c.limiter));
      }
    };
    each("mcp_htm_limiter_limit", "gauge", "The adaptive concurrency limit now.",
         [](const LimiterMetrics& l) { return l.limit; });
    each("mcp_htm_limiter_in_flight", "gauge", "Calls holding a permit of the limiter.",
         [](const LimiterMetrics& l) { return l.in_flight; });
    each("mcp_htm_limiter_queued", "gauge", "Calls waiting for a permit.",
         [](const LimiterMetrics& l) { return l.queued; });
    each("mcp_htm_limiter_rejected_total", "counter",
         "Calls the limiter refused (fail fast, or waited past max_wait).",
         [](const LimiterMetrics& l) { return l.rejected; });
    each("mcp_htm_limiter_decreases_total", "counter",
         "Multiplicative decreases of the limit (timeouts, overload, latency rises).",
         [](const LimiterMetrics& l) { return l.decreases; });
  }
  w.family("mcp_htm_unknown_category_calls_total", "counter",
           "Calls naming a category that is not registered.");
  w.sample("mcp_htm_unknown_category_calls_total", {}, m.unknown_category_calls);
  w.family("mcp_htm_calls_in_flight", "gauge", "Calls admitted by the manager and not finished.");
  w.sample("mcp_htm_calls_in_flight", {}, m.calls_in_flight);
}

}  // namespace prometheus_impl
using namespace prometheus_impl;

MCP_HTM_INLINE std::string to_prometheus(const MetricsSnapshot& snapshot) {
  Writer w;
  if (snapshot.server) write_server(w, *snapshot.server);
  write_manager(w, snapshot.manager);
  return w.take();
}

}  // namespace mcp::metrics
