// tests/typed_tool_test.cpp -- tools on C++ structs: derived schemas, conversions and their
// errors, and typed tools through the manager and the MCP server.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/hierarchical_tool_manager.hpp>
#include <mcp/json_schema.hpp>
#include <mcp/server.hpp>
#include <mcp/tool_category.hpp>
#include <mcp/typed_tool.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "support/run_awaitable.hpp"

namespace typed_test {

enum class Units { metric, imperial };
MCP_HTM_ENUM(Units, {Units::metric, "metric"}, {Units::imperial, "imperial"})

enum class Unnamed { a, b };

struct Point {
  double x = 0;
  double y = 0;
  MCP_HTM_FIELDS(Point, MCP_HTM_FIELD(x, "abscissa"), MCP_HTM_FIELD(y))
};

struct Everything {
  bool flag = false;
  int count = 0;
  std::uint8_t small = 0;
  std::int64_t big = 0;
  std::uint64_t huge = 0;
  double ratio = 0;
  float light = 0;
  std::string name;
  Units units = Units::metric;
  std::optional<std::string> note;
  std::vector<int> values;
  std::vector<bool> switches;
  Point origin;
  std::vector<Point> path;
  std::map<std::string, double> weights;
  mcp::Json extra;
  MCP_HTM_FIELDS(Everything, MCP_HTM_FIELD(flag),
                 MCP_HTM_FIELD(count, "How many", mcp::minimum(1), mcp::maximum(10)),
                 MCP_HTM_FIELD(small), MCP_HTM_FIELD(big), MCP_HTM_FIELD(huge),
                 MCP_HTM_FIELD(ratio, mcp::exclusive_minimum(0.0), mcp::exclusive_maximum(1.0)),
                 MCP_HTM_FIELD(light),
                 MCP_HTM_FIELD(name, "Who", mcp::min_length(1), mcp::max_length(20),
                               mcp::pattern("^[a-z]+$")),
                 MCP_HTM_FIELD(units), MCP_HTM_FIELD(note, mcp::format("email")),
                 MCP_HTM_FIELD(values, mcp::min_items(1), mcp::max_items(3)),
                 MCP_HTM_FIELD(switches), MCP_HTM_FIELD(origin), MCP_HTM_FIELD(path),
                 MCP_HTM_FIELD(weights), MCP_HTM_FIELD(extra))
};

struct AddArgs {
  double a = 0;
  double b = 0;
  MCP_HTM_FIELDS(AddArgs, MCP_HTM_FIELD(a, "First addend"), MCP_HTM_FIELD(b, "Second addend"))
};
struct Sum {
  double value = 0;
  MCP_HTM_FIELDS(Sum, MCP_HTM_FIELD(value))
};
struct Loose {
  std::optional<int> a;
  MCP_HTM_FIELDS(Loose, MCP_HTM_FIELD(a))
};
struct Counter {
  std::int64_t n = 0;
  MCP_HTM_FIELDS(Counter, MCP_HTM_FIELD(n))
};

}  // namespace typed_test

