// mcp/client/child_process.hpp -- a child process with piped stdio, started and watched
// without blocking a thread.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CLIENT_CHILD_PROCESS_HPP
#define MCP_HTM_CLIENT_CHILD_PROCESS_HPP

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/posix/stream_descriptor.hpp>

namespace mcp::client {

/// What to run: the `command`/`args`/`env`/`cwd` of an `mcpServers` entry.
struct ProcessSpec {
  std::string command;                     ///< looked up in PATH when it has no '/'
  std::vector<std::string> args;           ///< argv[1..]
  std::map<std::string, std::string> env;  ///< added to (or replacing in) the parent's environment
  std::optional<std::string> cwd;          ///< working directory; empty: the parent's
};

/// How a child ended, as waitpid() reported it.
struct ExitStatus {
  int code = 0;    ///< exit code when !signalled
  int signal = 0;  ///< the terminating signal when signalled
  bool signalled = false;
  /// "exit code 3" / "killed by signal 9 (Killed)".
  [[nodiscard]] std::string describe() const;
};

/// A child process in its own process group, its stdin, stdout and stderr on pipes.
/**
 * Standalone Asio has no process support, so this is posix_spawn plus pipes plus a
 * pidfd (Linux >= 5.3) watched by Asio: the exit is an ordinary asynchronous wait, no
 * SIGCHLD handler and no thread per child. The child gets its own process group, so
 * stop() reaches the grandchildren too (`npx` runs the server as a grandchild).
 *
 * @par Thread safety
 * One owner; the asynchronous operations run on the executor given to spawn().
 */
class ChildProcess {
 public:
  /// Starts `spec`. Throws std::system_error when it cannot start (e.g. ENOENT: the
  /// command is not found; the message names the command). The first call sets SIGPIPE
  /// to ignored if it has its default disposition (which would kill the process when a
  /// child exits before reading what was written to it).
  static std::unique_ptr<ChildProcess> spawn(asio::any_io_executor executor,
                                             const ProcessSpec& spec);
  /// Kills the process group (SIGKILL) if the child still runs, and reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  asio::posix::stream_descriptor& input() noexcept { return stdin_; }    ///< the child's stdin
  asio::posix::stream_descriptor& output() noexcept { return stdout_; }  ///< the child's stdout
  asio::posix::stream_descriptor& errors() noexcept { return stderr_; }  ///< the child's stderr

  /// Closes the child's stdin (an MCP stdio server's signal to exit).
  void close_input() noexcept;
  /// Waits until the child exits (it is reaped then). Cancellable.
  [[nodiscard]] asio::awaitable<ExitStatus> wait();
  /// The exit status once the child has been reaped.
  [[nodiscard]] std::optional<ExitStatus> exit_status() const noexcept { return status_; }
  /// Sends `signal` to the child's process group (the child and what it started).
  void signal_group(int signal) noexcept;

  /// The MCP stdio shutdown: stdin closed, wait up to `grace`, SIGTERM to the group,
  /// wait up to `grace`, SIGKILL. Always ends with the group signalled SIGKILL, so no
  /// grandchild outlives it. Returns how the child ended.
  [[nodiscard]] asio::awaitable<ExitStatus> stop(std::chrono::milliseconds grace);

 private:
  ChildProcess(asio::any_io_executor executor, pid_t pid, int pidfd, int in, int out, int err);
  bool try_reap() noexcept;

  asio::any_io_executor executor_;
  pid_t pid_;
  asio::posix::stream_descriptor pidfd_;
  asio::posix::stream_descriptor stdin_;
  asio::posix::stream_descriptor stdout_;
  asio::posix::stream_descriptor stderr_;
  std::optional<ExitStatus> status_;
};

}  // namespace mcp::client

#endif  // MCP_HTM_CLIENT_CHILD_PROCESS_HPP
