// mcp/detail/utf8.hpp -- UTF-8 checks and Unicode whitespace, for the validators.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DETAIL_UTF8_HPP
#define MCP_HTM_DETAIL_UTF8_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

namespace mcp::detail {

/// What scan_utf8 found.
struct Utf8Scan {
  bool valid = true;             ///< false: an invalid sequence starts at error_offset
  bool truncated = false;        ///< true: stopped once more than `limit` code points were seen
  std::size_t code_points = 0;   ///< code points seen (more than the limit when truncated)
  std::size_t error_offset = 0;  ///< byte offset of the first invalid sequence
};

/// Checks that `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
/// nothing above U+10FFFF) and counts its code points, as Python's len() counts
/// characters. Stops, with `truncated` set, once more than `limit` code points are seen:
/// a length check never reads more than it needs of a huge input.
[[nodiscard]] inline Utf8Scan scan_utf8(
    std::string_view text, std::size_t limit = std::numeric_limits<std::size_t>::max()) noexcept {
  Utf8Scan scan;
  const auto* const begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = begin + text.size();
  const auto* p = begin;
  while (p < end) {
    if (scan.code_points > limit) {
      scan.truncated = true;
      return scan;
    }
    // ASCII fast path: 16 bytes at a time.
    if (end - p >= 16) {
      std::uint64_t chunk[2];
      std::memcpy(chunk, p, sizeof chunk);
      if (((chunk[0] | chunk[1]) & 0x8080808080808080ULL) == 0) {
        p += 16;
        scan.code_points += 16;
        continue;
      }
    }
    const unsigned char lead = *p;
    std::size_t length = 0;
    unsigned char low = 0x80;  // bounds of the second byte, RFC 3629 table 3-7
    unsigned char high = 0xBF;
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // no overlong forms
      if (lead == 0xED) high = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // no overlong forms
      if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
    } else {
      scan.valid = false;
      scan.error_offset = static_cast<std::size_t>(p - begin);
      return scan;
    }
    if (static_cast<std::size_t>(end - p) < length) {
      scan.valid = false;
      scan.error_offset = static_cast<std::size_t>(p - begin);
      return scan;
    }
    bool ok = length == 1 || (p[1] >= low && p[1] <= high);
    for (std::size_t i = 2; ok && i < length; ++i) ok = (p[i] & 0xC0) == 0x80;
    if (!ok) {
      scan.valid = false;
      scan.error_offset = static_cast<std::size_t>(p - begin);
      return scan;
    }
    p += length;
    ++scan.code_points;
  }
  if (scan.code_points > limit) scan.truncated = true;
  return scan;
}

/// Code points in `text`, which must be valid UTF-8 (continuation bytes are not counted).
[[nodiscard]] inline std::size_t count_code_points(std::string_view text) noexcept {
  std::size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

/// Bytes of the whitespace character that starts at `p` (0 when it is not whitespace).
/// Whitespace is Python's str.isspace() set: ASCII \t \n \v \f \r, U+001C..U+001F,
/// space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F and
/// U+3000 -- the characters str.strip() removes and the regex `\s` matches.
[[nodiscard]] inline std::size_t whitespace_at(const char* p, const char* end) noexcept {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  const auto available = end - p;
  if (available <= 0) return 0;
  const unsigned char c = u[0];
  if (c < 0x80) return ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)) ? 1 : 0;
  if (c == 0xC2) return (available >= 2 && (u[1] == 0x85 || u[1] == 0xA0)) ? 2 : 0;
  if (available < 3) return 0;
  if (c == 0xE1) return (u[1] == 0x9A && u[2] == 0x80) ? 3 : 0;
  if (c == 0xE2) {
    if (u[1] == 0x80) {
      return (u[2] <= 0x8A || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF) ? 3 : 0;
    }
    return (u[1] == 0x81 && u[2] == 0x9F) ? 3 : 0;
  }
  if (c == 0xE3) return (u[1] == 0x80 && u[2] == 0x80) ? 3 : 0;
  return 0;
}

/// Bytes of the whitespace character that ends just before `p` (0 when none), in valid
/// UTF-8 text that starts at `begin`.
[[nodiscard]] inline std::size_t whitespace_before(const char* begin, const char* p) noexcept {
  const auto available = p - begin;
  if (available <= 0) return 0;
  const auto last = static_cast<unsigned char>(p[-1]);
  if (last < 0x80) return whitespace_at(p - 1, p);
  if (available >= 2 && whitespace_at(p - 2, p) == 2) return 2;
  if (available >= 3 && whitespace_at(p - 3, p) == 3) return 3;
  return 0;
}

/// What trim_whitespace removed and kept.
struct Trimmed {
  std::string_view text;                ///< `text` without leading and trailing whitespace
  std::size_t removed_code_points = 0;  ///< whitespace characters removed
};

/// Python's str.strip(): removes leading and trailing whitespace (see whitespace_at).
[[nodiscard]] inline Trimmed trim_whitespace(std::string_view text) noexcept {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  std::size_t removed = 0;
  while (const std::size_t n = whitespace_at(first, last)) {
    first += n;
    ++removed;
  }
  while (const std::size_t n = whitespace_before(first, last)) {
    last -= n;
    ++removed;
  }
  return {std::string_view(first, static_cast<std::size_t>(last - first)), removed};
}

}  // namespace mcp::detail

#endif  // MCP_HTM_DETAIL_UTF8_HPP
