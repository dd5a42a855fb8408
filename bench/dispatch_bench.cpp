// bench/dispatch_bench.cpp -- latency of HierarchicalToolManager::dispatch_parallel.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// What one sample is: the time of one `co_await manager.dispatch_parallel(calls)` from a
// coroutine running on the pool (an io_context run by --threads threads), as a server's
// request handler would await it. Building the call vector (a copy of a prepared one)
// and destroying the results happen outside the timed region, for every method alike.
//
// For every N and handler kind (a synchronous and a coroutine no-op tool), three
// methods are timed in the same run, interleaved sample by sample so that a change of
// machine load affects all three alike:
//   parallel  co_await dispatch_parallel(calls)
//   floor     co_await dispatch(call) N times in sequence, no fan-out
//   naive     one co_spawn per dispatch + an atomic counter join that resumes the
//             awaiting coroutine: the fan-out a user would otherwise write
//
// Percentiles are nearest-rank on the sorted samples: Pp is the value of rank
// ceil(p/100 * samples) (1-based), computed in integers, so P50 of 1000 samples is the
// 500th smallest and P99 the 990th; every reported value is one that was measured.
//
// Then the suspending scenarios: 1000 calls that each wait on a 1 ms steady_timer
// (unbounded, max_concurrent 10 and 100), and an uneven mix (90% 1 ms, 10% 10 ms, a
// fixed pseudo-random order) with max_concurrent 10. Each reports its makespan (median
// of --suspend-reps runs) and the ideal: the makespan of a K-server greedy list
// schedule of the nominal durations in call order (each call starts the moment the
// earliest server is free -- exactly the sliding window); unbounded, the longest call.

#include "bench_categories.hpp"

#include <mcp/hierarchical_tool_manager.hpp>

#include <CLI/CLI.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <unistd.h>

// Under callgrind (valgrind --tool=callgrind --collect-atstart=no), instructions are
// counted only inside the timed regions of the kept samples: see docs/profiling.md.
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define MCP_HTM_BENCH_CALLGRIND 1
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using mcp::BatchResult;
using mcp::DispatchResult;
using mcp::HierarchicalToolManager;
using mcp::Json;
using mcp::ParallelOptions;
using mcp::ToolCall;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------
// Statistics

/// Nearest-rank percentile of sorted samples: the value of rank ceil(p * n / 100).
double nearest_rank(const std::vector<double>& sorted, unsigned percent) {
  if (sorted.empty()) return 0.0;
  std::size_t rank = (static_cast<std::size_t>(percent) * sorted.size() + 99) / 100;
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

struct Stats {
  std::size_t samples = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, min_ms = 0, max_ms = 0;
};

Stats summarize(std::vector<double> ns) {
  Stats s;
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  double sum = 0;
  for (double v : ns) sum += v;
  s.samples = ns.size();
  s.mean_ms = sum / static_cast<double>(ns.size()) / 1e6;
  s.p50_ms = nearest_rank(ns, 50) / 1e6;
  s.p90_ms = nearest_rank(ns, 90) / 1e6;
  s.p99_ms = nearest_rank(ns, 99) / 1e6;
  s.min_ms = ns.front() / 1e6;
  s.max_ms = ns.back() / 1e6;
  return s;
}

/// Milliseconds in fixed notation with at least 4 significant digits.
std::string fmt_ms(double ms) {
  if (!(ms > 0)) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(ms)));
  const int decimals = std::clamp(3 - magnitude, 0, 9);
  return fmt::format("{:.{}f}", ms, decimals);
}

// ---------------------------------------------------------------------------------
// Ideal schedules

/// Makespan of a K-server greedy list schedule in call order: call i starts the moment
/// the earliest-free server is free (a sliding window of K). K == 0: unbounded.
double ideal_sliding_window_ms(const std::vector<double>& durations_ms, std::size_t k) {
  if (durations_ms.empty()) return 0.0;
  if (k == 0 || k >= durations_ms.size()) {
    return *std::max_element(durations_ms.begin(), durations_ms.end());
  }
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (std::size_t i = 0; i < k; ++i) free_at.push(0.0);
  double makespan = 0.0;
  for (double d : durations_ms) {
    const double start = free_at.top();
    free_at.pop();
    const double end = start + d;
    makespan = std::max(makespan, end);
    free_at.push(end);
  }
  return makespan;
}

