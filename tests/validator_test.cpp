// tests/validator_test.cpp -- mcp::EnhancedParameterValidator: every check, Unicode, limits.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/validator.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

namespace {

using mcp::EnhancedParameterValidator;
using mcp::Json;
using mcp::ValidationError;
namespace fs = std::filesystem;

// Runs `call`, which must throw ValidationError; returns it.
template <typename Call>
ValidationError expect_error(Call&& call) {
  try {
    call();
  } catch (const ValidationError& e) {
    return e;
  }
  FAIL("no ValidationError");
  throw std::logic_error("unreachable");
}

// The reason of the ValidationError `call` throws.
template <typename Call>
std::string reason_of(Call&& call) {
  return expect_error(std::forward<Call>(call)).reason();
}

// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = fs::temp_directory_path() / fmt::format("mcp-htm-validator-{}-{}", device(), device());
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void touch(const fs::path& path) { std::ofstream(path) << "x"; }

}  // namespace

// --------------------------------------------------------------------------------------
// ValidationError and metrics

TEST_CASE("ValidationError names the field and the reason", "[validator]") {
  const ValidationError error("query", "Text must not exceed 5 characters");
  const std::invalid_argument& base = error;
  CHECK(std::string(base.what()) ==
        "Validation error for parameter 'query': Text must not exceed 5 characters");
  CHECK(error.field() == "query");
  CHECK(error.reason() == "Text must not exceed 5 characters");
  const ValidationError copy = error;
  CHECK(copy.reason() == error.reason());
}

TEST_CASE("Counters count validations, errors and cache hits", "[validator]") {
  EnhancedParameterValidator v;
  CHECK(v.metrics() == mcp::ValidationMetrics{});
  (void)v.validate_text_input("hello");
  (void)expect_error([&] { (void)v.validate_text_input(""); });
  (void)v.validate_model_name("openai/text-embedding-3-small");
  (void)v.validate_model_name("openai/text-embedding-3-small");
  const auto m = v.metrics();
  CHECK(m.validations_performed == 3);
  CHECK(m.validation_errors == 1);
  CHECK(m.cache_hits == 1);
  const Json json = m;
  CHECK(json == Json{{"validations_performed", 3}, {"validation_errors", 1}, {"cache_hits", 1}});
}

// --------------------------------------------------------------------------------------
// validate_text_input

TEST_CASE("Text is trimmed and length-checked as in the original", "[validator]") {
  EnhancedParameterValidator v;
  CHECK(v.validate_text_input("  Hello World  ") == "Hello World");
  CHECK(v.validate_text_input("   ", 10000, 1, true).empty());
  CHECK(reason_of([&] { (void)v.validate_text_input(""); }) ==
        "Text must be at least 1 characters long");
  CHECK(reason_of([&] { (void)v.validate_text_input(" \t\n "); }) ==
        "Text must be at least 1 characters long");
  CHECK(reason_of([&] { (void)v.validate_text_input("  ab  ", 100, 3); }) ==
        "Text must be at least 3 characters long");
  CHECK(v.validate_text_input("abc", 100, 3) == "abc");
  // allow_empty accepts the empty text, not a short one.
  CHECK_THROWS_AS(v.validate_text_input("ab", 100, 3, true), ValidationError);
  CHECK(v.validate_text_input("", 100, 0) == "");

  CHECK(v.validate_text_input("12345", 5) == "12345");
  CHECK(reason_of([&] { (void)v.validate_text_input("123456", 5); }) ==
        "Text must not exceed 5 characters");
  // The maximum counts the text before trimming, as the original did.
  CHECK_THROWS_AS(v.validate_text_input(" 12345", 5), ValidationError);

  const auto error = expect_error([&] { (void)v.validate_text_input("", 10, 1, false, "query"); });
  CHECK(error.field() == "query");
}

TEST_CASE("Text lengths count code points", "[validator]") {
  EnhancedParameterValidator v;
  const std::string e_acute = "\xC3\xA9";                          // é: 2 bytes, 1 code point
  const std::string emoji = "\xF0\x9F\x98\x80";                    // 😀: 4 bytes, 1 code point
  const std::string combining = "e\xCC\x81";                       // e + U+0301: 2 code points
  const std::string cjk = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E";  // 日本語: 3 code points

  std::string ten_e;
  for (int i = 0; i < 10; ++i) ten_e += e_acute;
  CHECK(v.validate_text_input(ten_e, 10) == ten_e);
  CHECK_THROWS_AS(v.validate_text_input(ten_e + e_acute, 10), ValidationError);
  CHECK(v.validate_text_input(emoji + emoji, 2) == emoji + emoji);
  CHECK_THROWS_AS(v.validate_text_input(emoji + emoji + emoji, 2), ValidationError);
  CHECK(v.validate_text_input(combining, 2) == combining);
  CHECK_THROWS_AS(v.validate_text_input(combining, 1), ValidationError);
  CHECK(v.validate_text_input(cjk, 3, 3) == cjk);
  CHECK_THROWS_AS(v.validate_text_input(cjk, 100, 4), ValidationError);
}

