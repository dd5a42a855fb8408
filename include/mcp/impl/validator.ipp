// mcp/impl/validator.ipp -- mcp::EnhancedParameterValidator.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/detail/utf8.hpp>
#include <mcp/validator.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mcp {

// ---------------------------------------------------------------------------------------
// ValidationError

MCP_HTM_INLINE ValidationError::ValidationError(std::string field, std::string reason)
    : std::invalid_argument(fmt::format("Validation error for parameter '{}': {}", field, reason)),
      detail_(std::make_shared<const Detail>(Detail{std::move(field), std::move(reason)})) {}

MCP_HTM_INLINE const std::string& ValidationError::field() const noexcept { return detail_->field; }
MCP_HTM_INLINE const std::string& ValidationError::reason() const noexcept {
  return detail_->reason;
}

MCP_HTM_INLINE void to_json(Json& json, const ValidationMetrics& metrics) {
  json = Json{{"validations_performed", metrics.validations_performed},
              {"validation_errors", metrics.validation_errors},
              {"cache_hits", metrics.cache_hits}};
}

namespace detail::validator_impl {

using detail::scan_utf8;
using detail::trim_whitespace;
using detail::whitespace_at;
using detail::whitespace_before;

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

MCP_HTM_INLINE bool is_word_char(char c) noexcept {
  const char l = lower(c);
  return (l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// True when [p, p + word.size()) equals `word` (lowercase) case-insensitively.
MCP_HTM_INLINE bool equals_ci(const char* p, std::string_view word) noexcept {
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(p[i]) != word[i]) return false;
  }
  return true;
}

MCP_HTM_INLINE bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A shortened, printable form of user input for messages.
MCP_HTM_INLINE std::string excerpt(std::string_view text, std::size_t max_code_points = 40) {
  std::size_t count = 0;
  std::size_t end = 0;
  while (end < text.size()) {
    if (count == max_code_points) return std::string(text.substr(0, end)) + "...";
    ++end;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    ++count;
  }
  return std::string(text);
}

MCP_HTM_INLINE std::string utf8_error(std::string_view what, std::size_t offset) {
  return fmt::format("{} is not valid UTF-8 (invalid byte sequence at byte offset {})", what,
                     offset);
}

// ---------------------------------------------------------------------------------------
// The unsafe-content scanner. One pass over the text stops only at the bytes that anchor
// a pattern: '<' (<script), '(' (eval( / exec(), ':' (javascript:), 'p'/'P' (import os,
// __import__, subprocess); each anchor is then checked in both directions.

constexpr std::array<bool, 256> make_anchor_table() {
  std::array<bool, 256> table{};
  table[static_cast<unsigned char>('<')] = true;
  table[static_cast<unsigned char>('(')] = true;
  table[static_cast<unsigned char>(':')] = true;
  table[static_cast<unsigned char>('p')] = true;
  table[static_cast<unsigned char>('P')] = true;
  return table;
}
MCP_HTM_INLINE constexpr std::array<bool, 256> kAnchors = make_anchor_table();

// Skips whitespace backwards from `p`; returns the new position.
MCP_HTM_INLINE const char* skip_whitespace_back(const char* begin, const char* p) noexcept {
  while (const std::size_t n = whitespace_before(begin, p)) p -= n;
  return p;
}

// `word` (lowercase) ends just before `p`, ASCII tab, LF and CR allowed between its
// letters. Returns where the word starts, or nullptr.
MCP_HTM_INLINE const char* word_before_allowing_controls(const char* begin, const char* p,
                                                         std::string_view word) noexcept {
  for (std::size_t i = word.size(); i-- > 0;) {
    while (p > begin && (p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r')) --p;
    if (p == begin || lower(p[-1]) != word[i]) return nullptr;
    --p;
  }
  return p;
}

// Checks the anchor byte at `p`; returns the name of the pattern found there, or "".
MCP_HTM_INLINE std::string_view check_anchor(const char* begin, const char* end, const char* p,
                                             bool& no_gt_after_script) noexcept {
  switch (*p) {
    case '<':
      // `<script[^>]*>`: once a '<script' has no '>' after it, no later one has.
      if (!no_gt_after_script && end - p >= 7 && equals_ci(p + 1, "script")) {
        if (std::memchr(p + 7, '>', static_cast<std::size_t>(end - (p + 7))) != nullptr) {
          return "<script>";
        }
        no_gt_after_script = true;
      }
      return {};
    case '(': {
      const char* q = skip_whitespace_back(begin, p);
      if (q - begin < 4 || (q - 4 != begin && is_word_char(q[-5]))) return {};
      if (equals_ci(q - 4, "eval")) return "eval(";
      if (equals_ci(q - 4, "exec")) return "exec(";
      return {};
    }
    case ':': {
      const char* q = skip_whitespace_back(begin, p);
      return word_before_allowing_controls(begin, q, "javascript") != nullptr ? "javascript:"
                                                                              : std::string_view();
    }
    default: {  // 'p' or 'P'
      const auto before = p - begin;
      const auto after = end - p;
      if (before >= 3 && after >= 7 && equals_ci(p - 3, "subprocess")) return "subprocess";
      if (before >= 4 && after >= 6 && equals_ci(p - 4, "__import__")) return "__import__";
      if (before >= 2 && after >= 4 && equals_ci(p - 2, "import")) {
        const char* q = p + 4;
        const char* const after_import = q;
        while (const std::size_t n = whitespace_at(q, end)) q += n;
        if (q != after_import && end - q >= 2 && equals_ci(q, "os")) return "import os";
      }
      return {};
    }
  }
}

// The name of the first unsafe pattern in `text` (valid UTF-8), or an empty view. One
// pass stops only at the bytes that anchor a pattern: '<' (<script), '(' (eval( and
// exec(), ':' (javascript:) and 'p'/'P' (import os, __import__, subprocess); each stop is
// then checked in both directions. With SSE2, 16 bytes are classified at once.
MCP_HTM_INLINE std::string_view find_unsafe(std::string_view text) noexcept {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  bool no_gt_after_script = false;
  const char* p = begin;
#if defined(__SSE2__)
  const __m128i open_angle = _mm_set1_epi8('<');
  const __m128i open_paren = _mm_set1_epi8('(');
  const __m128i colon = _mm_set1_epi8(':');
  const __m128i letter_p = _mm_set1_epi8('p');
  const __m128i case_bit = _mm_set1_epi8(0x20);
  for (; end - p >= 16; p += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hits = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(bytes, open_angle), _mm_cmpeq_epi8(bytes, open_paren)),
        _mm_or_si128(_mm_cmpeq_epi8(bytes, colon),
                     _mm_cmpeq_epi8(_mm_or_si128(bytes, case_bit), letter_p)));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
    while (mask != 0) {
      const auto found = check_anchor(begin, end, p + std::countr_zero(mask), no_gt_after_script);
      if (!found.empty()) return found;
      mask &= mask - 1;
    }
  }
#endif
  for (; p < end; ++p) {
    if (!kAnchors[static_cast<unsigned char>(*p)]) continue;
    const auto found = check_anchor(begin, end, p, no_gt_after_script);
    if (!found.empty()) return found;
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Numbers

MCP_HTM_INLINE constexpr double kTwo63 = 9223372036854775808.0;   // 2^63
MCP_HTM_INLINE constexpr double kTwo64 = 18446744073709551616.0;  // 2^64

// value < bound, exactly.
MCP_HTM_INLINE bool less_than(std::int64_t value, double bound) noexcept {
  if (bound >= kTwo63) return true;
  if (bound < -kTwo63) return false;
  return value < static_cast<std::int64_t>(std::ceil(bound));
}
MCP_HTM_INLINE bool greater_than(std::int64_t value, double bound) noexcept {
  if (bound >= kTwo63) return false;
  if (bound < -kTwo63) return true;
  return value > static_cast<std::int64_t>(std::floor(bound));
}
MCP_HTM_INLINE bool less_than(std::uint64_t value, double bound) noexcept {
  if (bound >= kTwo64) return true;
  if (bound <= 0) return false;
  return value < static_cast<std::uint64_t>(std::ceil(bound));
}
MCP_HTM_INLINE bool greater_than(std::uint64_t value, double bound) noexcept {
  if (bound >= kTwo64) return false;
  if (bound < 0) return true;
  return value > static_cast<std::uint64_t>(std::floor(bound));
}
MCP_HTM_INLINE bool less_than(double value, double bound) noexcept { return value < bound; }
MCP_HTM_INLINE bool greater_than(double value, double bound) noexcept { return value > bound; }

MCP_HTM_INLINE void check_bounds_are_numbers(std::optional<double> min_value,
                                             std::optional<double> max_value) {
  if ((min_value && std::isnan(*min_value)) || (max_value && std::isnan(*max_value))) {
    throw std::invalid_argument("validate_numeric_range: a bound is NaN");
  }
}

// ---------------------------------------------------------------------------------------
// Search filters

MCP_HTM_INLINE bool is_filter_scalar(const Json& value) {
  return value.is_string() || value.is_number() || value.is_boolean();
}

MCP_HTM_INLINE constexpr std::string_view kScalarOperators[] = {"min", "max", "gte", "lte",
                                                                "gt",  "lt",  "eq",  "ne"};
MCP_HTM_INLINE constexpr std::string_view kListOperators[] = {"in", "nin"};
MCP_HTM_INLINE constexpr std::size_t kMaxFilters = 50;
MCP_HTM_INLINE constexpr std::size_t kMaxFilterKey = 100;
MCP_HTM_INLINE constexpr std::size_t kMaxFilterList = 1000;

// ---------------------------------------------------------------------------------------
// File paths

namespace fs = std::filesystem;

MCP_HTM_INLINE bool is_separator(char c) noexcept { return c == '/' || c == '\\'; }

// The path's name's last extension, Python's Path.suffix: "" for ".bashrc" and "a.".
MCP_HTM_INLINE std::string_view suffix_of(std::string_view path) {
  std::size_t name_start = path.size();
  while (name_start > 0 && !is_separator(path[name_start - 1])) --name_start;
  const std::string_view name = path.substr(name_start);
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return {};
  return name.substr(dot);
}

// Resolves `path` (absolute) as the kernel would, component by component, following
// symbolic links -- dangling ones too: a link's target is where a write through it
// would land -- and treating missing components as plain names.
MCP_HTM_INLINE fs::path resolve_physically(const fs::path& path) {
  const fs::path relative = path.relative_path();
  std::deque<fs::path> pending(relative.begin(), relative.end());
  fs::path current = path.root_path();
  int links = 0;
  while (!pending.empty()) {
    fs::path part = std::move(pending.front());
    pending.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      current = current.parent_path();
      continue;
    }
    fs::path next = current / part;
    std::error_code ec;
    const auto status = fs::symlink_status(next, ec);
    if (!ec && fs::is_symlink(status)) {
      if (++links > 40) {
        throw std::system_error(std::make_error_code(std::errc::too_many_symbolic_link_levels),
                                next.string());
      }
      const fs::path target = fs::read_symlink(next);
      const fs::path rest = target.relative_path();
      pending.insert(pending.begin(), rest.begin(), rest.end());
      if (target.is_absolute()) current = target.root_path();
      continue;
    }
    current = std::move(next);
  }
  return current;
}

MCP_HTM_INLINE bool is_within(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Model names

MCP_HTM_INLINE constexpr std::string_view kModelPrefixes[] = {
    "sentence-transformers/", "all-",   "openai/",         "cohere/",
    "huggingface/",           "local/", "text-embedding-", "multilingual-",
};
MCP_HTM_INLINE constexpr std::size_t kMaxCachedModelName = 512;

}  // namespace detail::validator_impl
using namespace detail::validator_impl;

// ---------------------------------------------------------------------------------------
// EnhancedParameterValidator

enum class EnhancedParameterValidator::ModelVerdict : std::uint8_t {
  known,
  unknown,
  empty,
  bad_utf8,
};

MCP_HTM_INLINE EnhancedParameterValidator::EnhancedParameterValidator()
    : EnhancedParameterValidator(ValidatorOptions{}) {}

MCP_HTM_INLINE EnhancedParameterValidator::EnhancedParameterValidator(ValidatorOptions options)
    : options_(std::move(options)) {}

MCP_HTM_INLINE EnhancedParameterValidator::~EnhancedParameterValidator() = default;

MCP_HTM_INLINE void EnhancedParameterValidator::fail(std::string_view field, std::string reason) {
  validation_errors_.fetch_add(1, std::memory_order_relaxed);
  throw ValidationError(std::string(field), std::move(reason));
}

MCP_HTM_INLINE std::string EnhancedParameterValidator::validate_text_input(std::string_view text,
                                                                           std::size_t max_length,
                                                                           std::size_t min_length,
                                                                           bool allow_empty,
                                                                           std::string_view field) {
  count_validation();
  const auto scan = scan_utf8(text, max_length);
  if (!scan.valid) fail(field, utf8_error("Text", scan.error_offset));
  if (scan.truncated) fail(field, fmt::format("Text must not exceed {} characters", max_length));

  const auto trimmed = trim_whitespace(text);
  if (trimmed.text.empty() && allow_empty) return std::string();
  if (scan.code_points - trimmed.removed_code_points < min_length) {
    fail(field, fmt::format("Text must be at least {} characters long", min_length));
  }
  if (const auto pattern = find_unsafe(trimmed.text); !pattern.empty()) {
    fail(field, fmt::format("Text contains potentially unsafe content ({})", pattern));
  }
  return std::string(trimmed.text);
}

MCP_HTM_INLINE bool EnhancedParameterValidator::is_known_model_name(
    std::string_view model_name) noexcept {
  return std::any_of(std::begin(kModelPrefixes), std::end(kModelPrefixes),
                     [&](std::string_view prefix) { return model_name.starts_with(prefix); });
}

MCP_HTM_INLINE std::string EnhancedParameterValidator::validate_model_name(
    std::string_view model_name) {
  static constexpr std::string_view kField = "model_name";
  auto reject = [&](ModelVerdict verdict, bool counted) {
    std::string reason = verdict == ModelVerdict::empty
                             ? std::string("Model name cannot be empty")
                             : utf8_error("Model name", scan_utf8(model_name).error_offset);
    if (counted) fail(kField, std::move(reason));
    throw ValidationError(std::string(kField), std::move(reason));
  };

  const bool cacheable =
      options_.model_cache_capacity > 0 && model_name.size() <= kMaxCachedModelName;
  if (cacheable) {
    std::shared_lock lock(cache_mutex_);
    if (const auto it = model_cache_.find(model_name); it != model_cache_.end()) {
      const ModelVerdict verdict = it->second;
      lock.unlock();
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      if (verdict == ModelVerdict::empty || verdict == ModelVerdict::bad_utf8) {
        reject(verdict, /*counted=*/false);
      }
      return std::string(model_name);
    }
  }

  count_validation();
  ModelVerdict verdict = ModelVerdict::known;
  if (!scan_utf8(model_name).valid) {
    verdict = ModelVerdict::bad_utf8;
  } else if (trim_whitespace(model_name).text.empty()) {
    verdict = ModelVerdict::empty;
  } else if (!is_known_model_name(model_name)) {
    verdict = ModelVerdict::unknown;
  }
  if (cacheable) {
    std::unique_lock lock(cache_mutex_);
    if (model_cache_.size() >= options_.model_cache_capacity) model_cache_.clear();
    model_cache_.emplace(std::string(model_name), verdict);
  }
  if (verdict == ModelVerdict::empty || verdict == ModelVerdict::bad_utf8) {
    reject(verdict, /*counted=*/true);
  }
  if (verdict == ModelVerdict::unknown && options_.on_warning) {
    options_.on_warning(kField, fmt::format("Unknown model pattern: {}", excerpt(model_name, 200)));
  }
  return std::string(model_name);
}

MCP_HTM_INLINE std::string EnhancedParameterValidator::validate_ipfs_hash(
    std::string_view ipfs_hash) {
  static constexpr std::string_view kField = "ipfs_hash";
  count_validation();
  const auto scan = scan_utf8(ipfs_hash);
  if (!scan.valid) fail(kField, utf8_error("IPFS hash", scan.error_offset));

  auto is_base58 = [](char c) {
    return (c >= '1' && c <= '9') || (c >= 'A' && c <= 'H') || (c >= 'J' && c <= 'N') ||
           (c >= 'P' && c <= 'Z') || (c >= 'a' && c <= 'k') || (c >= 'm' && c <= 'z');
  };
  auto is_base32 = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); };
  const bool v0 = ipfs_hash.size() == 46 && ipfs_hash.starts_with("Qm") &&
                  std::all_of(ipfs_hash.begin() + 2, ipfs_hash.end(), is_base58);
  const bool v1 = ipfs_hash.size() == 59 && ipfs_hash.starts_with("baf") &&
                  std::all_of(ipfs_hash.begin() + 3, ipfs_hash.end(), is_base32);
  if (!v0 && !v1) {
    fail(kField,
         "Invalid IPFS hash format (expected a CIDv0: \"Qm\" and 44 base58 characters, or a "
         "CIDv1: \"baf\" and 56 base32 characters)");
  }
  return std::string(ipfs_hash);
}

