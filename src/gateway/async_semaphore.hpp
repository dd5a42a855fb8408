// A FIFO counting semaphore for coroutines: acquire() suspends (never blocks a thread)
// and honours the awaiting coroutine's cancellation.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_SRC_GATEWAY_ASYNC_SEMAPHORE_HPP
#define MCP_HTM_SRC_GATEWAY_ASYNC_SEMAPHORE_HPP

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>

#include <asio/awaitable.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace mcp::gateway::detail {

class AsyncSemaphore {
 public:
  explicit AsyncSemaphore(std::size_t count) : available_(count) {}

  /// Takes a unit, waiting in FIFO order behind earlier callers. Throws
  /// std::system_error(operation_aborted) when the caller is cancelled while waiting.
  asio::awaitable<void> acquire() {
    std::shared_ptr<Waiter> waiter;
    {
      std::lock_guard lock(mutex_);
      if (available_ > 0 && waiters_.empty()) {
        --available_;
        co_return;
      }
      waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
      waiters_.push_back(waiter);
    }
    auto [ec, granted] =
        co_await waiter->granted.async_receive(asio::experimental::as_tuple(asio::use_awaitable));
    (void)granted;
    if (!ec) co_return;
    bool was_granted = false;
    {
      std::lock_guard lock(mutex_);
      auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
      if (it != waiters_.end()) {
        waiters_.erase(it);
      } else {
        was_granted = true;  // release() handed it over as the wait was cancelled
      }
    }
    if (was_granted) release();
    throw std::system_error(asio::error::operation_aborted);
  }

  /// Returns a unit: to the oldest waiter, if any.
  void release() {
    std::shared_ptr<Waiter> next;
    {
      std::lock_guard lock(mutex_);
      if (waiters_.empty()) {
        ++available_;
        return;
      }
      next = std::move(waiters_.front());
      waiters_.pop_front();
    }
    next->granted.try_send(asio::error_code{}, true);
  }

  [[nodiscard]] std::size_t waiting() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
  }

 private:
  struct Waiter {
    explicit Waiter(asio::any_io_executor executor) : granted(std::move(executor), 1) {}
    // (Asio 1.22 cannot instantiate a channel of void(error_code) alone.)
    asio::experimental::concurrent_channel<void(asio::error_code, bool)> granted;
  };
  mutable std::mutex mutex_;
  std::size_t available_;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace mcp::gateway::detail

#endif  // MCP_HTM_SRC_GATEWAY_ASYNC_SEMAPHORE_HPP
