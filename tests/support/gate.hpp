// tests/support/gate.hpp -- a coroutine gate the test opens: controlled completions.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_TESTS_SUPPORT_GATE_HPP
#define MCP_HTM_TESTS_SUPPORT_GATE_HPP

#include <system_error>

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace mcp::test {

/// A gate on a single-threaded io_context: wait() suspends until open(). A timer that
/// never expires by itself, cancelled to open: no sleeping, no polling of time.
class Gate {
 public:
  explicit Gate(asio::any_io_executor ex)
      : timer_(std::move(ex), asio::steady_timer::time_point::max()) {}

  /// Suspends until open() or until the waiting coroutine is cancelled. Returns true when
  /// opened, false when cancelled.
  asio::awaitable<bool> wait() {
    if (open_) co_return true;
    auto [ec] = co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    (void)ec;
    co_return open_;
  }

  void open() {
    open_ = true;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  bool open_ = false;
};

}  // namespace mcp::test

#endif  // MCP_HTM_TESTS_SUPPORT_GATE_HPP
