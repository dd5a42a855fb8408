// The MCP client against a real child process: tests/gateway/fault_server.cpp.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/client/client.hpp>
#include <mcp/client/stdio_client_transport.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>

using mcp::Json;
using namespace mcp::client;
using namespace std::chrono_literals;

namespace {

/// Runs `body` as a coroutine on a fresh io_context until it ends; rethrows its error.
template <class Body>
void run(Body body) {
  asio::io_context io;
  auto future = asio::co_spawn(io, body(asio::make_strand(io)), asio::use_future);
  io.run();
  future.get();
}

ProcessSpec fault_server(std::vector<std::string> args = {}) {
  ProcessSpec spec;
  spec.command = MCP_HTM_FAULT_SERVER;
  spec.args = std::move(args);
  return spec;
}

struct Log {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(mcp::LogLevel, std::string_view)> sink() {
    return [this](mcp::LogLevel, std::string_view text) {
      std::lock_guard lock(mutex);
      lines.emplace_back(text);
    };
  }
  bool contains(std::string_view needle) {
    std::lock_guard lock(mutex);
    for (const auto& line : lines)
      if (line.find(needle) != std::string::npos) return true;
    return false;
  }
};

std::shared_ptr<McpClient> make_client(asio::any_io_executor strand, ProcessSpec spec, Log& log,
                                       std::chrono::milliseconds initialize_timeout = 10s) {
  StdioClientOptions transport_options;
  transport_options.local_log = log.sink();
  transport_options.stop_grace = 1000ms;
  ClientOptions options;
  options.local_log = log.sink();
  options.initialize_timeout = initialize_timeout;
  return McpClient::create(
      strand, std::make_unique<StdioClientTransport>(strand, std::move(spec), transport_options),
      options);
}

/// True while the process runs (a zombie, killed but not yet reaped, counts as gone).
bool process_exists(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

std::string text_of(const Json& result) { return result["content"][0]["text"].get<std::string>(); }

/// Records progress reports, as the protocol layer would forward them.
struct ProgressRecorder : mcp::RequestReporter {
  std::mutex mutex;
  std::vector<double> seen;
  void progress(double done, std::optional<double>, std::string_view) override {
    std::lock_guard lock(mutex);
    seen.push_back(done);
  }
  void log(mcp::LogLevel, std::string_view, const Json&) override {}
  bool wants_progress() const noexcept override { return true; }
};

}  // namespace

TEST_CASE("initialize, list and call against a child server, then close it", "[client]") {
  Log log;
  run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, fault_server(), log);
    const ServerIdentity identity = co_await client->initialize();
    CHECK(identity.protocol_version == "2025-11-25");
    CHECK(identity.server_info["name"] == "fault-server");
    const std::vector<Json> tools = co_await client->list_tools();
    std::vector<std::string> names;
    for (const auto& tool : tools) names.push_back(tool["name"].get<std::string>());
    CHECK(std::find(names.begin(), names.end(), "fault.echo") != names.end());
    Json args = {{"text", "hello"}};
    const Json result = co_await client->call_tool("fault.echo", args);
    CHECK(text_of(result) == "hello");
    co_await client->ping();
    const Json pid = co_await client->call_tool("fault.pid", Json::object());
    const long child = std::stol(text_of(pid));
    CHECK(process_exists(child));
    co_await client->close();
    CHECK(client->closed());
    CHECK_FALSE(process_exists(child));  // stopped and reaped, no zombie
  });
}

TEST_CASE("a child that crashes mid-call fails the call at once with the reason", "[client]") {
  Log log;
  run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, fault_server(), log);
    (void)co_await client->initialize();
    const auto started = std::chrono::steady_clock::now();
    std::string error;
    try {
      (void)co_await client->call_tool("fault.crash", Json::object());
    } catch (const ClientError& e) {
      CHECK(e.kind() == ClientErrorKind::closed);
      error = e.what();
    }
    // Fails on the child's exit, not on some timeout (request_timeout is 60 s).
    CHECK(std::chrono::steady_clock::now() - started < 10s);
    CHECK(error.find("exit code 3") != std::string::npos);
    CHECK(client->requests_in_flight() == 0);
    // Later requests fail at once too.
    CHECK_THROWS_AS(co_await client->ping(), ClientError);
  });
}