TEST_CASE("Text is trimmed of Unicode whitespace, as str.strip() does", "[validator]") {
  EnhancedParameterValidator v;
  // NBSP, ideographic space, em space, line separator, U+0085, U+001F around the text.
  const std::string text = "\xC2\xA0\xE3\x80\x80 caf\xC3\xA9 \xE2\x80\x83\xE2\x80\xA8\xC2\x85\x1F";
  CHECK(v.validate_text_input(text) == "caf\xC3\xA9");
  CHECK(v.validate_text_input("\xE3\x80\x80\xC2\xA0", 100, 1, true).empty());
  // Not whitespace: zero-width space U+200B, and the Ogham letter beside U+1680.
  CHECK(v.validate_text_input("\xE2\x80\x8B") == "\xE2\x80\x8B");
}

TEST_CASE("Invalid UTF-8 text is rejected with its own error", "[validator]") {
  EnhancedParameterValidator v;
  const std::pair<std::string, std::size_t> cases[] = {
      {"abc\xFF", 3},                           // never valid
      {"ab\xC3", 2},                            // truncated sequence
      {"\xC0\xAF", 0},                          // overlong '/'
      {"\xE0\x80\xAF", 0},                      // overlong, 3 bytes
      {"x\xED\xA0\x80y", 1},                    // UTF-16 surrogate
      {"\xF4\x90\x80\x80", 0},                  // above U+10FFFF
      {"ok \x80 no", 3},                        // stray continuation byte
      {std::string(40, 'a') + "\xE2\x82", 40},  // truncated after the fast path
  };
  for (const auto& c : cases) {
    INFO(c.second);
    const auto error = expect_error([&] { (void)v.validate_text_input(c.first); });
    CHECK(error.reason() == "Text is not valid UTF-8 (invalid byte sequence at byte offset " +
                                std::to_string(c.second) + ")");
  }
}

TEST_CASE("Unsafe content is found case-insensitively and across whitespace", "[validator]") {
  EnhancedParameterValidator v;
  const char* const unsafe[] = {
      "<script>alert(1)</script>",
      "hello <SCRIPT src='x.js'></script>",
      "<ScRiPt\n type=text/javascript\n>",
      "<scripts>",
      "click javascript:alert(1)",
      "JAVASCRIPT:void(0)",
      "javascript :x",
      "java\tscript:alert(1)",
      "java\r\nscript\n:x",
      "x = eval(input)",
      "EVAL (1)",
      "eval\n\t(",
      "eval\xC2\xA0(x)",  // NBSP before the parenthesis
      "window.eval(x)",
      "exec('rm -rf /')",
      "os.EXEC (cmd)",
      "import os",
      "IMPORT   OS; os.system('x')",
      "import\tos",
      "import\xE3\x80\x80os",  // ideographic space
      "__import__('os')",
      "__IMPORT__",
      "call subprocess.run",
      "SubProcess",
      "ximport osmosis",  // the original's regex matches here too
  };
  for (const char* text : unsafe) {
    INFO(text);
    const auto error = expect_error([&] { (void)v.validate_text_input(text); });
    CHECK(error.reason().find("Text contains potentially unsafe content") == 0);
  }
  CHECK(reason_of([&] { (void)v.validate_text_input("x eval (1)"); }) ==
        "Text contains potentially unsafe content (eval()");
}

TEST_CASE("Ordinary text that resembles the patterns is accepted", "[validator]") {
  EnhancedParameterValidator v;
  const char* const safe[] = {
      "retrieval (RAG) over medieval(ist) texts",
      "evaluate(x) and execute(y)",
      "the eval function; exec is a builtin",
      "I like JavaScript and java script: both",
      "a < script > b",
      "<script without a closing angle",
      "sub process, importance of os, imports os",
      "__import_ and subproces",
      "a (b) : c; p P p",
      "The papers compare approaches to protein structure prediction.",
  };
  for (const char* text : safe) {
    INFO(text);
    CHECK(v.validate_text_input(text) == text);
  }
}

TEST_CASE("Patterns are found at every offset", "[validator]") {
  EnhancedParameterValidator v;
  const std::string patterns[] = {"<script>",  "javascript:", "x eval(",   "x exec (",
                                  "import os", "__import__",  "subprocess"};
  for (const auto& pattern : patterns) {
    for (std::size_t offset = 0; offset < 40; ++offset) {
      for (std::size_t tail = 0; tail < 20; tail += 7) {
        const std::string text = std::string(offset, '.') + pattern + std::string(tail, '.');
        INFO(text);
        CHECK_THROWS_AS(v.validate_text_input(text), ValidationError);
      }
    }
  }
}

