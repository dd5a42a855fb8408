// mcp/stdio_transport.hpp -- the MCP stdio transport: newline-delimited JSON-RPC on
// stdin/stdout, without ever blocking a thread.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_STDIO_TRANSPORT_HPP
#define MCP_HTM_STDIO_TRANSPORT_HPP

#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/server.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include <asio/awaitable.hpp>

namespace mcp {

/// Options of a StdioTransport.
struct StdioOptions {
  /// Longest accepted line (message) in bytes, newline excluded. A longer line is
  /// discarded (never buffered whole) and answered with error -32600; serving goes on.
  std::size_t max_line_bytes = std::size_t{4} << 20;
  /// Descriptors read and written (tests use pipes). They are not closed.
  int input_fd = 0;
  int output_fd = 1;
  /// At end of input: how long requests in flight may take to finish before they are
  /// cancelled, and how long the remaining output may take to be written.
  std::chrono::milliseconds shutdown_timeout{30'000};
  /// Reading pauses while this many bytes of output wait to be written (a client that
  /// doesn't read its input does not make the server buffer without bound).
  std::size_t max_pending_output_bytes = std::size_t{64} << 20;
  /// Reading pauses while this many requests are in flight (each holds a few KB until it
  /// is answered), and goes on when one ends. 0: no limit. A JSON-RPC batch is read
  /// whole, so one line may go past it by ServerOptions::max_batch_size.
  std::size_t max_requests_in_flight = 1024;
  /// Longest a response waits for the client to read its request's last progress
  /// notification before it is written (see MessageSink::send_response_after); a client
  /// that reads nothing for that long gets it anyway.
  std::chrono::milliseconds progress_read_timeout{500};
  /// Local log of the transport (read errors, discarded lines). serve_stdio() uses the
  /// server's `local_log` when this is empty.
  std::function<void(LogLevel, std::string_view)> local_log;
};

/// Newline-delimited JSON-RPC over a pair of descriptors (stdin/stdout by default),
/// through asio::posix::stream_descriptor.
/**
 * - Outgoing messages are queued and written whole, one per line, never interleaved;
 *   messages queued while a write is running go out together in the next write, and so
 *   do the responses to the lines of one read (one write, one wake-up of the client, for
 *   a burst of requests).
 * - A response whose request sent progress is written only once the client has read
 *   that progress (the kernel says how much of a pipe or socket is unread; see
 *   MessageSink::send_response_after): the TypeScript SDK client drops progress that it
 *   reads together with the response. The output keeps its order meanwhile.
 * - An over-long line is discarded as it streams in; its id is read on the way, so the
 *   refusal names the request (a notification or a response is not answered).
 * - Each incoming line is handed to Server::handle_message on the server's strand;
 *   requests that wait run concurrently (see Server).
 * - End of input (or stop()): the server's requests in flight finish and are
 *   answered, the output is flushed, then run() returns.
 *
 * @par Example: a host application serving its manager
 * @code
 * asio::io_context io;
 * mcp::HierarchicalToolManager manager(io.get_executor());
 * manager.register_category(std::make_shared<MyCategory>());
 * asio::co_spawn(io, mcp::serve_stdio(manager), asio::detached);
 * io.run();  // returns when stdin ends
 * @endcode
 */
class StdioTransport {
 public:
  using executor_type = Server::executor_type;

  /// `executor` must be the strand the Server runs on.
  explicit StdioTransport(executor_type executor, StdioOptions options = {});
  /// Restores the descriptors' blocking mode; does not close them.
  ~StdioTransport();
  StdioTransport(const StdioTransport&) = delete;
  StdioTransport& operator=(const StdioTransport&) = delete;

  /// The outgoing side, to give to the Server. Thread-safe; never blocks.
  [[nodiscard]] std::shared_ptr<MessageSink> sink() const;

  /// Reads messages and passes them to `server` until end of input, stop() or the
  /// awaiting coroutine's cancellation; then shuts the server down gracefully and
  /// flushes the output. Must be awaited on the server's strand. `server` must outlive it.
  [[nodiscard]] asio::awaitable<void> run(Server& server);

  /// Ends reading as if the input had ended. Thread-safe.
  void stop();

  /// Lines answered with an error because they were too long (for tests and metrics).
  [[nodiscard]] std::size_t lines_too_long() const noexcept;
  /// Writes started on the output descriptor so far (for tests and metrics).
  [[nodiscard]] std::size_t writes() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// Serves `manager` over stdin/stdout until stdin ends (or the awaiting coroutine is
/// cancelled, which stops reading and shuts down gracefully). Logs go to
/// `server_options.local_log` (the caller decides; stderr is the convention for stdio).
[[nodiscard]] asio::awaitable<void> serve_stdio(HierarchicalToolManager& manager,
                                                ServerOptions server_options = {},
                                                StdioOptions stdio_options = {});

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/stdio_transport.ipp>
#endif

#endif  // MCP_HTM_STDIO_TRANSPORT_HPP