TEST_CASE("start failures are errors with the reason", "[client]") {
  Log log;
  SECTION("a command that does not exist") {
    run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
      ProcessSpec spec;
      spec.command = "/nonexistent/mcp-server";
      auto client = make_client(strand, spec, log);
      CHECK_THROWS_WITH(co_await client->initialize(),
                        Catch::Contains("cannot start '/nonexistent/mcp-server'"));
    });
  }
  SECTION("a server that exits at start") {
    run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
      auto client = make_client(strand, fault_server({"--crash-at-start"}), log);
      CHECK_THROWS_WITH(co_await client->initialize(), Catch::Contains("exit code 1"));
    });
    CHECK(log.contains("crashing at start as asked"));  // its stderr reached the log
  }
  SECTION("a server that exits on initialize") {
    run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
      auto client = make_client(strand, fault_server({"--exit-on-initialize"}), log);
      CHECK_THROWS_WITH(co_await client->initialize(), Catch::Contains("exit code 4"));
    });
  }
  SECTION("a server that never answers initialize") {
    run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
      auto client = make_client(strand, fault_server({"--hang-on-initialize"}), log, 300ms);
      try {
        (void)co_await client->initialize();
        FAIL("initialize succeeded");
      } catch (const ClientError& e) {
        CHECK(e.kind() == ClientErrorKind::timeout);
      }
      co_await client->close();  // stdin closed: it exits
    });
  }
}

TEST_CASE("lines that are not JSON-RPC are logged and skipped", "[client]") {
  Log log;
  run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, fault_server({"--garbage-banner"}), log);
    (void)co_await client->initialize();
    const Json result = co_await client->call_tool("fault.garbage", Json::object());
    CHECK(text_of(result) == "ok");
    Json args = {{"text", "still"}};
    CHECK(text_of(co_await client->call_tool("fault.echo", args)) == "still");
    co_await client->close();
  });
  CHECK(log.contains("garbage before any message"));
  CHECK(log.contains("this line is not JSON-RPC"));
}

TEST_CASE("progress is forwarded to the caller's request", "[client]") {
  Log log;
  auto recorder = std::make_shared<ProgressRecorder>();
  run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, fault_server(), log);
    (void)co_await client->initialize();
    Json args = {{"steps", 4}};
    const Json result =
        co_await client->call_tool("fault.progress", args, mcp::RequestContext(recorder));
    CHECK(text_of(result) == "4");
    co_await client->close();
  });
  CHECK(recorder->seen == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("cancelling a call tells the server, which stops it", "[client]") {
  using namespace asio::experimental::awaitable_operators;
  Log log;
  run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, fault_server(), log);
    (void)co_await client->initialize();
    asio::steady_timer timer(strand);
    timer.expires_after(100ms);
    // The timer wins the race, which cancels the call.
    auto outcome = co_await (client->call_tool("fault.hang", Json::object()) ||
                             timer.async_wait(asio::use_awaitable));
    CHECK(outcome.index() == 1);
    CHECK(client->requests_in_flight() == 0);
    // The server saw the cancellation (notifications/cancelled) and ended its call.
    std::string count;
    for (int attempt = 0; attempt < 200 && count != "1"; ++attempt) {
      count = text_of(co_await client->call_tool("fault.cancellations", Json::object()));
      if (count != "1") {
        asio::steady_timer pause(strand);  // polling an observable counter, bounded
        pause.expires_after(10ms);
        co_await pause.async_wait(asio::use_awaitable);
      }
    }
    CHECK(count == "1");
    co_await client->close();
  });
}

TEST_CASE("closing stops the whole process group, grandchildren included", "[client]") {
  Log log;
  long grandchild = 0;
  run([&](asio::any_io_executor strand) -> asio::awaitable<void> {
    auto client = make_client(strand, fault_server(), log);
    (void)co_await client->initialize();
    grandchild = std::stol(text_of(co_await client->call_tool("fault.grandchild", Json::object())));
    CHECK(process_exists(grandchild));
    co_await client->close();
  });
  // The grandchild is not ours to reap (its parent was the server): it must be dead.
  // SIGKILL is delivered at once, but the state changes asynchronously: poll, bounded.
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = !process_exists(grandchild);
    if (!gone) std::this_thread::sleep_for(10ms);
  }
  CHECK(gone);
}
