// One mounted MCP server: its session (started on demand, restarted with backoff,
// stopped when idle), its concurrency limit, and the category that fronts its tools.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_SRC_GATEWAY_UPSTREAM_HPP
#define MCP_HTM_SRC_GATEWAY_UPSTREAM_HPP

#include <mcp/client/client.hpp>
#include <mcp/gateway/gateway.hpp>
#include <mcp/tool_category.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/strand.hpp>

#include "async_semaphore.hpp"

namespace mcp::gateway::detail {

class Upstream : public std::enable_shared_from_this<Upstream> {
 public:
  Upstream(asio::any_io_executor executor, UpstreamConfig config, const GatewayOptions& options);
  ~Upstream();

  [[nodiscard]] const UpstreamConfig& config() const noexcept { return config_; }

  /// The server's tools after the allow/block filter (starts the server if needed).
  asio::awaitable<std::vector<Json>> tools();
  /// Forwards one tools/call; the CallToolResult. A JSON-RPC error from the server is an
  /// `isError` result (the server is healthy, the call was wrong); a lost connection or
  /// a server that cannot start throws (a failure the breaker counts).
  asio::awaitable<Json> call_tool(std::string name, Json arguments, RequestContext context);
  /// Stops the server if it runs; later calls start it again unless `for_good`.
  asio::awaitable<void> stop(bool for_good);

  /// Called (on the upstream's strand) when the server says its tool list changed.
  void on_tools_changed(std::function<void()> callback);
  [[nodiscard]] UpstreamStatus status() const;
  [[nodiscard]] bool allows(std::string_view tool) const;

 private:
  struct StartAttempt;
  asio::awaitable<std::vector<Json>> read_tools();
  asio::awaitable<void> refresh_tools();
  asio::awaitable<std::shared_ptr<client::McpClient>> session();
  asio::awaitable<std::shared_ptr<client::McpClient>> session_on_strand();
  asio::awaitable<void> run_start(std::shared_ptr<StartAttempt> attempt);
  void session_ended(const std::shared_ptr<client::McpClient>& ended, const std::string& reason);
  void call_ended(bool healthy);
  asio::awaitable<void> idle_watch(std::uint64_t generation);
  void log(LogLevel level, std::string_view text) const;

  asio::strand<asio::any_io_executor> strand_;
  UpstreamConfig config_;
  GatewayOptions options_;
  std::optional<AsyncSemaphore> limit_;

  mutable std::mutex mutex_;  // guards what follows; never held across a co_await
  std::shared_ptr<client::McpClient> session_;
  std::shared_ptr<StartAttempt> starting_;
  std::function<void()> tools_changed_;
  std::vector<Json> mounted_tools_;  // the list the category was last built from
  bool mounted_ = false;
  std::size_t in_flight_ = 0;
  std::size_t starts_ = 0;
  std::size_t start_failures_ = 0;
  std::uint32_t consecutive_failures_ = 0;
  std::chrono::steady_clock::time_point next_start_at_{};
  std::uint64_t idle_generation_ = 0;
  bool stopped_for_good_ = false;
  bool stopping_ = false;  // stop() closed the session: its end is no failure
  long session_pid_ = 0;
  std::string last_error_;
};

/// The category of one mounted server: its tools, each forwarding to the server.
class UpstreamCategory final : public ToolCategory {
 public:
  UpstreamCategory(const std::shared_ptr<Upstream>& upstream, const std::vector<Json>& tools,
                   const std::function<void(LogLevel, std::string_view)>& log);
};

}  // namespace mcp::gateway::detail

#endif  // MCP_HTM_SRC_GATEWAY_UPSTREAM_HPP
