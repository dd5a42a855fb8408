// mcp/tool_category.hpp -- the base class users derive from to write their tools.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_TOOL_CATEGORY_HPP
#define MCP_HTM_TOOL_CATEGORY_HPP

#include <mcp/json.hpp>
#include <mcp/json_schema.hpp>
#include <mcp/request_context.hpp>
#include <mcp/typed_tool.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <asio/awaitable.hpp>

namespace mcp {

/// A handler for work that does not wait: called inline, no coroutine frame, no hop.
using SyncToolHandler = std::function<Json(Json args)>;
/// A handler for work that waits on I/O or timers; cancelled through Asio cancellation.
using AsyncToolHandler = std::function<asio::awaitable<Json>(Json args)>;
/// A synchronous tool that reports progress or logs through its request (RequestContext).
using ContextualSyncToolHandler = std::function<Json(Json args, const RequestContext& context)>;
/// A coroutine tool that reports progress or logs through its request (RequestContext).
using ContextualAsyncToolHandler =
    std::function<asio::awaitable<Json>(Json args, RequestContext context)>;

/// Hints about a tool's behaviour (MCP `ToolAnnotations`); a client must not trust them
/// for security decisions. Each is sent only when set.
struct ToolAnnotations {
  std::optional<bool> read_only;    ///< readOnlyHint: the tool does not modify anything
  std::optional<bool> destructive;  ///< destructiveHint: it may delete or overwrite
  std::optional<bool> idempotent;   ///< idempotentHint: repeating a call changes nothing more
  std::optional<bool> open_world;   ///< openWorldHint: it reaches outside systems

  ToolAnnotations& read_only_hint(bool value = true) {
    read_only = value;
    return *this;
  }
  ToolAnnotations& destructive_hint(bool value = true) {
    destructive = value;
    return *this;
  }
  ToolAnnotations& idempotent_hint(bool value = true) {
    idempotent = value;
    return *this;
  }
  ToolAnnotations& open_world_hint(bool value = true) {
    open_world = value;
    return *this;
  }
  /// The `annotations` object (only the hints that are set; `title` is the spec's own).
  [[nodiscard]] Json to_json() const;
};

/// The description of one tool, as a client sees it.
/**
 * Built with a constructor and chainable setters rather than designated initializers,
 * because GCC 12 warns (-Wmissing-field-initializers) on every partial designated
 * initializer, which would put warnings into host builds.
 */
/// @code
/// mcp::ToolSpec search_spec() {
///   return mcp::ToolSpec("search", "Full-text search")
///       .with_input_schema({{"type", "object"}, {"required", {"query"}}})
///       .with_timeout(std::chrono::seconds(5));
/// }
/// @endcode
struct ToolSpec {
  ToolSpec(std::string tool_name, std::string tool_description,
           Json tool_input_schema = Json{{"type", "object"}})
      : name(std::move(tool_name)),
        description(std::move(tool_description)),
        input_schema(std::move(tool_input_schema)) {}

  ToolSpec& with_input_schema(Json schema) & {
    input_schema = std::move(schema);
    return *this;
  }
  ToolSpec&& with_input_schema(Json schema) && {
    return std::move(with_input_schema(std::move(schema)));
  }
  ToolSpec& with_output_schema(Json schema) & {
    output_schema = std::move(schema);
    return *this;
  }
  ToolSpec&& with_output_schema(Json schema) && {
    return std::move(with_output_schema(std::move(schema)));
  }
  ToolSpec& with_timeout(std::chrono::milliseconds limit) & {
    timeout = limit;
    return *this;
  }
  ToolSpec&& with_timeout(std::chrono::milliseconds limit) && {
    return std::move(with_timeout(limit));
  }
  ToolSpec& with_title(std::string text) & {
    title = std::move(text);
    return *this;
  }
  ToolSpec&& with_title(std::string text) && { return std::move(with_title(std::move(text))); }
  ToolSpec& with_annotations(ToolAnnotations hints) & {
    annotations = hints;
    return *this;
  }
  ToolSpec&& with_annotations(ToolAnnotations hints) && {
    return std::move(with_annotations(hints));
  }
  /// Adds an `Icon` object: `{"src": <URL or data: URI>, "mimeType": ..., "sizes": [...]}`.
  ToolSpec& with_icon(Json icon) & {
    icons.push_back(std::move(icon));
    return *this;
  }
  ToolSpec&& with_icon(Json icon) && { return std::move(with_icon(std::move(icon))); }
  /// Sets the tool's `_meta` object (passed through to tools/list as it is).
  ToolSpec& with_meta(Json meta_object) & {
    meta = std::move(meta_object);
    return *this;
  }
  ToolSpec&& with_meta(Json meta_object) && { return std::move(with_meta(std::move(meta_object))); }
  ToolSpec& mark_deprecated(std::string message = {}) & {
    deprecated = true;
    deprecation_message = std::move(message);
    return *this;
  }
  ToolSpec&& mark_deprecated(std::string message = {}) && {
    return std::move(mark_deprecated(std::move(message)));
  }

