// tests/json_schema_test.cpp -- mcp::JsonSchema: compilation, violations, concurrency.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/json_schema.hpp>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using mcp::Json;
using mcp::JsonSchema;
using mcp::SchemaError;
using mcp::SchemaViolation;

const Json kSearchSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "query": {"type": "string", "minLength": 1},
    "top_k": {"type": "integer", "minimum": 1, "maximum": 100},
    "items": {"type": "array", "items": {"type": "integer"}},
    "options": {
      "type": "object",
      "properties": {"mode": {"enum": ["fast", "exact"]}},
      "additionalProperties": false
    }
  },
  "required": ["query"]
})");

bool has_violation(const std::vector<SchemaViolation>& violations, const std::string& pointer,
                   const std::string& reason_part) {
  for (const auto& v : violations) {
    if (v.pointer == pointer && v.reason.find(reason_part) != std::string::npos) return true;
  }
  return false;
}

std::string describe(const std::vector<SchemaViolation>& violations) {
  std::string out;
  for (const auto& v : violations) out += "[" + v.pointer + "] " + v.reason + "\n";
  return out;
}

}  // namespace

TEST_CASE("A value that matches the schema has no violations", "[json_schema]") {
  const JsonSchema schema(kSearchSchema);
  const Json args = {
      {"query", "cats"}, {"top_k", 5}, {"items", {1, 2, 3}}, {"options", {{"mode", "fast"}}}};
  CHECK(schema.accepts(args));
  CHECK(schema.validate(args).empty());
  CHECK(schema.source() == kSearchSchema);
}

TEST_CASE("Violations carry the JSON pointer of the offending value", "[json_schema]") {
  const JsonSchema schema(kSearchSchema);

  SECTION("a property of the wrong type") {
    const auto violations = schema.validate({{"query", 42}});
    INFO(describe(violations));
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].pointer == "/query");
    CHECK(violations[0].reason.find("type") != std::string::npos);
  }
  SECTION("an array element, by index") {
    const auto violations = schema.validate({{"query", "q"}, {"items", {1, 2, 3, "x"}}});
    INFO(describe(violations));
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].pointer == "/items/3");
  }
  SECTION("a missing required property is reported on the object that lacks it") {
    const auto violations = schema.validate(Json::object());
    INFO(describe(violations));
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].pointer.empty());
    CHECK(violations[0].reason == "missing required property 'query'");
  }
  SECTION("a nested object, and every failure at once") {
    const auto violations =
        schema.validate({{"query", ""}, {"top_k", 0}, {"options", {{"mode", "slow"}}}});
    INFO(describe(violations));
    CHECK(violations.size() == 3);
    CHECK(has_violation(violations, "/query", "no fewer than 1"));
    CHECK(has_violation(violations, "/top_k", "greater than or equal to 1"));
    CHECK(has_violation(violations, "/options/mode", "enum"));
  }
  SECTION("a non-object where an object is expected") {
    const auto violations = schema.validate(Json::array());
    INFO(describe(violations));
    REQUIRE_FALSE(violations.empty());
    CHECK(violations[0].pointer.empty());
    CHECK_FALSE(schema.accepts(Json::array()));
  }
}

TEST_CASE("Pointer tokens are escaped as RFC 6901 says", "[json_schema]") {
  const JsonSchema schema(
      Json::parse(R"({"type": "object", "additionalProperties": {"type": "string"}})"));
  const auto violations = schema.validate({{"a/b~c", 1}});
  INFO(describe(violations));
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].pointer == "/a~1b~0c");
}

TEST_CASE("additionalProperties decides what happens to unknown arguments", "[json_schema]") {
  SECTION("false rejects them, naming the property") {
    const JsonSchema schema(Json::parse(
        R"({"type": "object", "properties": {"a": {}}, "additionalProperties": false})"));
    CHECK(schema.accepts({{"a", 1}}));
    const auto violations = schema.validate({{"a", 1}, {"extra", 2}});
    INFO(describe(violations));
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].pointer.empty());
    CHECK(violations[0].reason.find("'extra'") != std::string::npos);
  }
  SECTION("absent, they pass") {
    const JsonSchema schema(Json::parse(R"({"type": "object", "properties": {"a": {}}})"));
    CHECK(schema.accepts({{"a", 1}, {"extra", 2}}));
  }
}

