// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/gateway/gateway_config.hpp>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace mcp::gateway {
namespace {

/// Reads one server's fields, naming the server and field in every error.
class FieldReader {
 public:
  FieldReader(std::string_view source, std::string_view server, const Json& object)
      : source_(source), server_(server), object_(object) {}

  [[noreturn]] void fail(std::string_view field, std::string_view problem) const {
    throw ConfigError(
        fmt::format("{}: server '{}': field '{}': {}", source_, server_, field, problem));
  }

  const Json* find(std::string_view field) {
    seen_.insert(std::string(field));
    auto it = object_.find(field);
    return it == object_.end() ? nullptr : &*it;
  }

  std::optional<std::string> string(std::string_view field) {
    const Json* value = find(field);
    if (!value) return std::nullopt;
    if (!value->is_string()) fail(field, "expected a string");
    return value->get<std::string>();
  }

  std::vector<std::string> strings(std::string_view field, const Json* value) {
    std::vector<std::string> result;
    if (!value) return result;
    if (!value->is_array()) fail(field, "expected an array of strings");
    for (const auto& item : *value) {
      if (!item.is_string()) fail(field, "expected an array of strings");
      result.push_back(item.get<std::string>());
    }
    return result;
  }

  std::map<std::string, std::string> string_map(std::string_view field) {
    std::map<std::string, std::string> result;
    const Json* value = find(field);
    if (!value) return result;
    if (!value->is_object()) fail(field, "expected an object of strings");
    for (const auto& [key, item] : value->items()) {
      if (!item.is_string()) fail(fmt::format("{}.{}", field, key), "expected a string");
      result.emplace(key, item.get<std::string>());
    }
    return result;
  }

  /// A positive integer (an integral number such as 10.0 counts, as in JSON Schema).
  static std::optional<std::uint64_t> positive_integer(const Json& value) {
    if (value.is_number_unsigned()) {
      const auto n = value.get<std::uint64_t>();
      if (n > 0) return n;
    } else if (value.is_number_integer()) {
      const auto n = value.get<std::int64_t>();
      if (n > 0) return static_cast<std::uint64_t>(n);
    } else if (value.is_number_float()) {
      const double d = value.get<double>();
      if (d >= 1 && d <= 9.0e15 && d == static_cast<double>(static_cast<std::uint64_t>(d)))
        return static_cast<std::uint64_t>(d);
    }
    return std::nullopt;
  }

  std::optional<std::uint64_t> count(std::string_view field, const Json* value) {
    if (!value) return std::nullopt;
    auto n = positive_integer(*value);
    if (!n) fail(field, "expected a positive integer");
    return n;
  }

  std::optional<std::chrono::milliseconds> millis(std::string_view field, const Json* value) {
    auto n = count(field, value);
    if (!n) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(*n));
  }

  void reject_unknown(const std::set<std::string_view>& ignored,
                      std::vector<std::string>& notes) const {
    for (const auto& [key, value] : object_.items()) {
      if (seen_.count(key) != 0) continue;
      if (ignored.count(key) != 0) {
        notes.push_back(
            fmt::format("server '{}': field '{}' is another client's; ignored", server_, key));
        continue;
      }
      fail(key,
           "unknown field (known: command, args, env, cwd, url, headers, type, "
           "description, timeoutMs, startTimeoutMs, maxConcurrent, idleStopMs, "
           "restartBackoffMs, maxRestartBackoffMs, tools, breaker, disabled)");
    }
  }

 private:
  std::string_view source_;
  std::string_view server_;
  const Json& object_;
  std::set<std::string, std::less<>> seen_;
};

bool valid_category_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void read_breaker(FieldReader& reader, const Json* value, CircuitBreakerOptions& options) {
  if (!value) return;
  if (!value->is_object()) reader.fail("breaker", "expected an object");
  for (const auto& [key, item] : value->items()) {
    const std::string field = "breaker." + key;
    if (key == "failureThreshold") {
      options.failure_threshold = static_cast<std::uint32_t>(*reader.count(field, &item));
    } else if (key == "recoveryTimeoutMs") {
      options.recovery_timeout = *reader.millis(field, &item);
    } else if (key == "maxRecoveryTimeoutMs") {
      options.max_recovery_timeout = *reader.millis(field, &item);
    } else if (key == "successThreshold") {
      options.success_threshold = static_cast<std::uint32_t>(*reader.count(field, &item));
    } else if (key == "failureRateThreshold") {
      if (!item.is_number() || item.get<double>() <= 0)
        reader.fail(field, "expected a number above 0 (above 1 turns the rate rule off)");
      options.failure_rate_threshold = item.get<double>();
    } else if (key == "minimumCalls") {
      options.minimum_calls = static_cast<std::uint32_t>(*reader.count(field, &item));
    } else if (key == "windowMs") {
      options.window = *reader.millis(field, &item);
    } else {
      reader.fail(field,
                  "unknown field (known: failureThreshold, failureRateThreshold, "
                  "minimumCalls, windowMs, recoveryTimeoutMs, maxRecoveryTimeoutMs, "
                  "successThreshold)");
    }
  }
  if (options.max_recovery_timeout < options.recovery_timeout)
    options.max_recovery_timeout = options.recovery_timeout;
  try {
    CircuitBreaker probe("config", options);  // the breaker's own checks, named here
  } catch (const std::invalid_argument& e) {
    reader.fail("breaker", e.what());
  }
}

