// mcp/impl/tool_category.ipp -- ToolCategory registration, listing and schema cache.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/detail/identifier.hpp>
#include <mcp/tool_category.hpp>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace mcp {
namespace detail {

MCP_HTM_INLINE void check_identifier(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 128) {
    throw std::invalid_argument(
        fmt::format("{} name must have 1 to 128 characters, got {}", what, name.size()));
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      throw std::invalid_argument(
          fmt::format("{} name '{}' may only hold letters, digits, '_', '-' and '.'", what, name));
    }
  }
}

}  // namespace detail
namespace detail::tool_category_impl {

MCP_HTM_INLINE JsonSchema compile_input_schema(const ToolSpec& spec) {
  try {
    return JsonSchema(spec.input_schema);
  } catch (const SchemaError& e) {
    throw SchemaError(fmt::format("tool '{}': invalid inputSchema: {}", spec.name, e.what()));
  }
}

}  // namespace detail::tool_category_impl
using namespace detail::tool_category_impl;

MCP_HTM_INLINE Tool::Tool(ToolSpec spec, SyncToolHandler handler)
    : spec_((detail::check_identifier("tool", spec.name), std::move(spec))),
      input_schema_(compile_input_schema(spec_)),
      sync_handler_(std::move(handler)) {
  if (!sync_handler_) throw std::invalid_argument("tool '" + spec_.name + "': empty handler");
}

MCP_HTM_INLINE Tool::Tool(ToolSpec spec, AsyncToolHandler handler)
    : spec_((detail::check_identifier("tool", spec.name), std::move(spec))),
      input_schema_(compile_input_schema(spec_)),
      async_handler_(std::move(handler)) {
  if (!async_handler_) throw std::invalid_argument("tool '" + spec_.name + "': empty handler");
}

// The plain handlers of a contextual tool call it without a client (an empty context),
// so code that reads sync_handler() / async_handler() keeps working.
MCP_HTM_INLINE Tool::Tool(ToolSpec spec, ContextualSyncToolHandler handler)
    : spec_((detail::check_identifier("tool", spec.name), std::move(spec))),
      input_schema_(compile_input_schema(spec_)),
      contextual_sync_(std::move(handler)) {
  if (!contextual_sync_) throw std::invalid_argument("tool '" + spec_.name + "': empty handler");
  sync_handler_ = [h = contextual_sync_](Json args) {
    return h(std::move(args), RequestContext{});
  };
}

MCP_HTM_INLINE Tool::Tool(ToolSpec spec, ContextualAsyncToolHandler handler)
    : spec_((detail::check_identifier("tool", spec.name), std::move(spec))),
      input_schema_(compile_input_schema(spec_)),
      contextual_async_(std::move(handler)) {
  if (!contextual_async_) throw std::invalid_argument("tool '" + spec_.name + "': empty handler");
  async_handler_ = [h = contextual_async_](Json args) {
    return h(std::move(args), RequestContext{});
  };
}

MCP_HTM_INLINE ToolCategory::ToolCategory(std::string name, std::string description)
    : name_(std::move(name)), description_(std::move(description)) {
  detail::check_identifier("category", name_);
}

MCP_HTM_INLINE ToolCategory::~ToolCategory() = default;

MCP_HTM_INLINE const Tool& ToolCategory::add(std::unique_ptr<Tool> tool) {
  if (by_name_.contains(tool->name())) {
    throw std::invalid_argument(
        fmt::format("category '{}' already has a tool named '{}'", name_, tool->name()));
  }
  auto pos = std::lower_bound(tools_.begin(), tools_.end(), tool->name(),
                              [](const auto& t, const std::string& n) { return t->name() < n; });
  const Tool& added = **tools_.insert(pos, std::move(tool));
  by_name_.emplace(added.name(), &added);
  return added;
}

MCP_HTM_INLINE std::string ToolCategory::summary_of(std::string_view description,
                                                    std::size_t max_chars) {
  auto line = description.substr(0, description.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  // Count code points so that a multi-byte character is never split.
  std::size_t chars = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) return std::string(line.substr(0, i)) + "...";
    ++chars;
  }
  return std::string(line);
}

MCP_HTM_INLINE std::vector<ToolSummary> ToolCategory::list_tools() const {
  std::vector<ToolSummary> out;
  out.reserve(tools_.size());
  for (const auto& tool : tools_)
    out.push_back({tool->name(), summary_of(tool->spec().description)});
  return out;
}

MCP_HTM_INLINE std::vector<std::string> ToolCategory::tool_names() const {
  std::vector<std::string> out;
  out.reserve(tools_.size());
  for (const auto& tool : tools_) out.push_back(tool->name());
  return out;
}

MCP_HTM_INLINE Json ToolAnnotations::to_json() const {
  Json out = Json::object();
  if (read_only) out["readOnlyHint"] = *read_only;
  if (destructive) out["destructiveHint"] = *destructive;
  if (idempotent) out["idempotentHint"] = *idempotent;
  if (open_world) out["openWorldHint"] = *open_world;
  return out;
}

MCP_HTM_INLINE void ToolSpec::add_display_fields(Json& def) const {
  if (!title.empty()) def["title"] = title;
  if (annotations) def["annotations"] = annotations->to_json();
  if (!icons.empty()) def["icons"] = icons;
  if (meta) def["_meta"] = *meta;
}

MCP_HTM_INLINE std::shared_ptr<const Json> ToolCategory::schema(std::string_view tool_name) const {
  const Tool* tool = find_tool(tool_name);
  if (tool == nullptr) return nullptr;
  {
    std::lock_guard lock(schema_mutex_);
    if (auto it = schema_cache_.find(tool_name); it != schema_cache_.end()) {
      schema_hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second;
    }
  }
  // Built outside the lock; two racing misses build twice and keep the first.
  const ToolSpec& spec = tool->spec();
  Json full = {
      {"name", spec.name}, {"description", spec.description}, {"inputSchema", spec.input_schema}};
  if (spec.output_schema) full["outputSchema"] = *spec.output_schema;
  if (spec.deprecated) {
    full["deprecated"] = true;
    full["deprecationMessage"] = spec.deprecation_message;
  }
  if (spec.timeout) full["timeoutMs"] = spec.timeout->count();
  spec.add_display_fields(full);
  auto built = std::make_shared<const Json>(std::move(full));
  schema_misses_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(schema_mutex_);
  return schema_cache_.try_emplace(std::string(tool_name), std::move(built)).first->second;
}

MCP_HTM_INLINE SchemaCacheStats ToolCategory::schema_cache_stats() const {
  std::lock_guard lock(schema_mutex_);
  return {schema_hits_.load(std::memory_order_relaxed),
          schema_misses_.load(std::memory_order_relaxed), schema_cache_.size()};
}

MCP_HTM_INLINE void ToolCategory::clear_schema_cache() {
  std::lock_guard lock(schema_mutex_);
  schema_cache_.clear();
}

}  // namespace mcp