TEST_CASE("Schemas that accept any object answer for objects only", "[json_schema]") {
  const char* const trivially_open[] = {
      R"({"type": "object"})",
      R"({"type": ["object"], "description": "anything"})",
      R"({"type": "object", "properties": {"a": {}, "b": {"description": "free"}, "c": true},
          "additionalProperties": true, "required": []})",
  };
  for (const char* text : trivially_open) {
    INFO(text);
    const JsonSchema schema(Json::parse(text));
    CHECK(schema.accepts(Json::object()));
    CHECK(schema.accepts({{"x", {1, 2}}}));
    CHECK_FALSE(schema.accepts(Json::array()));
    CHECK_FALSE(schema.accepts("text"));
    CHECK_FALSE(schema.accepts(nullptr));
  }
  // Not trivially open: the constraints still apply.
  const JsonSchema required(Json::parse(R"({"type": "object", "required": ["a"]})"));
  CHECK_FALSE(required.accepts(Json::object()));
  const JsonSchema typed(
      Json::parse(R"({"type": "object", "properties": {"a": {"type": "string"}}})"));
  CHECK_FALSE(typed.accepts({{"a", 1}}));
  const JsonSchema closed(Json::parse(R"({"type": "object", "additionalProperties": false})"));
  CHECK_FALSE(closed.accepts({{"a", 1}}));
}

TEST_CASE("Boolean schemas accept everything or nothing", "[json_schema]") {
  CHECK(JsonSchema(Json(true)).accepts({{"a", 1}}));
  CHECK(JsonSchema(Json::object()).accepts(42));
  const JsonSchema never(Json(false));
  CHECK_FALSE(never.accepts(Json::object()));
  CHECK_FALSE(never.validate(1).empty());
}