namespace {

using mcp::Json;
using typed_test::Everything;

Json valid_everything() {
  return {{"flag", true},
          {"count", 3},
          {"small", 200},
          {"big", -5},
          {"huge", 18446744073709551615ULL},
          {"ratio", 0.5},
          {"light", 1.5},
          {"name", "ada"},
          {"units", "imperial"},
          {"values", {1, 2}},
          {"switches", {true, false}},
          {"origin", {{"x", 1}, {"y", 2}}},
          {"path", {{{"x", 0}, {"y", 0}}, {{"x", 3}, {"y", 4}}}},
          {"weights", {{"a", 0.25}}},
          {"extra", {1, "two"}}};
}

/// The one violation `args` raises when converted to T.
template <class T>
mcp::SchemaViolation conversion_failure(Json args) {
  try {
    (void)mcp::from_arguments<T>(std::move(args));
  } catch (const mcp::InvalidArguments& e) {
    REQUIRE(e.violations().size() == 1);
    return e.violations().front();
  }
  FAIL("the conversion succeeded");
  return {};
}

TEST_CASE("the schema of each supported type", "[typed]") {
  const Json schema = mcp::json_schema_of<Everything>();
  const Json expected = Json::parse(R"({
    "type": "object",
    "properties": {
      "flag": {"type": "boolean"},
      "count": {"type": "integer", "description": "How many", "minimum": 1, "maximum": 10},
      "small": {"type": "integer", "minimum": 0, "maximum": 255},
      "big": {"type": "integer"},
      "huge": {"type": "integer"},
      "ratio": {"type": "number", "exclusiveMinimum": 0.0, "exclusiveMaximum": 1.0},
      "light": {"type": "number"},
      "name": {"type": "string", "description": "Who", "minLength": 1, "maxLength": 20,
               "pattern": "^[a-z]+$"},
      "units": {"type": "string", "enum": ["metric", "imperial"]},
      "note": {"type": "string", "format": "email"},
      "values": {"type": "array", "items": {"type": "integer", "minimum": -2147483648,
                                            "maximum": 2147483647},
                 "minItems": 1, "maxItems": 3},
      "switches": {"type": "array", "items": {"type": "boolean"}},
      "origin": {"type": "object", "properties": {"x": {"type": "number",
                                                        "description": "abscissa"},
                                                  "y": {"type": "number"}},
                 "required": ["x", "y"]},
      "path": {"type": "array", "items": {"type": "object",
               "properties": {"x": {"type": "number", "description": "abscissa"},
                              "y": {"type": "number"}},
               "required": ["x", "y"]}},
      "weights": {"type": "object", "additionalProperties": {"type": "number"}},
      "extra": {}
    },
    "required": ["flag", "count", "small", "big", "huge", "ratio", "light", "name", "units",
                 "values", "switches", "origin", "path", "weights", "extra"]
  })");
  CHECK(schema == expected);
  // The derived schema is a schema, and validates like a hand-written one.
  const mcp::JsonSchema compiled(schema);
  CHECK(compiled.accepts(valid_everything()));
  Json bad = valid_everything();
  bad["count"] = 11;
  bad["name"] = "Ada";
  const auto violations = compiled.validate(bad);
  REQUIRE(violations.size() == 2);
  CHECK(violations[0].pointer == "/count");
  CHECK(violations[1].pointer == "/name");
  // A struct of optional members only has no "required".
  CHECK(mcp::json_schema_of<typed_test::Loose>() ==
        Json::parse(R"({"type": "object", "properties": {"a": {"type": "integer",
                        "minimum": -2147483648, "maximum": 2147483647}}})"));
}

TEST_CASE("arguments convert to the struct and back", "[typed]") {
  Json args = valid_everything();
  args["note"] = "ada@example.org";
  args["undeclared"] = "ignored";
  const Everything e = mcp::from_arguments<Everything>(args);
  CHECK(e.flag);
  CHECK(e.count == 3);
  CHECK(e.small == 200);
  CHECK(e.big == -5);
  CHECK(e.huge == std::numeric_limits<std::uint64_t>::max());
  CHECK(e.ratio == 0.5);
  CHECK(e.light == 1.5F);
  CHECK(e.name == "ada");
  CHECK(e.units == typed_test::Units::imperial);
  CHECK(e.note == "ada@example.org");
  CHECK(e.values == std::vector<int>{1, 2});
  CHECK(e.switches == std::vector<bool>{true, false});
  CHECK(e.origin.y == 2);
  REQUIRE(e.path.size() == 2);
  CHECK(e.path[1].x == 3);
  CHECK(e.weights == std::map<std::string, double>{{"a", 0.25}});
  CHECK(e.extra == Json{1, "two"});
  Json back = mcp::to_json_value(e);
  args.erase("undeclared");
  CHECK(back == args);
  // nlohmann's conversions come with the declaration.
  const Json via_nlohmann = e;
  CHECK(via_nlohmann == back);
  CHECK(via_nlohmann.get<Everything>().name == "ada");

  // A number with a zero fraction is an integer (the schema says so too); an absent or
  // null optional member is empty and is left out again.
  args["count"] = 4.0;
  args["note"] = nullptr;
  const Everything f = mcp::from_arguments<Everything>(args);
  CHECK(f.count == 4);
  CHECK_FALSE(f.note.has_value());
  CHECK_FALSE(mcp::to_json_value(f).contains("note"));
}

