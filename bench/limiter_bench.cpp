// bench/limiter_bench.cpp -- goodput and P99 of a dispatch_parallel batch against a
// backend that thrashes beyond its capacity: fixed windows against the adaptive limit.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// The backend is one coroutine tool on a real timer: a call that starts with c calls
// running (itself included) takes base * max(1, (c / capacity)^2), the shape of a
// saturated database or GPU queue: beyond the capacity, every extra call makes each
// call slower by more than it adds, so throughput falls. The best fixed window is the
// capacity itself; the adaptive limit is not told it.
//
// Each setting runs the same batch (--calls calls, each batch through one
// `co_await manager.dispatch_parallel`), in interleaved rounds (--rounds) so that a
// change of machine load touches every setting alike; the table gives medians over the
// rounds of goodput (successful calls per second of batch makespan) and of each batch's
// P99 service time (a call's time in the backend: what the load does to each call; a
// batch's calls all wait their turn, behind a window or a limit alike), and the
// adaptive limit's median final value. Exits 1 if any call of any batch failed.

#include <mcp/hierarchical_tool_manager.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <fmt/format.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Backend {
  std::chrono::microseconds base{2000};
  std::size_t capacity = 20;
  std::size_t running = 0;                       // one io_context thread: no lock needed
  std::vector<std::chrono::nanoseconds> served;  // each call's time in the backend
  double tolerance = mcp::AdaptiveLimiterOptions{}.latency_tolerance;
  double decrease = mcp::AdaptiveLimiterOptions{}.decrease_factor;

  [[nodiscard]] std::chrono::nanoseconds latency(std::size_t c) const {
    const double ratio = std::max(1.0, static_cast<double>(c) / static_cast<double>(capacity));
    return std::chrono::nanoseconds(
        static_cast<long long>(static_cast<double>(base.count()) * 1000.0 * ratio * ratio));
  }
};

struct Setting {
  std::string name;
  std::optional<std::size_t> window;  // the batch's max_concurrent (fixed settings)
  bool adaptive = false;
};

struct Round {
  double goodput = 0;      // successful calls per second
  double p99_ms = 0;       // of the batch's call latencies
  std::size_t failed = 0;  // calls that did not succeed
  std::size_t limit = 0;   // the adaptive limit at the end (0: none)
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[(v.size() - 1) / 2];
}

