// src/stdio_transport.cpp -- newline-delimited JSON-RPC over stdin/stdout.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/detail/json_rpc.hpp>
#include <mcp/stdio_transport.hpp>

#include <atomic>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

namespace mcp {
namespace {

/// Remembers a descriptor's file status flags so that the non-blocking mode Asio sets
/// on the (shared) open file description does not outlive the transport.
struct SavedFlags {
  int fd = -1;
  int flags = -1;
  explicit SavedFlags(int descriptor) : fd(descriptor), flags(::fcntl(descriptor, F_GETFL)) {}
  void restore() const {
    if (flags != -1) (void)::fcntl(fd, F_SETFL, flags);
  }
};

}  // namespace

struct StdioTransport::Impl : std::enable_shared_from_this<Impl>, MessageSink {
  Impl(executor_type ex, StdioOptions o)
      : strand(std::move(ex)),
        options(o),
        input_flags(options.input_fd),
        output_flags(options.output_fd),
        input(strand, options.input_fd),
        output(strand, options.output_fd),
        flush_timer(strand),
        resume_timer(strand),
        log(options.local_log) {
    if (options.max_line_bytes == 0) options.max_line_bytes = 1;
  }

  ~Impl() override {
    (void)input.release();
    (void)output.release();
    input_flags.restore();
    output_flags.restore();
  }

  executor_type strand;
  StdioOptions options;
  SavedFlags input_flags;
  SavedFlags output_flags;
  asio::posix::stream_descriptor input;
  asio::posix::stream_descriptor output;
  // Output state: strand only.
  std::string writing_buffer;  // the bytes of the write in progress
  std::string pending;         // messages queued behind it, each followed by '\n'
  bool writing = false;
  // Set while the reader serves the lines of one read: their responses are collected
  // and leave in one write when the read is done, not one write (and one wake-up of the
  // client) each.
  bool corked = false;
  bool broken = false;              // a write failed (the client went away): output is dropped
  asio::steady_timer flush_timer;   // flush() waits on it; cancelled when output is idle
  asio::steady_timer resume_timer;  // the reader waits on it while output is backed up
  bool reader_paused = false;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> too_long{0};
  std::atomic<std::size_t> writes_started{0};
  std::function<void(LogLevel, std::string_view)> log;  // options.local_log

  // ---- output ------------------------------------------------------------------------

  void send(std::string message) override {
    if (!strand.running_in_this_thread()) {
      asio::post(strand, [self = shared_from_this(), m = std::move(message)]() mutable {
        self->enqueue(std::move(m));
      });
      return;
    }
    enqueue(std::move(message));
  }

  void enqueue(std::string message) {
    if (broken) return;
    if (!writing && !corked) {
      writing_buffer = std::move(message);
      writing_buffer.push_back('\n');
      start_write();
    } else {
      pending.append(message);
      pending.push_back('\n');
    }
  }

  /// Ends the cork of the reader: what it collected goes out now.
  void uncork() {
    corked = false;
    if (!writing && !broken && !pending.empty()) write_pending();
  }

  /// Starts writing the queued messages.
  void write_pending() {
    writing_buffer.swap(pending);
    pending.clear();
    start_write();
  }

  /// Corks the output for the scope of one read's lines.
  struct CorkedOutput {
    explicit CorkedOutput(Impl& impl) : self(impl) { self.corked = true; }
    ~CorkedOutput() {
      try {
        self.uncork();
      } catch (...) {  // out of memory starting the write: the output is lost, not the server
        self.corked = false;
      }
    }
    CorkedOutput(const CorkedOutput&) = delete;
    CorkedOutput& operator=(const CorkedOutput&) = delete;
    Impl& self;
  };

  void start_write() {
    writing = true;
    writes_started.fetch_add(1, std::memory_order_relaxed);
    asio::async_write(
        output, asio::buffer(writing_buffer),
        [self = shared_from_this()](std::error_code ec, std::size_t) { self->on_written(ec); });
  }

  void on_written(std::error_code ec) {
    writing = false;
    if (ec) {
      broken = true;
      if (log)
        log(LogLevel::error,
            fmt::format("stdout write failed ({}); dropping output", ec.message()));
      pending.clear();
      pending.shrink_to_fit();
    } else if (!pending.empty()) {
      write_pending();
      return;
    } else if (writing_buffer.capacity() > (std::size_t{1} << 20)) {
      std::string().swap(writing_buffer);  // don't keep a huge buffer after a huge message
    }
    flush_timer.cancel();
    if (reader_paused) resume_timer.cancel();
  }

  [[nodiscard]] bool output_backed_up() const {
    return !broken && pending.size() >= options.max_pending_output_bytes;
  }

  asio::awaitable<void> flush(std::chrono::milliseconds timeout) {
    if (!writing) co_return;
    std::error_code ec;
    flush_timer.expires_after(timeout);
    while (writing) {
      co_await flush_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        if (log) log(LogLevel::error, "timed out writing the remaining output");
        co_return;
      }
    }
  }

