// mcp/impl/server_methods.ipp -- pagination, resource URIs and completion/complete for the
// protocol layer.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/detail/json_rpc.hpp>
#include <mcp/detail/server_methods.hpp>
#include <mcp/prompts/prompt_registry.hpp>
#include <mcp/resources/resource_registry.hpp>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace mcp::detail {

MCP_HTM_INLINE Json list_page(const std::vector<Json>& items, const Json& params,
                              std::size_t page_size, std::string_view key) {
  std::size_t offset = 0;
  if (auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
    const std::string* text = c->is_string() ? &c->get_ref<const std::string&>() : nullptr;
    const auto [end, ec] = text != nullptr
                               ? std::from_chars(text->data(), text->data() + text->size(), offset)
                               : std::from_chars_result{nullptr, std::errc::invalid_argument};
    if (text == nullptr || ec != std::errc() || end != text->data() + text->size() ||
        text->empty() || offset == 0 || offset >= items.size()) {
      throw MethodError(jsonrpc::invalid_params, "Invalid params: unknown or expired cursor");
    }
  }
  page_size = std::max<std::size_t>(page_size, 1);
  const std::size_t last = std::min(items.size(), offset + page_size);
  Json slice = Json::array();
  for (std::size_t i = offset; i < last; ++i) slice.push_back(items[i]);
  Json result = {{key, std::move(slice)}};
  if (last < items.size()) result["nextCursor"] = std::to_string(last);
  return result;
}

MCP_HTM_INLINE std::string resource_uri(const Json& params) {
  const auto uri = params.find("uri");
  if (uri == params.end() || !uri->is_string() || uri->get_ref<const std::string&>().empty()) {
    throw MethodError(jsonrpc::invalid_params,
                      "Invalid params: \"uri\" (a non-empty string) is missing");
  }
  return uri->get<std::string>();
}

MCP_HTM_INLINE Json complete(const ResourceRegistry* resources, const PromptRegistry* prompts,
                             const Json& params) {
  const auto ref = params.find("ref");
  const auto argument = params.find("argument");
  if (ref == params.end() || !ref->is_object() || !ref->contains("type") ||
      !(*ref)["type"].is_string()) {
    throw MethodError(jsonrpc::invalid_params,
                      "Invalid params: \"ref\" must be {\"type\": \"ref/prompt\" | "
                      "\"ref/resource\", ...}");
  }
  if (argument == params.end() || !argument->is_object() || !argument->contains("name") ||
      !(*argument)["name"].is_string() || !argument->contains("value") ||
      !(*argument)["value"].is_string()) {
    throw MethodError(jsonrpc::invalid_params,
                      "Invalid params: \"argument\" must be {\"name\": string, \"value\": string}");
  }
  const std::string& type = (*ref)["type"].get_ref<const std::string&>();
  const std::string& name = (*argument)["name"].get_ref<const std::string&>();
  const std::string& value = (*argument)["value"].get_ref<const std::string&>();
  std::map<std::string, std::string, std::less<>> context;
  if (auto c = params.find("context"); c != params.end() && c->is_object()) {
    if (auto a = c->find("arguments"); a != c->end() && a->is_object()) {
      for (const auto& [k, v] : a->items()) {
        if (v.is_string()) context.emplace(k, v.get<std::string>());
      }
    }
  }
  Completer completer;
  if (type == "ref/prompt") {
    const auto prompt = ref->find("name");
    if (prompt == ref->end() || !prompt->is_string()) {
      throw MethodError(jsonrpc::invalid_params, "Invalid params: a ref/prompt needs \"name\"");
    }
    const std::string& prompt_name = prompt->get_ref<const std::string&>();
    if (prompts == nullptr || !prompts->contains(prompt_name)) {
      throw MethodError(jsonrpc::invalid_params,
                        fmt::format("Invalid params: unknown prompt '{}'", prompt_name),
                        Json{{"prompt", prompt_name}});
    }
    completer = prompts->completer(prompt_name, name);
  } else if (type == "ref/resource") {
    const auto uri = ref->find("uri");
    if (uri == ref->end() || !uri->is_string()) {
      throw MethodError(jsonrpc::invalid_params, "Invalid params: a ref/resource needs \"uri\"");
    }
    const std::string& uri_text = uri->get_ref<const std::string&>();
    bool known = false;
    if (resources != nullptr) {
      for (const auto& t : resources->list_templates()) {
        if (t["uriTemplate"] == uri_text) known = true;
      }
      known = known || resources->contains(uri_text);
    }
    if (!known) {
      throw MethodError(jsonrpc::invalid_params,
                        fmt::format("Invalid params: unknown resource template '{}'", uri_text),
                        Json{{"uri", uri_text}});
    }
    completer = resources->completer(uri_text, name);
  } else {
    throw MethodError(jsonrpc::invalid_params,
                      fmt::format("Invalid params: unknown ref type '{}'", type));
  }
  std::vector<std::string> values;
  if (completer) values = completer(CompletionRequest{value, context});
  constexpr std::size_t most = 100;  // the spec's limit per response
  const std::size_t total = values.size();
  if (values.size() > most) values.resize(most);
  return Json{{"completion", {{"values", values}, {"total", total}, {"hasMore", total > most}}}};
}

}  // namespace mcp::detail
