// mcp/impl/request_context.ipp -- requests from a tool to the client: sampling, elicitation
// (form mode, with its answer checked against the form's schema) and roots.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/json_schema.hpp>
#include <mcp/request_context.hpp>

#include <fmt/format.h>

// GCC 12 false positive with Asio's awaitable frames (see src/server.cpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace mcp {
namespace detail::request_context_impl {

/// Form mode's schema subset (2025-11-25, `ElicitRequestFormParams.requestedSchema`): an
/// object of flat primitive properties; multi-select enums are arrays of strings.
MCP_HTM_INLINE void check_form_schema(const Json& schema) {
  auto fail = [](std::string_view why) {
    throw std::invalid_argument(fmt::format("elicitation form schema: {}", why));
  };
  if (!schema.is_object() || schema.value("type", "") != "object")
    fail("must be {\"type\": \"object\", ...}");
  const auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object())
    fail("needs \"properties\" (an object)");
  for (const auto& [name, property] : properties->items()) {
    const std::string type = property.is_object() ? property.value("type", "") : "";
    if (type == "string" || type == "number" || type == "integer" || type == "boolean") continue;
    if (type == "array" && property.contains("items") && property["items"].is_object()) continue;
    fail(
        fmt::format("property '{}' must be a string, number, integer, boolean or an array of "
                    "enum values (no nested objects)",
                    name));
  }
}

}  // namespace detail::request_context_impl
using namespace detail::request_context_impl;

MCP_HTM_INLINE asio::awaitable<Json> RequestReporter::ask_client(std::string method, Json,
                                                                 std::chrono::milliseconds) {
  throw ClientRequestError(
      ClientRequestError::Reason::no_client,
      fmt::format("{}: no client to ask (the call did not come from one)", method));
  co_return Json();  // unreachable; makes this a coroutine
}

MCP_HTM_INLINE asio::awaitable<Json> RequestContext::ask_client(
    std::string method, Json params, std::chrono::milliseconds timeout) const {
  if (!reporter_) {
    throw ClientRequestError(
        ClientRequestError::Reason::no_client,
        fmt::format("{}: no client to ask (the call did not come from one)", method));
  }
  auto reporter = reporter_;  // the context may not outlive the suspension
  co_return co_await reporter->ask_client(std::move(method), std::move(params), timeout);
}

MCP_HTM_INLINE asio::awaitable<Json> RequestContext::create_message(
    Json params, std::chrono::milliseconds timeout) const {
  Json result = co_await ask_client("sampling/createMessage", std::move(params), timeout);
  if (!result.is_object() || !result.contains("content") || !result.contains("role")) {
    throw ClientRequestError(ClientRequestError::Reason::invalid_answer,
                             "sampling/createMessage: the client's result has no role or content");
  }
  co_return result;
}

MCP_HTM_INLINE asio::awaitable<ElicitResult> RequestContext::elicit(
    std::string message, Json requested_schema, std::chrono::milliseconds timeout) const {
  check_form_schema(requested_schema);
  const JsonSchema schema(requested_schema);
  Json params = {{"message", std::move(message)}, {"requestedSchema", requested_schema}};
  Json result = co_await ask_client("elicitation/create", std::move(params), timeout);
  const std::string action = result.is_object() ? result.value("action", "") : "";
  if (action != "accept" && action != "decline" && action != "cancel") {
    throw ClientRequestError(ClientRequestError::Reason::invalid_answer,
                             "elicitation/create: the client's action is not accept, decline or "
                             "cancel");
  }
  ElicitResult out{action, nullptr};
  if (action == "accept") {
    out.content = result.value("content", Json::object());
    const auto violations = schema.validate(out.content);
    if (!violations.empty()) {
      throw ClientRequestError(
          ClientRequestError::Reason::invalid_answer,
          fmt::format("elicitation/create: the answer does not match the requested schema ({}: {})",
                      violations.front().pointer, violations.front().reason),
          0, out.content);
    }
  }
  co_return out;
}

MCP_HTM_INLINE asio::awaitable<Json> RequestContext::list_roots(
    std::chrono::milliseconds timeout) const {
  Json result = co_await ask_client("roots/list", Json::object(), timeout);
  if (!result.is_object() || !result.contains("roots") || !result["roots"].is_array()) {
    throw ClientRequestError(ClientRequestError::Reason::invalid_answer,
                             "roots/list: the client's result has no roots array");
  }
  co_return result["roots"];
}

}  // namespace mcp
