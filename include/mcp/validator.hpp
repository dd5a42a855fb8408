// mcp/validator.hpp -- EnhancedParameterValidator: the checks tools run on their inputs.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_VALIDATOR_HPP
#define MCP_HTM_VALIDATOR_HPP

#include <mcp/json.hpp>
#include <mcp/json_schema.hpp>

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace mcp {

/// Thrown by EnhancedParameterValidator when a value fails a check.
/**
 * what() reads "Validation error for parameter '<field>': <reason>", as the Python
 * original's message did. Copying never throws (the strings are shared).
 */
class ValidationError : public std::invalid_argument {
 public:
  /// `field` names the parameter, `reason` says what is wrong with it.
  ValidationError(std::string field, std::string reason);

  /// The parameter that failed, e.g. "text", "collection_name", or a caller's name.
  [[nodiscard]] const std::string& field() const noexcept;
  /// What is wrong, e.g. "Text must not exceed 10000 characters".
  [[nodiscard]] const std::string& reason() const noexcept;

 private:
  struct Detail {
    std::string field;
    std::string reason;
  };
  std::shared_ptr<const Detail> detail_;
};

/// A snapshot of an EnhancedParameterValidator's counters.
struct ValidationMetrics {
  std::uint64_t validations_performed = 0;  ///< checks run (model-name cache hits excluded)
  std::uint64_t validation_errors = 0;      ///< checks that threw ValidationError
  std::uint64_t cache_hits = 0;             ///< model names answered from the cache

  friend bool operator==(const ValidationMetrics&, const ValidationMetrics&) = default;
};

/// {"validations_performed": n, "validation_errors": n, "cache_hits": n}, the shape of the
/// Python original's get_performance_metrics().
void to_json(Json& json, const ValidationMetrics& metrics);

/// Tuning of an EnhancedParameterValidator.
struct ValidatorOptions {
  /// Model-name verdicts kept; the cache is emptied when it is full (0: no caching).
  /// Names longer than 512 bytes are never cached.
  std::size_t model_cache_capacity = 4096;
  /// Receives warnings (an unknown model-name pattern), e.g. to log them; may be called
  /// from several threads at once. Empty: warnings are dropped.
  std::function<void(std::string_view field, std::string_view message)> on_warning;
};

namespace detail {
/// The arithmetic types validate_numeric_range takes: not bool, not character types.
template <typename T>
concept RangeNumber = (std::integral<T> ||
                       std::floating_point<T>)&&!std::same_as<std::remove_cv_t<T>, bool> &&
                      !std::same_as<std::remove_cv_t<T>, char> &&
                      !std::same_as<std::remove_cv_t<T>, wchar_t> &&
                      !std::same_as<std::remove_cv_t<T>, char8_t> &&
                      !std::same_as<std::remove_cv_t<T>, char16_t> &&
                      !std::same_as<std::remove_cv_t<T>, char32_t>;
}  // namespace detail

/// The input checks of the Python original, for tools to run on their (untrusted, LLM-
/// written) arguments: text, model names, IPFS CIDs, numeric ranges, collection names,
/// search filters, file paths, URLs and JSON Schema.
/**
 * Each check returns the validated value -- normalised where the original normalised it
 * (trimmed text, a tidied relative path) -- or throws ValidationError naming the field
 * and the reason. Text is UTF-8: lengths count code points (as Python counts
 * characters), and invalid UTF-8 is rejected with its own error before anything else.
 * No check uses std::regex.
 *
 * Counters follow the original: every check counts one validation (a model name answered
 * from the cache counts a cache hit instead), and every ValidationError one error.
 *
 * @par Thread safety
 * Every member function may be called concurrently: the counters are atomics and the
 * model-name cache is guarded by a shared mutex. The object is neither copyable nor
 * movable; share one (the original kept a global instance).
 */
/// @par Example
/// @code
/// mcp::Json checked_search(mcp::EnhancedParameterValidator& v, const mcp::Json& args) {
///   std::string query = v.validate_text_input(args.at("query").get<std::string>(), 1000);
///   std::string name = v.validate_collection_name(args.at("collection").get<std::string>());
///   return mcp::Json{{"query", query}, {"collection", name}};
/// }
/// @endcode
class EnhancedParameterValidator {
 public:
  /// A validator with the default options.
  EnhancedParameterValidator();
  /// A validator with the given options.
  explicit EnhancedParameterValidator(ValidatorOptions options);
  ~EnhancedParameterValidator();
  EnhancedParameterValidator(const EnhancedParameterValidator&) = delete;
  EnhancedParameterValidator& operator=(const EnhancedParameterValidator&) = delete;

  /// Checks free text and returns it trimmed (Python's str.strip(): Unicode whitespace).
  /**
   * In order: invalid UTF-8; more than `max_length` code points (counted before
   * trimming, as the original did; a huge input is rejected after reading only
   * `max_length` + 1 code points); fewer than `min_length` code points after trimming,
   * except that an all-whitespace text is accepted (as "") when `allow_empty` is set;
   * unsafe content.
   *
   * Unsafe content: case-insensitive (ASCII case folding, which is what Python's lower()
   * does to these letters) matches of
   * - `<script` followed, anywhere later, by `>` (the original's `<script[^>]*>`);
   * - `javascript` `:`, with any whitespace before the colon and with tab, CR or LF
   *   inside the word (URL parsers drop those, so "java\tscript:" still runs);
   * - `eval` `(` and `exec` `(`, with any whitespace before the parenthesis, when the
   *   word is not the end of a longer identifier ("retrieval (" and "medieval(" pass;
   *   the original flagged them);
   * - `import` + at least one whitespace + `os`;
   * - `__import__` and `subprocess` anywhere.
   * Whitespace is Unicode whitespace, as the original's `\s`. Nothing is tolerated
   * inside the other words ("sub process" passes): a space there is not code.
   *
   * @param field the parameter name used in a ValidationError ("text" by default).
   * @throws ValidationError
   */
  std::string validate_text_input(std::string_view text, std::size_t max_length = 10000,
                                  std::size_t min_length = 1, bool allow_empty = false,
                                  std::string_view field = "text");

  /// Checks an embedding model name and returns it unchanged.
  /**
   * Rejects an empty or all-whitespace name and invalid UTF-8. A name that matches no
   * known pattern (is_known_model_name) is allowed, with a warning sent to
   * ValidatorOptions::on_warning, as in the original. Verdicts are cached: a repeated
   * name counts a cache hit (not a validation), and a repeated bad name throws again
   * without counting an error, as in the original.
   * @throws ValidationError (field "model_name")
   */
  std::string validate_model_name(std::string_view model_name);

  /// True for the model-name patterns the original knew: the prefixes
  /// "sentence-transformers/", "all-", "openai/", "cohere/", "huggingface/", "local/",
  /// "text-embedding-" and "multilingual-" (case-sensitive).
  [[nodiscard]] static bool is_known_model_name(std::string_view model_name) noexcept;

  /// Checks an IPFS CID and returns it unchanged: CIDv0 ("Qm" + 44 base58btc
  /// characters) or CIDv1 in base32 ("baf" + 56 characters of a-z2-7: the 59 characters
  /// of a CIDv1 with a 32-byte digest, the original's length; it also allowed 0, 1, 8
  /// and 9, which base32 does not have).
  /// @throws ValidationError (field "ipfs_hash")
  std::string validate_ipfs_hash(std::string_view ipfs_hash);

  /// Checks that `value` lies in [`min_value`, `max_value`] (each bound optional,
  /// inclusive) and returns it. Integers are compared exactly, also beyond 2^53; NaN is
  /// rejected. A NaN bound is a programming error (std::invalid_argument).
  /// @throws ValidationError (field `name`)
  template <detail::RangeNumber T>
  T validate_numeric_range(T value, std::string_view name,
                           std::optional<double> min_value = std::nullopt,
                           std::optional<double> max_value = std::nullopt) {
    if constexpr (std::floating_point<T>) {
      check_range(static_cast<double>(value), name, min_value, max_value);
    } else if constexpr (std::signed_integral<T>) {
      check_range(static_cast<std::int64_t>(value), name, min_value, max_value);
    } else {
      check_range(static_cast<std::uint64_t>(value), name, min_value, max_value);
    }
    return value;
  }

  /// As above for an optional value: std::nullopt passes when `allow_none` is set.
  template <detail::RangeNumber T>
  std::optional<T> validate_numeric_range(std::optional<T> value, std::string_view name,
                                          std::optional<double> min_value,
                                          std::optional<double> max_value,
                                          bool allow_none = false) {
    if (!value) {
      check_none(name, allow_none);
      return std::nullopt;
    }
    return validate_numeric_range(*value, name, min_value, max_value);
  }

  /// As above for a JSON argument: a number (integer or floating point, kept as it
  /// is), or null when `allow_none` is set. Booleans and strings are not numbers.
  /// @throws ValidationError (field `name`)
  Json validate_numeric_range(const Json& value, std::string_view name,
                              std::optional<double> min_value = std::nullopt,
                              std::optional<double> max_value = std::nullopt,
                              bool allow_none = false);

  /// Checks a collection name and returns it unchanged: 2 to 64 characters of
  /// [A-Za-z0-9_-], and none of the reserved names admin, system, root, default, null,
  /// undefined (in any case).
  /// @throws ValidationError (field "collection_name")
  std::string validate_collection_name(std::string_view collection_name);

  /// Checks search filters and returns a copy: an object of at most 50 members; keys
  /// non-empty after trimming and at most 100 characters; each value a scalar (string,
  /// number, boolean; not null), a list of at most 1000 scalars, or an object of the
  /// operators min, max, gte, lte, gt, lt, eq, ne (each a scalar) and in, nin (each a
  /// list of at most 1000 scalars). The original did not check operator values.
  /// @throws ValidationError (field "filters")
  Json validate_search_filters(const Json& filters);

  /// Checks a relative file path and returns it tidied (empty and "." segments
  /// dropped, as Python's Path() does: "./a//b/" gives "a/b").
  /**
   * Rejects invalid UTF-8, an empty path, NUL bytes, absolute paths, and `..` segments
   * ('/' and '\\' both count as separators). With `allowed_extensions` (".txt" or
   * "txt"; compared case-insensitively), the last extension of the file name must be one
   * of them. With a `root`, the path is resolved under it, following symbolic links
   * (dangling ones included) the way the kernel would, and must stay inside it: a link
   * that points out of the root is rejected. With `check_exists`, the file must exist
   * (under `root` when given, else relative to the current directory).
   *
   * The check is a snapshot: the file system can change between it and the use of the
   * path. Open the file under the root with the returned path.
   * @throws ValidationError (field "file_path")
   */
  std::string validate_file_path(std::string_view file_path, bool check_exists = false,
                                 const std::vector<std::string>& allowed_extensions = {},
                                 const std::optional<std::filesystem::path>& root = std::nullopt);

  /// Checks a URL and returns it unchanged: valid UTF-8 without whitespace or control
  /// characters (ASCII controls, DEL, the C1 controls U+0080..U+009F, space and every
  /// Unicode whitespace character such as U+00A0, U+2000..U+200A, U+3000), a scheme (RFC 3986: a letter, then letters, digits, '+', '-', '.'), then
  /// "//" and a non-empty host (optionally userinfo@ before it and :port after it, port
  /// at most 65535). With `allowed_schemes`, the scheme (compared case-insensitively)
  /// must be one of them. URLs without a host ("mailto:", "file:///") are rejected.
  /// @throws ValidationError (field "url")
  std::string validate_url(std::string_view url,
                           const std::vector<std::string>& allowed_schemes = {});

  /// Validates `data` against `schema` (compiled for this call) and returns `data`.
  /// @throws ValidationError (field "schema") listing each violation with its JSON
  /// pointer, or naming what is wrong with the schema itself.
  Json validate_json_schema(Json data, const Json& schema);

  /// As above with a schema compiled once by the caller (the fast way).
  Json validate_json_schema(Json data, const JsonSchema& schema);

  /// A snapshot of the counters.
  [[nodiscard]] ValidationMetrics metrics() const noexcept;

  /// Empties the model-name cache (the counters are kept).
  void clear_cache();

  /// Model-name verdicts currently cached.
  [[nodiscard]] std::size_t cache_size() const;

 private:
  enum class ModelVerdict : std::uint8_t;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };

  // Instantiated in validator.cpp for double, std::int64_t and std::uint64_t (integers are
  // compared exactly, beyond 2^53).
  template <class Number>
  void check_range(Number value, std::string_view name, std::optional<double> min_value,
                   std::optional<double> max_value);
  void check_none(std::string_view name, bool allow_none);
  void count_validation() noexcept {
    validations_performed_.fetch_add(1, std::memory_order_relaxed);
  }
  [[noreturn]] void fail(std::string_view field, std::string reason);

  ValidatorOptions options_;
  alignas(64) std::atomic<std::uint64_t> validations_performed_{0};
  alignas(64) std::atomic<std::uint64_t> validation_errors_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
  alignas(64) mutable std::shared_mutex cache_mutex_;
  std::unordered_map<std::string, ModelVerdict, StringHash, std::equal_to<>> model_cache_;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/validator.ipp>
#endif

#endif  // MCP_HTM_VALIDATOR_HPP