  // ---- input -------------------------------------------------------------------------

  void line_too_long(Server& server, std::size_t bytes) {
    too_long.fetch_add(1, std::memory_order_relaxed);
    if (log) {
      log(LogLevel::warning,
          fmt::format("discarded a line of {} bytes (limit {})", bytes, options.max_line_bytes));
    }
    server.reject(jsonrpc::invalid_request,
                  fmt::format("Invalid Request: line of {} bytes exceeds the limit of {} bytes; "
                              "it was discarded",
                              bytes, options.max_line_bytes),
                  Json{{"reason", "line_too_long"},
                       {"line_bytes", bytes},
                       {"max_line_bytes", options.max_line_bytes}});
  }

  asio::awaitable<void> run(Server& server) {
    std::vector<char> buffer(64 * 1024);
    std::string line;           // the start of a line split across reads
    bool discarding = false;    // inside an over-long line
    std::size_t discarded = 0;  // its length so far
    const std::size_t max = options.max_line_bytes;

    while (!stopping.load(std::memory_order_relaxed)) {
      while (output_backed_up() && !stopping.load(std::memory_order_relaxed)) {
        reader_paused = true;
        std::error_code ec;
        resume_timer.expires_after(std::chrono::seconds(1));
        co_await resume_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        reader_paused = false;
      }
      std::error_code ec;
      const std::size_t n = co_await input.async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
      if (n > 0) {
        const CorkedOutput cork(*this);
        const char* data = buffer.data();
        std::size_t start = 0;
        while (start < n) {
          const void* found = std::memchr(data + start, '\n', n - start);
          if (found == nullptr) {
            const std::size_t rest = n - start;
            if (discarding) {
              discarded += rest;
            } else if (line.size() + rest > max) {
              discarding = true;
              discarded = line.size() + rest;
              std::string().swap(line);
            } else {
              line.append(data + start, rest);
            }
            break;
          }
          const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(found) - data);
          const std::size_t length = end - start;
          if (discarding) {
            line_too_long(server, discarded + length);
            discarding = false;
            discarded = 0;
          } else if (line.empty()) {
            if (length > max) {
              line_too_long(server, length);
            } else {
              co_await server.serve_message(std::string_view(data + start, length));
            }
          } else if (line.size() + length > max) {
            line_too_long(server, line.size() + length);
            std::string().swap(line);
          } else {
            line.append(data + start, length);
            co_await server.serve_message(line);
            line.clear();
          }
          start = end + 1;
        }
      }
      if (ec) {
        if (ec != asio::error::eof && ec != asio::error::operation_aborted && log) {
          log(LogLevel::error, fmt::format("reading stdin failed: {}", ec.message()));
        }
        break;
      }
    }
    // From here on, cancelling the awaiting coroutine must not cut the graceful end short.
    co_await asio::this_coro::reset_cancellation_state(asio::disable_cancellation());
    // A last line without a newline still counts.
    if (discarding) {
      line_too_long(server, discarded);
    } else if (!line.empty()) {
      co_await server.serve_message(line);
    }
    if (log) log(LogLevel::info, "end of input: finishing the requests in flight");
    co_await server.shutdown(options.shutdown_timeout);
    co_await flush(options.shutdown_timeout);
  }

  void stop() {
    stopping.store(true, std::memory_order_relaxed);
    asio::post(strand, [self = shared_from_this()] {
      std::error_code ignored;
      self->input.cancel(ignored);
      self->resume_timer.cancel();
    });
  }
};

StdioTransport::StdioTransport(executor_type executor, StdioOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), options)) {}

StdioTransport::~StdioTransport() = default;

std::shared_ptr<MessageSink> StdioTransport::sink() const { return impl_; }

asio::awaitable<void> StdioTransport::run(Server& server) {
  auto impl = impl_;
  co_await impl->run(server);
}

void StdioTransport::stop() { impl_->stop(); }

std::size_t StdioTransport::lines_too_long() const noexcept {
  return impl_->too_long.load(std::memory_order_relaxed);
}

std::size_t StdioTransport::writes() const noexcept {
  return impl_->writes_started.load(std::memory_order_relaxed);
}

asio::awaitable<void> serve_stdio(HierarchicalToolManager& manager, ServerOptions server_options,
                                  StdioOptions stdio_options) {
  auto strand = asio::make_strand(manager.get_executor());
  if (!stdio_options.local_log) stdio_options.local_log = server_options.local_log;
  auto transport = std::make_shared<StdioTransport>(strand, stdio_options);
  Server server(manager, transport->sink(), std::move(server_options), strand);
  co_await asio::co_spawn(strand, transport->run(server), asio::use_awaitable);
}

}  // namespace mcp