MCP_HTM_INLINE void EnhancedParameterValidator::check_none(std::string_view name, bool allow_none) {
  count_validation();
  if (!allow_none) fail(name, "Value must be a number");
}

namespace detail::validator_impl {
template <typename T>
std::optional<std::string> range_violation(T value, std::optional<double> min_value,
                                           std::optional<double> max_value) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) return std::string("Value must be a number, not NaN");
  }
  if (min_value && less_than(value, *min_value)) {
    return fmt::format("Value must be >= {}", *min_value);
  }
  if (max_value && greater_than(value, *max_value)) {
    return fmt::format("Value must be <= {}", *max_value);
  }
  return std::nullopt;
}
}  // namespace detail::validator_impl
using namespace detail::validator_impl;

template <class Number>
void EnhancedParameterValidator::check_range(Number value, std::string_view name,
                                             std::optional<double> min_value,
                                             std::optional<double> max_value) {
  check_bounds_are_numbers(min_value, max_value);
  count_validation();
  if (auto reason = range_violation(value, min_value, max_value)) fail(name, std::move(*reason));
}

template void EnhancedParameterValidator::check_range(double, std::string_view,
                                                      std::optional<double>, std::optional<double>);
template void EnhancedParameterValidator::check_range(std::int64_t, std::string_view,
                                                      std::optional<double>, std::optional<double>);
