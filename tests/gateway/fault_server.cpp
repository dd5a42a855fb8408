// tests/gateway/fault_server.cpp -- an MCP stdio server that misbehaves on request, the
// controllable upstream of the gateway's fault tests. Built with this library.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/stdio_transport.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <spawn.h>
#include <string>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

extern char** environ;

namespace {

std::atomic<int> cancellations{0};
std::atomic<int> in_flight{0};
std::atomic<int> max_in_flight{0};

void write_stdout(std::string_view text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(1, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

/// Counts the calls running at once (for the maxConcurrent test).
struct Running {
  Running() {
    const int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
  }
  ~Running() { --in_flight; }
};

std::shared_ptr<mcp::ToolCategory> make_fault_category(mcp::HierarchicalToolManager& manager) {
  auto fault = std::make_shared<mcp::ToolCategory>("fault", "Tools that misbehave on request");
  mcp::Json text_schema = {
      {"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}, {"required", {"text"}}};
  fault->add_tool(mcp::ToolSpec("echo", "Returns text.", text_schema),
                  [](mcp::Json args) { return args["text"]; });
  fault->add_tool(mcp::ToolSpec("crash", "Exits the process in the middle of the call."),
                  [](mcp::Json) -> mcp::Json { std::_Exit(3); });
  fault->add_tool(mcp::ToolSpec("hang", "Waits until cancelled."),
                  [](mcp::Json) -> asio::awaitable<mcp::Json> {
                    Running running;
                    asio::steady_timer timer(co_await asio::this_coro::executor);
                    timer.expires_after(std::chrono::hours(1));
                    try {
                      co_await timer.async_wait(asio::use_awaitable);
                    } catch (const std::system_error&) {
                      ++cancellations;
                      throw;
                    }
                    co_return "never";
                  });
  mcp::Json ms_schema = {{"type", "object"},
                         {"properties", {{"ms", {{"type", "integer"}, {"minimum", 0}}}}},
                         {"required", {"ms"}}};
  fault->add_tool(mcp::ToolSpec("slow", "Waits ms milliseconds, then answers.", ms_schema),
                  [](mcp::Json args) -> asio::awaitable<mcp::Json> {
                    Running running;
                    asio::steady_timer timer(co_await asio::this_coro::executor);
                    timer.expires_after(std::chrono::milliseconds(args["ms"].get<int>()));
                    try {
                      co_await timer.async_wait(asio::use_awaitable);
                    } catch (const std::system_error&) {
                      ++cancellations;
                      throw;
                    }
                    co_return "slept";
                  });
  fault->add_tool(
      mcp::ToolSpec("garbage", "Writes a line that is not JSON to stdout, then answers."),
      [](mcp::Json) {
        write_stdout("this line is not JSON-RPC\n");
        return "ok";
      });
  mcp::Json steps_schema = {{"type", "object"},
                            {"properties", {{"steps", {{"type", "integer"}, {"minimum", 1}}}}},
                            {"required", {"steps"}}};
  fault->add_tool(mcp::ToolSpec("progress", "Reports steps progress notifications, then answers.",
                                steps_schema),
                  [](mcp::Json args, mcp::RequestContext context) -> asio::awaitable<mcp::Json> {
                    const int steps = args["steps"].get<int>();
                    for (int i = 1; i <= steps; ++i)
                      context.progress(i, steps, fmt::format("step {}", i));
                    // Let the notifications go out before the result (each is its own write).
                    asio::steady_timer timer(co_await asio::this_coro::executor);
                    timer.expires_after(std::chrono::milliseconds(50));
                    co_await timer.async_wait(asio::use_awaitable);
                    co_return steps;
                  });
  fault->add_tool(mcp::ToolSpec("traceparent", "The traceparent the call came with, or \"\"."),
                  [](mcp::Json, mcp::RequestContext context) -> mcp::Json {
                    const auto* trace = context.trace_context();
                    if (trace == nullptr) return "";
                    return trace->traceparent +
                           (trace->tracestate.empty() ? std::string() : ";" + trace->tracestate);
                  });
  fault->add_tool(mcp::ToolSpec("cancellations", "Calls cancelled so far."),
                  [](mcp::Json) { return cancellations.load(); });
  fault->add_tool(mcp::ToolSpec("max_in_flight", "Most hang/slow calls seen running at once."),
                  [](mcp::Json) { return max_in_flight.load(); });
  fault->add_tool(mcp::ToolSpec("pid", "This process's id."),
                  [](mcp::Json) { return static_cast<long>(::getpid()); });
  fault->add_tool(mcp::ToolSpec("grandchild", "Starts `sleep 300` as a child; returns its pid."),
                  [](mcp::Json) -> mcp::Json {
                    pid_t pid = 0;
                    char arg0[] = "sleep";
                    char arg1[] = "300";
                    char* argv[] = {arg0, arg1, nullptr};
                    if (::posix_spawnp(&pid, "sleep", nullptr, nullptr, argv, environ) != 0)
                      throw std::runtime_error("cannot start sleep");
                    return static_cast<long>(pid);
                  });
  fault->add_tool(
      mcp::ToolSpec("grow", "Adds the category extra (tool added): the tool list changes."),
      [&manager](mcp::Json) {
        if (manager.has_category("extra")) return "already";
        auto extra = std::make_shared<mcp::ToolCategory>("extra", "Added at run time");
        extra->add_tool(mcp::ToolSpec("added", "Answers added."),
                        [](mcp::Json) { return "added"; });
        manager.register_category(extra);
        return "grown";
      });
  return fault;
}

}  // namespace

int main(int argc, char** argv) {
  bool hang_on_initialize = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--crash-at-start") {
      std::fputs("fault_server: crashing at start as asked\n", stderr);
      return 1;
    }
    if (arg == "--exit-on-initialize" || arg == "--hang-on-initialize") {
      std::string line;
      std::getline(std::cin, line);  // the initialize request
      if (arg == "--exit-on-initialize") {
        std::fputs("fault_server: exiting on initialize as asked\n", stderr);
        return 4;
      }
      hang_on_initialize = true;
    }
    if (arg == "--garbage-banner") write_stdout("garbage before any message\n");
  }
  if (hang_on_initialize) {
    for (std::string line; std::getline(std::cin, line);) {
    }
    return 0;  // never answered; ends when stdin does
  }
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(make_fault_category(manager));
  mcp::ServerOptions options;
  options.name = "fault-server";
  options.mode = mcp::ToolMode::flat;
  asio::co_spawn(io, mcp::serve_stdio(manager, options), asio::detached);
  io.run();
  return 0;
}