/// Makespan of fixed batches of K that each wait for their slowest call (what the
/// Python original did). K == 0: one batch.
double fixed_batches_ms(const std::vector<double>& durations_ms, std::size_t k) {
  if (k == 0) k = durations_ms.size();
  double total = 0.0;
  for (std::size_t i = 0; i < durations_ms.size(); i += k) {
    const auto last = std::min(durations_ms.size(), i + k);
    total += *std::max_element(durations_ms.begin() + static_cast<std::ptrdiff_t>(i),
                               durations_ms.begin() + static_cast<std::ptrdiff_t>(last));
  }
  return total;
}

/// 90% 1 ms, 10% 10 ms, in a fixed pseudo-random order (splitmix64 + Fisher-Yates, so the
/// pattern is the same on every platform and standard library).
std::vector<double> uneven_mix(std::size_t n) {
  std::vector<double> d(n, 1.0);
  for (std::size_t i = 0; i < n / 10; ++i) d[i] = 10.0;
  std::uint64_t state = 0x6d63702d68746dULL;  // "mcp-htm"
  auto next = [&state] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  for (std::size_t i = n; i > 1; --i) std::swap(d[i - 1], d[next() % i]);
  return d;
}

// ---------------------------------------------------------------------------------
// The naive fan-out a user would write: co_spawn per call + an atomic counter join.

/// Resumes one awaiting coroutine once `n` arrivals happened. The waiter counts as one
/// more arrival, so whoever brings the count to zero -- the waiter or the last call --
/// finds the handler stored and posts it.
class CountdownJoin {
 public:
  explicit CountdownJoin(std::size_t n) : remaining_(n + 1) {}

  void arrive() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) handler_->post();
  }

  asio::awaitable<void> wait() {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](auto handler) {
          handler_ = std::make_unique<Holder<decltype(handler)>>(std::move(handler));
          arrive();
        },
        asio::use_awaitable);
  }

 private:
  struct HolderBase {
    virtual ~HolderBase() = default;
    virtual void post() = 0;
  };
  template <class H>
  struct Holder final : HolderBase {
    explicit Holder(H h) : handler(std::move(h)) {}
    void post() override {
      auto ex = asio::get_associated_executor(handler);
      asio::post(ex, std::move(handler));
    }
    H handler;
  };

  std::atomic<std::size_t> remaining_;
  std::unique_ptr<HolderBase> handler_;
};

asio::awaitable<void> naive_one(HierarchicalToolManager& manager, ToolCall& call,
                                DispatchResult& slot, CountdownJoin& join) {
  slot = co_await manager.dispatch(std::move(call.category), std::move(call.tool),
                                   std::move(call.params));
  join.arrive();
}

asio::awaitable<std::vector<DispatchResult>> naive_fan_out(HierarchicalToolManager& manager,
                                                           std::vector<ToolCall>& calls) {
  std::vector<DispatchResult> results(calls.size());
  if (calls.empty()) co_return results;
  auto ex = co_await asio::this_coro::executor;
  CountdownJoin join(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    asio::co_spawn(ex, naive_one(manager, calls[i], results[i], join), asio::detached);
  }
  co_await join.wait();
  co_return results;
}

// ---------------------------------------------------------------------------------
// Options and output

struct Config {
  std::size_t samples = 1000;
  std::size_t warmup = 100;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::optional<std::size_t> max_concurrent;
  std::vector<std::size_t> ns{10, 100, 1000};
  std::string json_path;
  std::optional<double> fail_above_ms;
  std::size_t suspend_reps = 5;
  bool skip_suspending = false;
  // Which methods the no-op rows time (for profiling one of them alone).
  bool run_parallel = true, run_floor = true, run_naive = true;
  std::vector<std::string> handlers{"sync", "coroutine"};
};

struct Row {
  std::size_t n = 0;
  std::string handler;  // "sync" | "coroutine"
  Stats parallel, floor, naive;
};

struct SuspendRow {
  std::string scenario;
  std::size_t n = 0;
  std::optional<std::size_t> max_concurrent;
  double makespan_ms = 0;      // median of the reps
  double min_makespan_ms = 0;  // best rep
  double ideal_ms = 0;         // nominal durations
  double ideal_actual_ms = 0;  // the same schedule of the waits as measured (timer slack)
  double fixed_batches_ms = 0; // the Python original's fixed batches, nominal durations
  double mean_wait_ms = 0;     // mean measured duration of one timer wait
  std::optional<double> naive_makespan_ms;  // unbounded only: co_spawn per call, same run
  std::size_t reps = 0;
};

