// mcp/impl/json_schema.ipp -- mcp::JsonSchema on top of valijson (a private dependency).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/json_schema.hpp>

// valijson reports errors by calling abort() unless exceptions are enabled. Its CMake
// target defines VALIJSON_USE_EXCEPTIONS=1; define it here too so that a build outside
// CMake cannot silently turn an invalid schema into a crash.
#ifndef VALIJSON_USE_EXCEPTIONS
#define VALIJSON_USE_EXCEPTIONS 1
#endif
#if !VALIJSON_USE_EXCEPTIONS
#error "mcp-htm needs valijson built with VALIJSON_USE_EXCEPTIONS=1"
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <locale>
#include <mutex>
#include <optional>

// GCC 12 reports false positives in library code instantiated here: -Wmaybe-uninitialized
// inside libstdc++'s <regex> under -fsanitize=address (GCC bug 105562) and -Wrestrict
// in std::string::replace as inlined into valijson's JSON-pointer code at -O3 (GCC bug
// 105329). The pragmas cover the headers below, not our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include <regex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validation_visitor.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace mcp {

namespace detail::json_schema_impl {

using Adapter = valijson::adapters::NlohmannJsonAdapter;
using RegexCache = std::unordered_map<std::string, std::regex>;

// Thread-safety note. A compiled valijson::Schema is only read during validation (its
// constraints are const, $refs are resolved at parse time). The one piece of mutable
// state in valijson's validation is the cache of compiled `pattern` regexes that
// valijson::Validator owns and fills lazily. We therefore drive valijson's
// ValidationVisitor directly (exactly what Validator::validate does) with a cache of our
// own that is thread_local: no two threads ever share one, and validation never
// suspends, so a thread never re-enters it. It is keyed by the pattern text, shared by
// every schema a thread validates against, and bounded.
MCP_HTM_INLINE constexpr std::size_t kMaxCachedRegexes = 1024;

MCP_HTM_INLINE RegexCache& thread_regex_cache(std::size_t room_needed) {
  thread_local RegexCache cache;
  if (cache.size() + room_needed > kMaxCachedRegexes)
    cache.clear();  // no reference outlives a call
  return cache;
}

// std::regex (libstdc++) matches with a backtracking executor that recurses once per
// input character: a `pattern` such as "^[a-z]+$" overflows the stack on a string of
// ~100 KB -- a crash any client could trigger. libstdc++'s polynomial (Thompson NFA)
// executor has the same match/no-match answers without that recursion, so every pattern
// of a schema is compiled in that mode here and handed to valijson through its regex
// cache. Patterns the polynomial mode cannot run (back-references) keep the default one.
MCP_HTM_INLINE std::regex compile_pattern(const std::string& pattern) {
#if defined(__GLIBCXX__)
  try {
    return std::regex(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial);
  } catch (const std::regex_error&) {
    // fall through: back-references need the backtracking executor
  }
#endif
  return std::regex(pattern, std::regex::ECMAScript);
}

// Collects every string under a "pattern" key anywhere in the document (a superset of
// the `pattern` keywords valijson will look up: it resolves only local $refs, so every
// pattern it sees comes from this document), and notes any `patternProperties`.
struct PatternScan {
  std::vector<std::pair<std::string, std::regex>> patterns;
  bool has_pattern_properties = false;
};

MCP_HTM_INLINE void scan_patterns(const Json& node, PatternScan& scan) {
  if (node.is_array()) {
    for (const auto& element : node) scan_patterns(element, scan);
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    if (key == "pattern" && value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      const bool known = std::any_of(scan.patterns.begin(), scan.patterns.end(),
                                     [&](const auto& entry) { return entry.first == text; });
      if (!known) {
        try {
          scan.patterns.emplace_back(text, compile_pattern(text));
        } catch (const std::regex_error&) {
          // Not a real `pattern` keyword (e.g. inside an "enum" value): valijson has
          // already rejected every real one that does not compile.
        }
      }
    }
    if (key == "patternProperties" && value.is_object()) scan.has_pattern_properties = true;
    scan_patterns(value, scan);
  }
}

// valijson matches `patternProperties` with a std::regex it builds itself, in the
// backtracking mode above; property names are therefore length-limited for schemas that
// use that keyword (names this long are not names).
MCP_HTM_INLINE constexpr std::size_t kMaxPatternMatchedName = 1024;

// RFC 6901 escaping of one reference token.
MCP_HTM_INLINE void append_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (const char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

// Calls visit(subschema, pointer) for every subschema of `schema` in a schema position
// (not inside "enum", "const", "default", ... values), children before parents, so that
// `visit` may add keywords to the node it is given without seeing them again.
template <typename J, typename Visit>
void for_each_subschema(J& schema, std::string& pointer, Visit& visit) {
  if (!schema.is_object()) return;
  static constexpr const char* kSubschemaKeys[] = {
      "additionalItems",
      "additionalProperties",
      "contains",
      "propertyNames",
      "not",
      "if",
      "then",
      "else",
      "items",
      "allOf",
      "anyOf",
      "oneOf",
  };
  static constexpr const char* kSubschemaMapKeys[] = {
      "properties", "patternProperties", "definitions", "$defs", "dependencies",
  };
  const auto size = pointer.size();
  for (const char* key : kSubschemaKeys) {
    const auto it = schema.find(key);
    if (it == schema.end()) continue;
    append_token(pointer, key);
    const auto with_key = pointer.size();
    if (it->is_array()) {
      for (std::size_t i = 0; i < it->size(); ++i) {
        pointer += '/';
        pointer += std::to_string(i);
        for_each_subschema((*it)[i], pointer, visit);
        pointer.resize(with_key);
      }
    } else {
      for_each_subschema(*it, pointer, visit);
    }
    pointer.resize(size);
  }
  for (const char* key : kSubschemaMapKeys) {
    const auto it = schema.find(key);
    if (it == schema.end() || !it->is_object()) continue;
    append_token(pointer, key);
    const auto with_key = pointer.size();
    for (auto& [name, subschema] : it->items()) {
      append_token(pointer, name);
      for_each_subschema(subschema, pointer, visit);
      pointer.resize(with_key);
    }
    pointer.resize(size);
  }
  visit(schema, static_cast<const std::string&>(pointer));
}

// Compiles every `pattern` and `patternProperties` regex of the schema, so that a bad
// one is reported at construction (valijson itself would only fail at validation).
MCP_HTM_INLINE void check_regexes(const Json& schema) {
  std::string pointer;
  auto check = [](const std::string& regex, const std::string& where) {
    try {
      compile_pattern(regex);
    } catch (const std::regex_error& e) {
      throw SchemaError("invalid JSON Schema: bad regular expression \"" + regex + "\" at " +
                        (where.empty() ? std::string("the root") : where) + ": " + e.what());
    }
  };
  auto visit = [&](const Json& node, const std::string& where) {
    const auto pattern = node.find("pattern");
    if (pattern != node.end() && pattern->is_string()) {
      check(pattern->get_ref<const std::string&>(), where + "/pattern");
    }
    const auto properties = node.find("patternProperties");
    if (properties != node.end() && properties->is_object()) {
      for (const auto& [regex, subschema] : properties->items()) {
        std::string at = where + "/patternProperties";
        append_token(at, regex);
        check(regex, at);
      }
    }
  };
  for_each_subschema(schema, pointer, visit);
}

// Names the first local "$ref" of the schema that does not resolve (valijson's own
// message names only the pointer token it could not find).
MCP_HTM_INLINE std::string describe_unresolved_ref(const Json& schema) {
  std::string pointer;
  std::string found;
  auto visit = [&](const Json& node, const std::string& where) {
    const auto ref = node.find("$ref");
    if (!found.empty() || ref == node.end() || !ref->is_string()) return;
    const auto& text = ref->get_ref<const std::string&>();
    if (text.empty() || text[0] != '#') return;
    try {
      if (schema.contains(Json::json_pointer(text.substr(1)))) return;
    } catch (const std::exception&) {
      // a malformed pointer does not resolve either
    }
    found = "$ref \"" + text + "\" at " + (where.empty() ? std::string("the root") : where) +
            " does not resolve";
  };
  for_each_subschema(schema, pointer, visit);
  return found;
}

// The subschemas of `node` that apply to the same value as `node` itself ("in place":
// allOf, anyOf, oneOf, not, if/then/else, schema-valued dependencies, draft 3's extends,
// disallow and schema-valued type), then those that apply to a part of it (properties,
// items, ...). Both include the definitions, which only $refs reach, to keep it simple.
template <typename Push>
void push_subschemas(const Json& node, const std::string& pointer, Push&& push) {
  static constexpr const char* kInPlace[] = {"allOf",    "anyOf", "oneOf",       "not",
                                             "if",       "then",  "else",        "extends",
                                             "disallow", "type",  "dependencies"};
  static constexpr const char* kBelow[] = {"additionalItems", "additionalProperties", "contains",
                                           "propertyNames", "items"};
  static constexpr const char* kMaps[] = {"properties", "patternProperties", "definitions",
                                          "$defs"};
  auto each = [&](const char* key, bool in_place, bool map) {
    const auto it = node.find(key);
    if (it == node.end()) return;
    std::string at = pointer;
    append_token(at, key);
    if (map || std::string_view(key) == "dependencies") {
      if (!it->is_object()) return;
      for (const auto& [name, child] : it->items()) {
        std::string child_at = at;
        append_token(child_at, name);
        if (child.is_object()) push(child, std::move(child_at), in_place);
      }
    } else if (it->is_array()) {
      for (std::size_t i = 0; i < it->size(); ++i) {
        if ((*it)[i].is_object()) push((*it)[i], at + '/' + std::to_string(i), in_place);
      }
    } else if (it->is_object()) {
      push(*it, std::move(at), in_place);
    }
  };
  for (const char* key : kInPlace) each(key, true, false);
  for (const char* key : kBelow) each(key, false, false);
  for (const char* key : kMaps) each(key, false, true);
}

// valijson resolves a $ref that is neither local ("#...") nor an absolute URI it would
// refuse to fetch ("x", "definitions/a", "urn:x") against the document itself, and
// recurses until the stack overflows; a cycle of subschemas that all apply to the same
// value ({"$ref": "#"}, {"allOf": [{"$ref": "#"}]}) recurses forever at compilation or
// validation. Both are refused here, before valijson sees the schema, for every schema
// reachable from the root through subschemas and local $refs (a $ref may point into a
// value that is no schema position, such as an "enum" member: it is one once reached).
MCP_HTM_INLINE void check_refs(const Json& document) {
  struct Node {
    std::string pointer;
    std::vector<const Json*> in_place;  // subschemas applying to the same value
  };
  std::unordered_map<const Json*, Node> nodes;
  std::vector<std::pair<const Json*, std::string>> pending{{&document, std::string()}};
  while (!pending.empty()) {
    auto [json, pointer] = std::move(pending.back());
    pending.pop_back();
    auto [it, inserted] = nodes.try_emplace(json, Node{std::move(pointer), {}});
    if (!inserted || !json->is_object()) continue;
    Node& node = it->second;
    const std::string where = node.pointer.empty() ? std::string("the root") : node.pointer;
    const auto ref = json->find("$ref");
    if (ref != json->end() && ref->is_string()) {
      const auto& text = ref->get_ref<const std::string&>();
      if (text.empty() || text[0] != '#') {
        throw SchemaError("invalid JSON Schema: $ref \"" + text + "\" at " + where +
                          " is not local (only \"#...\" references are resolved)");
      }
      const Json* target = nullptr;
      try {
        const Json::json_pointer target_pointer(text.substr(1));
        if (document.contains(target_pointer)) target = &document.at(target_pointer);
      } catch (const std::exception&) {
        // not a JSON pointer (an anchor, or malformed): valijson decides
      }
      if (target != nullptr) {
        node.in_place.push_back(target);
        pending.emplace_back(target, text.substr(1));
      }
    }
    push_subschemas(*json, node.pointer, [&](const Json& child, std::string at, bool in_place) {
      if (in_place) node.in_place.push_back(&child);
      pending.emplace_back(&child, std::move(at));
    });
  }
  // A cycle through in-place edges, found by an iterative depth-first search.
  enum class Mark { unseen, open, done };
  std::unordered_map<const Json*, Mark> marks;
  for (const auto& entry : nodes) {
    if (marks[entry.first] != Mark::unseen) continue;
    std::vector<std::pair<const Json*, std::size_t>> stack{{entry.first, 0}};
    marks[entry.first] = Mark::open;
    while (!stack.empty()) {
      auto& [json, next] = stack.back();
      const auto& edges = nodes.at(json).in_place;
      if (next == edges.size()) {
        marks[json] = Mark::done;
        stack.pop_back();
        continue;
      }
      const Json* child = edges[next++];
      Mark& mark = marks[child];
      if (mark == Mark::open) {
        const auto& pointer = nodes.at(child).pointer;
        throw SchemaError("invalid JSON Schema: the subschema at " +
                          (pointer.empty() ? std::string("the root") : pointer) +
                          " refers back to itself (through $ref, allOf, anyOf, oneOf, not "
                          "or if) without descending into the value");
      }
      if (mark == Mark::unseen) {
        mark = Mark::open;
        stack.emplace_back(child, 0);
      }
    }
  }
}

// valijson checks the formats "date", "time" and "date-time" with std::regex as well
// (backtracking, rebuilt on every call), and applies them to non-strings too, where JSON
// Schema says a format only constrains strings. Each such `format` is rewritten, in
// schema positions only, into the equivalent
//   allOf: [{ if: {type: string, maxLength: N}, then: {format: F}, else: {maxLength: N} }]
// so that non-strings pass, strings up to N characters get valijson's check, and longer
// strings (no date or time is that long) fail with a maxLength message instead of
// reaching the regex.
MCP_HTM_INLINE constexpr std::size_t kMaxFormattedLength = 256;

MCP_HTM_INLINE bool guard_formats(Json& schema) {
  bool changed = false;
  std::string pointer;
  auto visit = [&](Json& node, const std::string&) {
    const auto format = node.find("format");
    if (format == node.end() || !format->is_string()) return;
    const std::string name = format->get<std::string>();
    if (name != "date" && name != "time" && name != "date-time") return;
    const auto all_of = node.find("allOf");
    if (all_of != node.end() && !all_of->is_array()) return;  // invalid: valijson says so
    node.erase(format);
    node["allOf"].push_back({
        {"if", {{"type", "string"}, {"maxLength", kMaxFormattedLength}}},
        {"then", {{"format", name}}},
        {"else", {{"maxLength", kMaxFormattedLength}}},
    });
    changed = true;
  };
  for_each_subschema(schema, pointer, visit);
  return changed;
}

MCP_HTM_INLINE valijson::SchemaParser::Version parser_version(const Json& schema) {
  if (schema.is_object()) {
    const auto it = schema.find("$schema");
    if (it != schema.end() && it->is_string()) {
      const auto& uri = it->get_ref<const std::string&>();
      if (uri.find("draft-04") != std::string::npos) return valijson::SchemaParser::kDraft4;
      if (uri.find("draft-03") != std::string::npos) return valijson::SchemaParser::kDraft3;
    }
  }
  return valijson::SchemaParser::kDraft7;
}

// Keywords that never constrain a value.
MCP_HTM_INLINE bool is_annotation(std::string_view key) {
  static constexpr std::string_view kAnnotations[] = {
      "title",    "description", "$comment",  "$schema",    "$id",         "id",    "default",
      "examples", "readOnly",    "writeOnly", "deprecated", "definitions", "$defs",
  };
  for (const auto annotation : kAnnotations) {
    if (key == annotation) return true;
  }
  return false;
}

// True when `schema` provably accepts every value: `true`, `{}`, or only annotations.
MCP_HTM_INLINE bool accepts_anything(const Json& schema) {
  if (schema.is_boolean()) return schema.get<bool>();
  if (!schema.is_object()) return false;
  for (const auto& [key, value] : schema.items()) {
    if (!is_annotation(key)) return false;
  }
  return true;
}

// True when `schema` provably accepts exactly the JSON objects: "type": "object" (or
// ["object"]) and nothing else that constrains. Conservative: any keyword not known to
// be harmless makes it false, and validation then goes through valijson.
MCP_HTM_INLINE bool accepts_exactly_objects(const Json& schema) {
  if (!schema.is_object()) return false;
  const auto type = schema.find("type");
  if (type == schema.end()) return false;
  const bool object_type = (type->is_string() && *type == "object") ||
                           (type->is_array() && type->size() == 1 && (*type)[0] == "object");
  if (!object_type) return false;
  for (const auto& [key, value] : schema.items()) {
    if (key == "type" || is_annotation(key)) continue;
    if (key == "properties" || key == "patternProperties") {
      if (!value.is_object()) return false;
      for (const auto& [name, subschema] : value.items()) {
        if (!accepts_anything(subschema)) return false;
      }
      continue;
    }
    if (key == "additionalProperties" && accepts_anything(value)) continue;
    if (key == "required" && value.is_array() && value.empty()) continue;
    return false;
  }
  return true;
}

// valijson's context is {"<root>", "[name]", "[3]", ...}: one bracketed token per level.
MCP_HTM_INLINE std::string to_pointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (std::size_t i = 1; i < context.size(); ++i) {
    std::string_view token = context[i];
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') {
      token = token.substr(1, token.size() - 2);
    }
    append_token(pointer, token);
  }
  return pointer;
}

