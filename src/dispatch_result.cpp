// src/dispatch_result.cpp -- DispatchResult accessors and JSON form.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/dispatch_result.hpp>

#include <stdexcept>

namespace mcp {

// No message here: a batch of N results is default-constructed on the hot path, and
// dispatch_parallel writes the message only into slots that really never started.
DispatchResult::DispatchResult() : error_(DispatchError{ErrorCode::cancelled, {}, nullptr}) {}

const Json& DispatchResult::value() const& {
  if (error_)
    throw std::logic_error("DispatchResult::value() called on an error: " + error_->message);
  return value_;
}

Json&& DispatchResult::value() && {
  if (error_)
    throw std::logic_error("DispatchResult::value() called on an error: " + error_->message);
  return std::move(value_);
}

const DispatchError& DispatchResult::error() const {
  if (!error_) throw std::logic_error("DispatchResult::error() called on a success");
  return *error_;
}

Json DispatchResult::to_json() const {
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

}  // namespace mcp