  std::string name;                   ///< unique in its category; [A-Za-z0-9_.-], 1-128 chars
  std::string description;            ///< the first line is the summary list_tools() shows
  Json input_schema;                  ///< JSON Schema of the arguments; default {"type": "object"}
  std::optional<Json> output_schema;  ///< JSON Schema of the result, if any
  bool deprecated = false;            ///< still runs; results carry a warning
  std::string deprecation_message;    ///< e.g. "use 'search_v2'"
  /// Deadline of one call of a coroutine tool; the manager's and the call's own
  /// timeouts also apply, the shortest wins. Synchronous tools cannot be interrupted.
  std::optional<std::chrono::milliseconds> timeout;
  std::string title;                           ///< display name (omitted when empty)
  std::optional<ToolAnnotations> annotations;  ///< behaviour hints (omitted when unset)
  std::vector<Json> icons;                     ///< `Icon` objects (omitted when empty)
  std::optional<Json> meta;                    ///< the tool's `_meta` object, if any

  /// The MCP `Tool` fields of this spec besides name, description and the schemas:
  /// `title`, `annotations`, `icons`, `_meta` (each only when set), added to `def`.
  void add_display_fields(Json& def) const;
};

/// A registered tool: its spec, its compiled input schema and its handler. Immutable.
class Tool {
 public:
  Tool(ToolSpec spec, SyncToolHandler handler);
  Tool(ToolSpec spec, AsyncToolHandler handler);
  Tool(ToolSpec spec, ContextualSyncToolHandler handler);
  Tool(ToolSpec spec, ContextualAsyncToolHandler handler);

  [[nodiscard]] const ToolSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] const std::string& name() const noexcept { return spec_.name; }
  /// True for coroutine handlers (which the manager schedules), false for plain ones.
  [[nodiscard]] bool is_async() const noexcept { return static_cast<bool>(async_handler_); }
  [[nodiscard]] const JsonSchema& input_schema() const noexcept { return input_schema_; }
  [[nodiscard]] const SyncToolHandler& sync_handler() const noexcept { return sync_handler_; }
  [[nodiscard]] const AsyncToolHandler& async_handler() const noexcept { return async_handler_; }

  /// Runs a synchronous tool for a request (`context` reaches contextual handlers).
  [[nodiscard]] Json call_sync(Json args, const RequestContext& context) const {
    return contextual_sync_ ? contextual_sync_(std::move(args), context)
                            : sync_handler_(std::move(args));
  }
  /// Starts a coroutine tool for a request (`context` reaches contextual handlers).
  [[nodiscard]] asio::awaitable<Json> call_async(Json args, const RequestContext& context) const {
    return contextual_async_ ? contextual_async_(std::move(args), context)
                             : async_handler_(std::move(args));
  }

 private:
  ToolSpec spec_;
  JsonSchema input_schema_;
  SyncToolHandler sync_handler_;
  AsyncToolHandler async_handler_;
  ContextualSyncToolHandler contextual_sync_;  // set for tools that take a RequestContext
  ContextualAsyncToolHandler contextual_async_;
};

