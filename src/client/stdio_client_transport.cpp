// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/client/stdio_client_transport.hpp>

#include <deque>
#include <optional>
#include <string>
#include <utility>

#include <asio/bind_executor.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/dispatch.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

namespace mcp::client {
namespace {
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
}  // namespace

struct StdioClientTransport::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, ProcessSpec process, StdioClientOptions opts)
      : executor(std::move(ex)), spec(std::move(process)), options(std::move(opts)) {}

  asio::any_io_executor executor;
  ProcessSpec spec;
  StdioClientOptions options;
  std::unique_ptr<ChildProcess> child;
  MessageHandler on_message;
  ClosedHandler on_closed;
  std::deque<std::string> outbox;
  std::string batch;  // what the write in progress is writing
  bool writing = false;
  bool ended = false;        // on_closed has been called
  bool output_done = false;  // the reader saw the end of stdout

  void log(LogLevel level, std::string_view text) const {
    if (options.local_log) options.local_log(level, text);
  }

  void finish(std::string reason) {
    if (ended) return;
    ended = true;
    outbox.clear();
    if (child) child->close_input();
    if (auto handler = std::move(on_closed)) handler(std::move(reason));
    on_message = nullptr;
  }

  // A plain completion-handler chain rather than a coroutine: a send to an idle pipe is
  // the common case (one message per call), and spawning a coroutine for each cost more
  // than the write itself.
  void write_next() {
    if (outbox.empty() || ended) {
      writing = false;
      return;
    }
    batch.clear();
    while (!outbox.empty()) {
      batch += outbox.front();
      outbox.pop_front();
    }
    asio::async_write(child->input(), asio::buffer(batch),
                      asio::bind_executor(executor, [self = shared_from_this()](asio::error_code ec,
                                                                                std::size_t) {
                        if (ec) {
                          // EPIPE: the child closed stdin or exited; the reader reports the
                          // end with the exit status, this only keeps the loss visible.
                          self->log(LogLevel::warning,
                                    fmt::format("write to the server failed: {}", ec.message()));
                          self->outbox.clear();
                        }
                        self->write_next();
                      }));
  }

  asio::awaitable<void> read_loop() {
    auto self = shared_from_this();
    std::string pending;  // an incomplete line
    bool discarding = false;
    char buffer[65536];
    for (;;) {
      auto [ec, n] = co_await child->output().async_read_some(asio::buffer(buffer), use_tuple);
      if (ec) break;
      std::string_view chunk(buffer, n);
      while (!chunk.empty() && !ended) {
        const auto newline = chunk.find('\n');
        const std::string_view piece = chunk.substr(0, newline);
        if (!discarding) {
          if (pending.size() + piece.size() > options.max_line_bytes) {
            log(LogLevel::error, fmt::format("discarded a line over {} bytes from the server",
                                             options.max_line_bytes));
            pending.clear();
            discarding = true;
          } else {
            pending.append(piece);
          }
        }
        if (newline == std::string_view::npos) break;
        chunk.remove_prefix(newline + 1);
        if (!discarding) {
          if (!pending.empty() && pending.back() == '\r') pending.pop_back();
          if (!pending.empty() && on_message) on_message(std::exchange(pending, {}));
          pending.clear();
        }
        discarding = false;
      }
      if (ended) co_return;
    }
    output_done = true;
    if (ended) co_return;
    // stdout ended: the server is gone or going. Stop it (the stdio shutdown sequence)
    // to read its exit status for the reason, and so nothing of its group lingers.
    const ExitStatus status = co_await child->stop(options.stop_grace);
    finish(fmt::format("the server closed its stdout ({})", status.describe()));
  }

  asio::awaitable<void> stderr_loop() {
    auto self = shared_from_this();
    std::string pending;
    char buffer[8192];
    for (;;) {
      auto [ec, n] = co_await child->errors().async_read_some(asio::buffer(buffer), use_tuple);
      if (ec) break;
      pending.append(buffer, n);
      std::size_t start = 0;
      for (auto newline = pending.find('\n'); newline != std::string::npos;
           newline = pending.find('\n', start)) {
        std::string_view line(pending.data() + start, newline - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) log(LogLevel::info, line);
        start = newline + 1;
      }
      pending.erase(0, start);
      if (pending.size() > 8192) {  // a line without end: forward what there is
        log(LogLevel::info, pending);
        pending.clear();
      }
    }
    if (!pending.empty()) log(LogLevel::info, pending);
  }

  asio::awaitable<void> exit_watch() {
    auto self = shared_from_this();
    try {
      (void)co_await child->wait();
    } catch (const std::exception&) {
      co_return;  // the transport is being torn down
    }
    if (ended || output_done) co_return;
    // The child exited; its last messages may still be in the pipe, so give the reader
    // the grace period to drain it. Past that, a process it left behind holds stdout
    // open: stop the group and end the connection.
    asio::steady_timer timer(executor);
    timer.expires_after(options.stop_grace);
    co_await timer.async_wait(use_tuple);
    if (ended || output_done) co_return;
    const ExitStatus status = *child->exit_status();
    child->signal_group(SIGKILL);
    finish(fmt::format("the server exited ({}) but its stdout stayed open", status.describe()));
  }

  asio::awaitable<void> close_here() {
    auto self = shared_from_this();
    if (!child) co_return;
    if (!ended) {
      const ExitStatus status = co_await child->stop(options.stop_grace);
      finish(fmt::format("closed by the client ({})", status.describe()));
    }
    if (!child->exit_status()) co_await child->stop(options.stop_grace);
  }
};

StdioClientTransport::StdioClientTransport(asio::any_io_executor executor, ProcessSpec spec,
                                           StdioClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(spec), std::move(options))) {}

StdioClientTransport::~StdioClientTransport() {
  // Whatever the coroutines still hold, the child does not outlive its transport:
  // ~ChildProcess kills and reaps a child not stopped yet.
  asio::dispatch(impl_->executor, [impl = impl_] {
    impl->on_message = nullptr;
    impl->on_closed = nullptr;
    impl->ended = true;
    if (impl->child) {
      std::error_code ignored;
      impl->child->output().close(ignored);
      impl->child->errors().close(ignored);
    }
  });
}

void StdioClientTransport::start(MessageHandler on_message, ClosedHandler on_closed) {
  auto& impl = *impl_;
  impl.child = ChildProcess::spawn(impl.executor, impl.spec);
  impl.on_message = std::move(on_message);
  impl.on_closed = std::move(on_closed);
  asio::co_spawn(impl.executor, impl.read_loop(), asio::detached);
  asio::co_spawn(impl.executor, impl.stderr_loop(), asio::detached);
  asio::co_spawn(impl.executor, impl.exit_watch(), asio::detached);
}

void StdioClientTransport::send(std::string message) {
  message += '\n';
  asio::dispatch(impl_->executor, [impl = impl_, message = std::move(message)]() mutable {
    if (impl->ended || !impl->child) return;
    impl->outbox.push_back(std::move(message));
    if (!impl->writing) {
      impl->writing = true;
      impl->write_next();
    }
  });
}

asio::awaitable<void> StdioClientTransport::close() {
  co_await asio::co_spawn(impl_->executor, impl_->close_here(), asio::use_awaitable);
}

pid_t StdioClientTransport::pid() const noexcept { return impl_->child ? impl_->child->pid() : 0; }

}  // namespace mcp::client
