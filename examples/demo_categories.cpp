// examples/demo_categories.cpp -- the demo tool categories served by mcp-htm-server.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include "demo_categories.hpp"

#include <mcp/validator.hpp>

#include <asio/error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace demo {
namespace {

using mcp::Json;

Json number_pair_schema(std::string_view a, std::string_view b) {
  return {{"type", "object"},
          {"properties",
           {{"a", {{"type", "number"}, {"description", a}}},
            {"b", {{"type", "number"}, {"description", b}}}}},
          {"required", {"a", "b"}},
          {"additionalProperties", false}};
}

Json number_result_schema() {
  return {{"type", "object"},
          {"properties", {{"result", {{"type", "number"}}}}},
          {"required", {"result"}}};
}

Json text_schema(Json extra_properties = Json::object()) {
  Json properties = {{"text",
                      {{"type", "string"},
                       {"maxLength", 100000},
                       {"description", "The text (at most 100000 characters)."}}}};
  properties.update(extra_properties);
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", {"text"}},
          {"additionalProperties", false}};
}

/// The demo's validator: the Python original's input checks (UTF-8, length, unsafe
/// content such as `<script>` or `__import__`). Thread-safe; one for the process.
mcp::EnhancedParameterValidator& validator() {
  static mcp::EnhancedParameterValidator instance;
  return instance;
}

/// The `text` argument, checked and trimmed; a bad one throws ValidationError, which the
/// manager reports as a tool_error naming the parameter and the reason.
std::string checked_text(const Json& args) {
  return validator().validate_text_input(args.at("text").get_ref<const std::string&>(), 100000);
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::vector<double> values_of(const Json& args) {
  std::vector<double> values;
  for (const auto& v : args.at("values")) values.push_back(v.get<double>());
  return values;
}

Json values_schema() {
  return {{"type", "object"},
          {"properties",
           {{"values",
             {{"type", "array"},
              {"items", {{"type", "number"}}},
              {"minItems", 1},
              {"maxItems", 100000},
              {"description", "The numbers."}}}}},
          {"required", {"values"}},
          {"additionalProperties", false}};
}

/// What timing.wait_for_cancel saw, read by timing.cancellations (one set per process).
struct WaitCounters {
  std::atomic<std::int64_t> started{0};
  std::atomic<std::int64_t> waiting{0};
  std::atomic<std::int64_t> cancelled{0};
};
WaitCounters wait_counters;

}  // namespace

std::shared_ptr<mcp::ToolCategory> make_math() {
  auto math = std::make_shared<mcp::ToolCategory>("math", "Arithmetic on numbers");
  math->add_tool(mcp::ToolSpec("add", "Add two numbers: a + b.", number_pair_schema("first addend", "second addend")).with_output_schema(number_result_schema()),
                 [](Json args) {
                   return Json{{"result", args["a"].get<double>() + args["b"].get<double>()}};
                 });
  math->add_tool(mcp::ToolSpec("subtract", "Subtract two numbers: a - b.", number_pair_schema("minuend", "subtrahend")).with_output_schema(number_result_schema()),
                 [](Json args) {
                   return Json{{"result", args["a"].get<double>() - args["b"].get<double>()}};
                 });
  math->add_tool(mcp::ToolSpec("multiply", "Multiply two numbers: a * b.", number_pair_schema("first factor", "second factor")).with_output_schema(number_result_schema()),
                 [](Json args) {
                   return Json{{"result", args["a"].get<double>() * args["b"].get<double>()}};
                 });
  math->add_tool(mcp::ToolSpec("divide", "Divide two numbers: a / b. Dividing by zero is an error.", number_pair_schema("dividend", "divisor (not 0)")).with_output_schema(number_result_schema()),
                 [](Json args) {
                   const double b = args["b"].get<double>();
                   if (b == 0.0) throw std::domain_error("division by zero: b must not be 0");
                   return Json{{"result", args["a"].get<double>() / b}};
                 });
  math->add_tool(mcp::ToolSpec("sqrt", "Square root of a non-negative number x.", {{"type", "object"},
                                   {"properties", {{"x", {{"type", "number"}, {"minimum", 0}}}}},
                                   {"required", {"x"}},
                                   {"additionalProperties", false}}).with_output_schema(number_result_schema()),
                 [](Json args) { return Json{{"result", std::sqrt(args["x"].get<double>())}}; });
  return math;
}

