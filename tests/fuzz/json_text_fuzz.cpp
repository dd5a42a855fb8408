// tests/fuzz/json_text_fuzz.cpp -- libFuzzer harness: the direct JSON text writers
// (detail/json_text.hpp, DispatchResult::to_json_text) against nlohmann's dump
// (differential).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// What json_text.hpp promises, checked on every input:
// - strings exactly as nlohmann writes them, byte for byte: the input bytes as a string
//   (invalid UTF-8 replaced by U+FFFD, as dump() with error_handler_t::replace does);
// - integers byte for byte; doubles by value: the text reads back as the same double
//   (the same bits, -0.0 included), as a float, never as an integer; NaN and infinities
//   as null -- for doubles made from the input's bytes;
// - every scalar and member name of the input parsed as JSON, written by
//   append_json_value / append_json_string, reads back equal to it (byte for byte but
//   for doubles);
// - DispatchResult::to_json_text() reads back equal to to_json(), for a success holding
//   the input's JSON and for an error (its code from the last byte) with the input as
//   message and, when it is an object, as details.
#include <mcp/detail/json_text.hpp>
#include <mcp/detail/utf8.hpp>
#include <mcp/dispatch_result.hpp>
#include <mcp/error.hpp>
#include <mcp/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

using mcp::Json;

std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json parse_back(const std::string& text) {
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!value.is_discarded(), "the writer wrote text that is not JSON: " + text);
  return value;
}

void check_double(double value) {
  std::string out;
  mcp::detail::append_json_number(out, value);
  if (value != value || value - value != 0) {
    FUZZ_CHECK(out == "null", out);
    return;
  }
  const Json back = parse_back(out);
  FUZZ_CHECK(back.is_number_float(), "a double read back as an integer: " + out);
  const double read = back.get<double>();
  FUZZ_CHECK(std::memcmp(&read, &value, sizeof value) == 0, "a double changed: " + out);
}

template <class Integer>
void check_integer(Integer value) {
  std::string out;
  mcp::detail::append_json_number(out, value);
  FUZZ_CHECK(out == Json(value).dump(), out);
}

/// One value written by append_json_value: byte for byte as dump() writes it, except a
/// double, which must read back as the same double (check_double). (What dump() writes
/// reads back equal: nlohmann's round trip, not re-checked here.)
void check_value(const Json& value) {
  std::string out = "[";  // written after something, as in a response
  mcp::detail::append_json_value(out, value);
  const std::string text = out.substr(1);
  if (value.is_number_float()) {
    FUZZ_CHECK(parse_back(text) == value, text);
    check_double(value.get<double>());
  } else {
    FUZZ_CHECK(text == dump(value), text + " vs " + dump(value));
  }
}

/// Every scalar and every member name of the tree (containers go to dump() whole, so
/// only the root's is worth writing): linear in the size of the input.
void check_scalars(const Json& value) {
  if (!value.is_structured()) {
    check_value(value);
    return;
  }
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      std::string key_text;
      mcp::detail::append_json_string(key_text, key);
      FUZZ_CHECK(key_text == Json(key).dump(), key_text);
      check_scalars(child);
    }
  } else {
    for (const auto& child : value) check_scalars(child);
  }
}

void check_dispatch_result(const mcp::DispatchResult& result) {
  const std::string text = result.to_json_text();
  // to_json() may hold invalid UTF-8 (the input's bytes): compare with what it writes.
  FUZZ_CHECK(parse_back(text) == parse_back(dump(result.to_json())), text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);

  // The bytes as a string value.
  {
    std::string out = "x";
    mcp::detail::append_json_string(out, raw);
    FUZZ_CHECK(out.substr(1) == dump(Json(std::string(raw))), out);
    if (mcp::detail::scan_utf8(raw).valid) {
      std::string escaped;
      mcp::detail::append_escaped_utf8(escaped, raw);
      FUZZ_CHECK(escaped == Json(std::string(raw)).dump(), escaped);
      FUZZ_CHECK(parse_back(escaped) == raw, escaped);
    }
  }

  // The bytes as numbers (the first 64 bytes, 8 at a time).
  for (std::size_t i = 0; i + 8 <= size && i < 64; i += 8) {
    double d;
    std::int64_t s;
    std::uint64_t u;
    std::memcpy(&d, data + i, 8);
    std::memcpy(&s, data + i, 8);
    std::memcpy(&u, data + i, 8);
    check_double(d);
    check_integer(s);
    check_integer(u);
  }

  // The bytes as JSON.
  const Json doc = Json::parse(raw.begin(), raw.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded()) {
    check_value(doc);
    check_scalars(doc);
  }

  // DispatchResult's JSON shapes: the input's JSON (or its bytes) as value and details.
  const Json value = doc.is_discarded() ? Json(std::string(raw)) : doc;
  std::uint64_t bits = 0;
  std::memcpy(&bits, data, std::min<std::size_t>(size, sizeof bits));
  {
    auto ok = mcp::DispatchResult::success(value);
    ok.category = std::string(raw.substr(0, 16));
    ok.tool = std::string(raw.substr(std::min<std::size_t>(size, 16)));
    ok.request_id = bits;
    ok.duration = std::chrono::nanoseconds(static_cast<std::int64_t>(bits >> 1));
    if (size % 2 == 1) ok.warning = std::string(raw);
    check_dispatch_result(ok);
  }
  {
    const int codes = static_cast<int>(mcp::ErrorCode::overloaded);
    const auto code = static_cast<mcp::ErrorCode>(1 + (size == 0 ? 0 : data[size - 1] % codes));
    auto failed = mcp::DispatchResult::failure(code, std::string(raw),
                                               value.is_object() ? value : Json(nullptr));
    failed.category = "c";
    failed.tool = std::string(raw.substr(0, 8));
    failed.request_id = bits;
    check_dispatch_result(failed);
  }
  return 0;
}
