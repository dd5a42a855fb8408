// src/client/http/sse_reader.hpp -- reads a text/event-stream (Server-Sent Events) body
// into events as its bytes arrive, per the WHATWG event-stream format.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_SRC_CLIENT_HTTP_SSE_READER_HPP
#define MCP_HTM_SRC_CLIENT_HTTP_SSE_READER_HPP

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::client::http_detail {

/// One dispatched event.
struct SseEvent {
  std::string type = "message";  ///< the `event:` field, "message" when absent
  std::string data;              ///< the `data:` lines joined with "\n"
  std::string id;                ///< the last event id seen so far on the stream
};

/// Splits an event stream into events: lines end with CRLF, LF or CR (also split across
/// reads), `:` lines are comments, a blank line dispatches the event being built, and
/// events without data are not dispatched. An incomplete event at the end of the stream
/// is discarded, as the format says.
class SseReader {
 public:
  explicit SseReader(std::size_t max_event_bytes = std::size_t{64} << 20)
      : max_event_bytes_(max_event_bytes) {}

  /// Reads `chunk`; the events it completes are appended to `out`.
  void feed(std::string_view chunk, std::vector<SseEvent>& out);

  /// Events dropped because their data exceeded the limit.
  [[nodiscard]] std::size_t oversized_events() const noexcept { return oversized_; }
  /// The last event id seen (what a reconnection sends as Last-Event-ID).
  [[nodiscard]] const std::string& last_event_id() const noexcept { return last_id_; }
  /// The last `retry:` value (milliseconds), if any.
  [[nodiscard]] std::optional<unsigned long> retry_ms() const noexcept { return retry_ms_; }

 private:
  void line(std::string_view text, std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string pending_;  // a line without its end yet
  std::string type_;
  std::string data_;
  std::string last_id_;
  bool has_data_ = false;
  bool oversized_event_ = false;
  bool after_cr_ = false;  // the previous chunk ended with CR: a leading LF is its pair
  bool started_ = false;   // past a leading byte-order mark
  std::size_t oversized_ = 0;
  std::optional<unsigned long> retry_ms_;
};

}  // namespace mcp::client::http_detail

#endif  // MCP_HTM_SRC_CLIENT_HTTP_SSE_READER_HPP
