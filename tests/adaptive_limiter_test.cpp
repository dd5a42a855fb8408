// tests/adaptive_limiter_test.cpp -- the AIMD limit against a simulated backend whose
// latency grows beyond its capacity (a deterministic model under a manual clock), its
// FIFO queue, and the manager's use of it (waits, fail fast, order of results).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/adaptive_limiter.hpp>
#include <mcp/hierarchical_tool_manager.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <stdexcept>
#include <utility>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "support/gate.hpp"
#include "support/manual_clock.hpp"
#include "support/run_awaitable.hpp"

using mcp::AdaptiveLimiter;
using mcp::AdaptiveLimiterOptions;
using mcp::ErrorCode;
using mcp::Json;
using mcp::LimitSignal;
using namespace std::chrono_literals;

namespace {

/// A backend that serves up to `capacity` calls at `base` latency each; beyond that it
/// thrashes: a call started with c calls running takes base * (c / capacity)^2, so its
/// throughput falls as c grows past the capacity (the shape of a saturated database).
struct SimulatedBackend {
  std::chrono::microseconds base{1000};
  std::size_t capacity = 20;

  [[nodiscard]] std::chrono::nanoseconds latency(std::size_t running) const {
    if (running <= capacity) return base;
    const double ratio = static_cast<double>(running) / static_cast<double>(capacity);
    return std::chrono::nanoseconds(
        static_cast<std::int64_t>(static_cast<double>(base.count()) * 1000.0 * ratio * ratio));
  }
};

/// A closed loop with more callers than the backend can take: whenever the limiter
/// grants a permit a call starts; calls end at their simulated time, in time order.
class Simulation {
 public:
  Simulation(AdaptiveLimiter& limiter, mcp::test::ManualClock& clock)
      : limiter_(limiter), clock_(clock) {}

  struct Phase {
    std::size_t completed = 0;
    double mean_limit = 0;  // over the second half of the phase
    double goodput = 0;     // completions per simulated second
  };

  /// Runs until `completions` calls have ended against `backend`.
  Phase run(const SimulatedBackend& backend, std::size_t completions) {
    Phase phase;
    const auto begin = clock_.now();
    double limit_sum = 0;
    std::size_t limit_samples = 0;
    while (phase.completed < completions) {
      while (auto permit = limiter_.try_acquire()) {
        const auto end = clock_.now() + backend.latency(running_.size() + 1);
        running_.push(Running{end, *permit});
        ++started_;
      }
      REQUIRE_FALSE(running_.empty());  // the limit never reaches 0
      const Running next = running_.top();
      running_.pop();
      clock_.set(next.end);
      limiter_.release(next.permit, LimitSignal::success);
      ++phase.completed;
      if (phase.completed > completions / 2) {
        limit_sum += static_cast<double>(limiter_.limit());
        ++limit_samples;
      }
    }
    phase.mean_limit = limit_sum / static_cast<double>(limit_samples);
    const double seconds = std::chrono::duration<double>(clock_.now() - begin).count();
    phase.goodput = static_cast<double>(phase.completed) / seconds;
    return phase;
  }

  [[nodiscard]] std::size_t started() const noexcept { return started_; }
  [[nodiscard]] std::size_t running() const noexcept { return running_.size(); }

 private:
  struct Running {
    mcp::test::ManualClock::time_point end;
    AdaptiveLimiter::Permit permit;
    bool operator>(const Running& other) const { return end > other.end; }
  };
  AdaptiveLimiter& limiter_;
  mcp::test::ManualClock& clock_;
  std::priority_queue<Running, std::vector<Running>, std::greater<>> running_;
  std::size_t started_ = 0;
};

AdaptiveLimiterOptions single_permit() {
  AdaptiveLimiterOptions options;
  options.initial_limit = options.min_limit = options.max_limit = 1;
  return options;
}

}  // namespace

TEST_CASE("the limit converges near the backend's capacity, follows it down and up", "[limiter]") {
  mcp::test::ManualClock clock;
  AdaptiveLimiterOptions options;
  options.initial_limit = 2;
  options.max_limit = 500;
  AdaptiveLimiter limiter(options, clock.as_function());
  Simulation sim(limiter, clock);

  SimulatedBackend backend;
  backend.capacity = 40;
  const auto first = sim.run(backend, 20000);
  INFO("capacity 40: mean limit " << first.mean_limit);
  CHECK(first.mean_limit >= 0.7 * 40);
  CHECK(first.mean_limit <= 1.5 * 40);
  // Near the best goodput there is (capacity / base = 40000 calls/s).
  CHECK(first.goodput >= 0.85 * 40000);

  backend.capacity = 10;  // the backend loses capacity
  const auto dropped = sim.run(backend, 20000);
  INFO("capacity 10: mean limit " << dropped.mean_limit);
  CHECK(dropped.mean_limit >= 0.7 * 10);
  CHECK(dropped.mean_limit <= 1.5 * 10);
  CHECK(dropped.goodput >= 0.85 * 10000);

  backend.capacity = 80;  // and gains more than it had
  const auto recovered = sim.run(backend, 40000);
  INFO("capacity 80: mean limit " << recovered.mean_limit);
  CHECK(recovered.mean_limit >= 0.7 * 80);
  CHECK(recovered.mean_limit <= 1.5 * 80);

  // No call lost: every permit granted was given back or is still running.
  const auto m = limiter.metrics();
  CHECK(sim.started() == 20000 + 20000 + 40000 + sim.running());
  CHECK(m.in_flight == sim.running());
  CHECK(m.decreases > 0);
}

