// mcp/impl/resources/resource_registry.ipp -- static resources and templates: lookup, reading,
// completers, change listeners.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/resources/resource_registry.hpp>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

// GCC 12 false positive with Asio's awaitable frames (see src/server.cpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace mcp {
namespace detail::resource_registry_impl {

MCP_HTM_INLINE Json spec_json(const ResourceSpec& spec, bool is_template) {
  Json out = {{is_template ? "uriTemplate" : "uri", spec.uri}, {"name", spec.name}};
  if (!spec.title.empty()) out["title"] = spec.title;
  if (!spec.description.empty()) out["description"] = spec.description;
  if (!spec.mime_type.empty()) out["mimeType"] = spec.mime_type;
  return out;
}

/// A handler's answer as a ReadResourceResult: one contents object or an array of them;
/// a contents object without a uri gets the one read, without a mimeType the spec's.
MCP_HTM_INLINE Json read_result(Json answer, const std::string& uri, const std::string& mime_type) {
  if (answer.is_object() && answer.contains("contents")) return answer;
  Json contents = answer.is_array() ? std::move(answer) : Json::array({std::move(answer)});
  for (auto& item : contents) {
    if (!item.is_object()) {
      throw std::runtime_error(
          fmt::format("the handler of resource '{}' returned a contents item that is not an "
                      "object",
                      uri));
    }
    if (!item.contains("text") && !item.contains("blob")) {
      throw std::runtime_error(fmt::format(
          "the handler of resource '{}' returned contents without \"text\" or \"blob\"", uri));
    }
    if (!item.contains("uri")) item["uri"] = uri;
    if (!mime_type.empty() && !item.contains("mimeType")) item["mimeType"] = mime_type;
  }
  return Json{{"contents", std::move(contents)}};
}

}  // namespace detail::resource_registry_impl
using namespace detail::resource_registry_impl;

MCP_HTM_INLINE ResourceNotFound::ResourceNotFound(const std::string& uri)
    : std::runtime_error(fmt::format("Resource not found: {}", uri)), uri_(uri) {}

MCP_HTM_INLINE void ResourceRegistry::add_entry(
    bool is_template, ResourceSpec spec, Handler handler,
    std::map<std::string, Completer, std::less<>> completers) {
  if (spec.uri.empty()) throw std::invalid_argument("a resource needs a URI");
  if (spec.name.empty()) throw std::invalid_argument("a resource needs a name");
  auto entry = std::make_shared<Entry>(
      Entry{std::move(spec), std::nullopt, std::move(handler), std::move(completers)});
  if (is_template) {
    entry->uri_template.emplace(entry->spec.uri);  // throws for a bad template
    const auto names = entry->uri_template->variables();
    for (const auto& [variable, completer] : entry->completers) {
      if (std::find(names.begin(), names.end(), variable) == names.end()) {
        throw std::invalid_argument(fmt::format(
            "resource template '{}' has no variable '{}' to complete", entry->spec.uri, variable));
      }
    }
  }
  const std::string uri = entry->spec.uri;
  {
    const std::lock_guard lock(mutex_);
    auto& list = is_template ? templates_ : resources_;
    auto same = std::find_if(list.begin(), list.end(),
                             [&](const auto& e) { return e->spec.uri == entry->spec.uri; });
    if (!is_template) by_uri_[uri] = entry;
    if (same != list.end()) {
      *same = std::move(entry);
    } else {
      list.push_back(std::move(entry));
    }
  }
  emit(Change::list_changed, uri);
}

MCP_HTM_INLINE bool ResourceRegistry::remove(std::string_view uri) {
  bool removed = false;
  {
    const std::lock_guard lock(mutex_);
    for (auto* list : {&resources_, &templates_}) {
      const auto before = list->size();
      std::erase_if(*list, [&](const auto& e) { return e->spec.uri == uri; });
      removed = removed || list->size() != before;
    }
    if (auto it = by_uri_.find(uri); it != by_uri_.end()) by_uri_.erase(it);
  }
  if (removed) emit(Change::list_changed, std::string(uri));
  return removed;
}