class Progress {
 public:
  Progress() : enabled_(::isatty(2) == 1) {}
  void show(const std::string& text) {
    if (!enabled_) return;
    std::fputs(fmt::format("\r\033[K{}", text).c_str(), stderr);
    std::fflush(stderr);
  }
  void clear() {
    if (!enabled_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }

 private:
  bool enabled_;
};

void check_batch(const std::vector<DispatchResult>& results, std::size_t n, const char* what) {
  if (results.size() != n) {
    throw std::runtime_error(fmt::format("{}: {} results for {} calls", what, results.size(), n));
  }
  for (const auto& r : results) {
    if (!r.ok()) {
      throw std::runtime_error(fmt::format("{}: call failed: {} ({})", what, r.error().message,
                                           mcp::to_string(r.error().code)));
    }
  }
}

std::vector<ToolCall> make_calls(const char* category, std::size_t n) {
  std::vector<ToolCall> calls;
  calls.reserve(n);
  for (std::size_t i = 0; i < n; ++i) calls.push_back(ToolCall{category, mcp::bench::kNoopTool});
  return calls;
}

/// Switches callgrind's collection on and off around the timed regions (no-op when not
/// running under valgrind, or when the valgrind headers were absent at build time).
class CallgrindRegion {
 public:
  CallgrindRegion() {
#ifdef MCP_HTM_BENCH_CALLGRIND
    enabled_ = RUNNING_ON_VALGRIND != 0;
#endif
  }
  void toggle(bool keep) const {
#ifdef MCP_HTM_BENCH_CALLGRIND
    if (enabled_ && keep) CALLGRIND_TOGGLE_COLLECT;
#else
    (void)keep;
#endif
  }

 private:
  bool enabled_ = false;
};

double elapsed_ns(Clock::time_point t0, Clock::time_point t1) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
}

// ---------------------------------------------------------------------------------
// The measurements (coroutines on the pool)

asio::awaitable<Row> measure_row(HierarchicalToolManager& manager, const Config& cfg,
                                 const char* category, const char* handler, std::size_t n,
                                 Progress& progress, const std::string& label) {
  const std::vector<ToolCall> prepared = make_calls(category, n);
  ParallelOptions options;
  options.max_concurrent = cfg.max_concurrent;

  std::vector<double> parallel_ns, floor_ns, naive_ns;
  parallel_ns.reserve(cfg.samples);
  floor_ns.reserve(cfg.samples);
  naive_ns.reserve(cfg.samples);

  const CallgrindRegion callgrind;
  const std::size_t total = cfg.warmup + cfg.samples;
  for (std::size_t s = 0; s < total; ++s) {
    const bool keep = s >= cfg.warmup;
    if (s % 64 == 0) {
      progress.show(fmt::format("{} {} {}/{}", label, keep ? "sample" : "warm-up",
                                keep ? s - cfg.warmup : s, keep ? cfg.samples : cfg.warmup));
    }

    if (cfg.run_parallel) {  // dispatch_parallel
      std::vector<ToolCall> calls = prepared;
      callgrind.toggle(keep);
      const auto t0 = Clock::now();
      BatchResult batch = co_await manager.dispatch_parallel(std::move(calls), options);
      const auto t1 = Clock::now();
      callgrind.toggle(keep);
      if (keep) parallel_ns.push_back(elapsed_ns(t0, t1));
      check_batch(batch.results, n, "dispatch_parallel");
    }
    if (cfg.run_floor) {  // floor: dispatch N times in sequence
      std::vector<ToolCall> calls = prepared;
      std::vector<DispatchResult> results;
      results.reserve(n);
      callgrind.toggle(keep);
      const auto t0 = Clock::now();
      for (auto& c : calls) {
        results.push_back(co_await manager.dispatch(std::move(c.category), std::move(c.tool),
                                                    std::move(c.params)));
      }
      const auto t1 = Clock::now();
      callgrind.toggle(keep);
      if (keep) floor_ns.push_back(elapsed_ns(t0, t1));
      check_batch(results, n, "dispatch (floor)");
    }
    if (cfg.run_naive) {  // naive fan-out
      std::vector<ToolCall> calls = prepared;
      callgrind.toggle(keep);
      const auto t0 = Clock::now();
      std::vector<DispatchResult> results = co_await naive_fan_out(manager, calls);
      const auto t1 = Clock::now();
      callgrind.toggle(keep);
      if (keep) naive_ns.push_back(elapsed_ns(t0, t1));
      check_batch(results, n, "naive fan-out");
    }
  }
  Row row;
  row.n = n;
  row.handler = handler;
  row.parallel = summarize(std::move(parallel_ns));
  row.floor = summarize(std::move(floor_ns));
  row.naive = summarize(std::move(naive_ns));
  co_return row;
}

