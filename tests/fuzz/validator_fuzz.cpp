// tests/fuzz/validator_fuzz.cpp -- libFuzzer harness: EnhancedParameterValidator and
// JsonSchema on arbitrary input.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// Every check may only return or throw ValidationError (JsonSchema's constructor:
// SchemaError); anything else -- another exception, a crash, a hang -- is a bug. Where
// validator.hpp states the rule exactly, the verdict is checked against that rule too:
// numeric ranges (compared exactly, in long double, which holds every int64, uint64 and
// double), collection names and IPFS CIDs.
//
// Each input is used as:
// - a string, for every string check (text, model name, CID, collection name, URL, file
//   path: plain, with extensions, and under a root holding symbolic links that escape,
//   dangle and loop);
// - numbers made from its first 24 bytes (value, minimum, maximum);
// - JSON, when it parses: search filters, a numeric argument, and an instance of a few
//   fixed schemas; an array [schema, instance] compiles its own schema and validates the
//   instance (and the schema itself) with it.
#include <mcp/json.hpp>
#include <mcp/json_schema.hpp>
#include <mcp/validator.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <vector>

#include "fuzz_check.hpp"

namespace {

using mcp::Json;

/// Runs `check`; true when it passed, false on ValidationError. Anything else escapes.
template <class Check>
bool passes(Check&& check) {
  try {
    check();
    return true;
  } catch (const mcp::ValidationError& e) {
    FUZZ_CHECK(!e.field().empty() && !e.reason().empty(), e.what());
    return false;
  }
}

/// A directory with links that stay inside it, escape it, dangle and loop.
std::filesystem::path make_root() {
  namespace fs = std::filesystem;
  const fs::path root =
      fs::temp_directory_path() / ("mcp-htm-fuzz-root-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root / "dir" / "sub");
  {
    std::FILE* f = std::fopen((root / "dir" / "file.txt").c_str(), "w");
    if (f) std::fclose(f);
  }
  fs::create_directory_symlink("dir", root / "inside");
  fs::create_directory_symlink("/", root / "escape");
  fs::create_symlink("../..", root / "dir" / "up");
  fs::create_symlink("missing/target", root / "dangling");
  fs::create_symlink("loop", root / "loop");
  fs::create_symlink("b", root / "a");
  fs::create_symlink("a", root / "b");
  return root;
}

/// The root, removed when the process exits.
struct Root {
  std::filesystem::path path = make_root();
  ~Root() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::filesystem::path& root() {
  static const Root made;
  return made.path;
}

struct Schemas {
  std::vector<mcp::JsonSchema> compiled;
  Schemas() {
    for (const char* text : {
             R"({"type":"object","properties":{"query":{"type":"string","minLength":1,
                 "maxLength":64,"pattern":"^[a-z]+( [a-z]+)*$"},"limit":{"type":"integer",
                 "minimum":1,"maximum":100},"tags":{"type":"array","items":{"type":"string"},
                 "uniqueItems":true,"maxItems":8}},"required":["query"],
                 "additionalProperties":false})",
             R"({"type":"object","patternProperties":{"^x-[a-z]+$":{"type":"number",
                 "multipleOf":0.5}},"propertyNames":{"maxLength":32},
                 "dependencies":{"a":["b"]},"minProperties":1})",
             R"({"definitions":{"node":{"type":"object","properties":{"value":{},"children":
                 {"type":"array","items":{"$ref":"#/definitions/node"}}}}},
                 "$ref":"#/definitions/node"})",
             R"({"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#"}}}})",
             R"({"properties":{"when":{"format":"date-time"},"day":{"format":"date"},
                 "at":{"format":"time"},"mail":{"format":"email"}}})",
             R"({"oneOf":[{"type":"string","enum":["a","b"]},{"type":"number","not":
                 {"const":3}},{"allOf":[{"type":"array"},{"contains":{"type":"null"}}]}],
                 "if":{"type":"string"},"then":{"maxLength":1},"else":{"anyOf":[{},false]}})",
             R"({"$schema":"http://json-schema.org/draft-04/schema#","type":"object",
                 "properties":{"n":{"type":"number","minimum":0,"exclusiveMinimum":true}},
                 "additionalProperties":{"type":"boolean"}})",
             "true",
             "false",
         }) {
      compiled.emplace_back(Json::parse(text));
    }
  }
};

const Schemas& schemas() {
  static const Schemas built;
  return built;
}

/// The rule of validate_numeric_range, exactly (long double holds every operand).
template <class Number>
bool in_range(Number value, std::optional<double> min_value, std::optional<double> max_value) {
  if constexpr (std::is_floating_point_v<Number>) {
    if (std::isnan(value)) return false;
  }
  const auto v = static_cast<long double>(value);
  if (min_value && v < static_cast<long double>(*min_value)) return false;
  if (max_value && v > static_cast<long double>(*max_value)) return false;
  return true;
}

template <class Number>
void check_range(mcp::EnhancedParameterValidator& v, Number value, std::optional<double> min_value,
                 std::optional<double> max_value) {
  const bool nan_bound =
      (min_value && std::isnan(*min_value)) || (max_value && std::isnan(*max_value));
  try {
    const bool passed =
        passes([&] { (void)v.validate_numeric_range(value, "n", min_value, max_value); });
    FUZZ_CHECK(!nan_bound, "a NaN bound was accepted");
    FUZZ_CHECK(passed == in_range(value, min_value, max_value), "numeric range verdict");
  } catch (const std::invalid_argument&) {  // not ValidationError: passes() took those
    FUZZ_CHECK(nan_bound, "std::invalid_argument without a NaN bound");
  }
}

