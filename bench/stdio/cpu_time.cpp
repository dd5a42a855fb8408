// bench/stdio/cpu_time.cpp -- runs a command and writes the CPU time it used.
//
//   cpu_time OUT_FILE COMMAND [ARGS...]
//
// Writes `{"user_us":U,"sys_us":S,"max_rss_kib":R,"exit_code":C}` to OUT_FILE once the
// command has exited, and exits with its exit code. Unlike /usr/bin/time, whose report
// has 10 ms resolution, this reads wait4()'s rusage in microseconds: a few thousand
// calls of a few microseconds each are then measurable.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

volatile sig_atomic_t child_pid = 0;

/// The driver stops its server with SIGTERM: pass it on rather than orphan the command.
void forward(int signal) {
  if (child_pid > 0) ::kill(child_pid, signal);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: cpu_time OUT_FILE COMMAND [ARGS...]\n");
    return 2;
  }
  const pid_t child = ::fork();
  if (child < 0) {
    std::fprintf(stderr, "cpu_time: fork: %s\n", std::strerror(errno));
    return 2;
  }
  if (child == 0) {
    ::execvp(argv[2], argv + 2);
    std::fprintf(stderr, "cpu_time: cannot run %s: %s\n", argv[2], std::strerror(errno));
    ::_exit(127);
  }
  child_pid = child;
  struct sigaction action {};
  action.sa_handler = forward;
  ::sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  int status = 0;
  rusage usage{};
  while (::wait4(child, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "cpu_time: wait4: %s\n", std::strerror(errno));
      return 2;
    }
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto us = [](const timeval& t) {
    return static_cast<long long>(t.tv_sec) * 1'000'000 + t.tv_usec;
  };
  std::FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr) {
    std::fprintf(stderr, "cpu_time: cannot write %s: %s\n", argv[1], std::strerror(errno));
    return 2;
  }
  std::fprintf(out, "{\"user_us\":%lld,\"sys_us\":%lld,\"max_rss_kib\":%ld,\"exit_code\":%d}\n",
               us(usage.ru_utime), us(usage.ru_stime), usage.ru_maxrss, code);
  std::fclose(out);
  return code;
}
