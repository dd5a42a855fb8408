// mcp/resources/resource_registry.hpp -- the resources a Server offers: static resources
// and URI templates, their handlers, completers and change notifications.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_RESOURCES_RESOURCE_REGISTRY_HPP
#define MCP_HTM_RESOURCES_RESOURCE_REGISTRY_HPP

#include <mcp/completion.hpp>
#include <mcp/content.hpp>
#include <mcp/json.hpp>
#include <mcp/request_context.hpp>
#include <mcp/resources/uri_template.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>

namespace mcp {

/// How a resource or template is shown in resources/list and resources/templates/list.
struct ResourceSpec {
  /// `uri`: the resource's URI, or the RFC 6570 template of a template's URIs.
  ResourceSpec(std::string resource_uri, std::string resource_name)
      : uri(std::move(resource_uri)), name(std::move(resource_name)) {}
  ResourceSpec& with_description(std::string text) {
    description = std::move(text);
    return *this;
  }
  ResourceSpec& with_mime_type(std::string type) {
    mime_type = std::move(type);
    return *this;
  }
  ResourceSpec& with_title(std::string text) {
    title = std::move(text);
    return *this;
  }

  std::string uri;
  std::string name;
  std::string title;        ///< omitted when empty
  std::string description;  ///< omitted when empty
  std::string mime_type;    ///< omitted when empty
};

/// What a resource handler is asked to read.
struct ResourceRead {
  std::string uri;         ///< the URI the client asked for
  UriVariables variables;  ///< what a template matched (empty for a static resource)
  RequestContext context;  ///< progress and logs of the resources/read request
};

/// Reads a resource: returns its contents -- one `{"uri", "mimeType", "text" | "blob"}`
/// object (see mcp::content::text_contents and blob_contents) or an array of them.
using SyncResourceHandler = std::function<Json(const ResourceRead& read)>;
/// The same for a handler that waits (a coroutine).
using AsyncResourceHandler = std::function<asio::awaitable<Json>(ResourceRead read)>;

/// Thrown by ResourceRegistry::read() for a URI that no resource or template matches.
class ResourceNotFound : public std::runtime_error {
 public:
  explicit ResourceNotFound(const std::string& uri);
  [[nodiscard]] const std::string& uri() const noexcept { return uri_; }

 private:
  std::string uri_;
};

/// The resources of one or more Servers (ServerOptions::resources).
/**
 * Static resources are found by exact URI first, then templates in the order added.
 * Adding or removing one after a Server started sends `notifications/resources/list_changed`;
 * notify_updated() sends `notifications/resources/updated` to the sessions subscribed to
 * that URI.
 *
 * @par Thread safety
 * Every member may be called from any thread. Handlers run on the server's executor
 * (coroutine handlers may wait; synchronous ones must not block).
 *
 * @par Example
 * @code
 * std::shared_ptr<mcp::ResourceRegistry> make_resources() {
 *   auto resources = std::make_shared<mcp::ResourceRegistry>();
 *   auto config = mcp::ResourceSpec("config://app", "App configuration");
 *   resources->add(config.with_mime_type("text/plain"), [](const mcp::ResourceRead& read) {
 *     return mcp::content::text_contents(read.uri, "debug=1");
 *   });
 *   auto profile = mcp::ResourceSpec("users://{id}/profile", "A user's profile");
 *   resources->add_template(profile, [](const mcp::ResourceRead& read) {
 *     return mcp::content::text_contents(read.uri, read.variables.at("id"));
 *   });
 *   return resources;
 * }
 * @endcode
 */
class ResourceRegistry {
 public:
  /// A change, for the servers that serve this registry.
  enum class Change : unsigned char { list_changed, updated };
  using Listener = std::function<void(Change change, const std::string& uri)>;

  ResourceRegistry() = default;
  ResourceRegistry(const ResourceRegistry&) = delete;
  ResourceRegistry& operator=(const ResourceRegistry&) = delete;

