// mcp/impl/stdio_transport.ipp -- newline-delimited JSON-RPC over stdin/stdout.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/detail/json_rpc.hpp>
#include <mcp/stdio_transport.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <linux/sockios.h>
#include <string>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/stat.h>
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
namespace detail::stdio_transport_impl {

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

/// How the transport learns how much of its output the client has read.
enum class ReadProbe : std::uint8_t {
  none,    ///< a file or a terminal: it cannot tell (a write completed counts as read)
  pipe,    ///< FIONREAD on the write end: the bytes still in the pipe
  socket,  ///< SIOCOUTQ: the bytes sent and not yet read, in kernel buffer units (0: all read)
};

MCP_HTM_INLINE ReadProbe read_probe_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ReadProbe::none;
  if (S_ISFIFO(st.st_mode)) return ReadProbe::pipe;
  if (S_ISSOCK(st.st_mode)) return ReadProbe::socket;  // Node's child_process stdio
  return ReadProbe::none;
}

}  // namespace detail::stdio_transport_impl
using namespace detail::stdio_transport_impl;

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
        read_timer(strand),
        probe(read_probe_of(options.output_fd)),
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
  // Responses held until the client has read their request's last progress notification
  // (see send_response_after). Offsets count the bytes of the output stream: queued_bytes
  // were appended to it (the newlines included), written_bytes were written, read_bytes
  // the client has read at least. While a message is held, everything after it waits
  // behind it, so that the order of the output stays the order of sending.
  struct Held {
    std::string message;
    std::uint64_t after = 0;  // sent once read_bytes reaches this offset
  };
  std::deque<Held> held;
  std::size_t held_bytes = 0;
  std::uint64_t queued_bytes = 0;
  std::uint64_t written_bytes = 0;
  std::uint64_t read_bytes = 0;
  std::size_t writing_size = 0;   // bytes of the write in progress
  asio::steady_timer read_timer;  // polls the client's reading while a response is held
  bool polling = false;
  std::chrono::microseconds poll_delay{0};
  std::chrono::steady_clock::time_point blocked_since;  // the front held message waits since
  ReadProbe probe;
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

  void send_response(std::string message) override {
    if (!strand.running_in_this_thread()) {
      asio::post(strand, [self = shared_from_this(), m = std::move(message)]() mutable {
        self->send_response(std::move(m));
      });
      return;
    }
    enqueue(std::move(message));
    wake_reader();  // a request ended: the reader may be waiting for one to
  }

  void send_abandoned() override {
    if (!strand.running_in_this_thread()) {
      asio::post(strand, [self = shared_from_this()] { self->wake_reader(); });
      return;
    }
    wake_reader();
  }

  std::uint64_t send_progress(std::string message) override {
    if (!strand.running_in_this_thread()) {  // not the Server's strand: no mark to give
      send(std::move(message));
      return 0;
    }
    enqueue(std::move(message));
    return queued_bytes + held_bytes;  // where the message ends in the output stream
  }

  void send_response_after(std::string message, std::uint64_t mark) override {
    if (!strand.running_in_this_thread()) {
      asio::post(strand, [self = shared_from_this(), m = std::move(message), mark]() mutable {
        self->send_response_after(std::move(m), mark);
      });
      return;
    }
    wake_reader();
    if (broken) return;
    if (held.empty() && mark <= read_bytes) {
      append_output(std::move(message));
      return;
    }
    hold(std::move(message), mark);
    release_held();
  }

  void enqueue(std::string message) {
    if (broken) return;
    if (!held.empty()) {
      hold(std::move(message), 0);
      return;
    }
    append_output(std::move(message));
  }

  void hold(std::string message, std::uint64_t after) {
    held_bytes += message.size() + 1;
    held.push_back({std::move(message), after});
  }

  /// Adds a message to the output stream.
  void append_output(std::string message) {
    queued_bytes += message.size() + 1;
    if (!writing && !corked) {
      writing_buffer = std::move(message);
      writing_buffer.push_back('\n');
      start_write();
    } else {
      pending.append(message);
      pending.push_back('\n');
    }
  }

  void wake_reader() {
    if (reader_paused) resume_timer.cancel();
  }

  // ---- holding a response until the client has read its request's progress --------------
  // The TypeScript SDK client drops progress notifications it reads in the same chunk as
  // their request's response; a separate write is not enough (a client that reads late
  // gets both writes in one read). Nothing signals that a peer has read a pipe or a
  // socket, so the transport asks the kernel how many bytes are still unread, right
  // after each write and then on a short timer, for as long as a response is held.

  /// Sends what is held, in order, up to the first message whose mark is still unread.
  void release_held() {
    bool released = false;
    while (!held.empty() && held.front().after <= read_bytes) {
      Held front = std::move(held.front());
      held.pop_front();
      held_bytes -= front.message.size() + 1;
      append_output(std::move(front.message));
      released = true;
      blocked_since = {};
    }
    if (released) flush_timer.cancel();
    if (held.empty()) {
      poll_delay = std::chrono::microseconds(0);
      return;
    }
    if (held.front().after <= written_bytes) watch_reads();
    // else: its mark is still being written; on_written() looks again.
  }

  /// Learns how much the client has read (a lower bound).
  void update_read() {
    int unread = 0;
    bool known = false;
    if (probe == ReadProbe::pipe) {
      known = ::ioctl(options.output_fd, FIONREAD, &unread) == 0;
    } else if (probe == ReadProbe::socket) {
      known = ::ioctl(options.output_fd, SIOCOUTQ, &unread) == 0;
    }
    if (!known) {
      read_bytes = std::max(read_bytes, written_bytes);  // cannot tell: a separate write is all
      return;
    }
    const auto pending_bytes = static_cast<std::uint64_t>(std::max(unread, 0));
    if (written_bytes > pending_bytes)
      read_bytes = std::max(read_bytes, written_bytes - pending_bytes);
  }

  /// Polls until the client has read the front held message's mark, or until the limit.
  void watch_reads() {
    if (polling || held.empty()) return;
    update_read();
    if (held.front().after <= read_bytes) {
      release_held();
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (blocked_since == std::chrono::steady_clock::time_point{}) blocked_since = now;
    if (now - blocked_since >= options.progress_read_timeout) {
      if (log) {
        log(LogLevel::debug,
            fmt::format("the client read no output for {} ms: a response waiting for its "
                        "progress to be read goes out anyway",
                        options.progress_read_timeout.count()));
      }
      read_bytes = std::max(read_bytes, held.front().after);
      release_held();
      return;
    }
    // 20 us, doubling up to 1 ms: a reading client takes tens of microseconds.
    poll_delay = std::min(std::max(poll_delay * 2, std::chrono::microseconds(20)),
                          std::chrono::microseconds(1000));
    polling = true;
    read_timer.expires_after(poll_delay);
    read_timer.async_wait([self = shared_from_this()](std::error_code) {
      self->polling = false;
      if (!self->broken) self->watch_reads();
    });
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
    writing_size = writing_buffer.size();
    writes_started.fetch_add(1, std::memory_order_relaxed);
    asio::async_write(
        output, asio::buffer(writing_buffer),
        [self = shared_from_this()](std::error_code ec, std::size_t) { self->on_written(ec); });
  }

  void on_written(std::error_code ec) {
    writing = false;
    written_bytes += writing_size;
    if (ec) {
      broken = true;
      if (log)
        log(LogLevel::error,
            fmt::format("stdout write failed ({}); dropping output", ec.message()));
      pending.clear();
      pending.shrink_to_fit();
      held.clear();
      held_bytes = 0;
    } else if (!pending.empty()) {
      write_pending();
      if (!held.empty()) release_held();
      return;
    } else if (writing_buffer.capacity() > (std::size_t{1} << 20)) {
      std::string().swap(writing_buffer);  // don't keep a huge buffer after a huge message
    }
    if (!held.empty()) release_held();
    flush_timer.cancel();
    if (reader_paused) resume_timer.cancel();
  }

  [[nodiscard]] bool output_backed_up() const {
    return !broken && pending.size() + held_bytes >= options.max_pending_output_bytes;
  }

  asio::awaitable<void> flush(std::chrono::milliseconds timeout) {
    if (!writing && held.empty()) co_return;
    std::error_code ec;
    flush_timer.expires_after(timeout);
    while (writing || (!held.empty() && !broken)) {
      co_await flush_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        if (log) log(LogLevel::error, "timed out writing the remaining output");
        co_return;
      }
    }
  }

  // ---- input -------------------------------------------------------------------------

  /// Refuses a discarded over-long line; `envelope` read what it could of it on the way.
  /// A request is refused with its id when that could be read, so that its caller learns
  /// at once; a notification or a response is not answered (as none ever is).
  void line_too_long(Server& server, std::size_t bytes, const jsonrpc::EnvelopeScanner& envelope) {
    too_long.fetch_add(1, std::memory_order_relaxed);
    const bool response = !envelope.has_method() && envelope.has_result_or_error();
    const bool notification = envelope.has_method() && !envelope.has_id();
    const Json id = envelope.id();
    if (log) {
      log(LogLevel::warning,
          fmt::format("discarded a line of {} bytes (limit {}){}", bytes, options.max_line_bytes,
                      response       ? ": a response, not answered"
                      : notification ? ": a notification, not answered"
                      : id.is_null() ? ""
                                     : fmt::format(": request {}", id.dump())));
    }
    if (response || notification) return;
    server.reject(jsonrpc::invalid_request,
                  fmt::format("Invalid Request: line of {} bytes exceeds the limit of {} bytes; "
                              "it was discarded",
                              bytes, options.max_line_bytes),
                  Json{{"reason", "line_too_long"},
                       {"line_bytes", bytes},
                       {"max_line_bytes", options.max_line_bytes}},
                  id);
  }

  [[nodiscard]] bool too_many_requests(const Server& server) const {
    return options.max_requests_in_flight != 0 &&
           server.requests_in_flight() >= options.max_requests_in_flight;
  }

  /// Before the next line of a read: waits while as many requests are in flight as
  /// allowed. What this read answered so far goes out meanwhile (requests end by being
  /// answered, and the client may wait for those answers).
  asio::awaitable<void> wait_for_room(Server& server) {
    if (!too_many_requests(server)) co_return;
    if (log) {
      log(LogLevel::info,
          fmt::format("{} requests in flight (the limit): reading paused until one ends",
                      server.requests_in_flight()));
    }
    uncork();
    while (too_many_requests(server) && !stopping.load(std::memory_order_relaxed)) {
      reader_paused = true;
      std::error_code ec;
      resume_timer.expires_after(std::chrono::seconds(1));
      co_await resume_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      reader_paused = false;
    }
    corked = true;
  }

  asio::awaitable<void> run(Server& server) {
    std::vector<char> buffer(64 * 1024);
    std::string line;                   // the start of a line split across reads
    bool discarding = false;            // inside an over-long line
    std::size_t discarded = 0;          // its length so far
    jsonrpc::EnvelopeScanner overlong;  // what can be read of the over-long line
    const std::size_t max = options.max_line_bytes;

    while (!stopping.load(std::memory_order_relaxed)) {
      // Reading pauses while output is backed up (a client that does not read cannot make
      // the server buffer without bound), and before each line while too many requests
      // are in flight (wait_for_room).
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
            const std::string_view rest(data + start, n - start);
            if (discarding) {
              discarded += rest.size();
              overlong.feed(rest);
            } else if (line.size() + rest.size() > max) {
              discarding = true;
              discarded = line.size() + rest.size();
              overlong = {};
              overlong.feed(line);
              overlong.feed(rest);
              std::string().swap(line);
            } else {
              line.append(rest);
            }
            break;
          }
          const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(found) - data);
          const std::size_t length = end - start;
          const std::string_view segment(data + start, length);
          if (discarding) {
            overlong.feed(segment);
            line_too_long(server, discarded + length, overlong);
            discarding = false;
            discarded = 0;
          } else if (line.empty()) {
            if (length > max) {
              overlong = {};
              overlong.feed(segment);
              line_too_long(server, length, overlong);
            } else {
              co_await wait_for_room(server);
              co_await server.serve_message(segment);
            }
          } else if (line.size() + length > max) {
            overlong = {};
            overlong.feed(line);
            overlong.feed(segment);
            line_too_long(server, line.size() + length, overlong);
            std::string().swap(line);
          } else {
            line.append(data + start, length);
            co_await wait_for_room(server);
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
      line_too_long(server, discarded, overlong);
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

MCP_HTM_INLINE StdioTransport::StdioTransport(executor_type executor, StdioOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), options)) {}