TEST_CASE("10 MB texts are handled without reading more than needed", "[validator]") {
  EnhancedParameterValidator v;
  std::string big(10 * 1024 * 1024, 'a');
  for (std::size_t i = 100; i < big.size(); i += 100) big[i] = ' ';

  CHECK(reason_of([&] { (void)v.validate_text_input(big); }) ==
        "Text must not exceed 10000 characters");
  CHECK(v.validate_text_input(big, big.size()).size() == big.size());

  std::string bad = big;
  bad.replace(bad.size() - 10, 6, " eval(");
  CHECK(reason_of([&] { (void)v.validate_text_input(bad, bad.size()); }) ==
        "Text contains potentially unsafe content (eval()");

  std::string invalid = big;
  invalid[invalid.size() / 2] = '\xFF';
  CHECK(reason_of([&] {
          (void)v.validate_text_input(invalid, invalid.size());
        }).find("not valid UTF-8") != std::string::npos);
}

// --------------------------------------------------------------------------------------
// validate_model_name

TEST_CASE("Model names: known, unknown with a warning, empty rejected", "[validator]") {
  std::mutex mutex;
  std::vector<std::string> warnings;
  mcp::ValidatorOptions options;
  options.on_warning = [&](std::string_view field, std::string_view message) {
    const std::lock_guard lock(mutex);
    warnings.push_back(fmt::format("{}: {}", field, message));
  };
  EnhancedParameterValidator v(options);

  for (const char* name : {"sentence-transformers/all-MiniLM-L6-v2", "text-embedding-ada-002",
                           "openai/text-embedding-3-small", "all-mpnet-base-v2",
                           "multilingual-e5-large", "local/my-model"}) {
    INFO(name);
    CHECK(EnhancedParameterValidator::is_known_model_name(name));
    CHECK(v.validate_model_name(name) == name);
  }
  CHECK(warnings.empty());

  CHECK(v.validate_model_name("bert-base-uncased") == "bert-base-uncased");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "model_name: Unknown model pattern: bert-base-uncased");
  CHECK_FALSE(EnhancedParameterValidator::is_known_model_name("OpenAI/x"));  // case-sensitive

  CHECK(v.validate_model_name("\xE6\xA8\xA1\xE5\x9E\x8B") == "\xE6\xA8\xA1\xE5\x9E\x8B");
  CHECK(reason_of([&] { (void)v.validate_model_name(""); }) == "Model name cannot be empty");
  CHECK(reason_of([&] { (void)v.validate_model_name(" \xC2\xA0\t"); }) ==
        "Model name cannot be empty");
  CHECK(reason_of([&] {
          (void)v.validate_model_name("model\xFF");
        }).find("Model name is not valid UTF-8") == 0);
}

TEST_CASE("Model-name verdicts are cached, bad ones included", "[validator]") {
  std::atomic<int> warnings{0};
  mcp::ValidatorOptions options;
  options.on_warning = [&](std::string_view, std::string_view) { ++warnings; };
  options.model_cache_capacity = 3;
  EnhancedParameterValidator v(options);

  (void)v.validate_model_name("custom-model");
  (void)v.validate_model_name("custom-model");
  CHECK(warnings == 1);  // a cached verdict does not warn again
  CHECK_THROWS_AS(v.validate_model_name(""), ValidationError);
  CHECK(reason_of([&] { (void)v.validate_model_name(""); }) == "Model name cannot be empty");
  auto m = v.metrics();
  CHECK(m.validations_performed == 2);
  CHECK(m.cache_hits == 2);
  CHECK(m.validation_errors == 1);  // the cached failure is not counted again
  CHECK(v.cache_size() == 2);

  (void)v.validate_model_name("openai/a");
  CHECK(v.cache_size() == 3);
  (void)v.validate_model_name("openai/b");  // full: emptied, then this one stored
  CHECK(v.cache_size() == 1);
  v.clear_cache();
  CHECK(v.cache_size() == 0);
  (void)v.validate_model_name("custom-model");
  CHECK(warnings == 2);

  EnhancedParameterValidator uncached(mcp::ValidatorOptions{0, {}});
  (void)uncached.validate_model_name("openai/a");
  (void)uncached.validate_model_name("openai/a");
  CHECK(uncached.metrics().cache_hits == 0);
  CHECK(uncached.cache_size() == 0);
}

// --------------------------------------------------------------------------------------
// validate_ipfs_hash

