// bench/stdio/asio_floor.cpp -- the floor of an event-loop MCP stdio server: stdio_floor's
// canned answers, but read and written through Asio (asio::posix::stream_descriptor, a
// coroutine, an io_context on one thread), as mcp-htm-server reads and writes. The
// difference to stdio_floor is what waiting in epoll instead of in read() costs; the
// difference from here to mcp-htm-server is what the protocol layer costs.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <string>
#include <system_error>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "canned_answers.hpp"

namespace {

asio::awaitable<void> serve(asio::posix::stream_descriptor& in,
                            asio::posix::stream_descriptor& out) {
  std::vector<char> buffer(64 * 1024);
  std::string input;
  std::string output;
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await in.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    input.append(buffer.data(), n);
    mcp::bench::answer_complete_lines(input, output);
    if (!output.empty()) {
      co_await asio::async_write(out, asio::buffer(output),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      output.clear();
    }
  }
}

}  // namespace

int main() {
  asio::io_context io(1);
  asio::posix::stream_descriptor in(io, 0);
  asio::posix::stream_descriptor out(io, 1);
  asio::co_spawn(io, serve(in, out), asio::detached);
  io.run();
  (void)in.release();  // the descriptors are the process's stdin/stdout: not ours to close
  (void)out.release();
}
