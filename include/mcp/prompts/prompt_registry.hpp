// mcp/prompts/prompt_registry.hpp -- the prompts a Server offers (prompts/list,
// prompts/get): their arguments, handlers, completers and change notifications.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_PROMPTS_PROMPT_REGISTRY_HPP
#define MCP_HTM_PROMPTS_PROMPT_REGISTRY_HPP

#include <mcp/completion.hpp>
#include <mcp/content.hpp>
#include <mcp/json.hpp>
#include <mcp/request_context.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>

namespace mcp {

/// One argument of a prompt.
struct PromptArgument {
  std::string name;
  std::string description;  ///< omitted when empty
  bool required = false;
  Completer completer;  ///< suggests values (completion/complete); may be empty
};

/// How a prompt is shown in prompts/list.
struct PromptSpec {
  PromptSpec(std::string prompt_name, std::string prompt_description)
      : name(std::move(prompt_name)), description(std::move(prompt_description)) {}
  PromptSpec& with_title(std::string text) {
    title = std::move(text);
    return *this;
  }
  /// Adds an argument (`required`: prompts/get refuses a request without it).
  PromptSpec& with_argument(std::string arg_name, std::string arg_description, bool is_required,
                            Completer completer = {}) {
    arguments.push_back(
        {std::move(arg_name), std::move(arg_description), is_required, std::move(completer)});
    return *this;
  }

  std::string name;
  std::string description;
  std::string title;  ///< omitted when empty
  std::vector<PromptArgument> arguments;
};

/// The arguments of a prompts/get, validated: every required one is present, each a string.
using PromptArguments = std::map<std::string, std::string, std::less<>>;

/// What a prompt handler is asked.
struct PromptRequest {
  PromptArguments arguments;
  RequestContext context;
};

/// Builds a prompt's messages: returns a `GetPromptResult` (`{"messages": [...]}`, and
/// `description` if wanted) or just the array of messages (`{"role", "content"}`).
using SyncPromptHandler = std::function<Json(const PromptRequest& request)>;
using AsyncPromptHandler = std::function<asio::awaitable<Json>(PromptRequest request)>;

/// Thrown by PromptRegistry::get() for a request to refuse with JSON-RPC -32602: an
/// unknown prompt, a missing required argument, an argument that is not a string.
class PromptError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The prompts of one or more Servers (ServerOptions::prompts).
/**
 * @par Thread safety
 * Every member may be called from any thread. Adding or removing a prompt after a
 * Server started sends `notifications/prompts/list_changed`.
 *
 * @par Example
 * @code
 * std::shared_ptr<mcp::PromptRegistry> make_prompts() {
 *   auto prompts = std::make_shared<mcp::PromptRegistry>();
 *   auto review = mcp::PromptSpec("review", "Review a piece of code");
 *   review.with_argument("code", "The code to review", true);
 *   prompts->add(review, [](const mcp::PromptRequest& request) {
 *     const std::string text = "Please review: " + request.arguments.at("code");
 *     mcp::Json message = {{"role", "user"}, {"content", mcp::content::text(text)}};
 *     return mcp::Json::array({message});
 *   });
 *   return prompts;
 * }
 * @endcode
 */
class PromptRegistry {
 public:
  using Listener = std::function<void()>;

  PromptRegistry() = default;
  PromptRegistry(const PromptRegistry&) = delete;
  PromptRegistry& operator=(const PromptRegistry&) = delete;

  /// Adds a prompt (replacing one of the same name). `handler` takes a
  /// `const PromptRequest&` and returns Json, or `asio::awaitable<Json>`. Throws
  /// std::invalid_argument for an empty name or a duplicate argument name.
  template <class F>
  void add(PromptSpec spec, F&& handler) {
    using R = std::invoke_result_t<F&, const PromptRequest&>;
    if constexpr (std::is_same_v<R, asio::awaitable<Json>>) {
      add_entry(std::move(spec), {}, AsyncPromptHandler(std::forward<F>(handler)));
    } else {
      static_assert(std::is_constructible_v<Json, R>,
                    "a prompt handler returns Json or asio::awaitable<Json>");
      add_entry(std::move(spec),
                SyncPromptHandler([h = std::forward<F>(handler)](const PromptRequest& request) {
                  return Json(h(request));
                }),
                {});
    }
  }
  /// Removes the prompt of that name; false when there is none.
  bool remove(std::string_view name);

  /// `Prompt` objects (name, title, description, arguments), in the order added.
  [[nodiscard]] std::vector<Json> list() const;
  /// Runs prompt `name` with `arguments` (the request's `arguments` member: null or an
  /// object of strings): the `GetPromptResult`. Throws PromptError for a request to refuse;
  /// a handler's exception propagates.
  [[nodiscard]] asio::awaitable<Json> get(std::string name, Json arguments,
                                          RequestContext context) const;
  /// The completer of argument `argument` of prompt `prompt`, or an empty one.
  [[nodiscard]] Completer completer(std::string_view prompt, std::string_view argument) const;
  /// True when a prompt of that name exists.
  [[nodiscard]] bool contains(std::string_view name) const;
  /// True when some argument has a completer.
  [[nodiscard]] bool has_completers() const;

  /// Calls `listener` when the list changes (from the thread that changed it).
  std::size_t subscribe(Listener listener);
  void unsubscribe(std::size_t id);

 private:
  struct Entry {
    PromptSpec spec;
    SyncPromptHandler sync;
    AsyncPromptHandler async;
  };
  void add_entry(PromptSpec spec, SyncPromptHandler sync, AsyncPromptHandler async);
  [[nodiscard]] std::shared_ptr<const Entry> find(std::string_view name) const;
  void emit();

  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const Entry>> prompts_;  // in order added
  std::map<std::size_t, std::shared_ptr<const Listener>> listeners_;
  std::size_t next_listener_ = 1;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/prompts/prompt_registry.ipp>
#endif

#endif  // MCP_HTM_PROMPTS_PROMPT_REGISTRY_HPP
