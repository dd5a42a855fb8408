// tests/support/run_awaitable.hpp -- drive coroutines to completion in tests.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_TESTS_SUPPORT_RUN_AWAITABLE_HPP
#define MCP_HTM_TESTS_SUPPORT_RUN_AWAITABLE_HPP

#include <exception>
#include <future>
#include <memory>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_future.hpp>

namespace mcp::test {

/// Runs `a` on `io` (single-threaded, on this thread) until `io` runs out of work, and
/// returns its value or rethrows its exception.
template <class T>
T run_awaitable(asio::io_context& io, asio::awaitable<T> a) {
  auto future = asio::co_spawn(io, std::move(a), asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

/// Runs `a` on a thread pool and waits (this thread is not a pool thread) for its value.
/// Completes through a promise the pool thread owns a share of, rather than
/// asio::use_future, whose completion runs on Asio's system_context threads and outlives
/// the wait (ThreadSanitizer reports the shared state's teardown there).
template <class T>
T run_on(asio::thread_pool& pool, asio::awaitable<T> a) {
  auto done = std::make_shared<std::promise<T>>();
  auto future = done->get_future();
  asio::co_spawn(pool, std::move(a), [done](std::exception_ptr error, T value) {
    if (error) {
      done->set_exception(error);
    } else {
      done->set_value(std::move(value));
    }
  });
  return future.get();
}

}  // namespace mcp::test

#endif  // MCP_HTM_TESTS_SUPPORT_RUN_AWAITABLE_HPP
