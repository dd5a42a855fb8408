// tests/find_package/second_unit.cpp -- the header-only consumer's second translation
// unit: it includes the same headers as main.cpp, so every definition of the library
// is compiled twice and must link once (MCP_HTM_INLINE), and it exercises what main.cpp
// does not: a hand-written schema through the validator, a rejected call, the
// Prometheus text of the manager's metrics.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/htm.hpp>
#include <mcp/metrics/prometheus.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

bool second_unit_works() {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto units = std::make_shared<mcp::ToolCategory>("units", "Unit conversion");
  units->add_tool(mcp::ToolSpec("km_to_m", "Kilometres to metres",
                                mcp::Json{{"type", "object"},
                                          {"properties", {{"km", {{"type", "number"}}}}},
                                          {"required", {"km"}}}),
                  [](const mcp::Json& args) { return args.at("km").get<double>() * 1000.0; });
  manager.register_category(units);
  mcp::Json bad_args = {{"km", "three"}};
  auto future =
      asio::co_spawn(io, manager.dispatch("units", "km_to_m", bad_args), asio::use_future);
  io.run();
  const mcp::DispatchResult rejected = future.get();
  if (rejected.ok() || rejected.error().code != mcp::ErrorCode::invalid_params) {
    std::printf("second unit: expected invalid_params, got %s\n",
                rejected.to_json().dump().c_str());
    return false;
  }
  const std::string text = mcp::metrics::to_prometheus({manager.metrics(), std::nullopt});
  if (text.find("category=\"units\"") == std::string::npos ||
      text.find("invalid_params") == std::string::npos) {
    std::printf("second unit: the metrics miss the rejected call:\n%s", text.c_str());
    return false;
  }
  std::printf("second unit: invalid_params as expected, %zu bytes of metrics\n", text.size());
  return true;
}