MCP_HTM_INLINE StdioTransport::~StdioTransport() = default;

MCP_HTM_INLINE std::shared_ptr<MessageSink> StdioTransport::sink() const { return impl_; }

MCP_HTM_INLINE asio::awaitable<void> StdioTransport::run(Server& server) {
  auto impl = impl_;
  co_await impl->run(server);
}

MCP_HTM_INLINE void StdioTransport::stop() { impl_->stop(); }

MCP_HTM_INLINE std::size_t StdioTransport::lines_too_long() const noexcept {
  return impl_->too_long.load(std::memory_order_relaxed);
}

MCP_HTM_INLINE std::size_t StdioTransport::writes() const noexcept {
  return impl_->writes_started.load(std::memory_order_relaxed);
}

MCP_HTM_INLINE asio::awaitable<void> serve_stdio(HierarchicalToolManager& manager,
                                                 ServerOptions server_options,
                                                 StdioOptions stdio_options) {
  auto strand = asio::make_strand(manager.get_executor());
  if (!stdio_options.local_log) stdio_options.local_log = server_options.local_log;
  auto transport = std::make_shared<StdioTransport>(strand, stdio_options);
  Server server(manager, transport->sink(), std::move(server_options), strand);
  co_await asio::co_spawn(strand, transport->run(server), asio::use_awaitable);
}

}  // namespace mcp
