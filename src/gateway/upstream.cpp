// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include "upstream.hpp"

#include <mcp/client/stdio_client_transport.hpp>
#include <mcp/metrics/trace_context.hpp>
#if defined(MCP_HTM_GATEWAY_HTTP)
#include <mcp/client/http_client_transport.hpp>
#endif

#include <algorithm>
#include <exception>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace mcp::gateway::detail {
namespace {
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

/// A CallToolResult reporting an error the server answered with.
Json error_result(const std::string& text) {
  Json content = Json::array();
  content.push_back({{"type", "text"}, {"text", text}});
  return {{"content", std::move(content)}, {"isError", true}};
}
}  // namespace

/// One start of the server, shared by every caller that needs it meanwhile. It runs
/// detached from them, so a caller's cancellation ends only that caller's wait.
struct Upstream::StartAttempt {
  explicit StartAttempt(asio::any_io_executor executor) : done(std::move(executor)) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer done;  // cancelled when the attempt ends (waiters wake)
  bool finished = false;
  std::shared_ptr<client::McpClient> client;
  std::exception_ptr error;
};

Upstream::Upstream(asio::any_io_executor executor, UpstreamConfig config,
                   const GatewayOptions& options)
    : strand_(asio::make_strand(std::move(executor))),
      config_(std::move(config)),
      options_(options) {
  if (config_.max_concurrent) limit_.emplace(*config_.max_concurrent);
}

Upstream::~Upstream() = default;

void Upstream::log(LogLevel level, std::string_view text) const {
  if (options_.local_log) options_.local_log(level, fmt::format("[{}] {}", config_.name, text));
}

bool Upstream::allows(std::string_view tool) const {
  const auto& allow = config_.allow_tools;
  const auto& block = config_.block_tools;
  if (!allow.empty() && std::find(allow.begin(), allow.end(), tool) == allow.end()) return false;
  return std::find(block.begin(), block.end(), tool) == block.end();
}

void Upstream::on_tools_changed(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  tools_changed_ = std::move(callback);
}

UpstreamStatus Upstream::status() const {
  std::lock_guard lock(mutex_);
  UpstreamStatus status;
  status.name = config_.name;
  status.running = session_ && !session_->closed();
  status.calls_in_flight = in_flight_;
  status.starts = starts_;
  status.start_failures = start_failures_;
  status.last_error = last_error_;
  if (status.running) status.pid = session_pid_;
  return status;
}

asio::awaitable<std::shared_ptr<client::McpClient>> Upstream::session() {
  {
    std::lock_guard lock(mutex_);
    if (session_ && !session_->closed()) co_return session_;
  }
  co_return co_await asio::co_spawn(strand_, session_on_strand(), asio::use_awaitable);
}

asio::awaitable<std::shared_ptr<client::McpClient>> Upstream::session_on_strand() {
  auto self = shared_from_this();
  std::shared_ptr<StartAttempt> attempt;
  bool start_now = false;
  {
    std::lock_guard lock(mutex_);
    if (session_ && !session_->closed()) co_return session_;
    if (stopped_for_good_) throw std::runtime_error("the gateway is shutting down");
    if (!starting_) {
      const auto now = std::chrono::steady_clock::now();
      if (now < next_start_at_) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_start_at_ - now);
        throw std::runtime_error(
            fmt::format("the server failed {} time(s) in a row ({}); next start attempt in {} ms",
                        consecutive_failures_, last_error_, wait.count()));
      }
      starting_ = std::make_shared<StartAttempt>(strand_);
      start_now = true;
    }
    attempt = starting_;
  }
  // Outside the lock: co_spawn may run the start inline (we are on its strand) up to its
  // first suspension, and a spawn that fails at once takes the lock on its error path.
  if (start_now) asio::co_spawn(strand_, run_start(attempt), asio::detached);
  if (!attempt->finished) co_await attempt->done.async_wait(use_tuple);  // (it may have run inline)
  if (!attempt->finished) throw std::system_error(asio::error::operation_aborted);
  if (attempt->error) std::rethrow_exception(attempt->error);
  co_return attempt->client;
}

