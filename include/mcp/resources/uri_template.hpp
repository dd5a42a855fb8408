// mcp/resources/uri_template.hpp -- RFC 6570 URI templates, levels 1 and 2, matched
// against concrete URIs (the resource templates of resources/templates/list).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_RESOURCES_URI_TEMPLATE_HPP
#define MCP_HTM_RESOURCES_URI_TEMPLATE_HPP

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

/// The variables a URI matched, by name, percent-decoded.
using UriVariables = std::map<std::string, std::string, std::less<>>;

/// An RFC 6570 template of level 1 (`{var}`) or 2 (`{+var}`, `{#var}`).
/**
 * match() inverts expansion: `{var}` matches one or more unreserved or percent-encoded
 * characters (never `/`, `?`, `#`), `{+var}` any characters, `{#var}` a `#` and what
 * follows it. Immutable; safe to share between threads.
 * @code
 * bool template_matches() {
 *   const mcp::UriTemplate files("file:///{+path}");
 *   auto vars = files.match("file:///etc/hosts");
 *   return vars && vars->at("path") == "etc/hosts";
 * }
 * @endcode
 */
class UriTemplate {
 public:
  /// Throws std::invalid_argument for a template that is not level 1-2 RFC 6570 (an
  /// unclosed or empty expression, a bad variable name, a level 3-4 operator, two
  /// expressions side by side with no literal between them, but `{var}{#frag}`).
  explicit UriTemplate(std::string text);

  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  /// The variable names, in template order.
  [[nodiscard]] std::vector<std::string> variables() const;
  /// The variables when `uri` is an expansion of this template, else nullopt.
  [[nodiscard]] std::optional<UriVariables> match(std::string_view uri) const;

 private:
  enum class Kind : unsigned char { literal, simple, reserved, fragment };
  struct Part {
    Kind kind;
    std::string text;  // the literal, or the variable name
  };
  [[nodiscard]] bool match_from(std::size_t part, std::string_view rest, UriVariables& out) const;

  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/resources/uri_template.ipp>
#endif

#endif  // MCP_HTM_RESOURCES_URI_TEMPLATE_HPP