asio::awaitable<SuspendRow> measure_suspending(HierarchicalToolManager& manager,
                                               mcp::bench::WaitLog& log, const Config& cfg,
                                               std::string scenario,
                                               const std::vector<double>& durations_ms,
                                               std::optional<std::size_t> max_concurrent,
                                               Progress& progress) {
  std::vector<ToolCall> prepared;
  prepared.reserve(durations_ms.size());
  for (std::size_t i = 0; i < durations_ms.size(); ++i) {
    prepared.push_back(ToolCall{mcp::bench::kTimerCategory, mcp::bench::kWaitTool,
                                Json{{"ms", durations_ms[i]}, {"i", i}}});
  }
  ParallelOptions options;
  options.max_concurrent = max_concurrent;
  const std::size_t k = max_concurrent.value_or(0);

  std::vector<double> makespans;
  std::vector<double> naive_makespans;
  std::vector<double> actual_ideals;
  double wait_sum = 0;
  // One warm-up run (timer queue, allocations), then the measured reps.
  for (std::size_t rep = 0; rep <= cfg.suspend_reps; ++rep) {
    progress.show(fmt::format("suspending: {} run {}/{}", scenario, rep, cfg.suspend_reps));
    log.reset();
    std::vector<ToolCall> calls = prepared;
    const auto t0 = Clock::now();
    BatchResult batch = co_await manager.dispatch_parallel(std::move(calls), options);
    const auto t1 = Clock::now();
    check_batch(batch.results, prepared.size(), scenario.c_str());
    if (rep == 0) continue;
    makespans.push_back(elapsed_ns(t0, t1) / 1e6);
    std::vector<double> actual(prepared.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      actual[i] = static_cast<double>(log.actual_ns(i)) / 1e6;
      wait_sum += actual[i];
    }
    actual_ideals.push_back(ideal_sliding_window_ms(actual, k));
    if (!max_concurrent) {  // the naive fan-out of the same calls, for comparison
      std::vector<ToolCall> naive_calls = prepared;
      const auto n0 = Clock::now();
      std::vector<DispatchResult> results = co_await naive_fan_out(manager, naive_calls);
      const auto n1 = Clock::now();
      check_batch(results, prepared.size(), "naive fan-out (suspending)");
      naive_makespans.push_back(elapsed_ns(n0, n1) / 1e6);
    }
  }

  SuspendRow row;
  row.scenario = std::move(scenario);
  row.n = durations_ms.size();
  row.max_concurrent = max_concurrent;
  row.reps = makespans.size();
  std::vector<double> sorted = makespans;
  std::sort(sorted.begin(), sorted.end());
  row.makespan_ms = nearest_rank(sorted, 50);
  row.min_makespan_ms = sorted.front();
  std::sort(actual_ideals.begin(), actual_ideals.end());
  row.ideal_actual_ms = nearest_rank(actual_ideals, 50);
  row.ideal_ms = ideal_sliding_window_ms(durations_ms, k);
  row.fixed_batches_ms = fixed_batches_ms(durations_ms, k);
  row.mean_wait_ms = wait_sum / static_cast<double>(row.reps * durations_ms.size());
  if (!naive_makespans.empty()) {
    std::sort(naive_makespans.begin(), naive_makespans.end());
    row.naive_makespan_ms = nearest_rank(naive_makespans, 50);
  }
  co_return row;
}

struct Report {
  std::vector<Row> rows;
  std::vector<SuspendRow> suspending;
};