asio::awaitable<void> Upstream::run_start(std::shared_ptr<StartAttempt> attempt) {
  auto self = shared_from_this();
  std::shared_ptr<client::McpClient> session;
  try {
    client::StdioClientOptions transport_options;
    transport_options.stop_grace = options_.stop_grace;
    std::weak_ptr<Upstream> weak = self;
    transport_options.local_log = [weak](LogLevel level, std::string_view text) {
      if (auto upstream = weak.lock()) upstream->log(level, text);
    };
    std::unique_ptr<client::ClientTransport> transport;
    client::StdioClientTransport* raw_transport = nullptr;  // stdio only: the pid
    if (!config_.url.empty()) {
#if defined(MCP_HTM_GATEWAY_HTTP)
      client::HttpClientOptions http_options;
      http_options.headers = config_.headers;
      http_options.local_log = transport_options.local_log;
      transport = std::make_unique<client::HttpClientTransport>(strand_, config_.url, http_options);
#else
      throw std::runtime_error(
          "HTTP upstreams ('url') are not supported by this build yet; run the server over "
          "stdio ('command')");
#endif
    } else {
      auto stdio = std::make_unique<client::StdioClientTransport>(strand_, config_.process,
                                                                  transport_options);
      raw_transport = stdio.get();
      transport = std::move(stdio);
    }
    const auto pid = [raw_transport]() -> long { return raw_transport ? raw_transport->pid() : 0; };
    client::ClientOptions client_options;
    client_options.name = options_.client_name;
    client_options.version = options_.client_version;
    client_options.initialize_timeout = config_.start_timeout;
    client_options.request_timeout = config_.start_timeout;
    client_options.local_log = transport_options.local_log;
    session = client::McpClient::create(strand_, std::move(transport), client_options);
    std::weak_ptr<client::McpClient> weak_session = session;
    session->on_notification([weak](const std::string& method, const Json&) {
      if (method != "notifications/tools/list_changed") return;
      if (auto upstream = weak.lock()) {
        asio::co_spawn(upstream->strand_, upstream->refresh_tools(), asio::detached);
      }
    });
    session->on_closed([weak, weak_session](const std::string& reason) {
      auto upstream = weak.lock();
      auto ended = weak_session.lock();
      if (upstream && ended) upstream->session_ended(ended, reason);
    });
    const client::ServerIdentity identity = co_await session->initialize();
    log(LogLevel::info, fmt::format("started ({}): {} {}, protocol {}",
                                    raw_transport ? fmt::format("pid {}", pid()) : config_.url,
                                    identity.server_info.value("name", std::string("?")),
                                    identity.server_info.value("version", std::string("?")),
                                    identity.protocol_version));
    std::lock_guard lock(mutex_);
    session_ = session;
    session_pid_ = pid();
    ++starts_;
    attempt->client = session;
  } catch (...) {
    attempt->error = std::current_exception();
  }
  if (attempt->error) {
    const std::string reason = describe(attempt->error);
    log(LogLevel::error, fmt::format("failed to start: {}", reason));
    {
      std::lock_guard lock(mutex_);
      ++start_failures_;
      ++consecutive_failures_;
      last_error_ = reason;
      const auto backoff = std::min<std::chrono::milliseconds>(
          config_.max_restart_backoff,
          config_.restart_backoff *
              (1LL << std::min<std::uint32_t>(consecutive_failures_ - 1, 20)));
      next_start_at_ = std::chrono::steady_clock::now() + backoff;
    }
    attempt->error = std::make_exception_ptr(std::runtime_error(
        fmt::format("the server '{}' failed to start: {}", config_.name, reason)));
    if (session) co_await session->close();
  }
  {
    std::lock_guard lock(mutex_);
    starting_ = nullptr;
  }
  attempt->finished = true;
  attempt->done.cancel();
}

void Upstream::session_ended(const std::shared_ptr<client::McpClient>& ended,
                             const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (session_ != ended) return;  // a session that never became current (start failed)
  session_ = nullptr;
  session_pid_ = 0;
  last_error_ = reason;
  if (stopping_) {
    stopping_ = false;
    return;
  }
  // Unexpected: the first loss restarts at once; repeated ones back off.
  ++consecutive_failures_;
  if (consecutive_failures_ > 1) {
    const auto backoff = std::min<std::chrono::milliseconds>(
        config_.max_restart_backoff,
        config_.restart_backoff * (1LL << std::min<std::uint32_t>(consecutive_failures_ - 2, 20)));
    next_start_at_ = std::chrono::steady_clock::now() + backoff;
  }
  // The callback runs on the session's strand, which is ours: logging here is safe.
  if (options_.local_log)
    options_.local_log(LogLevel::warning,
                       fmt::format("[{}] the session ended: {}", config_.name, reason));
}

asio::awaitable<std::vector<Json>> Upstream::read_tools() {
  auto session = co_await this->session();
  std::vector<Json> all;
  bool expired = false;
  try {
    all = co_await session->list_tools();
  } catch (const client::ClientError& e) {
    // The session expired (HTTP): once more, on a new one.
    expired = e.kind() == client::ClientErrorKind::remote && e.data().is_object() &&
              e.data().value("sessionExpired", false);
    if (!expired) throw;
  }
  if (expired) {
    session = co_await this->session();
    all = co_await session->list_tools();
  }
  std::vector<Json> kept;
  for (auto& tool : all) {
    if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string()) continue;
    if (allows(tool["name"].get<std::string>())) kept.push_back(std::move(tool));
  }
  co_return kept;
}

asio::awaitable<std::vector<Json>> Upstream::tools() {
  std::vector<Json> kept = co_await read_tools();
  std::lock_guard lock(mutex_);
  mounted_tools_ = kept;
  mounted_ = true;
  co_return kept;
}

asio::awaitable<void> Upstream::refresh_tools() {
  auto self = shared_from_this();
  // Servers send list_changed freely (some at every start): the category is reloaded
  // only when the list really differs from the one it was built from.
  std::vector<Json> now;
  try {
    now = co_await read_tools();
  } catch (const std::exception& e) {
    log(LogLevel::warning, fmt::format("re-reading the tool list failed: {}", e.what()));
    co_return;
  }
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    // Not mounted yet: the load reads the list after this anyway.
    if (!mounted_ || now == mounted_tools_) co_return;
    callback = tools_changed_;
  }
  log(LogLevel::info,
      fmt::format("the tool list changed ({} tools): reloading the category", now.size()));
  if (callback) callback();
}

