// tests/fuzz/envelope_fuzz.cpp -- libFuzzer harness: the server's message readers
// against nlohmann's DOM parser (differential).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// jsonrpc::read_envelope (the SAX reader of a plain request) must accept exactly the
// texts whose DOM is a plain request -- an object of "jsonrpc": "2.0", a string "method",
// an optional string or integer "id", an optional object "params", nothing else, no
// member twice -- and read the same id, method and params the DOM holds.
// read_envelope stops at a NUL byte as nlohmann does (the DOM here is nlohmann's too).
// jsonrpc::scan_message (the pass before parsing) must refuse a NUL byte, call the text
// before it invalid UTF-8 exactly when scan_utf8 does, and measure the text's depth as
// the parser meets it.
#include <mcp/detail/json_rpc.hpp>
#include <mcp/detail/json_rpc_envelope.hpp>
#include <mcp/detail/utf8.hpp>
#include <mcp/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

using mcp::Json;

std::size_t depth_of(const Json& value) {
  if (!value.is_structured()) return 0;
  std::size_t deepest = 0;
  for (const auto& child : value) deepest = std::max(deepest, depth_of(child));
  return deepest + 1;
}

bool is_plain_request(const Json& dom) {
  if (!dom.is_object()) return false;
  for (const auto& [key, value] : dom.items()) {
    if (key == "jsonrpc") {
      if (value != "2.0") return false;
    } else if (key == "method") {
      if (!value.is_string()) return false;
    } else if (key == "id") {
      if (!value.is_string() && !value.is_number_integer()) return false;
    } else if (key == "params") {
      if (!value.is_object()) return false;
    } else {
      return false;
    }
  }
  return dom.contains("jsonrpc") && dom.contains("method");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The DOM, counting the members of the root object as the parser meets them (a
  // repeated member is met twice, kept once) and the nesting of the text (a repeated
  // member's dropped value may nest deeper than anything the DOM keeps).
  std::size_t root_members = 0;
  std::size_t text_depth = 0;
  const Json dom = Json::parse(
      text.begin(), text.end(),
      [&](int depth, Json::parse_event_t event, Json&) {
        if (depth == 1 && event == Json::parse_event_t::key) ++root_members;
        if (event == Json::parse_event_t::object_start ||
            event == Json::parse_event_t::array_start) {
          text_depth = std::max(text_depth, static_cast<std::size_t>(depth) + 1);
        }
        return true;
      },
      /*allow_exceptions=*/false);
  const bool parsed = !dom.is_discarded();

  const auto envelope = mcp::jsonrpc::read_envelope(text);
  if (envelope) {
    FUZZ_CHECK(parsed, "read_envelope accepted text that is not JSON");
    FUZZ_CHECK(is_plain_request(dom), dom.dump());
    FUZZ_CHECK(root_members == dom.size(), "read_envelope accepted a repeated member");
    FUZZ_CHECK(envelope->method == dom["method"], envelope->method);
    FUZZ_CHECK(envelope->has_id == dom.contains("id"), dom.dump());
    if (envelope->has_id) FUZZ_CHECK(envelope->id == dom["id"], envelope->id.dump());
    const Json params = dom.contains("params") ? dom["params"] : Json::object();
    FUZZ_CHECK(envelope->params == params, envelope->params.dump());
  } else if (parsed && is_plain_request(dom) && root_members == dom.size()) {
    FUZZ_CHECK(false, "read_envelope refused a plain request: " + dom.dump());
  }

  // scan_message refuses a NUL byte (nlohmann's lexer, and so read_envelope, would take
  // it for the end of the text); before the first one, it judges UTF-8 as scan_utf8 does.
  const std::size_t nul = text.find('\0');
  const std::string_view checked = text.substr(0, nul);
  const auto utf8 = mcp::detail::scan_utf8(checked);
  const auto unlimited =
      mcp::jsonrpc::scan_message(checked, std::numeric_limits<std::size_t>::max());
  FUZZ_CHECK(
      utf8.valid == (unlimited.error == mcp::jsonrpc::ScanError::none),
      utf8.valid ? "scan_message called valid UTF-8 invalid" : "scan_message missed invalid UTF-8");
  if (!utf8.valid) {
    FUZZ_CHECK(unlimited.offset == utf8.error_offset, "scan_message: another offset");
  }
  if (nul != std::string_view::npos && utf8.valid) {
    const auto whole = mcp::jsonrpc::scan_message(text, std::numeric_limits<std::size_t>::max());
    FUZZ_CHECK(whole.error == mcp::jsonrpc::ScanError::nul_byte && whole.offset == nul,
               "scan_message let a NUL byte through");
  }
  if (parsed && nul == std::string_view::npos) {
    FUZZ_CHECK(utf8.valid, "nlohmann parsed text that is not UTF-8");
    FUZZ_CHECK(depth_of(dom) <= text_depth, "the DOM nests deeper than its text");
    const std::size_t depth = text_depth;
    FUZZ_CHECK(mcp::jsonrpc::scan_message(text, depth).error == mcp::jsonrpc::ScanError::none,
               "scan_message: deeper than the DOM");
    if (depth > 0) {
      FUZZ_CHECK(
          mcp::jsonrpc::scan_message(text, depth - 1).error == mcp::jsonrpc::ScanError::too_deep,
          "scan_message: shallower than the DOM");
    }
  }
  return 0;
}