/// A tool's name and the first line of its description (at most 100 characters).
struct ToolSummary {
  std::string name;
  std::string description;
};

/// Counters of a category's schema cache.
struct SchemaCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::size_t size = 0;  ///< schemas currently cached
};

namespace detail {
template <class T>
struct is_json_awaitable : std::false_type {};
template <class E>
struct is_json_awaitable<asio::awaitable<Json, E>> : std::true_type {};

// What a handler takes and returns, for non-generic callables (typed tools).
template <class F, class = void>
struct callable_signature {
  static constexpr bool known = false;
};
template <class R, class... A>
struct signature_of {
  static constexpr bool known = true;
  using result = R;
  using args = std::tuple<std::decay_t<A>...>;
  static constexpr std::size_t arity = sizeof...(A);
};
template <class R, class... A>
struct callable_signature<R (*)(A...)> : signature_of<R, A...> {};
template <class R, class... A>
struct callable_signature<R (*)(A...) noexcept> : signature_of<R, A...> {};
template <class C, class R, class... A>
struct callable_signature<R (C::*)(A...)> : signature_of<R, A...> {};
template <class C, class R, class... A>
struct callable_signature<R (C::*)(A...) const> : signature_of<R, A...> {};
template <class C, class R, class... A>
struct callable_signature<R (C::*)(A...) noexcept> : signature_of<R, A...> {};
template <class C, class R, class... A>
struct callable_signature<R (C::*)(A...) const noexcept> : signature_of<R, A...> {};
template <class F>
struct callable_signature<F, std::void_t<decltype(&F::operator())>>
    : callable_signature<decltype(&F::operator())> {};

template <class S, bool = S::known>
struct is_typed_signature : std::false_type {};
template <class S>
struct is_typed_signature<S, true>
    : std::bool_constant<(S::arity == 1 ||
                          (S::arity == 2 &&
                           std::is_same_v<std::tuple_element_t<1 % S::arity, typename S::args>,
                                          RequestContext>)) &&
                         is_described<std::tuple_element_t<0, typename S::args>>::value> {};

/// A handler whose first parameter is a struct declared with MCP_HTM_FIELDS.
template <class F>
inline constexpr bool is_typed_handler_v =
    is_typed_signature<callable_signature<std::decay_t<F>>>::value;

template <class T>
struct awaited {
  using type = void;
};
template <class T, class E>
struct awaited<asio::awaitable<T, E>> {
  using type = T;
};

// A typed handler's result as Json: a declared struct by its members, a string as
// itself (the text content), Json as is.
template <class R>
Json typed_result(R&& value) {
  using V = std::decay_t<R>;
  if constexpr (is_described<V>::value) {
    return to_json_value(value);
  } else {
    static_assert(std::is_same_v<V, std::string> || std::is_same_v<V, Json>,
                  "a typed tool returns a struct declared with MCP_HTM_FIELDS, std::string or "
                  "mcp::Json (or asio::awaitable of one of them)");
    return Json(std::forward<R>(value));
  }
}

// The coroutine of an asynchronous typed tool: the handler is a parameter, so the frame
// holds its own reference and nothing dangles.
template <class A, class H>
asio::awaitable<Json> run_typed(std::shared_ptr<H> handler, Json args) {
  A typed = from_arguments<A>(std::move(args));
  co_return typed_result(co_await (*handler)(std::move(typed)));
}
template <class A, class H>
asio::awaitable<Json> run_typed_with_context(std::shared_ptr<H> handler, Json args,
                                             RequestContext context) {
  A typed = from_arguments<A>(std::move(args));
  co_return typed_result(co_await (*handler)(std::move(typed), std::move(context)));
}

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};
}  // namespace detail

/// A named group of tools. Derive from it and add your tools in the constructor.
/**
 * @par Thread safety
 * add_tool() is for set-up, before the category is handed to a manager. Everything
 * else may be called concurrently.
 */