asio::awaitable<Json> Upstream::call_tool(std::string name, Json arguments,
                                          RequestContext context) {
  auto self = shared_from_this();
  if (limit_) co_await limit_->acquire();
  struct Slot {
    Upstream& upstream;
    bool healthy = false;
    Slot(Upstream& u) : upstream(u) {
      std::lock_guard lock(upstream.mutex_);
      ++upstream.in_flight_;
      ++upstream.idle_generation_;
    }
    ~Slot() { upstream.call_ended(healthy); }
  } slot(*this);
  std::shared_ptr<client::McpClient> session;
  {
    // The running session without a coroutine call: the path of nearly every call.
    std::lock_guard lock(mutex_);
    if (session_ && !session_->closed()) session = session_;
  }
  if (!session) session = co_await this->session();
  // An HTTP server that no longer knows the session (it restarted, or expired it)
  // refuses the call without running it: sent once more, on a new session.
  std::optional<Json> resend;
  if (!config_.url.empty()) resend = arguments;
  // The caller's W3C trace context goes on upstream, unchanged (the gateway opens no
  // span of its own; a DispatchHook that does can be told apart by its own ids).
  Json meta;
  if (const auto* trace = context.trace_context()) {
    meta["traceparent"] = trace->traceparent;
    if (!trace->tracestate.empty()) meta["tracestate"] = trace->tracestate;
  }
  for (bool first = true;; first = false) {
    try {
      Json result = co_await session->call_tool(
          name, first ? std::move(arguments) : std::move(*resend), context, meta);
      slot.healthy = true;
      co_return result;
    } catch (const client::ClientError& e) {
      if (e.kind() != client::ClientErrorKind::remote) throw;
      if (!(first && resend && e.data().is_object() && e.data().value("sessionExpired", false))) {
        slot.healthy = true;  // the server answered: it is up, the call was wrong
        Json result = error_result(e.what());
        co_return result;
      }
    }
    log(LogLevel::info, fmt::format("the session ended before '{}' ran: a new session, once "
                                    "more",
                                    name));
    session = co_await this->session();
  }
}

void Upstream::call_ended(bool healthy) {
  if (limit_) limit_->release();
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
    if (healthy) consecutive_failures_ = 0;
    if (in_flight_ != 0 || !config_.idle_stop || !session_) return;
    generation = ++idle_generation_;
  }
  asio::co_spawn(strand_, idle_watch(generation), asio::detached);
}

asio::awaitable<void> Upstream::idle_watch(std::uint64_t generation) {
  auto self = shared_from_this();
  asio::steady_timer timer(strand_);
  timer.expires_after(*config_.idle_stop);
  co_await timer.async_wait(use_tuple);
  {
    std::lock_guard lock(mutex_);
    if (generation != idle_generation_ || in_flight_ != 0 || !session_) co_return;
  }
  log(LogLevel::info, fmt::format("idle for {} ms: stopping it (the next call starts it again)",
                                  config_.idle_stop->count()));
  co_await stop(false);
}

asio::awaitable<void> Upstream::stop(bool for_good) {
  std::shared_ptr<client::McpClient> session;
  {
    std::lock_guard lock(mutex_);
    if (for_good) stopped_for_good_ = true;
    session = session_;
    if (session) stopping_ = true;
  }
  if (session) co_await session->close();
}

UpstreamCategory::UpstreamCategory(const std::shared_ptr<Upstream>& upstream,
                                   const std::vector<Json>& tools,
                                   const std::function<void(LogLevel, std::string_view)>& log)
    : ToolCategory(upstream->config().name,
                   upstream->config().description.empty()
                       ? fmt::format("Tools of the MCP server '{}'", upstream->config().name)
                       : upstream->config().description) {
  std::weak_ptr<Upstream> weak = upstream;
  for (const Json& tool : tools) {
    const std::string name = tool["name"].get<std::string>();
    Json input_schema =
        tool.contains("inputSchema") ? tool["inputSchema"] : Json{{"type", "object"}};
    ToolSpec spec(name, tool.value("description", std::string()), input_schema);
    spec.with_timeout(upstream->config().timeout);
    if (auto output = tool.find("outputSchema"); output != tool.end() && output->is_object())
      spec.with_output_schema(*output);
    auto handler = [weak, name](Json args, RequestContext context) -> asio::awaitable<Json> {
      auto target = weak.lock();
      if (!target) throw std::runtime_error("the gateway has stopped");
      co_return co_await target->call_tool(name, std::move(args), std::move(context));
    };
    try {
      add_tool(std::move(spec), handler);
    } catch (const std::exception& e) {
      if (log) {
        log(LogLevel::warning,
            fmt::format("[{}] tool '{}' left out: {}", upstream->config().name, name, e.what()));
      }
    }
  }
}

}  // namespace mcp::gateway::detail
