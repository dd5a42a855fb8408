// tests/trace_context_test.cpp -- W3C traceparent/tracestate from params._meta.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/metrics/trace_context.hpp>

#include <string>

#include <catch2/catch.hpp>

using mcp::Json;
using mcp::metrics::parse_traceparent;
using mcp::metrics::trace_context_of;

namespace {
// The example of the W3C Trace Context recommendation.
const std::string valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
}  // namespace

TEST_CASE("A valid traceparent gives its trace id, parent id and sampled flag", "[trace]") {
  const auto t = parse_traceparent(valid, "congo=t61rcWkgMzE");
  REQUIRE(t);
  CHECK(t->trace_id() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(t->parent_id() == "00f067aa0ba902b7");
  CHECK(t->sampled());
  CHECK(t->tracestate == "congo=t61rcWkgMzE");
  const auto unsampled =
      parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  REQUIRE(unsampled);
  CHECK_FALSE(unsampled->sampled());
}

TEST_CASE("Invalid traceparents are refused, as the W3C rules say", "[trace]") {
  CHECK_FALSE(parse_traceparent(""));
  CHECK_FALSE(parse_traceparent(valid.substr(0, 54)));     // short
  CHECK_FALSE(parse_traceparent(valid + "-extra"));        // 00 is exactly 55
  CHECK_FALSE(parse_traceparent("ff" + valid.substr(2)));  // version ff
  CHECK_FALSE(
      parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));  // upper case
  CHECK_FALSE(
      parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));  // zero trace
  CHECK_FALSE(
      parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));  // zero parent
  CHECK_FALSE(
      parse_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));  // separator
  // A later version: its first fields are read as 00's, extra fields after '-' allowed.
  const auto later = parse_traceparent("01" + valid.substr(2) + "-what-comes-next");
  REQUIRE(later);
  CHECK(later->traceparent == valid);
  CHECK_FALSE(parse_traceparent("01" + valid.substr(2) + "x"));
  // An over-long tracestate is dropped, the traceparent kept.
  const auto long_state = parse_traceparent(valid, std::string(513, 'a'));
  REQUIRE(long_state);
  CHECK(long_state->tracestate.empty());
}

TEST_CASE("The trace context is read from params._meta", "[trace]") {
  Json params = {{"name", "tools_dispatch"},
                 {"_meta", {{"traceparent", valid}, {"tracestate", "a=1"}, {"progressToken", 3}}}};
  const auto t = trace_context_of(params);
  REQUIRE(t);
  CHECK(t->traceparent == valid);
  CHECK(t->tracestate == "a=1");
  CHECK_FALSE(trace_context_of(Json{{"name", "x"}}));
  CHECK_FALSE(trace_context_of(Json{{"_meta", {{"traceparent", 7}}}}));
  CHECK_FALSE(trace_context_of(Json{{"_meta", "no"}}));
  CHECK_FALSE(trace_context_of(Json::array()));
}