TEST_CASE("every conversion failure names its JSON pointer", "[typed]") {
  struct Case {
    const char* pointer;
    Json value;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"/flag", 1, "expected a boolean, got an integer"},
      {"/count", "3", "expected an integer, got a string"},
      {"/count", 2.5, "2.5 is not an integer"},
      {"/count", 3000000000LL,
       "3000000000 is out of the range of a 32-bit signed integer (-2147483648 to 2147483647)"},
      {"/small", -1, "-1 is out of the range of a 8-bit unsigned integer (0 to 255)"},
      {"/small", 256, "256 is out of the range of a 8-bit unsigned integer (0 to 255)"},
      {"/big", 18446744073709551615ULL,
       "18446744073709551615 is out of the range of a 64-bit signed integer "
       "(-9223372036854775808 to 9223372036854775807)"},
      {"/big", 1e19,
       "1e+19 is out of the range of a 64-bit signed integer (-9223372036854775808 to "
       "9223372036854775807)"},
      {"/huge", -1,
       "-1 is out of the range of a 64-bit unsigned integer (0 to 18446744073709551615)"},
      {"/ratio", true, "expected a number, got a boolean"},
      {"/light", 1e300, "1e+300 is out of the range of a float"},
      {"/name", nullptr, "expected a string, got null"},
      {"/units", "kelvin", "'kelvin' is not one of 'metric', 'imperial'"},
      {"/units", 0, "expected a string, got an integer"},
      {"/note", 5, "expected a string, got an integer"},
      {"/values", Json::object(), "expected an array, got an object"},
      {"/origin", Json::array(), "expected an object, got an array"},
      {"/weights", 1.5, "expected an object, got a number"},
  };
  for (const auto& c : cases) {
    Json args = valid_everything();
    args[std::string(c.pointer).substr(1)] = c.value;
    INFO(c.pointer << " = " << c.value.dump());
    const auto violation = conversion_failure<Everything>(args);
    CHECK(violation.pointer == c.pointer);
    CHECK(violation.reason == c.reason);
  }

  // Inside arrays, nested structs and maps (with RFC 6901 escapes).
  Json args = valid_everything();
  args["values"] = {1, "2"};
  auto v = conversion_failure<Everything>(args);
  CHECK(v.pointer == "/values/1");
  args = valid_everything();
  args["switches"] = {true, 0};
  v = conversion_failure<Everything>(args);
  CHECK(v.pointer == "/switches/1");
  CHECK(v.reason == "expected a boolean, got an integer");
  args = valid_everything();
  args["path"][1].erase("y");
  v = conversion_failure<Everything>(args);
  CHECK(v.pointer == "/path/1");
  CHECK(v.reason == "missing required property 'y'");
  args = valid_everything();
  args["path"][0]["x"] = "0";
  CHECK(conversion_failure<Everything>(args).pointer == "/path/0/x");
  args = valid_everything();
  args["weights"] = {{"a/b~c", "heavy"}};
  v = conversion_failure<Everything>(args);
  CHECK(v.pointer == "/weights/a~1b~0c");
  CHECK(v.reason == "expected a number, got a string");
  args = valid_everything();
  args.erase("flag");
  v = conversion_failure<Everything>(args);
  CHECK(v.pointer.empty());
  CHECK(v.reason == "missing required property 'flag'");
  v = conversion_failure<Everything>(Json::array());
  CHECK(v.pointer.empty());
  CHECK(v.reason == "expected an object, got an array");
}

