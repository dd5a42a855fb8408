// mcp/content.hpp -- content blocks (text, image, audio, resource links, embedded
// resources) and a CallToolResult, built for tool, prompt and resource authors.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_CONTENT_HPP
#define MCP_HTM_CONTENT_HPP

#include <mcp/json.hpp>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

/// MCP content blocks (protocol revision 2025-11-25, `ContentBlock`) as Json.
/**
 * A tool that returns `mcp::content::result({...})` has its CallToolResult passed
 * through as it is (flat mode); a prompt's messages and an embedded resource use the
 * same blocks.
 * @code
 * mcp::Json answer() {
 *   return mcp::content::result({mcp::content::text("done"),
 *                                mcp::content::image("iVBORw0KGgo=", "image/png")});
 * }
 * @endcode
 */
namespace mcp::content {

/// `{"type": "text", "text": ...}`.
inline Json text(std::string value) { return Json{{"type", "text"}, {"text", std::move(value)}}; }

/// `{"type": "image", "data": <base64>, "mimeType": ...}`.
inline Json image(std::string base64_data, std::string mime_type) {
  return Json{
      {"type", "image"}, {"data", std::move(base64_data)}, {"mimeType", std::move(mime_type)}};
}

/// `{"type": "audio", "data": <base64>, "mimeType": ...}`.
inline Json audio(std::string base64_data, std::string mime_type) {
  return Json{
      {"type", "audio"}, {"data", std::move(base64_data)}, {"mimeType", std::move(mime_type)}};
}

/// `{"type": "resource_link", "uri": ..., "name": ...}` (and mimeType, description when
/// not empty): a resource the client may read with resources/read.
inline Json resource_link(std::string uri, std::string name, std::string mime_type = {},
                          std::string description = {}) {
  Json out = {{"type", "resource_link"}, {"uri", std::move(uri)}, {"name", std::move(name)}};
  if (!mime_type.empty()) out["mimeType"] = std::move(mime_type);
  if (!description.empty()) out["description"] = std::move(description);
  return out;
}

/// Text resource contents `{"uri", "mimeType", "text"}` (resources/read, embedded).
inline Json text_contents(std::string uri, std::string value,
                          std::string mime_type = "text/plain") {
  Json out = {{"uri", std::move(uri)}, {"text", std::move(value)}};
  if (!mime_type.empty()) out["mimeType"] = std::move(mime_type);
  return out;
}

/// Binary resource contents `{"uri", "mimeType", "blob": <base64>}`.
inline Json blob_contents(std::string uri, std::string base64_data, std::string mime_type) {
  Json out = {{"uri", std::move(uri)}, {"blob", std::move(base64_data)}};
  if (!mime_type.empty()) out["mimeType"] = std::move(mime_type);
  return out;
}

/// `{"type": "resource", "resource": <contents>}`: a resource embedded in a result;
/// `contents` is text_contents() or blob_contents().
inline Json embedded(Json contents) {
  return Json{{"type", "resource"}, {"resource", std::move(contents)}};
}

/// A CallToolResult `{"content": [...]}` (with `"isError": true` when `is_error`).
inline Json result(std::vector<Json> blocks, bool is_error = false) {
  Json out = {{"content", Json(std::move(blocks))}};
  if (is_error) out["isError"] = true;
  return out;
}

/// A CallToolResult of one text block.
inline Json text_result(std::string value, bool is_error = false) {
  return result({text(std::move(value))}, is_error);
}

}  // namespace mcp::content

#endif  // MCP_HTM_CONTENT_HPP