TEST_CASE("IPFS hashes: CIDv0 and CIDv1 base32", "[validator]") {
  EnhancedParameterValidator v;
  const std::string v0 = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
  const std::string v1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
  CHECK(v.validate_ipfs_hash(v0) == v0);
  CHECK(v.validate_ipfs_hash(v1) == v1);
  CHECK(v.validate_ipfs_hash("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku") ==
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");

  const std::string bad[] = {
      "",
      v0.substr(0, 45),
      v0 + "a",
      fmt::format("Qm{}", std::string(44, '0')),  // '0' is not base58
      fmt::format("Qm{}", std::string(44, 'l')),  // nor is 'l'
      "qmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
      v1.substr(0, 58),
      fmt::format("bafy{}", std::string(55, '1')),  // '1' is not base32
      "BAFYBEIGDYRZT5SFP7UDM7HU76UH7Y26NF3EFUYLQABF3OCLGTQY55FBZDI",
      " " + v0,
  };
  for (const auto& hash : bad) {
    INFO(hash);
    const auto error = expect_error([&] { (void)v.validate_ipfs_hash(hash); });
    CHECK(error.field() == "ipfs_hash");
    CHECK(error.reason().find("Invalid IPFS hash format") == 0);
  }
  CHECK(reason_of([&] { (void)v.validate_ipfs_hash("Qm\xFF"); }).find("not valid UTF-8") !=
        std::string::npos);
}

// --------------------------------------------------------------------------------------
// validate_numeric_range

TEST_CASE("Numeric ranges are inclusive and exact", "[validator]") {
  EnhancedParameterValidator v;
  CHECK(v.validate_numeric_range(50, "batch_size", 1, 100) == 50);
  CHECK(v.validate_numeric_range(1, "batch_size", 1, 100) == 1);
  CHECK(v.validate_numeric_range(100, "batch_size", 1, 100) == 100);
  CHECK(v.validate_numeric_range(0.5, "p", 0.0, 1.0) == 0.5);
  CHECK(v.validate_numeric_range(-7, "n") == -7);
  CHECK(v.validate_numeric_range(7u, "n", std::nullopt, 10) == 7u);

  const auto error =
      expect_error([&] { (void)v.validate_numeric_range(150, "batch_size", {}, 100); });
  CHECK(error.field() == "batch_size");
  CHECK(error.reason() == "Value must be <= 100");
  CHECK(reason_of([&] { (void)v.validate_numeric_range(0, "batch_size", 1, 100); }) ==
        "Value must be >= 1");
  CHECK(reason_of([&] { (void)v.validate_numeric_range(1.5, "p", 0.0, 1.25); }) ==
        "Value must be <= 1.25");
  CHECK(reason_of([&] {
          (void)v.validate_numeric_range(std::numeric_limits<double>::quiet_NaN(), "p", 0, 1);
        }) == "Value must be a number, not NaN");
  CHECK_THROWS_AS(v.validate_numeric_range(1, "p", std::numeric_limits<double>::quiet_NaN()),
                  std::invalid_argument);
  CHECK_THROWS_AS(v.validate_numeric_range(std::numeric_limits<double>::infinity(), "p", 0, 1),
                  ValidationError);

  // Integers beyond 2^53 compare exactly against double bounds.
  constexpr std::int64_t two53 = std::int64_t{1} << 53;
  CHECK(v.validate_numeric_range(two53, "n", {}, 9007199254740992.0) == two53);
  CHECK_THROWS_AS(v.validate_numeric_range(two53 + 1, "n", {}, 9007199254740992.0),
                  ValidationError);
  CHECK(v.validate_numeric_range(std::numeric_limits<std::int64_t>::max(), "n", {}, 0x1p63) ==
        std::numeric_limits<std::int64_t>::max());
  CHECK(v.validate_numeric_range(std::numeric_limits<std::int64_t>::min(), "n", -0x1p63) ==
        std::numeric_limits<std::int64_t>::min());
  CHECK_THROWS_AS(v.validate_numeric_range(std::numeric_limits<std::int64_t>::min(), "n", -0x1p62),
                  ValidationError);
  CHECK(v.validate_numeric_range(std::numeric_limits<std::uint64_t>::max(), "n", 0, 0x1p64) ==
        std::numeric_limits<std::uint64_t>::max());
  CHECK_THROWS_AS(
      v.validate_numeric_range(std::numeric_limits<std::uint64_t>::max(), "n", {}, 0x1p63),
      ValidationError);
  CHECK_THROWS_AS(v.validate_numeric_range(0u, "n", 0.5), ValidationError);
  CHECK(v.validate_numeric_range(1u, "n", 0.5, 1.5) == 1u);
}

TEST_CASE("Numeric ranges accept none only when allowed", "[validator]") {
  EnhancedParameterValidator v;
  CHECK_FALSE(v.validate_numeric_range(std::optional<int>{}, "limit", 0, {}, true).has_value());
  CHECK(reason_of([&] {
          (void)v.validate_numeric_range(std::optional<int>{}, "limit", 0, {}, false);
        }) == "Value must be a number");
  CHECK(v.validate_numeric_range(std::optional<double>{2.5}, "limit", 0, 3) == 2.5);

  CHECK(v.validate_numeric_range(Json(nullptr), "limit", 0, {}, true).is_null());
  CHECK_THROWS_AS(v.validate_numeric_range(Json(nullptr), "limit", 0), ValidationError);
  const Json integer = v.validate_numeric_range(Json(42), "limit", 0, 100);
  CHECK(integer.is_number_integer());
  CHECK(integer == 42);
  const Json real = v.validate_numeric_range(Json(0.25), "limit", 0, 1);
  CHECK(real.is_number_float());
  CHECK(v.validate_numeric_range(Json(18446744073709551615u), "limit") ==
        Json(18446744073709551615u));
  CHECK(reason_of([&] { (void)v.validate_numeric_range(Json("not_a_number"), "param", 0); }) ==
        "Value must be a number, not string");
  CHECK(reason_of([&] { (void)v.validate_numeric_range(Json(true), "param", 0); }) ==
        "Value must be a number, not boolean");
  CHECK_THROWS_AS(v.validate_numeric_range(Json(-1), "limit", 0), ValidationError);
}

// --------------------------------------------------------------------------------------
// validate_collection_name

TEST_CASE("Collection names: charset, length and reserved names", "[validator]") {
  EnhancedParameterValidator v;
  CHECK(v.validate_collection_name("my_collection-1") == "my_collection-1");
  CHECK(v.validate_collection_name("ab") == "ab");
  CHECK(v.validate_collection_name(std::string(64, 'x')) == std::string(64, 'x'));
  CHECK(v.validate_collection_name("admins") == "admins");

  CHECK(reason_of([&] { (void)v.validate_collection_name("a"); }) ==
        "Collection name must be at least 2 characters long");
  CHECK(reason_of([&] { (void)v.validate_collection_name(std::string(65, 'x')); }) ==
        "Collection name must not exceed 64 characters");
  const std::string bad_charset[] = {"", "bad name", "bad/name", "caf\xC3\xA9", "a.b", "a\nb"};
  for (const auto& name : bad_charset) {
    INFO(name);
    CHECK(reason_of([&] { (void)v.validate_collection_name(name); }) ==
          "Collection name must contain only alphanumeric characters, hyphens, and underscores");
  }
  for (const char* name : {"admin", "ADMIN", "System", "root", "default", "null", "Undefined"}) {
    INFO(name);
    CHECK(reason_of([&] { (void)v.validate_collection_name(name); }) ==
          fmt::format("'{}' is a reserved name", name));
  }
  const auto error = expect_error([&] { (void)v.validate_collection_name("ab\xC3"); });
  CHECK(error.field() == "collection_name");
  CHECK(error.reason().find("Collection name is not valid UTF-8") == 0);
}

// --------------------------------------------------------------------------------------
// validate_search_filters

TEST_CASE("Search filters: the original's examples", "[validator]") {
  EnhancedParameterValidator v;
  const Json simple = {{"status", "active"}, {"priority", "high"}};
  CHECK(v.validate_search_filters(simple) == simple);
  const Json ranges = Json::parse(R"({
    "age": {"gte": 18, "lt": 65},
    "status": {"in": ["active", "pending"]},
    "score": {"min": 0.5, "max": 1, "ne": 0.7},
    "tags": ["a", "b", 3, true],
    "flag": false
  })");
  CHECK(v.validate_search_filters(ranges) == ranges);
  CHECK(v.validate_search_filters(Json::object()) == Json::object());

  Json huge = Json::object();
  for (int i = 0; i < 100; ++i) huge[fmt::format("field{}", i)] = i;
  CHECK(reason_of([&] { (void)v.validate_search_filters(huge); }) ==
        "Too many filters (maximum 50 allowed)");
}