TEST_CASE("An invalid schema is rejected at construction with a clear message", "[json_schema]") {
  struct Case {
    const char* schema;
    const char* message_part;
  };
  const Case cases[] = {
      {R"({"type": "strin"})", "strin"},
      {R"({"type": 5})", "invalid JSON Schema"},
      {R"({"required": "query"})", "invalid JSON Schema"},
      {R"({"$ref": "#/definitions/missing"})",
       "$ref \"#/definitions/missing\" at the root does not resolve"},
      {R"({"properties": {"p": {"$ref": "#/$defs/nope"}}})", "at /properties/p does not"},
      {R"({"$ref": "https://example.com/schema.json"})", "invalid JSON Schema"},
      {R"({"properties": {"a": 5}})", "/properties/a"},
      {R"({"minLength": -1})", "minLength"},
      {R"({"properties": {"a/b": {"pattern": "(["}}})",
       "bad regular expression \"([\" at /properties/a~1b/pattern"},
      {R"({"patternProperties": {"(": {}}})", "regular expression"},
      {R"({"allOf": {"type": "string"}})", "allOf"},
      {R"(42)", "not number"},
      {R"("object")", "not string"},
  };
  for (const auto& c : cases) {
    INFO(c.schema);
    try {
      const JsonSchema schema(Json::parse(c.schema));
      FAIL("no SchemaError");
    } catch (const SchemaError& e) {
      const std::string message = e.what();
      CHECK(message.find("invalid JSON Schema") == 0);
      CHECK(message.find(c.message_part) != std::string::npos);
    }
  }
}

// valijson resolves a $ref that is neither local ("#...") nor an absolute URI against
// the document itself and recursed until the stack overflowed (the fuzz finding
// validator-relative-ref-stack-overflow): a crash from any schema a tool or an
// upstream server declares. Each must be refused with a SchemaError naming the $ref.
TEST_CASE("A $ref that is not local is refused, never resolved into a loop", "[json_schema]") {
  struct Case {
    const char* schema;
    const char* message_part;
  };
  const Case cases[] = {
      {R"({"$ref": "x"})", "$ref \"x\" at the root is not local"},
      {R"({"type": "object", "properties": {"a": {"$ref": "definitions/a"}},
           "definitions": {"a": {"type": "string"}}})",
       "$ref \"definitions/a\" at /properties/a is not local"},
      {R"({"$ref": "urn:x"})", "$ref \"urn:x\""},
      {R"({"items": [{"$ref": "../s"}]})", "at /items/0 is not local"},
      {R"({"$schema": "http://json-schema.org/draft-04/schema#", "not": {"$ref": "x"}})",
       "at /not is not local"},
      // A local $ref into a value that is not in a schema position, holding a relative one.
      {R"({"$ref": "#/enum/0", "enum": [{"$ref": "x"}]})", "$ref \"x\" at /enum/0"},
      {R"({"$ref": "#/default", "default": {"$ref": "y"}})", "$ref \"y\" at /default"},
      {R"({"$ref": "https://example.com/schema.json"})", "is not local"},
      // Subschemas that apply to the same value in a cycle recurse forever.
      {R"({"$ref": "#"})", "the subschema at the root refers back to itself"},
      {R"({"allOf": [{"$ref": "#"}]})", "refers back to itself"},
      {R"({"not": {"$ref": "#"}})", "refers back to itself"},
      {R"({"$ref": "#/definitions/a", "definitions": {"a": {"$ref": "#/definitions/b"},
                                                     "b": {"$ref": "#/definitions/a"}}})",
       "refers back to itself"},
      {R"({"definitions": {"a": {"anyOf": [{"type": "string"}, {"$ref": "#/definitions/a"}]}},
           "properties": {"p": {"$ref": "#/definitions/a"}}})",
       "refers back to itself"},
  };
  for (const auto& c : cases) {
    INFO(c.schema);
    try {
      const JsonSchema schema(Json::parse(c.schema));
      FAIL("no SchemaError");
    } catch (const SchemaError& e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(message.find("invalid JSON Schema") == 0);
      CHECK(message.find(c.message_part) != std::string::npos);
    }
  }
  // A relative-looking $ref in data that no local $ref reaches is only data.
  const JsonSchema data(Json::parse(R"({"type": "object", "default": {"$ref": "x"},
                                        "enum": [{"$ref": "x"}]})"));
  CHECK(data.accepts({{"$ref", "x"}}));
  CHECK_FALSE(data.accepts({{"$ref", "y"}}));
  // A cycle that descends into the value each time is a recursive schema, not a loop.
  const JsonSchema tree(Json::parse(R"({"type": "object", "allOf": [{"properties":
      {"children": {"type": "array", "items": {"$ref": "#"}}}}]})"));
  CHECK(tree.accepts({{"children", {{{"children", Json::array()}}}}}));
  CHECK_FALSE(tree.accepts({{"children", {1}}}));
}

TEST_CASE("Local $refs resolve; draft-04 schemas are read as draft-04", "[json_schema]") {
  const JsonSchema schema(Json::parse(R"({
    "type": "object",
    "properties": {"point": {"$ref": "#/definitions/point"}},
    "definitions": {"point": {"type": "object", "required": ["x"],
                              "properties": {"x": {"type": "number"}}}}
  })"));
  CHECK(schema.accepts({{"point", {{"x", 1.5}}}}));
  const auto violations = schema.validate({{"point", {{"x", "1"}}}});
  INFO(describe(violations));
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].pointer == "/point/x");

  const JsonSchema draft4(Json::parse(R"({
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "number", "maximum": 10, "exclusiveMaximum": true
  })"));
  CHECK(draft4.accepts(9.5));
  CHECK_FALSE(draft4.accepts(10));
}

