// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/client/child_process.hpp>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string_view>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

extern char** environ;

namespace mcp::client {
namespace {

using asio::experimental::as_tuple;
constexpr auto use_tuple = as_tuple(asio::use_awaitable);

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

/// A file descriptor closed on scope exit unless released.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  return {Fd(fds[0]), Fd(fds[1])};
}

/// glibc 2.36's <sys/pidfd.h> does not compile as C++, hence the raw system call.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

/// The parent's environment with `overrides` applied, as "KEY=VALUE" strings.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq != std::string_view::npos && overrides.count(std::string(text.substr(0, eq))) != 0)
      continue;
    result.emplace_back(text);
  }
  for (const auto& [key, value] : overrides) result.push_back(key + "=" + value);
  return result;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (auto& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

/// posix_spawn's attributes and file actions, destroyed on scope exit.
struct SpawnSetup {
  posix_spawnattr_t attributes{};
  posix_spawn_file_actions_t actions{};
  SpawnSetup() {
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

ExitStatus decode(int status) {
  ExitStatus result;
  if (WIFSIGNALED(status)) {
    result.signalled = true;
    result.signal = WTERMSIG(status);
  } else {
    result.code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signalled) return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exit code {}", code);
}

std::unique_ptr<ChildProcess> ChildProcess::spawn(asio::any_io_executor executor,
                                                  const ProcessSpec& spec) {
  if (spec.command.empty()) throw std::system_error(EINVAL, std::generic_category(), "no command");
  // Writing to the stdin of a child that has exited raises SIGPIPE, whose default kills
  // the whole process; with it ignored the write fails with EPIPE, which the transport
  // handles. Only a default disposition is changed: a host's own handler is kept.
  static std::once_flag sigpipe_once;
  std::call_once(sigpipe_once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      ::signal(SIGPIPE, SIG_IGN);
    }
  });
  Pipe in = make_pipe();
  Pipe out = make_pipe();
  Pipe err = make_pipe();

  SpawnSetup setup;
  // Its own process group (so a signal reaches what it starts), default signal
  // dispositions and an empty mask (the parent may ignore SIGPIPE or block signals).
  sigset_t all;
  sigfillset(&all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  posix_spawnattr_setsigdefault(&setup.attributes, &all);
  posix_spawnattr_setsigmask(&setup.attributes, &none);
  posix_spawnattr_setflags(&setup.attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  // dup2 clears O_CLOEXEC on the target; every other descriptor of ours stays closed.
  posix_spawn_file_actions_adddup2(&setup.actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), 2);
  if (spec.cwd && !spec.cwd->empty())
    posix_spawn_file_actions_addchdir_np(&setup.actions, spec.cwd->c_str());

  std::vector<std::string> argv_strings;
  argv_strings.push_back(spec.command);
  argv_strings.insert(argv_strings.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env_strings = child_environment(spec.env);
  std::vector<char*> argv = pointers(argv_strings);
  std::vector<char*> envp = pointers(env_strings);

  pid_t pid = -1;
  // glibc's posix_spawnp reports exec failures (ENOENT, EACCES) as its result.
  const int rc = ::posix_spawnp(&pid, spec.command.c_str(), &setup.actions, &setup.attributes,
                                argv.data(), envp.data());
  if (rc != 0) {
    throw_errno(rc, spec.cwd ? fmt::format("cannot start '{}' in '{}'", spec.command, *spec.cwd)
                             : fmt::format("cannot start '{}'", spec.command));
  }
  const int pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    const int error = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw_errno(error, "pidfd_open (Linux 5.3 or later is needed)");
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(
      std::move(executor), pid, pidfd, in.write.release(), out.read.release(), err.read.release()));
}

ChildProcess::ChildProcess(asio::any_io_executor executor, pid_t pid, int pidfd, int in, int out,
                           int err)
    : executor_(executor),
      pid_(pid),
      pidfd_(executor, pidfd),
      stdin_(executor, in),
      stdout_(executor, out),
      stderr_(executor, err) {
  std::error_code ignored;
  stdin_.non_blocking(true, ignored);
  stdout_.non_blocking(true, ignored);
  stderr_.non_blocking(true, ignored);
}

ChildProcess::~ChildProcess() {
  if (!status_) {
    // Last resort (the owner did not stop() it): SIGKILL cannot be refused, so the
    // wait is for the kernel to tear the process down, not for the child's goodwill.
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void ChildProcess::close_input() noexcept {
  std::error_code ignored;
  stdin_.close(ignored);
}

bool ChildProcess::try_reap() noexcept {
  if (status_) return true;
  int status = 0;
  const pid_t rc = ::waitpid(pid_, &status, WNOHANG);
  if (rc == pid_) {
    status_ = decode(status);
    return true;
  }
  return false;
}

asio::awaitable<ExitStatus> ChildProcess::wait() {
  while (!try_reap()) {
    // A pidfd becomes readable when the process exits.
    auto [ec] = co_await pidfd_.async_wait(asio::posix::stream_descriptor::wait_read, use_tuple);
    if (ec == asio::error::operation_aborted) throw std::system_error(ec);
    if (ec) throw std::system_error(ec, "waiting for the child");
  }
  co_return *status_;
}

void ChildProcess::signal_group(int signal) noexcept {
  // The group outlives its leader while a grandchild runs, so this is sent even after
  // the child itself has exited.
  ::kill(-pid_, signal);
}

asio::awaitable<ExitStatus> ChildProcess::stop(std::chrono::milliseconds grace) {
  using namespace asio::experimental::awaitable_operators;
  close_input();
  asio::steady_timer timer(executor_);
  for (int signal : {0, SIGTERM}) {
    if (signal != 0) signal_group(signal);
    if (try_reap()) break;
    timer.expires_after(grace);
    auto result = co_await (wait() || timer.async_wait(asio::use_awaitable));
    if (result.index() == 0) break;
  }
  signal_group(SIGKILL);
  if (!status_) co_await wait();
  co_return *status_;
}

}  // namespace mcp::client
