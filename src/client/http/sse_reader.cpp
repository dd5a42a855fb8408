// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include "sse_reader.hpp"

#include <algorithm>
#include <charconv>

namespace mcp::client::http_detail {

void SseReader::feed(std::string_view chunk, std::vector<SseEvent>& out) {
  if (!started_) {
    // A UTF-8 byte-order mark may open the stream (possibly split across reads).
    constexpr std::string_view bom = "\xEF\xBB\xBF";
    pending_.append(chunk);
    if (pending_.size() < bom.size() && bom.starts_with(pending_)) return;
    started_ = true;
    chunk = {};
    std::string head = std::move(pending_);
    pending_.clear();
    std::string_view rest = head;
    if (rest.starts_with(bom)) rest.remove_prefix(bom.size());
    feed(rest, out);
    return;
  }
  if (after_cr_ && !chunk.empty() && chunk.front() == '\n') chunk.remove_prefix(1);
  after_cr_ = false;
  while (!chunk.empty()) {
    const auto end = chunk.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      // Bound what an endless line can buffer: past the limit it is only counted.
      if (pending_.size() + chunk.size() > max_event_bytes_) {
        oversized_event_ = true;
        pending_.clear();
      } else {
        pending_.append(chunk);
      }
      return;
    }
    if (pending_.empty()) {
      line(chunk.substr(0, end), out);
    } else {
      pending_.append(chunk.substr(0, end));
      line(pending_, out);
      pending_.clear();
    }
    const bool cr = chunk[end] == '\r';
    chunk.remove_prefix(end + 1);
    if (cr) {
      if (chunk.empty()) {
        after_cr_ = true;
      } else if (chunk.front() == '\n') {
        chunk.remove_prefix(1);
      }
    }
  }
}

void SseReader::line(std::string_view text, std::vector<SseEvent>& out) {
  if (text.empty()) {  // dispatch
    if (oversized_event_) {
      ++oversized_;
    } else if (has_data_) {
      SseEvent event;
      if (!type_.empty()) event.type = std::move(type_);
      event.data = std::move(data_);
      event.id = last_id_;
      out.push_back(std::move(event));
    }
    type_.clear();
    data_.clear();
    has_data_ = false;
    oversized_event_ = false;
    return;
  }
  if (text.front() == ':') return;  // a comment (keep-alives)
  std::string_view field = text;
  std::string_view value;
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    field = text.substr(0, colon);
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (oversized_event_) return;
    if (data_.size() + value.size() + 1 > max_event_bytes_) {
      oversized_event_ = true;
      data_.clear();
      return;
    }
    if (has_data_) data_ += '\n';
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    type_ = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_ = std::string(value);
  } else if (field == "retry") {
    unsigned long ms = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc{} && end == value.data() + value.size() && !value.empty()) retry_ms_ = ms;
  }
  // Other fields are ignored, as the format says.
}

}  // namespace mcp::client::http_detail
