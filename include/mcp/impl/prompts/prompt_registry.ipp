// mcp/impl/prompts/prompt_registry.ipp -- prompts: listing, argument validation, running.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/prompts/prompt_registry.hpp>

#include <algorithm>

#include <fmt/format.h>

// GCC 12 false positive with Asio's awaitable frames (see src/server.cpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace mcp {
namespace detail::prompt_registry_impl {

MCP_HTM_INLINE Json prompt_json(const PromptSpec& spec) {
  Json out = {{"name", spec.name}, {"description", spec.description}};
  if (!spec.title.empty()) out["title"] = spec.title;
  if (!spec.arguments.empty()) {
    Json args = Json::array();
    for (const auto& arg : spec.arguments) {
      Json a = {{"name", arg.name}, {"required", arg.required}};
      if (!arg.description.empty()) a["description"] = arg.description;
      args.push_back(std::move(a));
    }
    out["arguments"] = std::move(args);
  }
  return out;
}

/// The request's arguments checked against the prompt's: an object of strings, every
/// required one present, none unknown.
MCP_HTM_INLINE PromptArguments validate(const PromptSpec& spec, const Json& given) {
  PromptArguments out;
  if (!given.is_null() && !given.is_object()) {
    throw PromptError(fmt::format("prompt '{}': \"arguments\" must be an object", spec.name));
  }
  if (given.is_object()) {
    for (const auto& item : given.items()) {
      const std::string& name = item.key();
      const Json& value = item.value();
      const bool known = std::any_of(spec.arguments.begin(), spec.arguments.end(),
                                     [&](const PromptArgument& a) { return a.name == name; });
      if (!known) {
        throw PromptError(fmt::format("prompt '{}' has no argument '{}'", spec.name, name));
      }
      if (!value.is_string()) {
        throw PromptError(
            fmt::format("prompt '{}': argument '{}' must be a string", spec.name, name));
      }
      out.emplace(name, value.get<std::string>());
    }
  }
  for (const auto& arg : spec.arguments) {
    if (arg.required && !out.contains(arg.name)) {
      throw PromptError(
          fmt::format("prompt '{}': missing required argument '{}'", spec.name, arg.name));
    }
  }
  return out;
}

MCP_HTM_INLINE Json prompt_result(Json answer, const PromptSpec& spec) {
  if (answer.is_array()) answer = Json{{"messages", std::move(answer)}};
  if (!answer.is_object() || !answer.contains("messages") || !answer["messages"].is_array()) {
    throw std::runtime_error(fmt::format(
        "the handler of prompt '{}' returned neither messages nor a GetPromptResult", spec.name));
  }
  if (!answer.contains("description") && !spec.description.empty())
    answer["description"] = spec.description;
  return answer;
}

}  // namespace detail::prompt_registry_impl
using namespace detail::prompt_registry_impl;

MCP_HTM_INLINE void PromptRegistry::add_entry(PromptSpec spec, SyncPromptHandler sync,
                                              AsyncPromptHandler async) {
  if (spec.name.empty()) throw std::invalid_argument("a prompt needs a name");
  for (std::size_t i = 0; i < spec.arguments.size(); ++i) {
    if (spec.arguments[i].name.empty()) {
      throw std::invalid_argument(fmt::format("prompt '{}': an argument needs a name", spec.name));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.arguments[j].name == spec.arguments[i].name) {
        throw std::invalid_argument(fmt::format("prompt '{}': argument '{}' is declared twice",
                                                spec.name, spec.arguments[i].name));
      }
    }
  }
  auto entry =
      std::make_shared<const Entry>(Entry{std::move(spec), std::move(sync), std::move(async)});
  {
    const std::lock_guard lock(mutex_);
    auto same = std::find_if(prompts_.begin(), prompts_.end(),
                             [&](const auto& e) { return e->spec.name == entry->spec.name; });
    if (same != prompts_.end()) {
      *same = std::move(entry);
    } else {
      prompts_.push_back(std::move(entry));
    }
  }
  emit();
}

MCP_HTM_INLINE bool PromptRegistry::remove(std::string_view name) {
  bool removed = false;
  {
    const std::lock_guard lock(mutex_);
    removed = std::erase_if(prompts_, [&](const auto& e) { return e->spec.name == name; }) > 0;
  }
  if (removed) emit();
  return removed;
}

MCP_HTM_INLINE std::vector<Json> PromptRegistry::list() const {
  const std::lock_guard lock(mutex_);
  std::vector<Json> out;
  out.reserve(prompts_.size());
  for (const auto& e : prompts_) out.push_back(prompt_json(e->spec));
  return out;
}

MCP_HTM_INLINE std::shared_ptr<const PromptRegistry::Entry> PromptRegistry::find(
    std::string_view name) const {
  const std::lock_guard lock(mutex_);
  for (const auto& e : prompts_) {
    if (e->spec.name == name) return e;
  }
  return nullptr;
}

MCP_HTM_INLINE bool PromptRegistry::contains(std::string_view name) const {
  return find(name) != nullptr;
}

MCP_HTM_INLINE asio::awaitable<Json> PromptRegistry::get(std::string name, Json arguments,
                                                         RequestContext context) const {
  auto entry = find(name);
  if (!entry) throw PromptError(fmt::format("unknown prompt '{}'", name));
  PromptRequest request{validate(entry->spec, arguments), std::move(context)};
  Json answer;
  if (entry->sync) {
    answer = entry->sync(request);
  } else {
    answer = co_await entry->async(std::move(request));
  }
  co_return prompt_result(std::move(answer), entry->spec);
}

MCP_HTM_INLINE Completer PromptRegistry::completer(std::string_view prompt,
                                                   std::string_view argument) const {
  auto entry = find(prompt);
  if (!entry) return {};
  for (const auto& arg : entry->spec.arguments) {
    if (arg.name == argument) return arg.completer;
  }
  return {};
}

MCP_HTM_INLINE bool PromptRegistry::has_completers() const {
  const std::lock_guard lock(mutex_);
  for (const auto& e : prompts_) {
    for (const auto& arg : e->spec.arguments) {
      if (arg.completer) return true;
    }
  }
  return false;
}

MCP_HTM_INLINE std::size_t PromptRegistry::subscribe(Listener listener) {
  const std::lock_guard lock(mutex_);
  const std::size_t id = next_listener_++;
  listeners_.emplace(id, std::make_shared<const Listener>(std::move(listener)));
  return id;
}

MCP_HTM_INLINE void PromptRegistry::unsubscribe(std::size_t id) {
  const std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

MCP_HTM_INLINE void PromptRegistry::emit() {
  std::vector<std::shared_ptr<const Listener>> listeners;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) (*listener)();
}

}  // namespace mcp
