// mcp/impl/metrics/trace_context.ipp -- W3C traceparent validation.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/metrics/trace_context.hpp>

namespace mcp::metrics {
namespace trace_context_impl {

MCP_HTM_INLINE bool lower_hex(std::string_view s) noexcept {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

MCP_HTM_INLINE bool all_zero(std::string_view s) noexcept {
  return s.find_first_not_of('0') == std::string_view::npos;
}

MCP_HTM_INLINE int hex_value(char c) noexcept { return c <= '9' ? c - '0' : c - 'a' + 10; }

}  // namespace trace_context_impl
using namespace trace_context_impl;

MCP_HTM_INLINE bool TraceContext::sampled() const noexcept {
  return traceparent.size() >= 55 && (hex_value(traceparent[54]) & 1) != 0;
}

MCP_HTM_INLINE std::optional<TraceContext> parse_traceparent(std::string_view value,
                                                             std::string_view state) {
  if (value.size() < 55) return std::nullopt;
  const std::string_view version = value.substr(0, 2);
  if (!lower_hex(version) || version == "ff") return std::nullopt;
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  const std::string_view trace_id = value.substr(3, 32);
  const std::string_view parent_id = value.substr(36, 16);
  const std::string_view flags = value.substr(53, 2);
  if (!lower_hex(trace_id) || !lower_hex(parent_id) || !lower_hex(flags)) return std::nullopt;
  if (all_zero(trace_id) || all_zero(parent_id)) return std::nullopt;
  if (version == "00" && value.size() != 55) return std::nullopt;
  // A later version may append fields after a '-'.
  if (value.size() > 55 && value[55] != '-') return std::nullopt;
  TraceContext out;
  out.traceparent = std::string(value.substr(0, 55));
  out.traceparent.replace(0, 2, "00");  // what we understand, and forward, is version 00
  if (state.size() <= 512) out.tracestate = std::string(state);
  return out;
}

MCP_HTM_INLINE std::optional<TraceContext> trace_context_of(const Json& params) {
  if (!params.is_object()) return std::nullopt;
  const auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object()) return std::nullopt;
  const auto parent = meta->find("traceparent");
  if (parent == meta->end() || !parent->is_string()) return std::nullopt;
  std::string_view state;
  if (const auto s = meta->find("tracestate"); s != meta->end() && s->is_string()) {
    state = s->get_ref<const std::string&>();
  }
  return parse_traceparent(parent->get_ref<const std::string&>(), state);
}

}  // namespace mcp::metrics