asio::awaitable<Report> run_all(HierarchicalToolManager& manager, mcp::bench::WaitLog& log,
                                const Config& cfg) {
  Progress progress;
  Report report;
  const struct {
    const char* category;
    const char* handler;
  } kinds[] = {{mcp::bench::kNoopCategory, "sync"}, {mcp::bench::kNoopAsyncCategory, "coroutine"}};
  for (const auto& kind : kinds) {
    if (std::find(cfg.handlers.begin(), cfg.handlers.end(), kind.handler) == cfg.handlers.end()) {
      continue;
    }
    for (std::size_t n : cfg.ns) {
      const std::string label = fmt::format("{} N={}:", kind.handler, n);
      report.rows.push_back(
          co_await measure_row(manager, cfg, kind.category, kind.handler, n, progress, label));
    }
  }
  if (!cfg.skip_suspending) {
    const std::vector<double> ones(1000, 1.0);
    const std::vector<double> mix = uneven_mix(1000);
    report.suspending.push_back(co_await measure_suspending(
        manager, log, cfg, "timer_1ms", ones, std::nullopt, progress));
    report.suspending.push_back(
        co_await measure_suspending(manager, log, cfg, "timer_1ms", ones, 10, progress));
    report.suspending.push_back(
        co_await measure_suspending(manager, log, cfg, "timer_1ms", ones, 100, progress));
    report.suspending.push_back(co_await measure_suspending(
        manager, log, cfg, "uneven_90x1ms_10x10ms", mix, 10, progress));
  }
  progress.clear();
  co_return report;
}

// ---------------------------------------------------------------------------------
// Printing

void print_report(const Report& report, const Config& cfg) {
  fmt::print("dispatch_parallel latency (ms; one sample = one co_await from a coroutine on a "
             "{}-thread pool; nearest-rank percentiles)\n",
             cfg.threads);
  fmt::print("no-op rows: max_concurrent {}; floor = dispatch N times in sequence; naive = "
             "co_spawn per dispatch + counter join; ratio and speed-up compare P50s\n\n",
             cfg.max_concurrent ? std::to_string(*cfg.max_concurrent) : "unbounded");
  fmt::print("{:<9} {:>5} {:>7} {:>10} {:>10} {:>10} {:>10} {:>9} {:>10} {:>7} {:>10} {:>8}\n",
             "handler", "N", "samples", "mean", "P50", "P90", "P99", "ns/call", "floor P50",
             "ratio", "naive P50", "speedup");
  auto or_dash = [](bool have, const std::string& text) { return have ? text : std::string("-"); };
  for (const Row& r : report.rows) {
    const bool p = r.parallel.samples > 0, f = r.floor.samples > 0, nv = r.naive.samples > 0;
    fmt::print("{:<9} {:>5} {:>7} {:>10} {:>10} {:>10} {:>10} {:>9} {:>10} {:>7} {:>10} {:>8}\n",
               r.handler, r.n, r.parallel.samples, or_dash(p, fmt_ms(r.parallel.mean_ms)),
               or_dash(p, fmt_ms(r.parallel.p50_ms)), or_dash(p, fmt_ms(r.parallel.p90_ms)),
               or_dash(p, fmt_ms(r.parallel.p99_ms)),
               or_dash(p, fmt::format("{:.1f}", r.parallel.p50_ms * 1e6 / static_cast<double>(r.n))),
               or_dash(f, fmt_ms(r.floor.p50_ms)),
               or_dash(p && f, fmt::format("{:.2f}x", r.parallel.p50_ms / r.floor.p50_ms)),
               or_dash(nv, fmt_ms(r.naive.p50_ms)),
               or_dash(p && nv, fmt::format("{:.1f}x", r.naive.p50_ms / r.parallel.p50_ms)));
  }
  if (!report.suspending.empty()) {
    fmt::print("\nsuspending calls (makespan = median of {} runs; ideal = greedy sliding-window "
               "schedule of the nominal durations;\n ideal(actual) = the same schedule of the "
               "timer waits as measured; fixed batches = the Python original's schedule)\n\n",
               report.suspending.front().reps);
    fmt::print("{:<22} {:>5} {:>9} {:>10} {:>10} {:>10} {:>8} {:>13} {:>13} {:>10}\n", "scenario",
               "N", "max_conc", "makespan", "best", "ideal", "over", "ideal(actual)",
               "fixed batches", "mean wait");
    for (const SuspendRow& s : report.suspending) {
      fmt::print("{:<22} {:>5} {:>9} {:>10} {:>10} {:>10} {:>7.1f}% {:>13} {:>13} {:>10}\n",
                 s.scenario, s.n,
                 s.max_concurrent ? std::to_string(*s.max_concurrent) : "unbounded",
                 fmt_ms(s.makespan_ms), fmt_ms(s.min_makespan_ms), fmt_ms(s.ideal_ms),
                 (s.makespan_ms / s.ideal_ms - 1.0) * 100.0, fmt_ms(s.ideal_actual_ms),
                 fmt_ms(s.fixed_batches_ms), fmt_ms(s.mean_wait_ms));
    }
    fmt::print("(mean wait = the timer waits as the tool measured them, start to resumption)\n");
    for (const SuspendRow& s : report.suspending) {
      if (s.naive_makespan_ms) {
        fmt::print("naive fan-out (co_spawn per call) of the unbounded {} scenario: makespan {} ms\n",
                   s.scenario, fmt_ms(*s.naive_makespan_ms));
      }
    }
  }
}