  /// Adds a static resource (replacing one of the same URI). `handler` takes a
  /// `const ResourceRead&` and returns Json, or `asio::awaitable<Json>`. Throws
  /// std::invalid_argument for an empty URI or name.
  template <class F>
  void add(ResourceSpec spec, F&& handler) {
    add_entry(false, std::move(spec), wrap(std::forward<F>(handler)), {});
  }
  /// Adds a resource template: `spec.uri` is an RFC 6570 level 1-2 template (throws
  /// std::invalid_argument otherwise). `completers` suggest values of its variables
  /// (completion/complete with a `ref/resource`).
  template <class F>
  void add_template(ResourceSpec spec, F&& handler,
                    std::map<std::string, Completer, std::less<>> completers = {}) {
    add_entry(true, std::move(spec), wrap(std::forward<F>(handler)), std::move(completers));
  }
  /// Removes the resource or template of that URI (template text); false when none.
  bool remove(std::string_view uri);

  /// Tells subscribed clients the resource at `uri` changed (they may read it again).
  void notify_updated(const std::string& uri);

  /// `Resource` objects of the static resources, in the order added.
  [[nodiscard]] std::vector<Json> list() const;
  /// `ResourceTemplate` objects, in the order added.
  [[nodiscard]] std::vector<Json> list_templates() const;
  /// True when a static resource or a template matches `uri`.
  [[nodiscard]] bool contains(std::string_view uri) const;
  /// Reads `uri`: the `ReadResourceResult` (`{"contents": [...]}`). Throws
  /// ResourceNotFound when nothing matches; a handler's exception propagates.
  [[nodiscard]] asio::awaitable<Json> read(std::string uri, RequestContext context) const;
  /// The same without a coroutine frame when the resource's handler is synchronous;
  /// nullopt when it is a coroutine (use read()). Throws as read().
  [[nodiscard]] std::optional<Json> read_now(std::string_view uri,
                                             const RequestContext& context) const;
  /// The completer of variable `variable` of template `uri_template`, or an empty one.
  [[nodiscard]] Completer completer(std::string_view uri_template, std::string_view variable) const;
  /// True when some template has a completer.
  [[nodiscard]] bool has_completers() const;

  /// Calls `listener` on every change (from the thread that made it); returns its id.
  std::size_t subscribe(Listener listener);
  void unsubscribe(std::size_t id);

 private:
  struct Handler {
    SyncResourceHandler sync;
    AsyncResourceHandler async;
  };
  struct Entry {
    ResourceSpec spec;
    std::optional<UriTemplate> uri_template;
    Handler handler;
    std::map<std::string, Completer, std::less<>> completers;
  };

  template <class F>
  static Handler wrap(F&& handler) {
    using R = std::invoke_result_t<F&, const ResourceRead&>;
    if constexpr (std::is_same_v<R, asio::awaitable<Json>>) {
      return Handler{{}, AsyncResourceHandler(std::forward<F>(handler))};
    } else {
      static_assert(std::is_constructible_v<Json, R>,
                    "a resource handler returns Json or asio::awaitable<Json>");
      return Handler{SyncResourceHandler([h = std::forward<F>(handler)](const ResourceRead& read) {
                       return Json(h(read));
                     }),
                     {}};
    }
  }

  void add_entry(bool is_template, ResourceSpec spec, Handler handler,
                 std::map<std::string, Completer, std::less<>> completers);
  [[nodiscard]] std::shared_ptr<const Entry> find(std::string_view uri, UriVariables& vars) const;
  void emit(Change change, const std::string& uri);

  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const Entry>> resources_;  // static, in order added
  std::vector<std::shared_ptr<const Entry>> templates_;
  std::map<std::string, std::shared_ptr<const Entry>, std::less<>> by_uri_;
  std::map<std::size_t, std::shared_ptr<const Listener>> listeners_;
  std::size_t next_listener_ = 1;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/resources/resource_registry.ipp>
#endif

#endif  // MCP_HTM_RESOURCES_RESOURCE_REGISTRY_HPP
