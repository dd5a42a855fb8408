// mcp/json_schema.hpp -- compiled JSON Schemas for argument validation.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_JSON_SCHEMA_HPP
#define MCP_HTM_JSON_SCHEMA_HPP

#include <mcp/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcp {

/// One reason a value does not match a schema.
struct SchemaViolation {
  /// RFC 6901 JSON pointer of the offending value: "" for the root, "/query",
  /// "/items/3", "/a~1b" for the member "a/b". A missing required property is reported
  /// on the object that lacks it.
  std::string pointer;
  std::string reason;  ///< what is wrong, e.g. "missing required property 'query'"
};

/// Thrown when a schema is itself invalid (reported at tool registration, not call time).
class SchemaError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Thrown by a tool (or by mcp::from_arguments) when its arguments do not fit although
/// they passed the input schema; the manager answers it as `invalid_params`, with the
/// violations in the error's data (`{"errors": [{"pointer", "reason"}]}`), as it does
/// for a schema violation, and the category's breaker does not count it as a failure.
class InvalidArguments : public std::invalid_argument {
 public:
  explicit InvalidArguments(std::vector<SchemaViolation> violations);
  [[nodiscard]] const std::vector<SchemaViolation>& violations() const noexcept {
    return violations_;
  }

 private:
  std::vector<SchemaViolation> violations_;
};

/// A JSON Schema compiled once (by valijson, a private dependency) and used many times.
/**
 * Schemas are read as draft 7 (keywords of later drafts that draft 7 lacks are ignored,
 * as unknown keywords are), or as draft 4 / draft 3 when their "$schema" says so.
 * Only local "$ref"s ("#/definitions/...", "#/$defs/...", "#") are resolved; any other
 * "$ref" reachable from the root is refused, and so is a cycle of subschemas that all
 * apply to the same value ({"$ref": "#"}, {"allOf": [{"$ref": "#"}]}), which would
 * never end. The
 * validation semantics, `additionalProperties` included, are valijson's, with these
 * changes (draft 7 schemas):
 * - a number with a zero fractional part is an integer, as JSON Schema says from draft 6
 *   on (`2.0` matches `"type": "integer"`; valijson's strict types take only integers
 *   stored as such); doubles beyond the 64-bit integers are not;
 * - `pattern` regexes run on a non-recursive matcher, so that a long string cannot
 *   exhaust the stack;
 * - the formats "date", "time" and "date-time" constrain strings only (as JSON Schema
 *   says) and reject strings longer than 256 code points before any regex runs;
 * - with `patternProperties` in the schema, member names longer than 1024 bytes are
 *   rejected (valijson matches them with a recursive regex).
 *
 * @par Thread safety
 * Immutable after construction: validate() and accepts() may run concurrently on one
 * schema (valijson's only mutable validation state, its regex cache, is kept per thread).
 * A moved-from JsonSchema may only be assigned to or destroyed.
 */
class JsonSchema {
 public:
  /// Compiles `schema`; throws SchemaError naming what is wrong with it (an unknown
  /// type name, a keyword of the wrong shape, a $ref that does not resolve or is not
  /// local, subschemas referring to each other in place, a regex
  /// that does not compile, a schema that is neither an object nor a boolean).
  explicit JsonSchema(const Json& schema);
  ~JsonSchema();
  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;

  /// True when `value` matches. Schemas that accept any object are answered inline.
  [[nodiscard]] bool accepts(const Json& value) const {
    if (any_object_) return value.is_object();
    return validate(value).empty();
  }

  /// Every violation with its JSON pointer, in document order; empty when `value`
  /// matches. valijson's summary entries that only repeat a deeper failure ("failed to
  /// validate item #3") are left out.
  [[nodiscard]] std::vector<SchemaViolation> validate(const Json& value) const;

  /// The schema as given.
  [[nodiscard]] const Json& source() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool any_object_ = false;  // the schema accepts every JSON object and nothing else
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/json_schema.ipp>
#endif

#endif  // MCP_HTM_JSON_SCHEMA_HPP