/// @par Example
/// @code
/// class MathCategory : public mcp::ToolCategory {
///  public:
///   MathCategory() : ToolCategory("math", "Arithmetic on numbers") {
///     add_tool(mcp::ToolSpec("add", "Add two numbers",
///                            {{"type", "object"}, {"required", {"a", "b"}}}),
///              [](mcp::Json args) { return args["a"].get<double>() + args["b"].get<double>(); });
///     add_tool(mcp::ToolSpec("wait", "Wait, then answer"),
///              [](mcp::Json) -> asio::awaitable<mcp::Json> { co_return "done"; });
///   }
/// };
/// @endcode
class ToolCategory {
 public:
  /// Throws std::invalid_argument when the name is empty or holds characters other
  /// than [A-Za-z0-9_.-].
  ToolCategory(std::string name, std::string description);
  virtual ~ToolCategory();
  ToolCategory(const ToolCategory&) = delete;
  ToolCategory& operator=(const ToolCategory&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& description() const noexcept { return description_; }

  /// Adds a tool. `handler` is callable with a Json (or with a Json and a
  /// RequestContext, to report progress and log to the calling client) and returns either something
  /// convertible to Json (a synchronous tool) or `asio::awaitable<Json>` (a coroutine
  /// tool). Throws std::invalid_argument for a bad or duplicate name and SchemaError
  /// for an invalid input schema.
  template <class F>
  const Tool& add_tool(ToolSpec spec, F&& handler) {
    if constexpr (detail::is_typed_handler_v<F>) {
      return add_typed_tool(std::move(spec), std::forward<F>(handler));
    } else if constexpr (!std::is_invocable_v<F&, Json, const RequestContext&> &&
                         !std::is_invocable_v<F&, Json>) {
      static_assert(detail::always_false<F>,
                    "a tool handler takes mcp::Json (and optionally const mcp::RequestContext&), "
                    "or, for a typed tool, one struct declared with MCP_HTM_FIELDS (and "
                    "optionally mcp::RequestContext); generic lambdas (auto parameters) cannot "
                    "be typed tools");
      throw std::logic_error("unreachable");
    } else if constexpr (std::is_invocable_v<F&, Json, const RequestContext&>) {
      using R = std::invoke_result_t<F&, Json, const RequestContext&>;
      if constexpr (detail::is_json_awaitable<R>::value) {
        return add(std::make_unique<Tool>(std::move(spec),
                                          ContextualAsyncToolHandler(std::forward<F>(handler))));
      } else {
        static_assert(std::is_constructible_v<Json, R>,
                      "a tool handler returns a Json-convertible value or asio::awaitable<Json>");
        return add(std::make_unique<Tool>(
            std::move(spec),
            ContextualSyncToolHandler(
                [h = std::forward<F>(handler)](Json args, const RequestContext& context) mutable {
                  return Json(h(std::move(args), context));
                })));
      }
    } else {
      using R = std::invoke_result_t<F&, Json>;
      if constexpr (detail::is_json_awaitable<R>::value) {
        return add(
            std::make_unique<Tool>(std::move(spec), AsyncToolHandler(std::forward<F>(handler))));
      } else {
        static_assert(std::is_constructible_v<Json, R>,
                      "a tool handler returns a Json-convertible value or asio::awaitable<Json>");
        if constexpr (std::is_same_v<R, Json>) {
          return add(
              std::make_unique<Tool>(std::move(spec), SyncToolHandler(std::forward<F>(handler))));
        } else {
          return add(std::make_unique<Tool>(
              std::move(spec), SyncToolHandler([h = std::forward<F>(handler)](Json args) mutable {
                return Json(h(std::move(args)));
              })));
        }
      }
    }
  }

  /// Adds a typed tool (what add_tool does for a handler whose first parameter is a
  /// struct declared with MCP_HTM_FIELDS): the input schema is derived from that struct,
  /// and when the handler returns a declared struct (or an awaitable of one), so is the
  /// output schema. `spec` must leave the input schema at its default (and the output
  /// schema unset when it is derived); throws std::invalid_argument otherwise.
  template <class F>
  const Tool& add_typed_tool(ToolSpec spec, F&& handler) {
    using H = std::decay_t<F>;
    using Sig = detail::callable_signature<H>;
    using A = std::tuple_element_t<0, typename Sig::args>;
    using R = std::decay_t<typename Sig::result>;
    constexpr bool is_async =
        detail::is_json_awaitable<R>::value || !std::is_void_v<typename detail::awaited<R>::type>;
    using Value = std::conditional_t<is_async, typename detail::awaited<R>::type, R>;
    if (spec.input_schema != Json{{"type", "object"}}) {
      throw std::invalid_argument("typed tool '" + spec.name +
                                  "': the input schema is derived from the argument struct; "
                                  "leave ToolSpec's input schema unset");
    }
    spec.input_schema = json_schema_of<A>();
    if constexpr (detail::is_described<Value>::value) {
      if (spec.output_schema) {
        throw std::invalid_argument("typed tool '" + spec.name +
                                    "': the output schema is derived from the result struct; "
                                    "leave ToolSpec's output schema unset");
      }
      spec.output_schema = json_schema_of<Value>();
    }
    if constexpr (is_async) {
      auto shared = std::make_shared<H>(std::forward<F>(handler));
      if constexpr (Sig::arity == 2) {
        return add(std::make_unique<Tool>(
            std::move(spec),
            ContextualAsyncToolHandler([shared](Json args, RequestContext context) {
              return detail::run_typed_with_context<A>(shared, std::move(args), std::move(context));
            })));
      } else {
        return add(std::make_unique<Tool>(std::move(spec), AsyncToolHandler([shared](Json args) {
                                            return detail::run_typed<A>(shared, std::move(args));
                                          })));
      }
    } else if constexpr (Sig::arity == 2) {
      return add(std::make_unique<Tool>(
          std::move(spec),
          ContextualSyncToolHandler(
              [h = std::forward<F>(handler)](Json args, const RequestContext& context) mutable {
                return detail::typed_result(h(from_arguments<A>(std::move(args)), context));
              })));
    } else {
      return add(std::make_unique<Tool>(
          std::move(spec), SyncToolHandler([h = std::forward<F>(handler)](Json args) mutable {
            return detail::typed_result(h(from_arguments<A>(std::move(args))));
          })));
    }
  }

  /// The tool of that name, or nullptr.
  [[nodiscard]] const Tool* find_tool(std::string_view name) const noexcept {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }

  /// Every tool's name and summary, sorted by name.
  [[nodiscard]] std::vector<ToolSummary> list_tools() const;
  /// Every tool's name, sorted.
  [[nodiscard]] std::vector<std::string> tool_names() const;
  [[nodiscard]] std::size_t tool_count() const noexcept { return tools_.size(); }

  /// The full schema of a tool (`name`, `description`, `inputSchema`, and
  /// `outputSchema`, `deprecated`, `deprecationMessage`, `timeoutMs` when set), built on
  /// first request and cached; nullptr for an unknown tool.
  [[nodiscard]] std::shared_ptr<const Json> schema(std::string_view tool) const;
  [[nodiscard]] SchemaCacheStats schema_cache_stats() const;
  void clear_schema_cache();

  /// The first line of `description`, cut at `max_chars` code points ("..." appended).
  [[nodiscard]] static std::string summary_of(std::string_view description,
                                              std::size_t max_chars = 100);

 private:
  const Tool& add(std::unique_ptr<Tool> tool);

  std::string name_;
  std::string description_;
  std::vector<std::unique_ptr<Tool>> tools_;  // sorted by name
  std::unordered_map<std::string, const Tool*, detail::string_hash, std::equal_to<>> by_name_;
  mutable std::mutex schema_mutex_;  // guards schema_cache_
  mutable std::unordered_map<std::string, std::shared_ptr<const Json>, detail::string_hash,
                             std::equal_to<>>
      schema_cache_;
  mutable std::atomic<std::uint64_t> schema_hits_{0};
  mutable std::atomic<std::uint64_t> schema_misses_{0};
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/tool_category.ipp>
#endif

#endif  // MCP_HTM_TOOL_CATEGORY_HPP
