// bench/micro_bench.cpp -- Google Benchmark micro-benchmarks of the hot-path pieces.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
//   BM_bare_noop                      the no-op tool called directly (the baseline)
//   BM_CircuitBreaker_call_noop       the same no-op through CircuitBreaker::call
//   BM_CircuitBreaker_acquire_record  try_acquire() + record(success), no call
//   BM_validate_text_input_120        EnhancedParameterValidator::validate_text_input, 120 chars
//   BM_dispatch_sync / _coroutine     one co_await manager.dispatch() of a no-op tool
//   BM_dispatch_typed_echo / _json_echo  one dispatch of the same tool (two fields in, two
//                                     out, same schema) as a typed tool on structs and
//                                     written on Json: what the typed form costs
//   BM_schema_cache_hit               ToolCategory::schema() of a cached tool
//   BM_steady_clock_now               reference: one steady_clock::now() (vDSO clock_gettime)
//   BM_co_await_noop_coroutine        reference: co_await of a coroutine that returns at once
//   BM_co_spawn_noop                  reference: co_spawn of a no-op coroutine + its completion
//   BM_server_flat_noop               Server::serve_message of one flat `tools/call` line of
//                                     `noop.noop` (parse, dispatch, result, serialise), no I/O
//   BM_server_dispatch_noop           the same through the `tools_dispatch` meta-tool
//   BM_server_ping                    Server::serve_message of a `ping` line (the envelope alone)
//
// The coroutine benchmarks run their `for (auto _ : state)` loop inside one coroutine
// co_spawned onto a single-threaded io_context that the benchmark thread runs, so each
// iteration is exactly one co_await in a running event loop.
//
// dispatch_parallel itself is measured by dispatch_bench (per-sample timing of whole
// batches, with the floor and the naive fan-out in the same run), not here.

#include <mcp/circuit_breaker.hpp>
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/server.hpp>
#include <mcp/tool_category.hpp>
#include <mcp/typed_tool.hpp>

#include "bench_categories.hpp"

#if __has_include(<mcp/validator.hpp>)
#include <mcp/validator.hpp>
#define MCP_HTM_BENCH_HAS_VALIDATOR 1
#endif

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <benchmark/benchmark.h>

namespace {

using mcp::Json;

/// The no-op "tool": an opaque call the compiler can neither inline nor fold.
[[gnu::noinline]] int noop_tool(int x) {
  benchmark::DoNotOptimize(x);
  return x;
}

void BM_bare_noop(benchmark::State& state) {
  int x = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(noop_tool(x));
  }
}
BENCHMARK(BM_bare_noop);

void BM_CircuitBreaker_call_noop(benchmark::State& state) {
  mcp::CircuitBreaker breaker("bench");
  int x = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(breaker.call([x] { return noop_tool(x); }));
  }
}
BENCHMARK(BM_CircuitBreaker_call_noop);

void BM_CircuitBreaker_acquire_record(benchmark::State& state) {
  mcp::CircuitBreaker breaker("bench");
  for (auto _ : state) {
    const mcp::Admission admission = breaker.try_acquire();
    benchmark::DoNotOptimize(admission);
    breaker.record(admission, mcp::CallOutcome::success);
  }
}
BENCHMARK(BM_CircuitBreaker_acquire_record);

#ifdef MCP_HTM_BENCH_HAS_VALIDATOR
void BM_validate_text_input_120(benchmark::State& state) {
  // 120 ASCII characters of ordinary prose, with leading/trailing spaces to trim.
  const std::string text =
      "  The quick brown fox jumps over the lazy dog while the tool validates its input "
      "text for unsafe content, fast enough.  ";
  mcp::EnhancedParameterValidator validator;
  for (auto _ : state) {
    auto result = validator.validate_text_input(text);
    benchmark::DoNotOptimize(result);
  }
  state.SetLabel(std::to_string(text.size()) + " chars");
}
BENCHMARK(BM_validate_text_input_120);
#endif

/// Runs `body(state, manager)` -- a coroutine holding the benchmark loop -- inside a
/// single-threaded io_context that this thread runs.
template <class Body>
void run_in_loop(benchmark::State& state, Body body, mcp::ManagerOptions options = {}) {
  asio::io_context io(1);
  mcp::HierarchicalToolManager manager(io.get_executor(), std::move(options));
  manager.register_category(std::make_shared<mcp::bench::NoopCategory>());
  manager.register_category(std::make_shared<mcp::bench::NoopAsyncCategory>());
  std::exception_ptr failure;
  asio::co_spawn(io, body(state, manager), [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
    }
  }
}