TEST_CASE("Recursive schemas and pattern-like data compile", "[json_schema]") {
  const JsonSchema list(Json::parse(R"({
    "type": "object", "required": ["value"],
    "properties": {"value": {"type": "integer"}, "next": {"$ref": "#"}}
  })"));
  CHECK(list.accepts({{"value", 1}, {"next", {{"value", 2}, {"next", {{"value", 3}}}}}}));
  const auto violations =
      list.validate({{"value", 1}, {"next", {{"value", 2}, {"next", {{"value", "3"}}}}}});
  INFO(describe(violations));
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].pointer == "/next/next/value");

  // "pattern" here is data, not a keyword: it is not compiled.
  const JsonSchema data(
      Json::parse(R"j({"enum": [{"pattern": "(["}], "default": {"pattern": ")"}})j"));
  CHECK(data.accepts({{"pattern", "(["}}));
}

TEST_CASE("String lengths count code points, not bytes", "[json_schema]") {
  const JsonSchema schema(Json::parse(R"({"type": "string", "minLength": 2, "maxLength": 3})"));
  CHECK(schema.accepts("\xC3\xA9t\xC3\xA9"));         // "été": 3 code points, 5 bytes
  CHECK_FALSE(schema.accepts("\xF0\x9F\x98\x80"));    // one emoji: 1 code point, 4 bytes
  CHECK(schema.accepts("e\xCC\x81"));                 // "e" + combining acute: 2 code points
  CHECK(schema.accepts("\xE6\x97\xA5\xE6\x9C\xAC"));  // "日本"
}

TEST_CASE("Patterns and date formats are safe on 10 MB strings", "[json_schema]") {
  const std::string big(10 * 1024 * 1024, 'a');
  const std::string digits(200 * 1024, '1');

  SECTION("a pattern matched against a huge string does not exhaust the stack") {
    const JsonSchema schema(Json::parse(R"({"type": "string", "pattern": "^[a-z]+$"})"));
    CHECK(schema.accepts(big));
    CHECK_FALSE(schema.accepts(big + "!"));
  }
  SECTION("a pattern with a back-reference still works") {
    const JsonSchema schema(Json::parse(R"({"type": "string", "pattern": "^(ab)\\1$"})"));
    CHECK(schema.accepts("abab"));
    CHECK_FALSE(schema.accepts("abba"));
  }
  SECTION("maxLength rejects a huge string") {
    const JsonSchema schema(Json::parse(R"({"type": "string", "maxLength": 100})"));
    CHECK_FALSE(schema.accepts(big));
  }
  SECTION("date formats reject huge strings by length") {
    const JsonSchema schema(Json::parse(
        R"({"type": "object", "properties": {"when": {"type": "string", "format": "date-time"},
            "day": {"format": "date"}}})"));
    CHECK(schema.accepts({{"when", "2024-02-29T12:30:00Z"}, {"day", "2024-02-29"}}));
    auto violations = schema.validate({{"when", digits}});
    INFO(describe(violations));
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].pointer == "/when");
    CHECK(violations[0].reason.find("no more than 256") != std::string::npos);
    violations = schema.validate({{"day", "2024-13-01"}});
    INFO(describe(violations));
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].pointer == "/day");
    CHECK(violations[0].reason == "string should be a valid date");
  }
  SECTION("a format constrains strings only") {
    const JsonSchema schema(Json::parse(R"({"type": ["string", "null"], "format": "date"})"));
    CHECK(schema.accepts(nullptr));
    CHECK(schema.accepts("2024-01-31"));
    CHECK_FALSE(schema.accepts("yesterday"));
  }
  SECTION("patternProperties refuses property names too long to match safely") {
    const JsonSchema schema(Json::parse(
        R"({"type": "object", "patternProperties": {"^[a-z]+$": {"type": "integer"}}})"));
    CHECK(schema.accepts({{"abc", 1}}));
    CHECK_FALSE(schema.accepts({{"abc", "x"}}));
    const auto violations = schema.validate({{"nested", {{std::string(200000, 'a'), 1}}}});
    INFO(describe(violations));
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].pointer == "/nested");
    CHECK(violations[0].reason.find("too long") != std::string::npos);
  }
}

