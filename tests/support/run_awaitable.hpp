// tests/support/run_awaitable.hpp -- drive coroutines to completion in tests.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_TESTS_SUPPORT_RUN_AWAITABLE_HPP
#define MCP_HTM_TESTS_SUPPORT_RUN_AWAITABLE_HPP

#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <stdexcept>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>

namespace mcp::test {

/// The completion handler of the helpers below: hands the coroutine's value or exception
/// to a promise the handler owns a share of.
/**
 * Not asio::use_future: its handler's associated executor is a promise_executor over
 * Asio's system_executor, so co_spawn takes outstanding work on the process-wide
 * system_context (whose threads start on first use and are torn down with the statics,
 * after main); ThreadSanitizer reports that teardown racing with the test's own threads
 * (about 1 run in 15 of dispatch_parallel_test). A plain callable has no associated
 * executor: the completion runs on the coroutine's own executor, and the promise is
 * fulfilled exactly once, before the waiting thread can read it.
 */
template <class T>
struct PromiseCompletion {
  std::shared_ptr<std::promise<T>> promise;

  void operator()(std::exception_ptr error, T value) const {
    if (error) {
      promise->set_exception(std::move(error));
    } else {
      promise->set_value(std::move(value));
    }
  }
};

template <>
struct PromiseCompletion<void> {
  std::shared_ptr<std::promise<void>> promise;

  void operator()(std::exception_ptr error) const {
    if (error) {
      promise->set_exception(std::move(error));
    } else {
      promise->set_value();
    }
  }
};

/// Spawns `a` on `ex`; the future is ready once it has ended.
template <class T, class Executor>
std::future<T> spawn_with_promise(const Executor& ex, asio::awaitable<T> a) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  asio::co_spawn(ex, std::move(a), PromiseCompletion<T>{std::move(promise)});
  return future;
}

/// Runs `a` on `io` (single-threaded, on this thread) until `io` runs out of work, and
/// returns its value or rethrows its exception.
template <class T>
T run_awaitable(asio::io_context& io, asio::awaitable<T> a) {
  auto future = spawn_with_promise(io.get_executor(), std::move(a));
  io.restart();
  io.run();
  return future.get();
}

/// Runs `a` on `io` (on this thread) only until `a` has ended, and returns its value or
/// rethrows its exception: other work on `io` (a call parked on a gate) stays pending.
template <class T>
T run_until_ready(asio::io_context& io, asio::awaitable<T> a) {
  auto future = spawn_with_promise(io.get_executor(), std::move(a));
  io.restart();
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (io.run_one() == 0) throw std::runtime_error("run_until_ready: out of work, not ended");
  }
  return future.get();
}

/// Runs `a` on a thread pool and waits (this thread is not a pool thread) for its value.
template <class T>
T run_on(asio::thread_pool& pool, asio::awaitable<T> a) {
  return spawn_with_promise(pool.get_executor(), std::move(a)).get();
}

}  // namespace mcp::test

#endif  // MCP_HTM_TESTS_SUPPORT_RUN_AWAITABLE_HPP