MCP_HTM_INLINE void ResourceRegistry::notify_updated(const std::string& uri) {
  emit(Change::updated, uri);
}

MCP_HTM_INLINE std::vector<Json> ResourceRegistry::list() const {
  const std::lock_guard lock(mutex_);
  std::vector<Json> out;
  out.reserve(resources_.size());
  for (const auto& e : resources_) out.push_back(spec_json(e->spec, false));
  return out;
}

MCP_HTM_INLINE std::vector<Json> ResourceRegistry::list_templates() const {
  const std::lock_guard lock(mutex_);
  std::vector<Json> out;
  out.reserve(templates_.size());
  for (const auto& e : templates_) out.push_back(spec_json(e->spec, true));
  return out;
}

MCP_HTM_INLINE std::shared_ptr<const ResourceRegistry::Entry> ResourceRegistry::find(
    std::string_view uri, UriVariables& vars) const {
  const std::lock_guard lock(mutex_);
  if (auto it = by_uri_.find(uri); it != by_uri_.end()) return it->second;
  for (const auto& e : templates_) {
    if (auto matched = e->uri_template->match(uri)) {
      vars = std::move(*matched);
      return e;
    }
  }
  return nullptr;
}

MCP_HTM_INLINE bool ResourceRegistry::contains(std::string_view uri) const {
  UriVariables vars;
  return find(uri, vars) != nullptr;
}

MCP_HTM_INLINE std::optional<Json> ResourceRegistry::read_now(std::string_view uri,
                                                              const RequestContext& context) const {
  UriVariables vars;
  auto entry = find(uri, vars);
  if (!entry) throw ResourceNotFound(std::string(uri));
  if (!entry->handler.sync) return std::nullopt;
  ResourceRead read{std::string(uri), std::move(vars), context};
  return read_result(entry->handler.sync(read), read.uri, entry->spec.mime_type);
}

MCP_HTM_INLINE asio::awaitable<Json> ResourceRegistry::read(std::string uri,
                                                            RequestContext context) const {
  UriVariables vars;
  auto entry = find(uri, vars);
  if (!entry) throw ResourceNotFound(uri);
  ResourceRead read{uri, std::move(vars), std::move(context)};
  Json answer;
  if (entry->handler.sync) {
    answer = entry->handler.sync(read);
  } else {
    answer = co_await entry->handler.async(std::move(read));
  }
  co_return read_result(std::move(answer), uri, entry->spec.mime_type);
}

MCP_HTM_INLINE Completer ResourceRegistry::completer(std::string_view uri_template,
                                                     std::string_view variable) const {
  const std::lock_guard lock(mutex_);
  for (const auto& e : templates_) {
    if (e->spec.uri != uri_template) continue;
    if (auto it = e->completers.find(variable); it != e->completers.end()) return it->second;
  }
  return {};
}

MCP_HTM_INLINE bool ResourceRegistry::has_completers() const {
  const std::lock_guard lock(mutex_);
  return std::any_of(templates_.begin(), templates_.end(),
                     [](const auto& e) { return !e->completers.empty(); });
}

MCP_HTM_INLINE std::size_t ResourceRegistry::subscribe(Listener listener) {
  const std::lock_guard lock(mutex_);
  const std::size_t id = next_listener_++;
  listeners_.emplace(id, std::make_shared<const Listener>(std::move(listener)));
  return id;
}

MCP_HTM_INLINE void ResourceRegistry::unsubscribe(std::size_t id) {
  const std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

MCP_HTM_INLINE void ResourceRegistry::emit(Change change, const std::string& uri) {
  std::vector<std::shared_ptr<const Listener>> listeners;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) (*listener)(change, uri);
}

}  // namespace mcp