TEST_CASE("a fixed backend latency above the old baseline is not read as congestion forever",
          "[limiter]") {
  mcp::test::ManualClock clock;
  AdaptiveLimiterOptions options;
  options.initial_limit = 8;
  AdaptiveLimiter limiter(options, clock.as_function());
  Simulation sim(limiter, clock);
  SimulatedBackend backend;
  backend.capacity = 30;
  (void)sim.run(backend, 5000);
  backend.base = 4000us;  // every call is now 4x slower, whatever the load
  const auto slower = sim.run(backend, 40000);
  INFO("mean limit " << slower.mean_limit);
  CHECK(slower.mean_limit >= 0.7 * 30);
}

TEST_CASE("timeouts lower the limit once per window, never below min_limit", "[limiter]") {
  mcp::test::ManualClock clock;
  AdaptiveLimiterOptions options;
  options.initial_limit = 20;
  options.min_limit = 3;
  AdaptiveLimiter limiter(options, clock.as_function());
  std::vector<AdaptiveLimiter::Permit> held;
  while (auto p = limiter.try_acquire()) held.push_back(*p);
  REQUIRE(held.size() == 20);
  // One burst of 20 timeouts of calls admitted under the same limit: one decrease.
  for (const auto& p : held) limiter.release(p, LimitSignal::dropped);
  CHECK(limiter.limit() == 16);  // floor(20 x 0.8)
  CHECK(limiter.metrics().decreases == 1);
  for (int round = 0; round < 10; ++round) {
    auto p = limiter.try_acquire();
    REQUIRE(p);
    limiter.release(*p, LimitSignal::dropped);
  }
  CHECK(limiter.limit() == 3);
  // Ignored outcomes (tool errors, cancellations) move nothing.
  auto p = limiter.try_acquire();
  REQUIRE(p);
  limiter.release(*p, LimitSignal::ignored);
  CHECK(limiter.limit() == 3);
  CHECK(limiter.metrics().in_flight == 0);
}

TEST_CASE("inconsistent limiter options are refused", "[limiter]") {
  AdaptiveLimiterOptions bad;
  bad.min_limit = 0;
  CHECK_THROWS_AS(AdaptiveLimiter(bad), std::invalid_argument);
  bad = {};
  bad.initial_limit = 1000;
  CHECK_THROWS_AS(AdaptiveLimiter(bad), std::invalid_argument);
  bad = {};
  bad.decrease_factor = 1.0;
  CHECK_THROWS_AS(AdaptiveLimiter(bad), std::invalid_argument);
}

TEST_CASE("waiters get permits in FIFO order, on their executor", "[limiter]") {
  asio::io_context io;
  AdaptiveLimiter limiter(single_permit());
  auto held = limiter.try_acquire();
  REQUIRE(held);
  std::vector<int> order;
  std::vector<std::optional<AdaptiveLimiter::Permit>> permits(5);
  const auto far = std::chrono::steady_clock::now() + 1h;
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          auto got = co_await limiter.acquire(far);
          REQUIRE(got.status == AdaptiveLimiter::AcquireStatus::granted);
          order.push_back(i);
          permits[static_cast<std::size_t>(i)] = got.permit;
        },
        asio::detached);
  }
  io.poll();
  CHECK(order.empty());
  CHECK(limiter.metrics().queued == 5);
  CHECK_FALSE(limiter.try_acquire());  // no overtaking the queue
  limiter.release(*held, LimitSignal::success);
  for (int i = 0; i < 5; ++i) {
    io.poll();
    REQUIRE(order.size() == static_cast<std::size_t>(i) + 1);
    CHECK(order.back() == i);
    limiter.release(*permits[static_cast<std::size_t>(i)], LimitSignal::success);
  }
  io.poll();
  const auto m = limiter.metrics();
  CHECK(m.queued == 0);
  CHECK(m.in_flight == 0);
}

TEST_CASE("a waiter gives up at its deadline or when cancelled, and leaves the queue",
          "[limiter]") {
  asio::io_context io;
  AdaptiveLimiter limiter(single_permit());
  auto held = limiter.try_acquire();
  REQUIRE(held);

  const auto timed_out =
      mcp::test::run_awaitable(io, limiter.acquire(std::chrono::steady_clock::now() + 20ms));
  CHECK(timed_out.status == AdaptiveLimiter::AcquireStatus::timeout);
  CHECK_FALSE(timed_out.permit);

  asio::cancellation_signal cancel;
  std::optional<AdaptiveLimiter::Acquired> cancelled;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        cancelled = co_await limiter.acquire(std::chrono::steady_clock::now() + 1h);
      },
      asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  io.restart();
  io.poll();
  CHECK(limiter.metrics().queued == 1);
  cancel.emit(asio::cancellation_type::terminal);
  io.poll();
  REQUIRE(cancelled);
  CHECK(cancelled->status == AdaptiveLimiter::AcquireStatus::cancelled);
  CHECK(limiter.metrics().queued == 0);
  CHECK(limiter.metrics().rejected == 2);

  // The slot is still there for the next caller.
  limiter.release(*held, LimitSignal::success);
  auto next = limiter.try_acquire();
  CHECK(next);
}