/// The issue 4/5 targets, printed for information (they are not the exit status).
void print_targets(const Report& report) {
  auto row = [&](std::size_t n, const char* handler) -> const Row* {
    for (const Row& r : report.rows) {
      if (r.n == n && r.handler == handler) return &r;
    }
    return nullptr;
  };
  fmt::print("\ntargets (issues 4 and 5; informational):\n");
  auto line = [](bool ok, const std::string& text) {
    fmt::print("  [{}] {}\n", ok ? " ok " : "MISS", text);
  };
  auto measured = [](const Row* r) { return r != nullptr && r->parallel.samples > 0; };
  if (const Row* r = row(10, "sync"); measured(r)) {
    line(r->parallel.p50_ms <= 0.01, fmt::format("N=10 sync P50 {} ms <= 0.01 ms (Python 0.40 ms)",
                                                  fmt_ms(r->parallel.p50_ms)));
  }
  if (const Row* r = row(100, "sync"); measured(r)) {
    line(r->parallel.p50_ms <= 0.02, fmt::format("N=100 sync P50 {} ms <= 0.02 ms (Python 3.4 ms)",
                                                  fmt_ms(r->parallel.p50_ms)));
  }
  if (const Row* r = row(1000, "sync"); measured(r)) {
    const double per_call = r->parallel.p50_ms * 1e6 / 1000.0;
    line(r->parallel.p50_ms <= 0.15,
         fmt::format("N=1000 sync P50 {} ms <= 0.15 ms, i.e. {:.1f} ns/call <= 150 (Python 37 ms)",
                     fmt_ms(r->parallel.p50_ms), per_call));
    if (r->floor.samples > 0) {
      const double ratio = r->parallel.p50_ms / r->floor.p50_ms;
      line(ratio <= 1.5, fmt::format("N=1000 sync ratio to floor {:.2f}x <= 1.5x", ratio));
    }
    if (r->naive.samples > 0) {
      const double speedup = r->naive.p50_ms / r->parallel.p50_ms;
      line(speedup >= 5.0, fmt::format("N=1000 sync speed-up over naive {:.1f}x >= 5x", speedup));
    }
  }
  if (const Row* r = row(1000, "coroutine"); measured(r)) {
    const double per_call = r->parallel.p50_ms * 1e6 / 1000.0;
    line(per_call <= 300.0, fmt::format("N=1000 coroutine {:.1f} ns/call <= 300", per_call));
  }
  for (const SuspendRow& s : report.suspending) {
    if (s.scenario.rfind("uneven", 0) == 0) {
      const double over = s.makespan_ms / s.ideal_ms - 1.0;
      line(over <= 0.10, fmt::format("uneven mix, max_concurrent {}: makespan {} ms within 10% "
                                     "of the ideal {} ms ({:+.1f}%)",
                                     s.max_concurrent.value_or(0), fmt_ms(s.makespan_ms),
                                     fmt_ms(s.ideal_ms), over * 100.0));
    } else if (!s.max_concurrent) {
      fmt::print("  [info] {} x 1 ms timers, unbounded: makespan {} ms (ideal 1 ms + overhead)\n",
                 s.n, fmt_ms(s.makespan_ms));
    }
  }
}