bool collection_name_rule(std::string_view name) {
  if (name.size() < 2 || name.size() > 64) return false;
  std::string lower;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
    lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  for (const char* reserved : {"admin", "system", "root", "default", "null", "undefined"}) {
    if (lower == reserved) return false;
  }
  return true;
}

bool ipfs_rule(std::string_view cid) {
  constexpr std::string_view base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  constexpr std::string_view base32 = "abcdefghijklmnopqrstuvwxyz234567";
  if (cid.size() == 46 && cid.substr(0, 2) == "Qm") {
    return cid.substr(2).find_first_not_of(base58) == std::string_view::npos;
  }
  if (cid.size() == 59 && cid.substr(0, 3) == "baf") {
    return cid.substr(3).find_first_not_of(base32) == std::string_view::npos;
  }
  return false;
}

void check_strings(mcp::EnhancedParameterValidator& v, std::string_view text) {
  (void)passes([&] { (void)v.validate_text_input(text); });
  (void)passes([&] { (void)v.validate_text_input(text, 16, 0, true, "short"); });
  (void)passes([&] { (void)v.validate_model_name(text); });
  (void)passes([&] { (void)v.validate_model_name(text); });  // the cached verdict
  const bool cid = passes([&] { (void)v.validate_ipfs_hash(text); });
  FUZZ_CHECK(cid == ipfs_rule(text), "IPFS CID verdict");
  const bool collection = passes([&] { (void)v.validate_collection_name(text); });
  FUZZ_CHECK(collection == collection_name_rule(text), "collection name verdict");
  (void)passes([&] { (void)v.validate_url(text); });
  (void)passes([&] { (void)v.validate_url(text, {"https", "HTTP"}); });
  std::string tidied;
  if (passes([&] { tidied = v.validate_file_path(text); })) {
    // A tidied path is itself valid and tidies to itself.
    std::string again;
    FUZZ_CHECK(passes([&] { again = v.validate_file_path(tidied); }), tidied);
    FUZZ_CHECK(again == tidied, tidied + " became " + again);
  }
  (void)passes([&] { (void)v.validate_file_path(text, false, {".txt", "md"}); });
  (void)passes([&] { (void)v.validate_file_path(text, false, {}, root()); });
  (void)passes([&] { (void)v.validate_file_path(text, true, {}, root()); });
}

void check_numbers(mcp::EnhancedParameterValidator& v, const std::uint8_t* data, std::size_t size) {
  if (size < 24) return;
  double value, low, high;
  std::int64_t s;
  std::uint64_t u;
  std::memcpy(&value, data, 8);
  std::memcpy(&s, data, 8);
  std::memcpy(&u, data, 8);
  std::memcpy(&low, data + 8, 8);
  std::memcpy(&high, data + 16, 8);
  const std::optional<double> min_value = (data[0] & 1) ? std::optional<double>(low) : std::nullopt;
  const std::optional<double> max_value =
      (data[0] & 2) ? std::optional<double>(high) : std::nullopt;
  check_range(v, value, min_value, max_value);
  check_range(v, s, min_value, max_value);
  check_range(v, u, min_value, max_value);
  check_range(v, static_cast<std::int32_t>(s), min_value, max_value);
}

void check_json(mcp::EnhancedParameterValidator& v, const Json& doc) {
  (void)passes([&] { (void)v.validate_search_filters(doc); });
  (void)passes([&] { (void)v.validate_numeric_range(doc, "n", -10.0, 1e300, true); });
  for (const auto& schema : schemas().compiled) {
    const auto violations = schema.validate(doc);
    FUZZ_CHECK(schema.accepts(doc) == violations.empty(), "accepts() and validate() disagree");
    for (const auto& violation : violations) {
      FUZZ_CHECK(violation.pointer.empty() || violation.pointer.front() == '/', violation.pointer);
      FUZZ_CHECK(!violation.reason.empty(), violation.pointer);
    }
    const bool passed = passes([&] { (void)v.validate_json_schema(doc, schema); });
    FUZZ_CHECK(passed == violations.empty(), "validate_json_schema and validate() disagree");
  }
  // An input of its own schema.
  if (doc.is_array() && doc.size() == 2) {
    const Json& schema_json = doc[0];
    const Json& instance = doc[1];
    std::optional<mcp::JsonSchema> schema;
    try {
      schema.emplace(schema_json);
    } catch (const mcp::SchemaError& e) {
      FUZZ_CHECK(std::strlen(e.what()) > 0, "a SchemaError says what is wrong");
    }
    const bool compiled = schema.has_value();
    if (schema) {
      const auto violations = schema->validate(instance);
      FUZZ_CHECK(schema->accepts(instance) == violations.empty(), "accepts() and validate()");
      (void)schema->validate(schema_json);
      (void)schema->validate(doc);
    }
    // The uncompiled form: ValidationError (field "schema") for a bad schema.
    const bool passed = passes([&] { (void)v.validate_json_schema(instance, schema_json); });
    if (!compiled) FUZZ_CHECK(!passed, "a schema that does not compile validated a value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)root();
  (void)schemas();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mcp::EnhancedParameterValidator validator;  // a fresh model-name cache per input
  check_strings(validator, text);
  check_numbers(validator, data, size);
  const Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded()) check_json(validator, doc);
  return 0;
}