asio::awaitable<void> dispatch_loop(benchmark::State& state, mcp::HierarchicalToolManager& m,
                                    const char* category) {
  for (auto _ : state) {
    mcp::DispatchResult r = co_await m.dispatch(category, mcp::bench::kNoopTool);
    if (!r.ok()) throw std::runtime_error(r.error().message);
    benchmark::DoNotOptimize(r);
  }
}

void BM_dispatch_sync(benchmark::State& state) {
  run_in_loop(state, [](benchmark::State& s, mcp::HierarchicalToolManager& m) {
    return dispatch_loop(s, m, mcp::bench::kNoopCategory);
  });
}
BENCHMARK(BM_dispatch_sync);

void BM_dispatch_coroutine(benchmark::State& state) {
  run_in_loop(state, [](benchmark::State& s, mcp::HierarchicalToolManager& m) {
    return dispatch_loop(s, m, mcp::bench::kNoopAsyncCategory);
  });
}
BENCHMARK(BM_dispatch_coroutine);

// What a tracing hook costs the dispatch path itself: two virtual calls, two clock reads.
class NoopHook final : public mcp::DispatchHook {
 public:
  void on_start(mcp::DispatchEvent& event) noexcept override {
    benchmark::DoNotOptimize(event.user_data);
  }
  void on_end(const mcp::DispatchEvent& event, const mcp::DispatchResult&) noexcept override {
    benchmark::DoNotOptimize(event.user_data);
  }
};

void BM_dispatch_sync_noop_hook(benchmark::State& state) {
  mcp::ManagerOptions options;
  options.hook = std::make_shared<NoopHook>();
  run_in_loop(
      state,
      [](benchmark::State& s, mcp::HierarchicalToolManager& m) {
        return dispatch_loop(s, m, mcp::bench::kNoopCategory);
      },
      std::move(options));
}
BENCHMARK(BM_dispatch_sync_noop_hook);

// ---- a typed tool against the same tool on Json ----------------------------------------

struct EchoArgs {
  std::string text;
  int times = 1;
  MCP_HTM_FIELDS(EchoArgs, MCP_HTM_FIELD(text, "What to echo", mcp::max_length(1000)),
                 MCP_HTM_FIELD(times, "How often", mcp::minimum(1), mcp::maximum(10)))
};
struct Echo {
  std::string text;
  int times = 1;
  MCP_HTM_FIELDS(Echo, MCP_HTM_FIELD(text), MCP_HTM_FIELD(times))
};

/// "echo.typed" and "echo.json": the same tool, the second with the derived schema
/// written out by hand and its arguments read from the Json.
class EchoCategory : public mcp::ToolCategory {
 public:
  EchoCategory() : ToolCategory("echo", "Benchmark: typed against Json") {
    add_tool(mcp::ToolSpec("typed", "Echo (typed)"), [](EchoArgs args) {
      return Echo{std::move(args.text), args.times};
    });
    add_tool(mcp::ToolSpec("json", "Echo (Json)", mcp::json_schema_of<EchoArgs>())
                 .with_output_schema(mcp::json_schema_of<Echo>()),
             [](Json args) {
               return Json{{"text", std::move(args.at("text").get_ref<std::string&>())},
                           {"times", args.at("times").get<int>()}};
             });
  }
};

asio::awaitable<void> echo_loop(benchmark::State& state, mcp::HierarchicalToolManager& m,
                                const char* tool) {
  const Json prototype = {{"text", "the quick brown fox"}, {"times", 3}};
  for (auto _ : state) {
    Json args = prototype;
    mcp::DispatchResult r = co_await m.dispatch("echo", tool, std::move(args));
    if (!r.ok()) throw std::runtime_error(r.error().message);
    benchmark::DoNotOptimize(r);
  }
}

void BM_dispatch_typed_echo(benchmark::State& state) {
  run_in_loop(state, [](benchmark::State& s, mcp::HierarchicalToolManager& m) {
    m.register_category(std::make_shared<EchoCategory>());
    return echo_loop(s, m, "typed");
  });
}
BENCHMARK(BM_dispatch_typed_echo);