TEST_CASE("Search filters: keys, values and operators are checked", "[validator]") {
  EnhancedParameterValidator v;
  Json fifty = Json::object();
  for (int i = 0; i < 50; ++i) fifty[fmt::format("f{}", i)] = i;
  CHECK(v.validate_search_filters(fifty) == fifty);

  std::string key100;
  for (int i = 0; i < 100; ++i) key100 += "\xC3\xA9";  // 100 code points, 200 bytes
  CHECK_NOTHROW(v.validate_search_filters({{key100, 1}}));
  CHECK(reason_of([&] {
          (void)v.validate_search_filters({{key100 + "e", 1}});
        }).find("is too long (max 100 characters)") != std::string::npos);

  struct Case {
    Json filters;
    const char* reason_part;
  };
  const Case cases[] = {
      {Json::array(), "Filters must be an object, not array"},
      {"status", "Filters must be an object, not string"},
      {{{"", 1}}, "must be a non-empty string"},
      {{{"  ", 1}}, "must be a non-empty string"},
      {{{"status", nullptr}}, "has unsupported value type (null)"},
      {{{"tags", Json::array({1, Json::object()})}}, "contains invalid list items"},
      {{{"tags", Json::array({1, nullptr})}}, "contains invalid list items"},
      {{{"tags", Json(std::vector<int>(1001, 1))}}, "list is too long (max 1000 items)"},
      {Json::parse(R"j({"name": {"$where": "sleep(1000)"}})j"), "contains invalid operators"},
      {Json::parse(R"({"name": {"regex": "^J"}})"), "contains invalid operators"},
      {Json::parse(R"({"age": {"gte": [1, 2]}})"), "operator 'gte' needs a string"},
      {Json::parse(R"({"age": {"in": 5}})"), "operator 'in' needs a list"},
      {Json::parse(R"({"age": {"nin": [{"a": 1}]}})"), "contains invalid list items"},
      {{{"age", {{"in", std::vector<int>(1001, 0)}}}}, "is too long (max 1000 items)"},
  };
  for (const auto& c : cases) {
    INFO(c.filters.dump());
    const auto error = expect_error([&] { (void)v.validate_search_filters(c.filters); });
    CHECK(error.field() == "filters");
    CHECK(error.reason().find(c.reason_part) != std::string::npos);
  }
  CHECK(reason_of([&] {
          (void)v.validate_search_filters({{"k\xFF", 1}});
        }).find("A filter key is not valid UTF-8") == 0);
  CHECK(reason_of([&] {
          (void)v.validate_search_filters({{"k", "v\xFF"}});
        }).find("A filter value is not valid UTF-8") == 0);
}