Round run_round(const Setting& setting, Backend& backend, std::size_t calls) {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto category = std::make_shared<mcp::ToolCategory>("backend", "A backend that thrashes");
  category->add_tool(mcp::ToolSpec("work", "One unit of work"),
                     [&backend](mcp::Json) -> asio::awaitable<mcp::Json> {
                       ++backend.running;
                       const auto started = Clock::now();
                       asio::steady_timer timer(co_await asio::this_coro::executor,
                                                backend.latency(backend.running));
                       co_await timer.async_wait(asio::use_awaitable);
                       --backend.running;
                       backend.served.push_back(Clock::now() - started);
                       co_return mcp::Json(true);
                     });
  mcp::CategoryOptions options;
  if (setting.adaptive) {
    mcp::AdaptiveLimiterOptions limit;
    limit.initial_limit = 4;
    limit.latency_tolerance = backend.tolerance;
    limit.decrease_factor = backend.decrease;
    limit.max_limit = 256;
    limit.max_wait = std::chrono::minutes(1);  // a batch waits; no call is shed here
    options.with_limiter(limit);
  }
  manager.register_category(category, options);

  std::vector<mcp::ToolCall> batch(calls, mcp::ToolCall{"backend", "work", mcp::Json::object()});
  mcp::ParallelOptions parallel;
  parallel.max_concurrent = setting.window;
  const auto begin = Clock::now();
  backend.served.clear();
  auto done =
      asio::co_spawn(io, manager.dispatch_parallel(std::move(batch), parallel), asio::use_future);
  io.run();
  const auto result = done.get();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();

  Round round;
  std::size_t succeeded = 0;
  for (const auto& r : result.results) {
    if (r.ok()) {
      ++succeeded;
    } else {
      ++round.failed;
    }
  }
  round.goodput = static_cast<double>(succeeded) / seconds;
  std::vector<double> latencies;
  for (const auto d : backend.served) {
    latencies.push_back(std::chrono::duration<double, std::milli>(d).count());
  }
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    const std::size_t rank = (latencies.size() * 99 + 99) / 100;  // nearest rank
    round.p99_ms = latencies[rank - 1];
  }
  if (const auto m = manager.metrics(); m.categories.front().limiter) {
    round.limit = m.categories.front().limiter->limit;
  }
  return round;
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"Goodput and P99 of a batch against a thrashing backend: fixed vs adaptive"};
  std::size_t calls = 4000;
  std::size_t rounds = 5;
  long long base_us = 2000;
  Backend backend;
  app.add_option("--calls", calls, "calls per batch")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "interleaved rounds (medians are reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--capacity", backend.capacity, "the backend's capacity C")
      ->check(CLI::PositiveNumber);
  app.add_option("--base-us", base_us, "a call's latency at or below capacity, microseconds")
      ->check(CLI::PositiveNumber);
  app.add_option("--tolerance", backend.tolerance, "the adaptive limit's latency_tolerance");
  app.add_option("--decrease", backend.decrease, "the adaptive limit's decrease_factor");
  CLI11_PARSE(app, argc, argv);
  backend.base = std::chrono::microseconds(base_us);

  const std::size_t c = backend.capacity;
  const std::vector<Setting> settings = {
      {fmt::format("fixed {} (C/4, too low)", c / 4 == 0 ? 1 : c / 4),
       std::max<std::size_t>(1, c / 4), false},
      {fmt::format("fixed {} (C, best)", c), c, false},
      {fmt::format("fixed {} (2C, too high)", 2 * c), 2 * c, false},
      {fmt::format("fixed {} (10C, too high)", 10 * c), 10 * c, false},
      {"adaptive (not told C)", std::nullopt, true},
  };
  std::vector<std::vector<Round>> results(settings.size());
  for (std::size_t r = 0; r < rounds; ++r) {
    for (std::size_t s = 0; s < settings.size(); ++s) {
      results[s].push_back(run_round(settings[s], backend, calls));
    }
  }

  fmt::print(
      "backend: capacity {}, {} us per call at or below it; {} calls per batch, {} "
      "rounds (medians)\n",
      c, base_us, calls, rounds);
  fmt::print("best possible goodput: {:.0f} calls/s\n\n",
             static_cast<double>(c) * 1e6 / static_cast<double>(base_us));
  fmt::print(
      "| setting | goodput (calls/s) | vs best fixed | P99 service (ms) | failed | final limit "
      "|\n");
  fmt::print("|---|---:|---:|---:|---:|---:|\n");
  double best_fixed = 0;
  std::vector<double> goodputs;
  for (const auto& rs : results) {
    std::vector<double> g;
    for (const auto& r : rs) g.push_back(r.goodput);
    goodputs.push_back(median(g));
  }
  for (std::size_t s = 0; s + 1 < settings.size(); ++s)
    best_fixed = std::max(best_fixed, goodputs[s]);
  bool any_failed = false;
  for (std::size_t s = 0; s < settings.size(); ++s) {
    std::vector<double> p99;
    std::vector<double> limits;
    std::size_t failed = 0;
    for (const auto& r : results[s]) {
      p99.push_back(r.p99_ms);
      limits.push_back(static_cast<double>(r.limit));
      failed += r.failed;
    }
    any_failed = any_failed || failed > 0;
    fmt::print("| {} | {:.0f} | {:.2f} | {:.1f} | {} | {} |\n", settings[s].name, goodputs[s],
               goodputs[s] / best_fixed, median(p99), failed,
               settings[s].adaptive ? fmt::format("{:.0f}", median(limits)) : std::string("-"));
  }
  return any_failed ? 1 : 0;  // every call of every batch must succeed
} catch (const std::exception& e) {
  std::fprintf(stderr, "limiter_bench: %s\n", e.what());
  return 1;
}