/// Runs one dispatch on a fresh single-threaded loop.
mcp::DispatchResult dispatch(asio::io_context& io, mcp::HierarchicalToolManager& manager,
                             const char* tool, Json args) {
  return mcp::test::run_awaitable(io, manager.dispatch("calc", tool, std::move(args)));
}

class CalcCategory : public mcp::ToolCategory {
 public:
  CalcCategory() : ToolCategory("calc", "Typed arithmetic") {
    using typed_test::AddArgs;
    using typed_test::Counter;
    using typed_test::Sum;
    add_tool(mcp::ToolSpec("add", "Add two numbers"),
             [](AddArgs args) { return Sum{args.a + args.b}; });
    add_tool(mcp::ToolSpec("add_text", "Add two numbers, answer text"),
             [](const AddArgs& args) { return std::to_string(static_cast<int>(args.a + args.b)); });
    add_tool(mcp::ToolSpec("add_later", "Add after a timer"),
             [](AddArgs args) -> asio::awaitable<Sum> {
               asio::steady_timer timer(co_await asio::this_coro::executor);
               co_await timer.async_wait(asio::use_awaitable);
               co_return Sum{args.a + args.b};
             });
    add_tool(mcp::ToolSpec("add_json", "Add, answer Json"),
             [](AddArgs args, const mcp::RequestContext&) {
               return Json{{"sum", args.a + args.b}};
             });
    add_tool(mcp::ToolSpec("count", "Echo a 64-bit count"), [](Counter c) { return c; });
  }
};

