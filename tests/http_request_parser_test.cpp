// tests/http_request_parser_test.cpp -- RequestParser: framing, pipelining, limits.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/http/request_parser.hpp>
#include <mcp/http/response.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

using mcp::http::ParserLimits;
using mcp::http::RequestParser;

namespace {
bool feed(RequestParser& parser, std::string_view text) {
  return parser.feed(text.data(), text.size());
}
}  // namespace

TEST_CASE("a request split across reads at every byte is parsed whole", "[http]") {
  const std::string text =
      "POST /mcp?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type:  application/json  \r\n"
      "Content-Length: 7\r\n\r\n{\"a\":1}";
  RequestParser parser;
  for (char c : text) REQUIRE(parser.feed(&c, 1));
  REQUIRE(parser.ready().size() == 1);
  const auto& r = parser.ready().front();
  CHECK(r.method == "POST");
  CHECK(r.target == "/mcp?x=1");
  CHECK(r.path() == "/mcp");
  CHECK(r.header("host") == "localhost:8080");
  CHECK(r.header("CONTENT-TYPE") == "application/json");
  CHECK(r.body == "{\"a\":1}");
  CHECK(r.keep_alive);
  CHECK_FALSE(parser.in_message());
}

TEST_CASE("pipelined requests come out in order; a chunked body is de-chunked", "[http]") {
  RequestParser parser;
  REQUIRE(feed(parser,
               "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
               "POST /mcp HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n"
               "DELETE /mcp HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  REQUIRE(parser.ready().size() == 3);
  CHECK(parser.ready()[0].method == "GET");
  CHECK(parser.ready()[1].body == "{\"a\":1}");
  CHECK(parser.ready()[2].method == "DELETE");
  CHECK_FALSE(parser.ready()[2].keep_alive);
}

TEST_CASE("a partial request is reported as in progress", "[http]") {
  RequestParser parser;
  REQUIRE(feed(parser, "POST /mcp HTTP/1.1\r\nHost: a\r\n"));
  CHECK(parser.in_message());
  CHECK_FALSE(parser.headers_complete());
  REQUIRE(feed(parser, "Content-Length: 2\r\n\r\n{"));
  CHECK(parser.headers_complete());
  CHECK(parser.ready().empty());
  REQUIRE(feed(parser, "}"));
  CHECK(parser.ready().size() == 1);
}

TEST_CASE("limits: a declared body over the limit is 413 before it is read", "[http]") {
  RequestParser parser(ParserLimits{1024, 10});
  CHECK_FALSE(feed(parser, "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"));
  REQUIRE(parser.error() != nullptr);
  CHECK(parser.error()->status == 413);
  CHECK_FALSE(feed(parser, "GET / HTTP/1.1\r\n\r\n"));  // nothing more after an error
}

TEST_CASE("limits: a chunked body growing over the limit is 413", "[http]") {
  RequestParser parser(ParserLimits{1024, 10});
  CHECK_FALSE(feed(parser,
                   "POST /mcp HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "8\r\n12345678\r\n8\r\n12345678\r\n"));
  REQUIRE(parser.error() != nullptr);
  CHECK(parser.error()->status == 413);
}

TEST_CASE("limits: headers over the limit are 431", "[http]") {
  RequestParser parser(ParserLimits{64, 1024});
  CHECK_FALSE(feed(parser, "GET /mcp HTTP/1.1\r\nHost: a\r\nX-Long: " + std::string(100, 'x') +
                               "\r\n\r\n"));
  REQUIRE(parser.error() != nullptr);
  CHECK(parser.error()->status == 431);
}

TEST_CASE("malformed framing is 400 with llhttp's reason", "[http]") {
  RequestParser parser;
  CHECK_FALSE(feed(parser, "NOT A REQUEST\r\n\r\n"));
  REQUIRE(parser.error() != nullptr);
  CHECK(parser.error()->status == 400);
  CHECK(parser.error()->reason.find("malformed") != std::string::npos);
}

TEST_CASE("responses: head framing and chunks", "[http]") {
  const auto head = mcp::http::serialize_head(202, {{"X-A", "1"}}, 0, false, false);
  CHECK(head == "HTTP/1.1 202 Accepted\r\nX-A: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  const auto chunked = mcp::http::serialize_head(200, {}, 0, true, true);
  CHECK(chunked == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string out;
  mcp::http::append_chunk(out, std::string(26, 'z'));
  CHECK(out == "1a\r\n" + std::string(26, 'z') + "\r\n");
}