TEST_CASE("anyOf failures list what each alternative wanted", "[json_schema]") {
  const JsonSchema schema(Json::parse(R"({"anyOf": [{"type": "string"},
      {"type": "object", "properties": {"x": {"type": "integer"}}}]})"));
  CHECK(schema.accepts("s"));
  CHECK(schema.accepts({{"x", 1}}));
  const auto violations = schema.validate({{"x", "a"}});
  INFO(describe(violations));
  CHECK(has_violation(violations, "", "anyOf"));
  CHECK(has_violation(violations, "/x", "type"));
}

TEST_CASE("A number with a zero fraction is an integer (draft 6 and later)", "[json_schema]") {
  const JsonSchema integer(Json::parse(R"({"type": "integer", "minimum": -5, "maximum": 10})"));
  for (const Json& value : {Json(2.0), Json(-3.0), Json(0.0), Json(-0.0), Json(10.0), Json(2)}) {
    INFO(value.dump());
    CHECK(integer.validate(value).empty());
  }
  for (const Json& value : {Json(2.5), Json(11.0), Json(-6.0), Json("2"), Json(true)}) {
    INFO(value.dump());
    CHECK_FALSE(integer.validate(value).empty());
  }
  CHECK(has_violation(integer.validate(Json(2.5)), "", "type"));
  // Nested, in arrays, alongside other types, and with multipleOf.
  const JsonSchema nested(Json::parse(R"({
    "type": "object",
    "properties": {
      "n": {"type": "integer"},
      "list": {"type": "array", "items": {"type": ["integer", "null"]}},
      "even": {"type": "integer", "multipleOf": 2}
    }
  })"));
  CHECK(nested.validate(Json::parse(R"({"n": 3.0, "list": [1, 2.0, null, -7.0], "even": 4.0})"))
            .empty());
  const auto violations =
      nested.validate(Json::parse(R"({"n": 3.5, "list": [1, 2.25], "even": 3.0})"));
  CHECK(has_violation(violations, "/n", "type"));
  CHECK(has_violation(violations, "/list/1", "type"));
  CHECK(has_violation(violations, "/even", "multiple"));
  // Beyond the 64-bit integers a double has no integer to stand for.
  CHECK_FALSE(JsonSchema(Json::parse(R"({"type": "integer"})")).validate(Json(1e300)).empty());
  // Draft 4 says an integer has no fraction part: 2.0 stays refused there.
  const JsonSchema draft4(
      Json::parse(R"({"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"})"));
  CHECK_FALSE(draft4.validate(Json(2.0)).empty());
  CHECK(draft4.validate(Json(2)).empty());
}

TEST_CASE("A moved schema keeps validating", "[json_schema]") {
  JsonSchema first(kSearchSchema);
  JsonSchema second(std::move(first));
  CHECK(second.accepts({{"query", "q"}}));
  JsonSchema third(Json::object());
  third = std::move(second);
  CHECK_FALSE(third.accepts(Json::object()));
  CHECK(third.source() == kSearchSchema);
}

TEST_CASE("Two threads validate against one schema concurrently", "[json_schema]") {
  const JsonSchema schema(Json::parse(R"({
    "type": "object",
    "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"},
                   "tags": {"type": "array", "items": {"type": "string", "pattern": "^#"}},
                   "when": {"type": "string", "format": "date"}},
    "required": ["name"]
  })"));
  const Json good = {{"name", "abc"}, {"tags", {"#a", "#b"}}, {"when", "2024-01-01"}};
  const Json bad = {{"name", "ABC"}, {"tags", {"#a", "b"}}};
  auto work = [&](int& mismatches) {
    for (int i = 0; i < 300; ++i) {
      if (!schema.accepts(good)) ++mismatches;
      const auto violations = schema.validate(bad);
      if (violations.size() != 2 || violations[0].pointer != "/name" ||
          violations[1].pointer != "/tags/1") {
        ++mismatches;
      }
    }
  };
  int mismatches_a = 0;
  int mismatches_b = 0;
  std::thread other(work, std::ref(mismatches_a));
  work(mismatches_b);
  other.join();
  CHECK(mismatches_a == 0);
  CHECK(mismatches_b == 0);
}
