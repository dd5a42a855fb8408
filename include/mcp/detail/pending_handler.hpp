// mcp/detail/pending_handler.hpp -- a stored completion handler, resumed on its executor.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DETAIL_PENDING_HANDLER_HPP
#define MCP_HTM_DETAIL_PENDING_HANDLER_HPP

#include <memory>
#include <tuple>
#include <utility>

#include <asio/associated_executor.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>

namespace mcp::detail {

/// A type-erased, move-only, one-shot completion handler of signature void(Args...).
/// complete() posts it to its associated executor, so a waker never runs a waiter
/// inline (and never while holding the waker's lock). Holds outstanding work on that
/// executor while pending, so the io_context does not run out of work under a waiter.
template <class... Args>
class PendingHandler {
 public:
  PendingHandler() = default;

  template <class Handler>
  explicit PendingHandler(Handler&& handler)
      : impl_(std::make_unique<Impl<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}

  explicit operator bool() const noexcept { return impl_ != nullptr; }

  /// Posts the handler with `args`. Precondition: holds a handler; leaves it empty.
  void complete(Args... args) {
    auto impl = std::move(impl_);
    impl->complete(std::move(args)...);
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void complete(Args... args) = 0;
  };

  template <class Handler>
  struct Impl final : Base {
    explicit Impl(Handler h)
        : handler(std::move(h)),
          work(asio::prefer(asio::get_associated_executor(handler),
                            asio::execution::outstanding_work.tracked)) {}

    void complete(Args... args) override {
      auto executor = asio::get_associated_executor(handler);
      asio::post(executor,
                 [h = std::move(handler), tuple = std::make_tuple(std::move(args)...)]() mutable {
                   std::apply(std::move(h), std::move(tuple));
                 });
    }

    Handler handler;
    decltype(asio::prefer(asio::get_associated_executor(std::declval<Handler&>()),
                          asio::execution::outstanding_work.tracked)) work;
  };

  std::unique_ptr<Base> impl_;
};

}  // namespace mcp::detail

#endif  // MCP_HTM_DETAIL_PENDING_HANDLER_HPP