template void EnhancedParameterValidator::check_range(std::uint64_t, std::string_view,
                                                      std::optional<double>, std::optional<double>);

MCP_HTM_INLINE Json EnhancedParameterValidator::validate_numeric_range(
    const Json& value, std::string_view name, std::optional<double> min_value,
    std::optional<double> max_value, bool allow_none) {
  if (value.is_number_unsigned()) {
    check_range(value.get<std::uint64_t>(), name, min_value, max_value);
  } else if (value.is_number_integer()) {
    check_range(value.get<std::int64_t>(), name, min_value, max_value);
  } else if (value.is_number_float()) {
    check_range(value.get<double>(), name, min_value, max_value);
  } else if (value.is_null()) {
    check_bounds_are_numbers(min_value, max_value);
    check_none(name, allow_none);
  } else {
    check_bounds_are_numbers(min_value, max_value);
    count_validation();
    fail(name, fmt::format("Value must be a number, not {}", value.type_name()));
  }
  return value;
}

MCP_HTM_INLINE std::string EnhancedParameterValidator::validate_collection_name(
    std::string_view collection_name) {
  static constexpr std::string_view kField = "collection_name";
  count_validation();
  const auto scan = scan_utf8(collection_name);
  if (!scan.valid) fail(kField, utf8_error("Collection name", scan.error_offset));
  const bool charset_ok =
      !collection_name.empty() &&
      std::all_of(collection_name.begin(), collection_name.end(), [](char c) {
        const char l = lower(c);
        return (l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      });
  if (!charset_ok) {
    fail(kField,
         "Collection name must contain only alphanumeric characters, hyphens, and underscores");
  }
  if (collection_name.size() > 64) fail(kField, "Collection name must not exceed 64 characters");
  if (collection_name.size() < 2) {
    fail(kField, "Collection name must be at least 2 characters long");
  }
  static constexpr std::string_view kReserved[] = {"admin",   "system", "root",
                                                   "default", "null",   "undefined"};
  for (const auto reserved : kReserved) {
    if (iequals(collection_name, reserved)) {
      fail(kField, fmt::format("'{}' is a reserved name", collection_name));
    }
  }
  return std::string(collection_name);
}

MCP_HTM_INLINE Json EnhancedParameterValidator::validate_search_filters(const Json& filters) {
  static constexpr std::string_view kField = "filters";
  count_validation();
  if (!filters.is_object()) {
    fail(kField, fmt::format("Filters must be an object, not {}", filters.type_name()));
  }
  if (filters.size() > kMaxFilters) {
    fail(kField, fmt::format("Too many filters (maximum {} allowed)", kMaxFilters));
  }
  auto check_string = [&](const Json& value, std::string_view what) {
    if (!value.is_string()) return;
    const auto& text = value.get_ref<const std::string&>();
    const auto scan = scan_utf8(text);
    if (!scan.valid) fail(kField, utf8_error(what, scan.error_offset));
  };
  auto check_list = [&](const Json& list, const std::string& key, std::string_view what) {
    if (list.size() > kMaxFilterList) {
      fail(kField,
           fmt::format("Filter '{}' {} is too long (max {} items)", key, what, kMaxFilterList));
    }
    for (const auto& item : list) {
      if (!is_filter_scalar(item)) {
        fail(kField, fmt::format("Filter '{}' contains invalid list items (each must be a "
                                 "string, number or boolean)",
                                 key));
      }
      check_string(item, "A filter value");
    }
  };

  for (const auto& [key, value] : filters.items()) {
    const auto key_scan = scan_utf8(key);
    if (!key_scan.valid) fail(kField, utf8_error("A filter key", key_scan.error_offset));
    if (trim_whitespace(key).text.empty()) {
      fail(kField, fmt::format("Filter key '{}' must be a non-empty string", key));
    }
    if (key_scan.code_points > kMaxFilterKey) {
      fail(kField, fmt::format("Filter key '{}' is too long (max {} characters)", excerpt(key),
                               kMaxFilterKey));
    }
    const std::string shown = excerpt(key);
    if (is_filter_scalar(value)) {
      check_string(value, "A filter value");
    } else if (value.is_array()) {
      check_list(value, shown, "list");
    } else if (value.is_object()) {
      for (const auto& [op, operand] : value.items()) {
        const bool scalar_op = std::find(std::begin(kScalarOperators), std::end(kScalarOperators),
                                         op) != std::end(kScalarOperators);
        const bool list_op = std::find(std::begin(kListOperators), std::end(kListOperators), op) !=
                             std::end(kListOperators);
        if (!scalar_op && !list_op) {
          fail(kField, fmt::format("Filter '{}' contains invalid operators ('{}'; allowed: min, "
                                   "max, gte, lte, gt, lt, eq, ne, in, nin)",
                                   shown, excerpt(op)));
        }
        if (scalar_op && !is_filter_scalar(operand)) {
          fail(kField, fmt::format("Filter '{}' operator '{}' needs a string, number or boolean",
                                   shown, op));
        }
        if (list_op && !operand.is_array()) {
          fail(kField, fmt::format("Filter '{}' operator '{}' needs a list", shown, op));
        }
        if (list_op) check_list(operand, shown, fmt::format("operator '{}' list", op));
        check_string(operand, "A filter value");
      }
    } else {
      fail(kField,
           fmt::format("Filter '{}' has unsupported value type ({})", shown, value.type_name()));
    }
  }
  return filters;
}

MCP_HTM_INLINE std::string EnhancedParameterValidator::validate_file_path(
    std::string_view file_path, bool check_exists,
    const std::vector<std::string>& allowed_extensions,
    const std::optional<std::filesystem::path>& root) {
  static constexpr std::string_view kField = "file_path";
  count_validation();
  const auto scan = scan_utf8(file_path);
  if (!scan.valid) fail(kField, utf8_error("File path", scan.error_offset));
  if (file_path.empty()) fail(kField, "File path must not be empty");
  if (file_path.find('\0') != std::string_view::npos) fail(kField, "File path contains a NUL byte");
  if (is_separator(file_path.front()) || fs::path(file_path).is_absolute()) {
    fail(kField, "File path must be relative (absolute paths are not allowed)");
  }

  // Split into segments; reject traversal; rebuild the tidied path.
  std::string tidy;
  std::size_t start = 0;
  while (start <= file_path.size()) {
    std::size_t stop = start;
    while (stop < file_path.size() && !is_separator(file_path[stop])) ++stop;
    const std::string_view segment = file_path.substr(start, stop - start);
    if (segment == "..") {
      fail(kField, "File path must not contain '..' segments (directory traversal)");
    }
    if (!segment.empty() && segment != ".") {
      if (!tidy.empty()) tidy += '/';
      tidy += segment;
    }
    start = stop + 1;
  }
  if (tidy.empty()) tidy = ".";

  if (!allowed_extensions.empty()) {
    const std::string_view suffix = suffix_of(tidy);
    const bool allowed =
        !suffix.empty() && std::any_of(allowed_extensions.begin(), allowed_extensions.end(),
                                       [&](const std::string& extension) {
                                         std::string_view e = extension;
                                         if (!e.empty() && e.front() == '.') e.remove_prefix(1);
                                         return iequals(suffix.substr(1), e);
                                       });
    if (!allowed) {
      std::string list;
      for (const auto& extension : allowed_extensions) {
        if (!list.empty()) list += ", ";
        if (extension.empty() || extension.front() != '.') list += '.';
        list += extension;
      }
      fail(kField, fmt::format("File extension '{}' not in allowed extensions: {}", suffix, list));
    }
  }

  fs::path full = tidy;
  if (root) {
    try {
      const fs::path absolute_root = fs::absolute(*root);
      const fs::path real_root = resolve_physically(absolute_root);
      const fs::path real_path = resolve_physically(absolute_root / tidy);
      if (!is_within(real_root, real_path)) {
        fail(kField,
             "File path resolves outside the allowed root directory (through a "
             "symbolic link)");
      }
      full = absolute_root / tidy;
    } catch (const ValidationError&) {
      throw;
    } catch (const std::exception& e) {
      fail(kField, fmt::format("File path cannot be resolved: {}", e.what()));
    }
  }
  if (check_exists) {
    std::error_code ec;
    if (!fs::exists(full, ec)) fail(kField, fmt::format("File does not exist: {}", tidy));
  }
  return tidy;
}

MCP_HTM_INLINE std::string EnhancedParameterValidator::validate_url(
    std::string_view url, const std::vector<std::string>& allowed_schemes) {
  static constexpr std::string_view kField = "url";
  count_validation();
  const auto scan = scan_utf8(url);
  if (!scan.valid) fail(kField, utf8_error("URL", scan.error_offset));
  if (url.empty()) fail(kField, "URL must not be empty");
  // Controls and whitespace, ASCII or not: C0, DEL, C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F)
  // and every Unicode whitespace character (U+00A0, U+2000..U+200A, U+3000, ...). A URL
  // parser may drop, keep or split on them, so what the caller checks is not what it opens.
  const char* const end = url.data() + url.size();
  for (const char* p = url.data(); p < end; ++p) {
    const auto u = static_cast<unsigned char>(*p);
    const bool refused = u < 0x80 ? (u <= 0x20 || u == 0x7F)
                                  : (u == 0xC2 && static_cast<unsigned char>(p[1]) <= 0x9F) ||
                                        whitespace_at(p, end) != 0;
    if (refused) fail(kField, "URL must not contain whitespace or control characters");
  }

  auto is_alpha = [](char c) {
    const char l = lower(c);
    return l >= 'a' && l <= 'z';
  };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t colon = 0;
  if (is_alpha(url[0])) {
    colon = 1;
    while (colon < url.size() && (is_alpha(url[colon]) || is_digit(url[colon]) ||
                                  url[colon] == '+' || url[colon] == '-' || url[colon] == '.')) {
      ++colon;
    }
  }
  if (colon == 0 || colon >= url.size() || url[colon] != ':') {
    fail(kField, "URL must include a scheme (http, https, etc.)");
  }
  const std::string_view scheme = url.substr(0, colon);

  std::string_view rest = url.substr(colon + 1);
  if (!rest.starts_with("//")) fail(kField, "URL must include a host (scheme://host/...)");
  rest.remove_prefix(2);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail(kField, "URL has an unterminated IPv6 host");
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') fail(kField, "URL has an invalid host");
    if (!after.empty()) port = after.substr(1);
    if (host.size() <= 2) host = {};
  } else if (const auto c = authority.find(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) fail(kField, "URL must include a host (scheme://host/...)");
  if (!port.empty()) {
    const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), is_digit);
    if (!digits || std::stoul(std::string(port)) > 65535) {
      fail(kField, fmt::format("URL has an invalid port '{}'", excerpt(port)));
    }
  }

  if (!allowed_schemes.empty() &&
      std::none_of(allowed_schemes.begin(), allowed_schemes.end(),
                   [&](const std::string& allowed) { return iequals(scheme, allowed); })) {
    std::string list;
    for (const auto& allowed : allowed_schemes) {
      if (!list.empty()) list += ", ";
      list += allowed;
    }
    fail(kField, fmt::format("URL scheme '{}' not in allowed schemes: {}", scheme, list));
  }
  return std::string(url);
}