// --------------------------------------------------------------------------------------
// validate_file_path

TEST_CASE("File paths: relative paths pass, tidied", "[validator]") {
  EnhancedParameterValidator v;
  CHECK(v.validate_file_path("data/file.txt") == "data/file.txt");
  CHECK(v.validate_file_path("./data//file.txt/") == "data/file.txt");
  CHECK(v.validate_file_path("a..b/c...txt") == "a..b/c...txt");  // dots, not traversal
  CHECK(v.validate_file_path("\xE6\x97\xA5\xE6\x9C\xAC/caf\xC3\xA9.md") ==
        "\xE6\x97\xA5\xE6\x9C\xAC/caf\xC3\xA9.md");
  CHECK(v.validate_file_path(".") == ".");
}

TEST_CASE("File paths: traversal, absolute paths and NUL bytes are rejected", "[validator]") {
  EnhancedParameterValidator v;
  const std::string traversal[] = {"../etc/passwd", "a/../../b",   "a/..",    "..",
                                   "x/../y",        "..\\windows", "a\\..\\b"};
  for (const auto& path : traversal) {
    INFO(path);
    CHECK(reason_of([&] { (void)v.validate_file_path(path); }) ==
          "File path must not contain '..' segments (directory traversal)");
  }
  for (const char* path : {"/etc/passwd", "//server/share", "\\windows\\system32"}) {
    INFO(path);
    CHECK(reason_of([&] { (void)v.validate_file_path(path); }) ==
          "File path must be relative (absolute paths are not allowed)");
  }
  CHECK(reason_of([&] { (void)v.validate_file_path(std::string("a\0b.txt", 7)); }) ==
        "File path contains a NUL byte");
  CHECK(reason_of([&] { (void)v.validate_file_path(""); }) == "File path must not be empty");
  CHECK(reason_of([&] { (void)v.validate_file_path("a\xFF.txt"); }).find("not valid UTF-8") !=
        std::string::npos);
}

TEST_CASE("File paths: allowed extensions, case-insensitive", "[validator]") {
  EnhancedParameterValidator v;
  const std::vector<std::string> text = {".txt", "md"};
  CHECK(v.validate_file_path("notes/a.txt", false, text) == "notes/a.txt");
  CHECK(v.validate_file_path("A.TXT", false, text) == "A.TXT");
  CHECK(v.validate_file_path("archive.tar.md", false, text) == "archive.tar.md");
  CHECK(reason_of([&] { (void)v.validate_file_path("run.exe", false, text); }) ==
        "File extension '.exe' not in allowed extensions: .txt, .md");
  CHECK(reason_of([&] { (void)v.validate_file_path(".txt", false, text); }) ==
        "File extension '' not in allowed extensions: .txt, .md");
  CHECK_THROWS_AS(v.validate_file_path("noext", false, text), ValidationError);
  CHECK_THROWS_AS(v.validate_file_path("a.txt.", false, text), ValidationError);
}