std::shared_ptr<mcp::ToolCategory> make_text() {
  auto text = std::make_shared<mcp::ToolCategory>("text", "Text utilities (validated input)");
  text->add_tool(mcp::ToolSpec("word_count", "Count the words, characters (code points) and lines of a text.", text_schema()),
                 [](Json args) {
                   const std::string t = checked_text(args);
                   std::size_t chars = 0;
                   for (char c : t) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
                   return Json{{"words", words_of(t).size()},
                               {"characters", chars},
                               {"lines", 1 + std::count(t.begin(), t.end(), '\n')}};
                 });
  text->add_tool(mcp::ToolSpec("normalize", "Collapse runs of whitespace to one space and trim; optionally "
                                 "lower-case ASCII letters.", text_schema(
                      {{"lowercase", {{"type", "boolean"}, {"default", false}}}})),
                 [](Json args) {
                   const std::string t = checked_text(args);
                   std::string out;
                   for (const auto& w : words_of(t)) {
                     if (!out.empty()) out.push_back(' ');
                     out += w;
                   }
                   if (args.value("lowercase", false)) {
                     for (char& c : out) {
                       if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
                     }
                   }
                   return Json{{"text", std::move(out)}};
                 });
  text->add_tool(mcp::ToolSpec("validate", "Run the validator's text check: the trimmed text, or a "
                                           "tool error saying why it was rejected (invalid UTF-8, too "
                                           "long, empty, unsafe content such as <script> or __import__).",
                               text_schema()),
                 [](Json args) { return Json{{"valid", true}, {"text", checked_text(args)}}; });
  text->add_tool(mcp::ToolSpec("truncate", "Cut a text to at most max_chars code points, never inside a "
                                 "character; \"...\" marks a cut.", text_schema(
                      {{"max_chars", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100000}}}})),
                 [](Json args) {
                   const std::string t = checked_text(args);
                   const auto max = args.value("max_chars", std::size_t{100});
                   return Json{{"text", mcp::ToolCategory::summary_of(t, max)}};
                 });
  return text;
}

std::shared_ptr<mcp::ToolCategory> make_timing() {
  auto timing = std::make_shared<mcp::ToolCategory>("timing", "Tools that take time");
  timing->add_tool(mcp::ToolSpec("sleep_ms", "Wait ms milliseconds on an asio timer (no thread blocked), then answer. "
                      "Cancellable.", {{"type", "object"},
                        {"properties",
                         {{"ms", {{"type", "integer"}, {"minimum", 0}, {"maximum", 600000}}}}},
                        {"required", {"ms"}},
                        {"additionalProperties", false}}),
      [](Json args) -> asio::awaitable<Json> {
        const auto ms = args["ms"].get<std::int64_t>();
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
        co_await timer.async_wait(asio::use_awaitable);
        co_return Json{{"slept_ms", ms}};
      });
  timing->add_tool(mcp::ToolSpec("wait_for_cancel", "Wait (on an asio timer) until the call is cancelled, or at "
                      "most ms milliseconds. A cancellation the coroutine sees (operation_aborted) "
                      "is counted; timing.cancellations reads the counts (for end-to-end tests).",
                      {{"type", "object"},
                        {"properties",
                         {{"ms", {{"type", "integer"}, {"minimum", 0}, {"maximum", 600000}, {"default", 600000}}}}},
                        {"additionalProperties", false}}),
      [](Json args) -> asio::awaitable<Json> {
        const auto ms = args.value("ms", std::int64_t{600000});
        wait_counters.started.fetch_add(1, std::memory_order_relaxed);
        wait_counters.waiting.fetch_add(1, std::memory_order_relaxed);
        struct Leave {
          ~Leave() { wait_counters.waiting.fetch_sub(1, std::memory_order_relaxed); }
        } leave;
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
        try {
          co_await timer.async_wait(asio::use_awaitable);
        } catch (const std::system_error& e) {
          if (e.code() == asio::error::operation_aborted) {
            wait_counters.cancelled.fetch_add(1, std::memory_order_relaxed);
          }
          throw;
        }
        co_return Json{{"cancelled", false}, {"waited_ms", ms}};
      });
  timing->add_tool(mcp::ToolSpec("cancellations", "How many timing.wait_for_cancel calls started, are waiting now, "
                      "and saw their cancellation (operation_aborted) since the server started.",
                      {{"type", "object"}, {"additionalProperties", false}}),
                   [](Json) {
                     return Json{{"started", wait_counters.started.load(std::memory_order_relaxed)},
                                 {"waiting", wait_counters.waiting.load(std::memory_order_relaxed)},
                                 {"cancelled", wait_counters.cancelled.load(std::memory_order_relaxed)}};
                   });
  return timing;
}