UpstreamConfig read_server(std::string_view source, const std::string& name, const Json& entry,
                           std::vector<std::string>& notes) {
  if (!valid_category_name(name)) {
    throw ConfigError(
        fmt::format("{}: server '{}': the name becomes a category name: use 1-64 of [A-Za-z0-9_-]",
                    source, name));
  }
  if (!entry.is_object())
    throw ConfigError(fmt::format("{}: server '{}': expected an object", source, name));
  FieldReader reader(source, name, entry);
  UpstreamConfig config;
  config.name = name;

  const auto type = reader.string("type");
  const auto command = reader.string("command");
  const auto url = reader.string("url");
  if (type && *type != "stdio" && *type != "http" && *type != "streamable-http" &&
      *type != "streamableHttp") {
    reader.fail("type", *type == "sse"
                            ? "the deprecated HTTP+SSE transport is not supported; use the "
                              "server's Streamable HTTP endpoint with \"type\": \"http\""
                            : "expected \"stdio\" or \"http\"");
  }
  if (command && url) reader.fail("url", "a server has either 'command' (stdio) or 'url' (HTTP)");
  if (!command && !url) reader.fail("command", "missing: give 'command' (stdio) or 'url' (HTTP)");
  if (type && *type == "stdio" && !command) reader.fail("command", "missing for type \"stdio\"");
  if (type && *type != "stdio" && !url) reader.fail("url", "missing for an HTTP server");
  if (command) {
    if (command->empty()) reader.fail("command", "is empty");
    config.process.command = *command;
    config.process.args = reader.strings("args", reader.find("args"));
    config.process.env = reader.string_map("env");
    if (auto cwd = reader.string("cwd")) config.process.cwd = *cwd;
  } else {
    config.url = *url;
    if (config.url.rfind("http://", 0) != 0 && config.url.rfind("https://", 0) != 0)
      reader.fail("url", "expected an http:// or https:// URL");
    config.headers = reader.string_map("headers");
  }
  if (auto description = reader.string("description")) config.description = *description;
  if (auto v = reader.millis("timeoutMs", reader.find("timeoutMs"))) config.timeout = *v;
  if (auto v = reader.millis("startTimeoutMs", reader.find("startTimeoutMs")))
    config.start_timeout = *v;
  if (auto v = reader.count("maxConcurrent", reader.find("maxConcurrent")))
    config.max_concurrent = static_cast<std::size_t>(*v);
  if (auto v = reader.millis("idleStopMs", reader.find("idleStopMs"))) config.idle_stop = *v;
  if (auto v = reader.millis("restartBackoffMs", reader.find("restartBackoffMs")))
    config.restart_backoff = *v;
  if (auto v = reader.millis("maxRestartBackoffMs", reader.find("maxRestartBackoffMs")))
    config.max_restart_backoff = *v;
  if (config.max_restart_backoff < config.restart_backoff)
    config.max_restart_backoff = config.restart_backoff;
  if (const Json* tools = reader.find("tools")) {
    if (!tools->is_object()) reader.fail("tools", "expected {\"allow\": [...], \"block\": [...]}");
    for (const auto& [key, item] : tools->items()) {
      if (key == "allow") {
        config.allow_tools = reader.strings("tools.allow", &item);
      } else if (key == "block") {
        config.block_tools = reader.strings("tools.block", &item);
      } else {
        reader.fail("tools." + key, "unknown field (known: allow, block)");
      }
    }
  }
  read_breaker(reader, reader.find("breaker"), config.breaker);
  if (const Json* disabled = reader.find("disabled")) {
    if (!disabled->is_boolean()) reader.fail("disabled", "expected true or false");
    config.disabled = disabled->get<bool>();
  }
  // Fields other clients keep in the same entry (Cline, VS Code): accepted, ignored.
  reader.reject_unknown({"autoApprove", "alwaysAllow", "envFile", "dev", "timeout"}, notes);
  return config;
}

}  // namespace

GatewayConfig parse_gateway_config(const Json& document, std::string_view source) {
  if (!document.is_object())
    throw ConfigError(fmt::format("{}: expected a JSON object with \"mcpServers\"", source));
  const Json* servers = nullptr;
  for (const char* key : {"mcpServers", "servers"}) {
    if (auto it = document.find(key); it != document.end()) {
      if (servers) {
        throw ConfigError(fmt::format("{}: both \"mcpServers\" and \"servers\": keep one", source));
      }
      servers = &*it;
    }
  }
  if (!servers) throw ConfigError(fmt::format("{}: no \"mcpServers\" object", source));
  if (!servers->is_object())
    throw ConfigError(fmt::format("{}: \"mcpServers\" must be an object of servers", source));
  GatewayConfig config;
  for (const auto& [name, entry] : servers->items()) {
    config.servers.push_back(read_server(source, name, entry, config.notes));
  }
  if (config.servers.empty())
    throw ConfigError(fmt::format("{}: \"mcpServers\" holds no server", source));
  return config;
}

GatewayConfig load_gateway_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot be read", path));
  std::ostringstream text;
  text << in.rdbuf();
  Json document = Json::parse(text.str(), nullptr, false);
  if (document.is_discarded()) throw ConfigError(fmt::format("{}: not valid JSON", path));
  return parse_gateway_config(document, path);
}

}  // namespace mcp::gateway
