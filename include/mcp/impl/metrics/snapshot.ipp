// mcp/impl/metrics/snapshot.ipp -- helpers of the snapshot structs.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/metrics/snapshot.hpp>

namespace mcp::metrics {

MCP_HTM_INLINE std::string_view outcome_name(std::size_t index) noexcept {
  if (index == 0) return "success";
  if (index >= outcome_count) return "unknown";
  return to_string(static_cast<ErrorCode>(index));
}

MCP_HTM_INLINE std::uint64_t CategoryMetrics::total_calls() const noexcept {
  std::uint64_t total = 0;
  for (const auto n : calls) total += n;
  return total;
}

}  // namespace mcp::metrics