std::shared_ptr<mcp::ToolCategory> make_faults() {
  auto faults = std::make_shared<mcp::ToolCategory>(
      "faults", "A tool that fails on request: watch the category's circuit breaker open");
  faults->add_tool(mcp::ToolSpec("flaky", "Succeed, or throw when fail is true. After 5 failures in a row the "
                      "category's circuit breaker opens and calls are rejected (circuit_open) "
                      "until it recovers.", {{"type", "object"},
                        {"properties",
                         {{"fail", {{"type", "boolean"}, {"default", false}}},
                          {"message", {{"type", "string"}, {"maxLength", 1000}}}}},
                        {"additionalProperties", false}}),
      [](Json args) {
        if (args.value("fail", false)) {
          throw std::runtime_error(args.value("message", std::string("flaky failed, as asked")));
        }
        return Json{{"ok", true}};
      });
  return faults;
}

std::shared_ptr<mcp::ToolCategory> make_util() {
  auto util = std::make_shared<mcp::ToolCategory>("util", "noop and echo (benchmark tools)");
  util->add_tool(mcp::ToolSpec("noop", "Does nothing; returns \"ok\".", {{"type", "object"}}),
                 [](Json) { return Json("ok"); });
  util->add_tool(mcp::ToolSpec("echo", "Returns its text argument.", {{"type", "object"},
                                   {"properties", {{"text", {{"type", "string"}}}}},
                                   {"required", {"text"}}}),
                 [](Json args) { return std::move(args["text"]); });
  return util;
}

std::shared_ptr<mcp::ToolCategory> make_stats() {
  auto stats = std::make_shared<mcp::ToolCategory>("stats", "Statistics of number lists");
  stats->add_tool(mcp::ToolSpec("mean", "Arithmetic mean.", values_schema()),
                  [](Json args) {
                    auto v = values_of(args);
                    double sum = 0;
                    for (double x : v) sum += x;
                    return Json{{"result", sum / static_cast<double>(v.size())}};
                  });
  stats->add_tool(mcp::ToolSpec("median", "Median.", values_schema()),
                  [](Json args) {
                    auto v = values_of(args);
                    std::sort(v.begin(), v.end());
                    const std::size_t n = v.size();
                    return Json{{"result", n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2}};
                  });
  stats->add_tool(mcp::ToolSpec("stdev", "Population standard deviation.", values_schema()),
                  [](Json args) {
                    auto v = values_of(args);
                    double mean = 0;
                    for (double x : v) mean += x;
                    mean /= static_cast<double>(v.size());
                    double var = 0;
                    for (double x : v) var += (x - mean) * (x - mean);
                    return Json{{"result", std::sqrt(var / static_cast<double>(v.size()))}};
                  });
  return stats;
}

std::shared_ptr<mcp::ToolCategory> make_admin(mcp::HierarchicalToolManager& manager) {
  auto admin = std::make_shared<mcp::ToolCategory>("admin", "Run-time administration");
  admin->add_tool(mcp::ToolSpec("register_extras", "Register the `extras` category (tool `hello`) now; clients are told "
                      "with notifications/tools/list_changed. Idempotent.", {{"type", "object"}, {"additionalProperties", false}}),
      [&manager](Json) {
        if (manager.has_category("extras")) return Json{{"registered", false}};
        auto extras = std::make_shared<mcp::ToolCategory>("extras", "Registered at run time");
        extras->add_tool(mcp::ToolSpec("hello", "Greets name.", {{"type", "object"},
                                           {"properties", {{"name", {{"type", "string"}}}}},
                                           {"required", {"name"}}}),
                         [](Json args) {
                           return Json(fmt::format("hello, {}", args["name"].get<std::string>()));
                         });
        try {
          manager.register_category(std::move(extras));
        } catch (const std::invalid_argument&) {
          return Json{{"registered", false}};  // a concurrent call won the race
        }
        return Json{{"registered", true}};
      });
  return admin;
}

void register_all(mcp::HierarchicalToolManager& manager) {
  manager.register_category(make_math());
  manager.register_category(make_text());
  manager.register_category(make_timing());
  manager.register_category(make_faults());
  manager.register_category(make_util());
  manager.register_category(make_admin(manager));
  manager.lazy_register_category("stats", mcp::CategoryLoader([] { return make_stats(); }),
                                 "Statistics of number lists (loaded on first use)");
}

}  // namespace demo
