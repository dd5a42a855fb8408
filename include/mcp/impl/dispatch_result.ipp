// mcp/impl/dispatch_result.ipp -- DispatchResult accessors and JSON form.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/detail/json_text.hpp>
#include <mcp/dispatch_result.hpp>

#include <stdexcept>

namespace mcp {

// No message here: a batch of N results is default-constructed on the hot path, and
// dispatch_parallel writes the message only into slots that really never started.
MCP_HTM_INLINE DispatchResult::DispatchResult()
    : error_(DispatchError{ErrorCode::cancelled, {}, nullptr}) {}

MCP_HTM_INLINE const Json& DispatchResult::value() const& {
  if (error_)
    throw std::logic_error("DispatchResult::value() called on an error: " + error_->message);
  return value_;
}

MCP_HTM_INLINE Json&& DispatchResult::value() && {
  if (error_)
    throw std::logic_error("DispatchResult::value() called on an error: " + error_->message);
  return std::move(value_);
}

MCP_HTM_INLINE const DispatchError& DispatchResult::error() const {
  if (!error_) throw std::logic_error("DispatchResult::error() called on a success");
  return *error_;
}

MCP_HTM_INLINE Json DispatchResult::to_json() const {
  Json out = Json::object();
  if (error_) {
    out["status"] = "error";
    out["error"] = error_->message;
    out["error_code"] = to_string(error_->code);
    if (error_->details.is_object()) {
      for (const auto& [key, item] : error_->details.items()) out[key] = item;
    }
  } else {
    out["status"] = "success";
    out["result"] = value_;
  }
  out["category"] = category;
  out["tool"] = tool;
  out["request_id"] = request_id;
  out["duration_ms"] = std::chrono::duration<double, std::milli>(duration).count();
  if (!warning.empty()) out["warning"] = warning;
  return out;
}

MCP_HTM_INLINE std::string DispatchResult::to_json_text() const {
  // Error details may name any member, and override some: their merge is to_json()'s.
  if (error_ &&
      !(error_->details.is_null() || (error_->details.is_object() && error_->details.empty()))) {
    return to_json().dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  // The members in to_json()'s order (a std::map's: sorted by name).
  std::string out;
  out.reserve(160 + category.size() + tool.size() + warning.size() +
              (error_ ? error_->message.size() : 0));
  out += R"({"category":)";
  detail::append_json_string(out, category);
  out += R"(,"duration_ms":)";
  detail::append_json_number(out, std::chrono::duration<double, std::milli>(duration).count());
  if (error_) {
    out += R"(,"error":)";
    detail::append_json_string(out, error_->message);
    out += R"(,"error_code":)";
    detail::append_json_string(out, to_string(error_->code));
  }
  out += R"(,"request_id":)";
  detail::append_json_number(out, request_id);
  if (!error_) {
    out += R"(,"result":)";
    detail::append_json_value(out, value_);
  }
  out += error_ ? R"(,"status":"error")" : R"(,"status":"success")";
  out += R"(,"tool":)";
  detail::append_json_string(out, tool);
  if (!warning.empty()) {
    out += R"(,"warning":)";
    detail::append_json_string(out, warning);
  }
  out += '}';
  return out;
}

}  // namespace mcp
