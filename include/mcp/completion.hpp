// mcp/completion.hpp -- argument completion (completion/complete) for prompt arguments and
// resource-template variables.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_COMPLETION_HPP
#define MCP_HTM_COMPLETION_HPP

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// What a completer is asked: the partial value, and the other arguments the client
/// already filled in (`context.arguments` of the request).
struct CompletionRequest {
  std::string_view value;
  const std::map<std::string, std::string, std::less<>>& arguments;
};

/// Suggests values for one argument, best first. The server sends at most 100 of them
/// (`total` says how many there were, `hasMore` whether some were left out). Called on
/// the server's strand: it must not block.
using Completer = std::function<std::vector<std::string>(const CompletionRequest& request)>;

/// A completer offering the `choices` that start with the typed value, in their order.
/// @code
/// mcp::Completer colours() { return mcp::prefix_completer({"red", "green", "blue"}); }
/// @endcode
inline Completer prefix_completer(std::vector<std::string> choices) {
  return [choices = std::move(choices)](const CompletionRequest& request) {
    std::vector<std::string> out;
    for (const auto& choice : choices) {
      if (std::string_view(choice).starts_with(request.value)) out.push_back(choice);
    }
    return out;
  };
}

}  // namespace mcp

#endif  // MCP_HTM_COMPLETION_HPP
