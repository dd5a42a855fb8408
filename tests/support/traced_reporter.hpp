// tests/support/traced_reporter.hpp -- a RequestReporter that carries a W3C trace
// context, as mcp::Server's requests do, for calls made from C++ in tests.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_TESTS_SUPPORT_TRACED_REPORTER_HPP
#define MCP_HTM_TESTS_SUPPORT_TRACED_REPORTER_HPP

#include <mcp/metrics/trace_context.hpp>
#include <mcp/request_context.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace mcp::test {

class TracedReporter final : public RequestReporter {
 public:
  explicit TracedReporter(metrics::TraceContext trace) : trace_(std::move(trace)) {}
  void progress(double, std::optional<double>, std::string_view) override {}
  void log(LogLevel, std::string_view, const Json&) override {}
  [[nodiscard]] bool wants_progress() const noexcept override { return false; }
  [[nodiscard]] const metrics::TraceContext* trace_context() const noexcept override {
    return &trace_;
  }

 private:
  metrics::TraceContext trace_;
};

/// A context whose trace context is `traceparent` (which must be valid) and `tracestate`.
inline RequestContext traced_context(std::string_view traceparent,
                                     std::string_view tracestate = {}) {
  auto trace = metrics::parse_traceparent(traceparent, tracestate);
  if (!trace) throw std::invalid_argument("traced_context: invalid traceparent");
  return RequestContext(std::make_shared<TracedReporter>(std::move(*trace)));
}

}  // namespace mcp::test

#endif  // MCP_HTM_TESTS_SUPPORT_TRACED_REPORTER_HPP