MCP_HTM_INLINE Json EnhancedParameterValidator::validate_json_schema(Json data,
                                                                     const Json& schema) {
  std::optional<JsonSchema> compiled;
  try {
    compiled.emplace(schema);
  } catch (const SchemaError& e) {
    count_validation();
    fail("schema", fmt::format("Schema validation failed: {}", e.what()));
  }
  return validate_json_schema(std::move(data), *compiled);
}

MCP_HTM_INLINE Json EnhancedParameterValidator::validate_json_schema(Json data,
                                                                     const JsonSchema& schema) {
  count_validation();
  if (schema.accepts(data)) return data;
  std::string reason = "Schema validation failed: ";
  bool first = true;
  for (const auto& violation : schema.validate(data)) {
    if (!first) reason += "; ";
    first = false;
    reason += violation.pointer.empty() ? std::string("(root)") : violation.pointer;
    reason += ": ";
    reason += violation.reason;
  }
  fail("schema", std::move(reason));
}

MCP_HTM_INLINE ValidationMetrics EnhancedParameterValidator::metrics() const noexcept {
  return {validations_performed_.load(std::memory_order_relaxed),
          validation_errors_.load(std::memory_order_relaxed),
          cache_hits_.load(std::memory_order_relaxed)};
}

MCP_HTM_INLINE void EnhancedParameterValidator::clear_cache() {
  std::unique_lock lock(cache_mutex_);
  model_cache_.clear();
}

MCP_HTM_INLINE std::size_t EnhancedParameterValidator::cache_size() const {
  std::shared_lock lock(cache_mutex_);
  return model_cache_.size();
}

}  // namespace mcp