void BM_dispatch_json_echo(benchmark::State& state) {
  run_in_loop(state, [](benchmark::State& s, mcp::HierarchicalToolManager& m) {
    m.register_category(std::make_shared<EchoCategory>());
    return echo_loop(s, m, "json");
  });
}
BENCHMARK(BM_dispatch_json_echo);

void BM_schema_cache_hit(benchmark::State& state) {
  mcp::bench::NoopCategory category;
  if (!category.schema(mcp::bench::kNoopTool)) {  // first request: the miss that fills it
    state.SkipWithError("no schema for the no-op tool");
    return;
  }
  for (auto _ : state) {
    auto schema = category.schema(mcp::bench::kNoopTool);
    benchmark::DoNotOptimize(schema);
  }
}
BENCHMARK(BM_schema_cache_hit);

// ---- references: what the clock and Asio themselves cost here ------------------------

void BM_steady_clock_now(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::chrono::steady_clock::now());
  }
}
BENCHMARK(BM_steady_clock_now);

asio::awaitable<int> noop_coroutine(int x) { co_return x; }

void BM_co_await_noop_coroutine(benchmark::State& state) {
  asio::io_context io(1);
  asio::co_spawn(
      io,
      [&state]() -> asio::awaitable<void> {
        int x = 1;
        for (auto _ : state) {
          benchmark::DoNotOptimize(co_await noop_coroutine(x));
        }
      },
      asio::detached);
  io.run();
}
BENCHMARK(BM_co_await_noop_coroutine);

void BM_co_spawn_noop(benchmark::State& state) {
  asio::io_context io(1);
  int x = 1;
  for (auto _ : state) {
    asio::co_spawn(io, noop_coroutine(x),
                   [](std::exception_ptr, int v) { benchmark::DoNotOptimize(v); });
    io.run();
    io.restart();
  }
}
BENCHMARK(BM_co_spawn_noop);

// ---- the MCP protocol layer without its transport -------------------------------------

/// Counts what the server sends and keeps the last message (so nothing is optimised away).
class CountingSink : public mcp::MessageSink {
 public:
  void send(std::string message) override {
    ++sent;
    bytes += message.size();
    last = std::move(message);
  }
  std::size_t sent = 0;
  std::size_t bytes = 0;
  std::string last;
};

/// serve_message() of `line` once per iteration, on the server's strand, with a
/// single-threaded io_context: the protocol layer's whole cost for one request.
void serve_line(benchmark::State& state, mcp::ToolMode mode, std::string line) {
  asio::io_context io(1);
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(std::make_shared<mcp::bench::NoopCategory>());
  auto sink = std::make_shared<CountingSink>();
  mcp::ServerOptions options;
  options.mode = mode;
  mcp::Server server(manager, sink, options);
  std::exception_ptr failure;
  asio::co_spawn(
      server.get_executor(),
      [&]() -> asio::awaitable<void> {
        for (auto _ : state) co_await server.serve_message(line);
      },
      [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) {
    state.SkipWithError("the serving coroutine threw");
  } else if (sink->sent != static_cast<std::size_t>(state.iterations()) ||
             sink->last.find("\"result\"") == std::string::npos ||
             sink->last.find("isError") != std::string::npos) {
    state.SkipWithError(("unexpected answer: " + sink->last).c_str());
  }
  state.counters["response_bytes"] =
      benchmark::Counter(static_cast<double>(sink->bytes) / static_cast<double>(sink->sent));
}

void BM_server_flat_noop(benchmark::State& state) {
  serve_line(
      state, mcp::ToolMode::flat,
      R"({"jsonrpc":"2.0","id":12345,"method":"tools/call","params":{"name":"noop.noop","arguments":{}}})");
}
BENCHMARK(BM_server_flat_noop);

void BM_server_dispatch_noop(benchmark::State& state) {
  serve_line(
      state, mcp::ToolMode::hierarchical,
      R"({"jsonrpc":"2.0","id":12345,"method":"tools/call","params":{"name":"tools_dispatch","arguments":{"category":"noop","tool":"noop"}}})");
}
BENCHMARK(BM_server_dispatch_noop);

void BM_server_ping(benchmark::State& state) {
  serve_line(state, mcp::ToolMode::flat, R"({"jsonrpc":"2.0","id":12345,"method":"ping"})");
}
BENCHMARK(BM_server_ping);

}  // namespace

BENCHMARK_MAIN();