Json to_json(const Report& report, const Config& cfg) {
  Json results = Json::array();
  auto num = [](bool have, double v) { return have ? Json(v) : Json(nullptr); };
  for (const Row& r : report.rows) {
    const bool p = r.parallel.samples > 0, f = r.floor.samples > 0, nv = r.naive.samples > 0;
    results.push_back({
        {"n", r.n},
        {"handler", r.handler},
        {"samples", r.parallel.samples},
        {"mean_ms", num(p, r.parallel.mean_ms)},
        {"p50_ms", num(p, r.parallel.p50_ms)},
        {"p90_ms", num(p, r.parallel.p90_ms)},
        {"p99_ms", num(p, r.parallel.p99_ms)},
        {"per_call_ns", num(p, r.parallel.p50_ms * 1e6 / static_cast<double>(r.n))},
        {"floor_ms", num(f, r.floor.p50_ms)},
        {"ratio_to_floor", num(p && f, r.parallel.p50_ms / r.floor.p50_ms)},
        {"naive_ms", num(nv, r.naive.p50_ms)},
        {"speedup_vs_naive", num(p && nv, r.naive.p50_ms / r.parallel.p50_ms)},
        // Extra keys: the tails of the distributions, the reference methods' P99.
        {"min_ms", num(p, r.parallel.min_ms)},
        {"max_ms", num(p, r.parallel.max_ms)},
        {"floor_p99_ms", num(f, r.floor.p99_ms)},
        {"naive_p99_ms", num(nv, r.naive.p99_ms)},
        {"max_concurrent", cfg.max_concurrent ? Json(*cfg.max_concurrent) : Json(nullptr)},
    });
  }
  Json suspending = Json::array();
  for (const SuspendRow& s : report.suspending) {
    suspending.push_back({
        {"scenario", s.scenario},
        {"n", s.n},
        {"max_concurrent", s.max_concurrent ? Json(*s.max_concurrent) : Json(nullptr)},
        {"makespan_ms", s.makespan_ms},
        {"ideal_ms", s.ideal_ms},
        {"min_makespan_ms", s.min_makespan_ms},
        {"ideal_actual_ms", s.ideal_actual_ms},
        {"fixed_batches_ms", s.fixed_batches_ms},
        {"mean_wait_ms", s.mean_wait_ms},
        {"naive_makespan_ms", s.naive_makespan_ms ? Json(*s.naive_makespan_ms) : Json(nullptr)},
        {"reps", s.reps},
    });
  }
  return {
      {"results", std::move(results)},
      {"suspending", std::move(suspending)},
      {"config",
       {{"threads", cfg.threads},
        {"samples", cfg.samples},
        {"warmup", cfg.warmup},
        {"percentiles", "nearest-rank"},
        {"hardware_threads", std::thread::hardware_concurrency()}}},
  };
}

/// CLI11 checks with plain messages (CLI::PositiveNumber prints its range up to DBL_MAX).
CLI::Validator at_least_one() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const long long v = std::stoll(text, &used);
          if (used == text.size() && v >= 1) return {};
        } catch (const std::exception&) {
        }
        return "expected a whole number >= 1, got '" + text + "'";
      },
      ">=1");
}

CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used == text.size() && v > 0) return {};
        } catch (const std::exception&) {
        }
        return "expected a number > 0, got '" + text + "'";
      },
      ">0");
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"dispatch_bench: latency of mcp::HierarchicalToolManager::dispatch_parallel "
               "against sequential dispatch (the floor) and a naive co_spawn fan-out"};
  app.add_option("--samples", cfg.samples, "Timed samples per row")
      ->check(at_least_one())
      ->capture_default_str();
  app.add_option("--warmup", cfg.warmup, "Untimed warm-up samples per row")->capture_default_str();
  app.add_option("--threads", cfg.threads, "Threads running the io_context (the pool)")
      ->check(at_least_one())
      ->capture_default_str();
  std::size_t max_concurrent = 0;
  auto* mc = app.add_option("--max-concurrent", max_concurrent,
                            "max_concurrent of the no-op rows' dispatch_parallel (default: "
                            "unbounded; the suspending scenarios use their own)")
                 ->check(at_least_one());
  app.add_option("--n", cfg.ns, "Batch sizes (a list)")
      ->check(at_least_one())
      ->expected(1, -1)
      ->capture_default_str();
  app.add_option("--json", cfg.json_path, "Also write the results to this JSON file");
  double fail_above = 0;
  auto* fa = app.add_option("--fail-above-ms", fail_above,
                            "Exit 1 if the P99 of N=100 (synchronous no-op tool) exceeds this "
                            "many milliseconds")
                 ->check(positive());
  app.add_option("--suspend-reps", cfg.suspend_reps,
                 "Runs of each suspending scenario (the median is reported)")
      ->check(at_least_one())
      ->capture_default_str();
  app.add_flag("--skip-suspending", cfg.skip_suspending, "Skip the suspending scenarios");
  app.add_option("--handler", cfg.handlers, "Handler kinds of the no-op rows")
      ->check(CLI::IsMember({"sync", "coroutine"}))
      ->expected(1, -1)
      ->capture_default_str();
  std::vector<std::string> only;
  app.add_option("--only", only,
                 "Time only these methods in the no-op rows (for profiling one alone): "
                 "parallel, floor, naive")
      ->check(CLI::IsMember({"parallel", "floor", "naive"}))
      ->expected(1, -1);
  CLI11_PARSE(app, argc, argv);
  if (mc->count() > 0) cfg.max_concurrent = max_concurrent;
  if (!only.empty()) {
    auto has = [&only](const char* m) { return std::find(only.begin(), only.end(), m) != only.end(); };
    cfg.run_parallel = has("parallel");
    cfg.run_floor = has("floor");
    cfg.run_naive = has("naive");
  }
  if (fa->count() > 0) {
    cfg.fail_above_ms = fail_above;
    if (!cfg.run_parallel ||
        std::find(cfg.handlers.begin(), cfg.handlers.end(), "sync") == cfg.handlers.end()) {
      fmt::print(stderr, "dispatch_bench: --fail-above-ms needs the parallel method and the "
                         "sync handler (see --only, --handler)\n");
      return 2;
    }
    if (std::find(cfg.ns.begin(), cfg.ns.end(), 100) == cfg.ns.end()) {
      fmt::print(stderr, "dispatch_bench: --fail-above-ms checks the P99 of N=100, but --n "
                         "does not include 100\n");
      return 2;
    }
  }

  Report report;
  try {
    asio::io_context io(static_cast<int>(cfg.threads));
    HierarchicalToolManager manager(io.get_executor());
    auto log = std::make_shared<mcp::bench::WaitLog>(1000);
    manager.register_category(std::make_shared<mcp::bench::NoopCategory>());
    manager.register_category(std::make_shared<mcp::bench::NoopAsyncCategory>());
    manager.register_category(std::make_shared<mcp::bench::TimerCategory>(log));

    std::exception_ptr failure;
    asio::co_spawn(io, run_all(manager, *log, cfg),
                   [&](std::exception_ptr e, Report r) {
                     failure = e;
                     report = std::move(r);
                   });
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < cfg.threads; ++i) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    fmt::print(stderr, "dispatch_bench: {}\n", e.what());
    return 2;
  }

  print_report(report, cfg);
  print_targets(report);

  if (!cfg.json_path.empty()) {
    std::ofstream out(cfg.json_path);
    out << to_json(report, cfg).dump(2) << '\n';
    if (!out) {
      fmt::print(stderr, "dispatch_bench: cannot write {}\n", cfg.json_path);
      return 2;
    }
  }

  if (cfg.fail_above_ms) {
    for (const Row& r : report.rows) {
      if (r.n != 100 || r.handler != "sync") continue;
      if (r.parallel.p99_ms > *cfg.fail_above_ms) {
        fmt::print(stderr,
                   "dispatch_bench: FAIL: dispatch_parallel P99 for N=100 (sync no-op tool) is "
                   "{} ms, above --fail-above-ms {} ms\n",
                   fmt_ms(r.parallel.p99_ms), *cfg.fail_above_ms);
        return 1;
      }
      fmt::print("\nok: dispatch_parallel P99 for N=100 (sync no-op tool) is {} ms <= "
                 "--fail-above-ms {} ms\n",
                 fmt_ms(r.parallel.p99_ms), *cfg.fail_above_ms);
    }
  }
  return 0;
}