TEST_CASE("File paths: existence and containment under a root, symlinks included", "[validator]") {
  EnhancedParameterValidator v;
  const TempDir temp;
  const fs::path root = temp.path() / "root";
  const fs::path outside = temp.path() / "outside";
  fs::create_directories(root / "sub");
  fs::create_directories(outside);
  touch(root / "sub" / "inside.txt");
  touch(outside / "secret.txt");
  fs::create_directory_symlink(outside, root / "abs_out");             // absolute target
  fs::create_directory_symlink("../outside", root / "rel_out");        // relative target
  fs::create_symlink("sub/inside.txt", root / "in_link.txt");          // stays inside
  fs::create_symlink(outside / "new.txt", root / "dangling_out.txt");  // target missing
  fs::create_symlink("loop", root / "loop");
  fs::create_directory_symlink(root, temp.path() / "root_link");  // a root given via a link

  CHECK(v.validate_file_path("sub/inside.txt", true, {}, root) == "sub/inside.txt");
  CHECK(v.validate_file_path("in_link.txt", true, {}, root) == "in_link.txt");
  CHECK(v.validate_file_path("sub/new.txt", false, {}, root) == "sub/new.txt");
  CHECK(v.validate_file_path("sub/inside.txt", true, {}, temp.path() / "root_link") ==
        "sub/inside.txt");
  CHECK(reason_of([&] { (void)v.validate_file_path("sub/missing.txt", true, {}, root); }) ==
        "File does not exist: sub/missing.txt");

  const char* const escaping[] = {"abs_out/secret.txt", "rel_out/secret.txt", "abs_out",
                                  "rel_out/new.txt", "dangling_out.txt"};
  for (const char* path : escaping) {
    INFO(path);
    CHECK(reason_of([&] { (void)v.validate_file_path(path, false, {}, root); }) ==
          "File path resolves outside the allowed root directory (through a symbolic link)");
  }
  CHECK(reason_of([&] {
          (void)v.validate_file_path("loop/x", false, {}, root);
        }).find("File path cannot be resolved") == 0);
  // Without a root, existence is checked relative to the current directory.
  CHECK_THROWS_AS(v.validate_file_path("surely/not/here.txt", true), ValidationError);
}

// --------------------------------------------------------------------------------------
// validate_url

TEST_CASE("URLs need a scheme and a host", "[validator]") {
  EnhancedParameterValidator v;
  for (const char* url :
       {"https://example.com", "http://user:pw@host.example:8080/p?q=1#f", "https://[::1]:443/",
        "ftp://files.example.org/a.txt", "HTTPS://EXAMPLE.COM", "git+ssh://git@github.com/a/b",
        "https://b\xC3\xBC"
        "cher.de/"}) {
    INFO(url);
    CHECK(v.validate_url(url) == url);
  }
  struct Case {
    const char* url;
    const char* reason;
  };
  const Case cases[] = {
      {"example.com", "URL must include a scheme (http, https, etc.)"},
      {"://example.com", "URL must include a scheme (http, https, etc.)"},
      {"1http://x", "URL must include a scheme (http, https, etc.)"},
      {"mailto:someone@example.com", "URL must include a host (scheme://host/...)"},
      {"file:///etc/passwd", "URL must include a host (scheme://host/...)"},
      {"javascript:alert(1)", "URL must include a host (scheme://host/...)"},
      {"http://", "URL must include a host (scheme://host/...)"},
      {"http://user@:80/", "URL must include a host (scheme://host/...)"},
      {"http://[]/", "URL must include a host (scheme://host/...)"},
      {"http://[::1/", "URL has an unterminated IPv6 host"},
      {"http://host:99999/", "URL has an invalid port '99999'"},
      {"http://host:8o/", "URL has an invalid port '8o'"},
      {"http://exa mple.com", "URL must not contain whitespace or control characters"},
      {"http://example.com/\n", "URL must not contain whitespace or control characters"},
      {"", "URL must not be empty"},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    const auto error = expect_error([&] { (void)v.validate_url(c.url); });
    CHECK(error.field() == "url");
    CHECK(error.reason() == c.reason);
  }
  CHECK(reason_of([&] { (void)v.validate_url("http://h/\xFF"); }).find("not valid UTF-8") !=
        std::string::npos);
}