// valijson's descriptions are sentences ("Missing required property 'q'."); ours read
// as clauses ("missing required property 'q'") so that they compose into messages.
MCP_HTM_INLINE std::string to_reason(std::string description) {
  while (!description.empty() && (description.back() == '.' || description.back() == ' ')) {
    description.pop_back();
  }
  if (!description.empty() && description[0] >= 'A' && description[0] <= 'Z') {
    description[0] = static_cast<char>(description[0] - 'A' + 'a');
  }
  return description;
}

// Errors valijson adds on the way back up from a failure it reports elsewhere (deeper
// down, or from a child schema at the same place); they repeat that failure without
// adding anything, so they are dropped when a specific failure at or below them exists.
MCP_HTM_INLINE bool is_propagation(std::string_view description) {
  static constexpr std::string_view kPrefixes[] = {
      "Failed to validate item #",
      "Failed to validate against schema associated with property name",
      "Failed to validate against additional properties schema",
      "Failed to validate against schema associated with pattern",
      "Failed to validate against child schema #",
      "Failed to validate against a conditional schema",
  };
  for (const auto prefix : kPrefixes) {
    if (description.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

MCP_HTM_INLINE bool has_specific_error_within(const valijson::ValidationResults& results,
                                              const std::vector<std::string>& context) {
  for (const auto& other : results) {
    if (other.context.size() >= context.size() &&
        std::equal(context.begin(), context.end(), other.context.begin()) &&
        !is_propagation(other.description)) {
      return true;
    }
  }
  return false;
}

// The first object member name longer than kMaxPatternMatchedName, as a violation.
MCP_HTM_INLINE std::optional<SchemaViolation> overlong_name(const Json& value) {
  std::vector<std::pair<const Json*, std::string>> pending{{&value, std::string()}};
  while (!pending.empty()) {
    auto [node, pointer] = std::move(pending.back());
    pending.pop_back();
    if (node->is_object()) {
      for (const auto& [key, member] : node->items()) {
        if (key.size() > kMaxPatternMatchedName) {
          return SchemaViolation{
              pointer, "property name of " + std::to_string(key.size()) +
                           " bytes is too long to match against 'patternProperties' (limit " +
                           std::to_string(kMaxPatternMatchedName) + ")"};
        }
        if (member.is_structured()) {
          std::string child = pointer;
          append_token(child, key);
          pending.emplace_back(&member, std::move(child));
        }
      }
    } else if (node->is_array()) {
      for (std::size_t i = 0; i < node->size(); ++i) {
        if ((*node)[i].is_structured()) {
          pending.emplace_back(&(*node)[i], pointer + '/' + std::to_string(i));
        }
      }
    }
  }
  return std::nullopt;
}

// JSON Schema counts a number with a zero fractional part as an integer from draft 6 on
// (2.0 matches "type": "integer"); valijson's strict type check takes only what nlohmann
// stores as an integer. A value holding such a double is therefore validated as a copy
// with each of them stored as the integer it equals -- the same number, so every other
// keyword (minimum, multipleOf, enum, const) decides as before. Doubles beyond the
// 64-bit integers have no integer to be stored as and stay doubles (not integers).
MCP_HTM_INLINE bool as_integer(double value, Json& out) {
  if (!(value >= -9223372036854775808.0 && value < 18446744073709551616.0) ||
      value != std::floor(value)) {
    return false;
  }
  if (value < 0) {
    out = static_cast<std::int64_t>(value);
  } else {
    out = static_cast<std::uint64_t>(value);
  }
  return true;
}

// Calls visit(node) for every value inside `value` (itself included), without recursion.
template <typename J, typename Visit>
void for_each_value(J& value, Visit visit) {
  std::vector<J*> pending{&value};
  while (!pending.empty()) {
    J* node = pending.back();
    pending.pop_back();
    if (!visit(*node)) return;
    if (node->is_structured()) {
      for (auto& child : *node) {
        if (child.is_structured() || child.is_number_float()) pending.push_back(&child);
      }
    }
  }
}

MCP_HTM_INLINE bool has_integral_double(const Json& value) {
  bool found = false;
  Json ignored;
  for_each_value(value, [&](const Json& node) {
    found = node.is_number_float() && as_integer(node.get<double>(), ignored);
    return !found;
  });
  return found;
}

MCP_HTM_INLINE Json with_integral_doubles_as_integers(const Json& value) {
  Json copy = value;
  for_each_value(copy, [](Json& node) {
    Json integer;
    if (node.is_number_float() && as_integer(node.get<double>(), integer))
      node = std::move(integer);
    return true;
  });
  return copy;
}

// True when some "type" keyword of the document names "integer" (a superset of the type
// constraints valijson compiled: it resolves only local $refs).
MCP_HTM_INLINE bool mentions_integer_type(const Json& node) {
  bool found = false;
  for_each_value(node, [&](const Json& n) {
    if (!n.is_object()) return true;
    const auto type = n.find("type");
    if (type != n.end()) {
      found = *type == "integer" ||
              (type->is_array() && std::find(type->begin(), type->end(), "integer") != type->end());
    }
    return !found;
  });
  return found;
}

}  // namespace detail::json_schema_impl
using namespace detail::json_schema_impl;

struct JsonSchema::Impl {
  explicit Impl(const Json& schema) : source(schema) {}
  Json source;                  // as given
  std::optional<Json> guarded;  // source with its date/time formats rewritten, if any
  valijson::Schema compiled;
  PatternScan scan;
  bool integral_doubles_are_integers = false;  // draft 6 and later, with "integer" somewhere
};

namespace detail::json_schema_impl {

// std::regex compilation goes through std::ctype<char>::narrow, which fills a per-facet
// cache lazily: the first narrowing of each character writes to it. Two threads
// validating (valijson compiles format regexes during validation) race on those writes
// (ThreadSanitizer reports it). Narrowing every character once, before any schema
// exists, leaves nothing to write afterwards.
MCP_HTM_INLINE void warm_ctype_narrow_cache() {
  static std::once_flag once;
  std::call_once(once, [] {
    const auto& ctype = std::use_facet<std::ctype<char>>(std::locale());
    for (int c = 0; c < 256; ++c) (void)ctype.narrow(static_cast<char>(c), '\0');
  });
}

}  // namespace detail::json_schema_impl
using namespace detail::json_schema_impl;

namespace detail::json_schema_impl {
MCP_HTM_INLINE std::string summarize(const std::vector<SchemaViolation>& violations) {
  std::string out;
  for (const auto& v : violations) {
    if (!out.empty()) out += "; ";
    out += v.pointer.empty() ? "(root)" : v.pointer;
    out += ": ";
    out += v.reason;
  }
  return out;
}
}  // namespace detail::json_schema_impl
using namespace detail::json_schema_impl;

MCP_HTM_INLINE InvalidArguments::InvalidArguments(std::vector<SchemaViolation> violations)
    : std::invalid_argument(summarize(violations)), violations_(std::move(violations)) {}

MCP_HTM_INLINE JsonSchema::JsonSchema(const Json& schema)
    : impl_((warm_ctype_narrow_cache(), std::make_unique<Impl>(schema))) {
  if (!schema.is_object() && !schema.is_boolean()) {
    throw SchemaError(std::string("invalid JSON Schema: a schema is an object or a boolean, not ") +
                      schema.type_name());
  }
  const auto version = parser_version(schema);
  if (version == valijson::SchemaParser::kDraft7) {
    Json guarded = schema;
    if (guard_formats(guarded)) impl_->guarded = std::move(guarded);
  }
  const Json& document = impl_->guarded ? *impl_->guarded : impl_->source;
  try {
    check_refs(document);
    check_regexes(document);
    valijson::SchemaParser parser(version);
    const Adapter adapter(document);
    parser.populateSchema(adapter, impl_->compiled);
    scan_patterns(document, impl_->scan);
    impl_->integral_doubles_are_integers =
        version == valijson::SchemaParser::kDraft7 && mentions_integer_type(document);
  } catch (const SchemaError&) {
    throw;
  } catch (const std::exception& e) {
    const std::string unresolved = describe_unresolved_ref(schema);
    throw SchemaError("invalid JSON Schema: " +
                      (unresolved.empty() ? std::string(e.what()) : unresolved));
  }
  any_object_ = accepts_exactly_objects(schema);
}

MCP_HTM_INLINE JsonSchema::~JsonSchema() = default;
MCP_HTM_INLINE JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
MCP_HTM_INLINE JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;

MCP_HTM_INLINE std::vector<SchemaViolation> JsonSchema::validate(const Json& value) const {
  const auto& scan = impl_->scan;
  if (scan.has_pattern_properties) {
    if (auto violation = overlong_name(value)) return {std::move(*violation)};
  }
  RegexCache& regexes = thread_regex_cache(scan.patterns.size());
  for (const auto& [text, regex] : scan.patterns) regexes.try_emplace(text, regex);

  std::optional<Json> normalised;
  if (impl_->integral_doubles_are_integers && has_integral_double(value)) {
    normalised = with_integral_doubles_as_integers(value);
  }
  valijson::ValidationResults results;
  const Adapter target(normalised ? *normalised : value);
  valijson::ValidationVisitor<Adapter> visitor(target, std::vector<std::string>(1, "<root>"),
                                               /*strictTypes=*/true, &results, regexes);
  try {
    if (visitor.validateSchema(impl_->compiled)) return {};
  } catch (const std::exception& e) {
    // valijson throws on values it cannot handle; the value is then rejected rather than
    // the exception leaking into the caller.
    return {SchemaViolation{"", std::string("value could not be validated: ") + e.what()}};
  }

  std::vector<SchemaViolation> violations;
  violations.reserve(results.numErrors());
  for (const auto& error : results) {
    if (is_propagation(error.description) && has_specific_error_within(results, error.context)) {
      continue;
    }
    violations.push_back({to_pointer(error.context), to_reason(error.description)});
  }
  if (violations.empty()) violations.push_back({"", "value does not match the schema"});
  return violations;
}

MCP_HTM_INLINE const Json& JsonSchema::source() const noexcept { return impl_->source; }

}  // namespace mcp