TEST_CASE("typed tools through the manager", "[typed]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto calc = std::make_shared<CalcCategory>();
  manager.register_category(calc);

  const auto* add = calc->find_tool("add");
  REQUIRE(add != nullptr);
  CHECK(add->spec().input_schema == mcp::json_schema_of<typed_test::AddArgs>());
  CHECK(add->spec().output_schema == mcp::json_schema_of<typed_test::Sum>());
  CHECK_FALSE(calc->find_tool("add_text")->spec().output_schema.has_value());
  CHECK(calc->find_tool("add_later")->is_async());

  auto r = dispatch(io, manager, "add", {{"a", 1}, {"b", 2.5}});
  REQUIRE(r.ok());
  CHECK(r.value() == Json{{"value", 3.5}});
  r = dispatch(io, manager, "add_text", {{"a", 1}, {"b", 2}});
  REQUIRE(r.ok());
  CHECK(r.value() == "3");
  r = dispatch(io, manager, "add_later", {{"a", 2}, {"b", 2}});
  REQUIRE(r.ok());
  CHECK(r.value() == Json{{"value", 4.0}});
  r = dispatch(io, manager, "add_json", {{"a", 2}, {"b", 3}});
  REQUIRE(r.ok());
  CHECK(r.value() == Json{{"sum", 5.0}});

  // What the derived schema rejects is answered before the tool runs.
  r = dispatch(io, manager, "add", {{"a", "1"}, {"b", 2}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == mcp::ErrorCode::invalid_params);
  CHECK(r.error().details.at("errors").at(0).at("pointer") == "/a");

  // What passes the schema but does not fit the type is invalid_params with its pointer,
  // sync and async, and the breaker does not count it (threshold 5: 8 calls stay closed).
  for (int i = 0; i < 8; ++i) {
    r = dispatch(io, manager, "count", {{"n", 18446744073709551615ULL}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == mcp::ErrorCode::invalid_params);
  }
  CHECK(r.error().details.at("errors").at(0).at("pointer") == "/n");
  CHECK(r.error().message ==
        "invalid arguments for tool 'calc.count': /n: 18446744073709551615 is out of the range of "
        "a 64-bit signed integer (-9223372036854775808 to 9223372036854775807)");
  r = dispatch(io, manager, "add_later", {{"a", 1}, {"b", 2}, {"ignored", 1}});
  CHECK(r.ok());
  r = dispatch(io, manager, "count", {{"n", -7}});
  REQUIRE(r.ok());
  CHECK(r.value() == Json{{"n", -7}});
}

TEST_CASE("a typed tool refuses a hand-written schema beside the derived one", "[typed]") {
  mcp::ToolCategory category("c", "d");
  CHECK_THROWS_AS(
      category.add_tool(mcp::ToolSpec("t", "d", {{"type", "object"}, {"required", {"a"}}}),
                        [](typed_test::AddArgs) { return std::string(); }),
      std::invalid_argument);
  CHECK_THROWS_AS(
      category.add_tool(mcp::ToolSpec("t", "d").with_output_schema({{"type", "object"}}),
                        [](typed_test::AddArgs a) { return typed_test::Sum{a.a}; }),
      std::invalid_argument);
  // A Json tool may throw InvalidArguments itself: it is answered as invalid_params too.
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  auto calc = std::make_shared<mcp::ToolCategory>("calc", "hand-written");
  calc->add_tool(mcp::ToolSpec("check", "d"), [](Json) -> Json {
    throw mcp::InvalidArguments(std::vector<mcp::SchemaViolation>{{"/when", "not a date"}});
  });
  manager.register_category(calc);
  const auto r = dispatch(io, manager, "check", Json::object());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == mcp::ErrorCode::invalid_params);
  CHECK(r.error().details == Json{{"errors", {{{"pointer", "/when"}, {"reason", "not a date"}}}}});
}

/// Records every outgoing message.
class CaptureSink : public mcp::MessageSink {
 public:
  void send(std::string message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(Json::parse(message));
  }
  std::vector<Json> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(messages_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<Json> messages_;
};

TEST_CASE("a typed tool through the MCP server: outputSchema and structuredContent", "[typed]") {
  asio::io_context io;
  mcp::HierarchicalToolManager manager(io.get_executor());
  manager.register_category(std::make_shared<CalcCategory>());
  auto sink = std::make_shared<CaptureSink>();
  mcp::ServerOptions options;
  options.mode = mcp::ToolMode::flat;
  mcp::Server server(manager, sink, options);
  auto feed = [&](const Json& request) {
    asio::post(server.get_executor(),
               [&server, text = request.dump()] { server.handle_message(text); });
    io.restart();
    io.run();
    auto out = sink->take();
    REQUIRE(out.size() == 1);
    return out.front();
  };
  const Json list = feed({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}});
  const Json* add = nullptr;
  for (const auto& tool : list.at("result").at("tools")) {
    if (tool.at("name") == "calc.add") add = &tool;
  }
  REQUIRE(add != nullptr);
  CHECK(add->at("inputSchema") == mcp::json_schema_of<typed_test::AddArgs>());
  CHECK(add->at("outputSchema") == mcp::json_schema_of<typed_test::Sum>());

  const Json called =
      feed({{"jsonrpc", "2.0"},
            {"id", 2},
            {"method", "tools/call"},
            {"params", {{"name", "calc.add"}, {"arguments", {{"a", 2}, {"b", 3}}}}}});
  const Json& result = called.at("result");
  CHECK(result.at("structuredContent") == Json{{"value", 5.0}});
  CHECK(mcp::JsonSchema(add->at("outputSchema")).accepts(result.at("structuredContent")));
  CHECK_FALSE(result.value("isError", false));

  const Json failed =
      feed({{"jsonrpc", "2.0"},
            {"id", 3},
            {"method", "tools/call"},
            {"params", {{"name", "calc.count"}, {"arguments", {{"n", 18446744073709551615ULL}}}}}});
  CHECK(failed.at("result").at("isError") == true);
  CHECK(failed.at("result").at("content").at(0).at("text").get<std::string>().find(
            "/n: 18446744073709551615 is out of the range") != std::string::npos);
}

}  // namespace
