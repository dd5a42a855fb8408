// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/gateway/gateway.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "upstream.hpp"

namespace mcp::gateway {

struct Gateway::Impl {
  Impl(HierarchicalToolManager& m, GatewayConfig c, GatewayOptions o)
      : manager(m), config(std::move(c)), options(std::move(o)) {}
  HierarchicalToolManager& manager;
  GatewayConfig config;
  GatewayOptions options;
  std::vector<std::shared_ptr<detail::Upstream>> upstreams;
};

Gateway::Gateway(HierarchicalToolManager& manager, GatewayConfig config, GatewayOptions options)
    : impl_(std::make_shared<Impl>(manager, std::move(config), std::move(options))) {}

Gateway::~Gateway() = default;

void Gateway::mount() {
  auto& impl = *impl_;
  for (const auto& note : impl.config.notes) {
    if (impl.options.local_log) impl.options.local_log(LogLevel::notice, note);
  }
  for (const auto& server : impl.config.servers) {
    if (server.disabled) continue;
    auto upstream =
        std::make_shared<detail::Upstream>(impl.manager.get_executor(), server, impl.options);
    auto log = impl.options.local_log;
    AsyncCategoryLoader loader = [upstream,
                                  log]() -> asio::awaitable<std::shared_ptr<ToolCategory>> {
      std::vector<Json> tools = co_await upstream->tools();
      std::shared_ptr<ToolCategory> category =
          std::make_shared<detail::UpstreamCategory>(upstream, tools, log);
      co_return category;
    };
    impl.manager.lazy_register_category(
        server.name, std::move(loader),
        server.description.empty() ? fmt::format("Tools of the MCP server '{}'", server.name)
                                   : server.description,
        CategoryOptions{}.with_breaker(server.breaker));
    HierarchicalToolManager* manager = &impl.manager;
    upstream->on_tools_changed([manager, name = server.name] { manager->reload_category(name); });
    impl.upstreams.push_back(std::move(upstream));
  }
}

namespace {
/// Counts the upstream stops still running; lives on one strand.
struct Join {
  Join(asio::strand<asio::any_io_executor> s, std::size_t n) : done(std::move(s)), left(n) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer done;  // cancelled when the last stop ends
  std::size_t left;
};

asio::awaitable<void> await_join(std::shared_ptr<Join> join) {
  if (join->left != 0)
    co_await join->done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}
}  // namespace

asio::awaitable<void> Gateway::stop() {
  // Every upstream at once (each stop may wait out its grace periods).
  auto strand = asio::make_strand(impl_->manager.get_executor());
  const auto upstreams = impl_->upstreams;
  if (upstreams.empty()) co_return;
  auto join = std::make_shared<Join>(strand, upstreams.size());
  for (const auto& upstream : upstreams) {
    asio::co_spawn(strand, upstream->stop(true), [join](std::exception_ptr) {
      if (--join->left == 0) join->done.cancel();
    });
  }
  co_await asio::co_spawn(strand, await_join(join), asio::use_awaitable);
}

std::vector<UpstreamStatus> Gateway::status() const {
  std::vector<UpstreamStatus> result;
  for (const auto& upstream : impl_->upstreams) result.push_back(upstream->status());
  return result;
}

}  // namespace mcp::gateway