namespace {

/// `slow.wait` waits on the test's gate; `slow.echo` returns n after one suspension.
void register_slow(mcp::HierarchicalToolManager& manager, mcp::test::Gate& gate,
                   const AdaptiveLimiterOptions& limit) {
  auto slow = std::make_shared<mcp::ToolCategory>("slow", "Limited");
  slow->add_tool(mcp::ToolSpec("wait", "Waits for the gate"),
                 [&gate](Json) -> asio::awaitable<Json> {
                   if (!co_await gate.wait()) throw std::runtime_error("gate closed");
                   co_return Json("opened");
                 });
  slow->add_tool(mcp::ToolSpec("echo", "Returns n"), [](Json args) -> asio::awaitable<Json> {
    auto ex = co_await asio::this_coro::executor;
    co_await asio::post(ex, asio::use_awaitable);
    co_return args.value("n", -1);
  });
  slow->add_tool(mcp::ToolSpec("sync_echo", "Returns n"),
                 [](Json args) { return args.value("n", -1); });
  manager.register_category(slow, mcp::CategoryOptions{}.with_limiter(limit));
}

}  // namespace

TEST_CASE("a full limit: fail-fast dispatch gets overloaded with retry_after_ms",
          "[limiter][manager]") {
  asio::io_context io;
  mcp::test::Gate gate(io.get_executor());
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto limit = single_permit();
  limit.fail_fast = true;
  register_slow(manager, gate, limit);

  std::optional<mcp::DispatchResult> first;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { first = co_await manager.dispatch("slow", "wait", {}); },
      asio::detached);
  io.poll();  // the first call holds the only permit, waiting on the gate
  const auto refused = mcp::test::run_until_ready(io, manager.dispatch("slow", "sync_echo", {}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.code() == ErrorCode::overloaded);
  CHECK(refused.error().details["retry_after_ms"].get<int>() >= 1);
  CHECK(refused.to_json()["error_code"] == "overloaded");
  const auto metrics = manager.metrics();
  REQUIRE(metrics.categories.front().limiter);
  CHECK(metrics.categories.front().limiter->in_flight == 1);
  CHECK(metrics.categories.front().limiter->rejected >= 1);

  gate.open();
  io.restart();
  io.run();
  REQUIRE(first);
  CHECK(first->ok());
  const auto after = mcp::test::run_awaitable(io, manager.dispatch("slow", "sync_echo", {}));
  CHECK(after.ok());
}

TEST_CASE("a full limit: a waiting dispatch times out after max_wait", "[limiter][manager]") {
  asio::io_context io;
  mcp::test::Gate gate(io.get_executor());
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto limit = single_permit();
  limit.max_wait = 30ms;
  register_slow(manager, gate, limit);
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { (void)co_await manager.dispatch("slow", "wait", {}); },
      asio::detached);
  io.poll();
  const auto waited = mcp::test::run_until_ready(io, manager.dispatch("slow", "echo", {}));
  REQUIRE_FALSE(waited.ok());
  CHECK(waited.code() == ErrorCode::timeout);
  CHECK(waited.error().message.find("waited") != std::string::npos);
  gate.open();
  io.restart();
  io.run();
}

TEST_CASE("a batch queues behind the limit: every call runs, results in order",
          "[limiter][manager][parallel]") {
  asio::thread_pool pool(2);
  mcp::test::Gate gate(pool.get_executor());
  mcp::HierarchicalToolManager manager(pool.get_executor());
  AdaptiveLimiterOptions limit;
  limit.initial_limit = 3;
  limit.min_limit = 1;
  limit.max_limit = 3;
  limit.max_wait = 60s;  // bounded, far above what the batch needs
  register_slow(manager, gate, limit);

  std::vector<mcp::ToolCall> calls;
  for (int i = 0; i < 200; ++i) {
    calls.push_back({"slow", i % 2 == 0 ? "echo" : "sync_echo", Json{{"n", i}}});
  }
  const auto batch = mcp::test::run_on(pool, manager.dispatch_parallel(calls));
  REQUIRE(batch.results.size() == 200);
  for (int i = 0; i < 200; ++i) {
    const auto& r = batch.results[static_cast<std::size_t>(i)];
    INFO(i << ": " << r.to_json().dump());
    REQUIRE(r.ok());
    CHECK(r.value() == i);
  }
  const auto m = manager.metrics().categories.front().limiter;
  REQUIRE(m);
  CHECK(m->in_flight == 0);
  CHECK(m->queued == 0);
  CHECK(m->limit <= 3);
}