TEST_CASE("URLs refuse C1 controls and Unicode whitespace as they refuse ASCII ones",
          "[validator]") {
  EnhancedParameterValidator v;
  // Each is refused inside the host, the path and the query.
  const char* const refused[] = {
      "\xC2\x80",      // U+0080, first C1 control
      "\xC2\x85",      // U+0085 NEXT LINE (C1 and whitespace)
      "\xC2\x9B",      // U+009B CSI
      "\xC2\x9F",      // U+009F, last C1 control
      "\xC2\xA0",      // U+00A0 NO-BREAK SPACE
      "\xE1\x9A\x80",  // U+1680 OGHAM SPACE MARK
      "\xE2\x80\x80",  // U+2000 EN QUAD
      "\xE2\x80\x8A",  // U+200A HAIR SPACE
      "\xE2\x80\xA8",  // U+2028 LINE SEPARATOR
      "\xE2\x80\xA9",  // U+2029 PARAGRAPH SEPARATOR
      "\xE2\x80\xAF",  // U+202F NARROW NO-BREAK SPACE
      "\xE2\x81\x9F",  // U+205F MEDIUM MATHEMATICAL SPACE
      "\xE3\x80\x80",  // U+3000 IDEOGRAPHIC SPACE
  };
  for (const char* bad : refused) {
    for (const std::string& url :
         {fmt::format("https://exa{}mple.com/", bad), fmt::format("https://example.com/a{}b", bad),
          fmt::format("https://example.com/?q={}", bad)}) {
      INFO(url);
      const auto error = expect_error([&] { (void)v.validate_url(url); });
      CHECK(error.field() == "url");
      CHECK_THAT(error.reason(),
                 Catch::Equals("URL must not contain whitespace or control characters"));
    }
  }
  // Their neighbours are ordinary letters and pass: U+00A1, U+00FC, U+2010 (hyphen),
  // U+3001 (ideographic comma).
  for (const char* fine : {"\xC2\xA1", "\xC3\xBC", "\xE2\x80\x90", "\xE3\x80\x81"}) {
    const std::string url = fmt::format("https://example.com/{}", fine);
    INFO(url);
    CHECK(v.validate_url(url) == url);
  }
}

TEST_CASE("URLs: the scheme must be allowed when a set is given", "[validator]") {
  EnhancedParameterValidator v;
  const std::vector<std::string> web = {"http", "https"};
  CHECK(v.validate_url("https://example.com/", web) == "https://example.com/");
  CHECK(v.validate_url("HTTP://example.com/", web) == "HTTP://example.com/");
  CHECK(reason_of([&] { (void)v.validate_url("ftp://example.com/", web); }) ==
        "URL scheme 'ftp' not in allowed schemes: http, https");
}

// --------------------------------------------------------------------------------------
// validate_json_schema

TEST_CASE("JSON Schema validation lists each violation with its pointer", "[validator]") {
  EnhancedParameterValidator v;
  const Json schema = Json::parse(R"({
    "type": "object",
    "properties": {"query": {"type": "string"}, "k": {"type": "integer", "maximum": 10}},
    "required": ["query"]
  })");
  const Json good = {{"query", "q"}, {"k", 3}};
  CHECK(v.validate_json_schema(good, schema) == good);

  const auto error = expect_error([&] { (void)v.validate_json_schema({{"k", 11}}, schema); });
  CHECK(error.field() == "schema");
  CHECK(error.reason().find("Schema validation failed: ") == 0);
  CHECK(error.reason().find("/k: expected number less than or equal to") != std::string::npos);
  CHECK(error.reason().find("(root): missing required property 'query'") != std::string::npos);

  const mcp::JsonSchema compiled(schema);
  CHECK(v.validate_json_schema(good, compiled) == good);
  CHECK_THROWS_AS(v.validate_json_schema(Json::array(), compiled), ValidationError);

  const auto bad_schema = expect_error(
      [&] { (void)v.validate_json_schema(good, Json::parse(R"({"type": "thing"})")); });
  CHECK(bad_schema.field() == "schema");
  CHECK(bad_schema.reason().find("invalid JSON Schema") != std::string::npos);
  CHECK(v.metrics().validations_performed == 5);
  CHECK(v.metrics().validation_errors == 3);
}

// --------------------------------------------------------------------------------------
// Concurrency

TEST_CASE("Two threads share one validator", "[validator]") {
  std::atomic<int> warnings{0};
  mcp::ValidatorOptions options;
  options.on_warning = [&](std::string_view, std::string_view) { ++warnings; };
  options.model_cache_capacity = 16;  // small: the threads also race on clearing it
  EnhancedParameterValidator v(options);
  constexpr int kRounds = 500;
  auto work = [&](int seed, int& failures) {
    for (int i = 0; i < kRounds; ++i) {
      if (v.validate_text_input("  some text  ") != "some text") ++failures;
      try {
        (void)v.validate_text_input("eval(x)");
        ++failures;
      } catch (const ValidationError&) {
      }
      const std::string name = fmt::format("model-{}", (i * 7 + seed) % 40);
      if (v.validate_model_name(name) != name) ++failures;
      if (v.validate_numeric_range(i, "i", 0, kRounds) != i) ++failures;
    }
  };
  int failures_a = 0;
  int failures_b = 0;
  std::thread other(work, 1, std::ref(failures_a));
  work(2, failures_b);
  other.join();
  CHECK(failures_a == 0);
  CHECK(failures_b == 0);
  const auto m = v.metrics();
  CHECK(m.validation_errors == 2 * kRounds);
  CHECK(m.validations_performed + m.cache_hits == 2 * 4 * kRounds);
  CHECK(warnings == static_cast<int>(m.validations_performed) - 2 * 3 * kRounds);
  CHECK(v.cache_size() <= 16);
}
