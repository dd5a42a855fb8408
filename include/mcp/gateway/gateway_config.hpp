// mcp/gateway/gateway_config.hpp -- the gateway's configuration: the `mcpServers` JSON
// that Claude Desktop, Cursor and VS Code users already have, plus optional fields.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_GATEWAY_GATEWAY_CONFIG_HPP
#define MCP_HTM_GATEWAY_GATEWAY_CONFIG_HPP

#include <mcp/circuit_breaker.hpp>
#include <mcp/client/child_process.hpp>
#include <mcp/json.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::gateway {

/// A configuration that cannot be used; what() names the server and the field, e.g.
/// "servers.json: server 'memory': field 'timeoutMs': expected a positive integer".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One upstream MCP server, mounted as one category named after its key.
struct UpstreamConfig {
  std::string name;                            ///< the key in `mcpServers`: the category name
  client::ProcessSpec process;                 ///< command, args, env, cwd (stdio servers)
  std::string url;                             ///< Streamable HTTP servers (not with `command`)
  std::map<std::string, std::string> headers;  ///< sent with every HTTP request
  std::string description;                     ///< the category's description for the model
  std::chrono::milliseconds timeout{60'000};   ///< `timeoutMs`: deadline of each tools/call
  std::chrono::milliseconds start_timeout{30'000};     ///< `startTimeoutMs`: spawn + initialize
  std::optional<std::size_t> max_concurrent;           ///< `maxConcurrent`: calls in flight at most
  std::optional<std::chrono::milliseconds> idle_stop;  ///< `idleStopMs`: stop when idle this long
  std::chrono::milliseconds restart_backoff{1000};     ///< `restartBackoffMs`: first retry delay
  std::chrono::milliseconds max_restart_backoff{60'000};
  std::vector<std::string> allow_tools;  ///< `tools.allow`: only these (empty: all)
  std::vector<std::string> block_tools;  ///< `tools.block`: never these
  CircuitBreakerOptions breaker;         ///< `breaker`: the category's breaker
  bool disabled = false;                 ///< `disabled` (Cline's field): not mounted
};

/// Every upstream server, in key order.
struct GatewayConfig {
  std::vector<UpstreamConfig> servers;
  std::vector<std::string> notes;  ///< fields accepted but ignored (other clients' fields)
};

/// Reads `{"mcpServers": {...}}` (or VS Code's `{"servers": {...}}`). Throws ConfigError
/// for anything it cannot use: unknown fields, wrong types, a server with neither (or
/// both) `command` and `url`. `source` names the file in messages.
[[nodiscard]] GatewayConfig parse_gateway_config(const Json& document, std::string_view source);
/// Reads and parses a file (ConfigError when it cannot be read or is not JSON).
[[nodiscard]] GatewayConfig load_gateway_config(const std::string& path);

}  // namespace mcp::gateway

#endif  // MCP_HTM_GATEWAY_GATEWAY_CONFIG_HPP
