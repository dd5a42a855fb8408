// mcp/typed_tool.hpp -- tools on C++ structs: schemas and conversions from declared fields.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_TYPED_TOOL_HPP
#define MCP_HTM_TYPED_TOOL_HPP

#include <mcp/json.hpp>
#include <mcp/json_schema.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

/// Declares the fields of a struct for typed tools, inside the struct (as nlohmann's
/// NLOHMANN_DEFINE_TYPE_INTRUSIVE does), one MCP_HTM_FIELD per member. It yields the
/// struct's JSON Schema (mcp::json_schema_of), its conversion from tool arguments
/// (mcp::from_arguments, with JSON pointers in the errors) and nlohmann's to_json /
/// from_json, so `Json j = value;` works too.
/// @code
/// struct Forecast {
///   std::string city;
///   int days = 1;
///   std::optional<std::string> units;
///   MCP_HTM_FIELDS(Forecast,
///                  MCP_HTM_FIELD(city, "City name", mcp::min_length(1)),
///                  MCP_HTM_FIELD(days, "Days ahead", mcp::minimum(1), mcp::maximum(14)),
///                  MCP_HTM_FIELD(units))
/// };
/// @endcode
#define MCP_HTM_FIELDS(Type, ...)                                                    \
  using mcp_htm_self = Type;                                                         \
  static constexpr auto mcp_htm_fields() { return ::std::make_tuple(__VA_ARGS__); }  \
  /* templates, so that an unused one is not warned about in an unnamed namespace */ \
  template <class McpHtmJson,                                                        \
            ::std::enable_if_t<::std::is_same_v<McpHtmJson, ::mcp::Json>, int> = 0>  \
  friend void to_json(McpHtmJson& mcp_htm_j, const Type& mcp_htm_v) {                \
    mcp_htm_j = ::mcp::to_json_value(mcp_htm_v);                                     \
  }                                                                                  \
  template <class McpHtmJson,                                                        \
            ::std::enable_if_t<::std::is_same_v<McpHtmJson, ::mcp::Json>, int> = 0>  \
  friend void from_json(const McpHtmJson& mcp_htm_j, Type& mcp_htm_v) {              \
    mcp_htm_v = ::mcp::from_arguments<Type>(::mcp::Json(mcp_htm_j));                 \
  }

/// One field of MCP_HTM_FIELDS: the member's name, then optionally its description (a
/// string literal) and constraints (mcp::minimum, mcp::pattern, ...), in any order.
#define MCP_HTM_FIELD(member, ...) \
  ::mcp::detail::field(&mcp_htm_self::member, #member __VA_OPT__(, ) __VA_ARGS__)

/// Names the values of an enum for typed tools (a string enum in the schema), at
/// namespace scope beside the enum, as nlohmann's NLOHMANN_JSON_SERIALIZE_ENUM does.
/// @code
/// enum class Units { metric, imperial };
/// MCP_HTM_ENUM(Units, {Units::metric, "metric"}, {Units::imperial, "imperial"})
/// @endcode
#define MCP_HTM_ENUM(Enum, ...)                                                   \
  [[maybe_unused]] constexpr auto mcp_htm_enum_values(Enum) {                     \
    return ::std::to_array<::std::pair<Enum, ::std::string_view>>({__VA_ARGS__}); \
  }

namespace mcp {

// ---- constraints, declared beside the field ---------------------------------------------

namespace detail {
template <class N>
struct NumberBound {
  const char* keyword;
  N value;
};
struct CountBound {
  const char* keyword;
  std::size_t value;
};
struct StringKeyword {
  const char* keyword;
  const char* value;
};
}  // namespace detail

/// `minimum`: the number is at least `n`.
template <class N>
constexpr detail::NumberBound<N> minimum(N n) {
  static_assert(std::is_arithmetic_v<N>, "mcp::minimum takes a number");
  return {"minimum", n};
}
/// `maximum`: the number is at most `n`.
template <class N>
constexpr detail::NumberBound<N> maximum(N n) {
  static_assert(std::is_arithmetic_v<N>, "mcp::maximum takes a number");
  return {"maximum", n};
}
/// `exclusiveMinimum`: the number is greater than `n`.
template <class N>
constexpr detail::NumberBound<N> exclusive_minimum(N n) {
  return {"exclusiveMinimum", n};
}
/// `exclusiveMaximum`: the number is less than `n`.
template <class N>
constexpr detail::NumberBound<N> exclusive_maximum(N n) {
  return {"exclusiveMaximum", n};
}
/// `minLength` of a string, in code points.
constexpr detail::CountBound min_length(std::size_t n) { return {"minLength", n}; }
/// `maxLength` of a string, in code points.
constexpr detail::CountBound max_length(std::size_t n) { return {"maxLength", n}; }
/// `minItems` of an array.
constexpr detail::CountBound min_items(std::size_t n) { return {"minItems", n}; }
/// `maxItems` of an array.
constexpr detail::CountBound max_items(std::size_t n) { return {"maxItems", n}; }
/// `pattern`: an ECMA-262 regular expression the string matches.
constexpr detail::StringKeyword pattern(const char* regex) { return {"pattern", regex}; }
/// `format` of a string, e.g. "date-time" or "email".
constexpr detail::StringKeyword format(const char* name) { return {"format", name}; }

// ---- what a field may be ------------------------------------------------------------------

namespace detail {

template <class T>
inline constexpr bool always_false = false;

template <class T, class = void>
struct is_described : std::false_type {};
template <class T>
struct is_described<T, std::void_t<decltype(T::mcp_htm_fields())>> : std::true_type {};

template <class E, class = void>
struct has_enum_values : std::false_type {};
template <class E>
struct has_enum_values<E, std::void_t<decltype(mcp_htm_enum_values(E{}))>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_string_map : std::false_type {};
template <class T, class C, class A>
struct is_string_map<std::map<std::string, T, C, A>> : std::true_type {};
template <class T>
struct is_any_map : std::false_type {};
template <class K, class T, class C, class A>
struct is_any_map<std::map<K, T, C, A>> : std::true_type {};

template <class T>
struct strip_optional {
  using type = T;
};
template <class T>
struct strip_optional<std::optional<T>> {
  using type = T;
};

template <class T>
inline constexpr bool is_integer_v =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
    !std::is_same_v<T, wchar_t> && !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
    !std::is_same_v<T, char32_t>;

/// One declared member: its pointer, its JSON name and what is said beside it.
template <class Owner, class Member, class... Extras>
struct Field {
  using member_type = Member;
  Member Owner::*pointer;
  const char* name;
  std::tuple<Extras...> extras;
};

template <class Extra>
inline constexpr bool is_description_v = std::is_same_v<Extra, const char*>;

// Which constraints fit which member type: caught here, at the declaration.
template <class Member, class Extra>
constexpr void check_extra() {
  using T = typename strip_optional<Member>::type;
  if constexpr (std::is_same_v<Extra, CountBound>) {
    static_assert(std::is_same_v<T, std::string> || is_vector<T>::value,
                  "mcp::min_length / max_length apply to std::string fields and "
                  "mcp::min_items / max_items to std::vector fields");
  } else if constexpr (std::is_same_v<Extra, StringKeyword>) {
    static_assert(std::is_same_v<T, std::string>,
                  "mcp::pattern and mcp::format apply to std::string fields only");
  } else if constexpr (!is_description_v<Extra>) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>,
                  "mcp::minimum / maximum / exclusive_minimum / exclusive_maximum apply to "
                  "integer and floating-point fields only");
  }
}

template <class Owner, class Member, class... Extras>
constexpr Field<Owner, Member, Extras...> field(Member Owner::*pointer, const char* name,
                                                Extras... extras) {
  (check_extra<Member, Extras>(), ...);
  return {pointer, name, std::tuple<Extras...>(extras...)};
}

// ---- JSON pointers, built only when a conversion fails ------------------------------------

struct PathStep {
  const PathStep* parent;
  std::string_view key;  // a member name, or empty for an array index
  std::size_t index;
};

inline void append_pointer(std::string& out, const PathStep* step) {
  if (step == nullptr) return;
  append_pointer(out, step->parent);
  out += '/';
  if (step->key.data() == nullptr) {
    out += std::to_string(step->index);
    return;
  }
  for (char c : step->key) {  // RFC 6901 escapes
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
}

[[noreturn]] inline void conversion_error(const PathStep* at, std::string reason) {
  std::string pointer;
  append_pointer(pointer, at);
  throw InvalidArguments({SchemaViolation{std::move(pointer), std::move(reason)}});
}

inline const char* json_kind(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "a binary value";
  }
}

template <class I>
constexpr const char* integer_name() {
  if constexpr (std::is_signed_v<I>) {
    return sizeof(I) == 1   ? "8-bit signed integer"
           : sizeof(I) == 2 ? "16-bit signed integer"
           : sizeof(I) == 4 ? "32-bit signed integer"
                            : "64-bit signed integer";
  } else {
    return sizeof(I) == 1   ? "8-bit unsigned integer"
           : sizeof(I) == 2 ? "16-bit unsigned integer"
           : sizeof(I) == 4 ? "32-bit unsigned integer"
                            : "64-bit unsigned integer";
  }
}

// ---- schemas -------------------------------------------------------------------------------

template <class T>
Json schema_of();

template <class T>
Json struct_schema();

template <class Field>
void apply_extras(Json& schema, const Field& f) {
  std::apply(
      [&schema](const auto&... extra) {
        (
            [&schema](const auto& e) {
              using E = std::decay_t<decltype(e)>;
              if constexpr (is_description_v<E>) {
                schema["description"] = e;
              } else {
                schema[e.keyword] = e.value;
              }
            }(extra),
            ...);
      },
      f.extras);
}

template <class T>
Json schema_of() {
  if constexpr (std::is_same_v<T, bool>) {
    return {{"type", "boolean"}};
  } else if constexpr (is_integer_v<T>) {
    Json s = {{"type", "integer"}};
    // Narrower than 64 bits: the range is part of the contract. 64-bit ranges are left
    // to the conversion (which names the pointer): valijson compares bounds as signed
    // 64-bit integers or doubles, so it would misjudge values above 2^63.
    if constexpr (sizeof(T) < 8) {
      s["minimum"] = static_cast<std::int64_t>(std::numeric_limits<T>::min());
      s["maximum"] = static_cast<std::int64_t>(std::numeric_limits<T>::max());
    }
    return s;
  } else if constexpr (std::is_floating_point_v<T>) {
    return {{"type", "number"}};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return {{"type", "string"}};
  } else if constexpr (std::is_same_v<T, Json>) {
    return Json::object();  // anything
  } else if constexpr (std::is_enum_v<T>) {
    static_assert(has_enum_values<T>::value,
                  "mcp typed tools: this enum has no names; declare them with "
                  "MCP_HTM_ENUM(Enum, {Enum::a, \"a\"}, ...) beside the enum");
    Json names = Json::array();
    if constexpr (has_enum_values<T>::value) {
      for (const auto& [value, name] : mcp_htm_enum_values(T{})) names.push_back(name);
    }
    return {{"type", "string"}, {"enum", std::move(names)}};
  } else if constexpr (is_optional<T>::value) {
    static_assert(always_false<T>,
                  "mcp typed tools: std::optional is for struct fields (an optional member); "
                  "a std::optional inside a container is not supported");
    return {};
  } else if constexpr (is_vector<T>::value) {
    return {{"type", "array"}, {"items", schema_of<typename T::value_type>()}};
  } else if constexpr (is_string_map<T>::value) {
    return {{"type", "object"}, {"additionalProperties", schema_of<typename T::mapped_type>()}};
  } else if constexpr (is_any_map<T>::value) {
    static_assert(always_false<T>,
                  "mcp typed tools: a map field needs std::string keys (JSON object member "
                  "names); use std::map<std::string, T>");
    return {};
  } else if constexpr (is_described<T>::value) {
    return struct_schema<T>();
  } else {
    static_assert(always_false<T>,
                  "mcp typed tools: unsupported field type. Supported: bool, integers, float, "
                  "double, std::string, mcp::Json, enums named with MCP_HTM_ENUM, "
                  "std::optional<T> (a member that may be absent), std::vector<T>, "
                  "std::map<std::string, T> and structs declared with MCP_HTM_FIELDS; for other "
                  "types take mcp::Json and write the schema by hand");
    return {};
  }
}

template <class T>
Json struct_schema() {
  Json properties = Json::object();
  Json required = Json::array();
  std::apply(
      [&](const auto&... fields) {
        (
            [&](const auto& f) {
              using M = typename std::decay_t<decltype(f)>::member_type;
              Json s = schema_of<typename strip_optional<M>::type>();
              apply_extras(s, f);
              properties[f.name] = std::move(s);
              if constexpr (!is_optional<M>::value) required.push_back(f.name);
            }(fields),
            ...);
      },
      T::mcp_htm_fields());
  Json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}

// ---- arguments to values -------------------------------------------------------------------

template <class T>
void convert(Json& j, T& out, const PathStep* at);

template <class I>
void convert_integer(const Json& j, I& out, const PathStep* at) {
  using Limits = std::numeric_limits<I>;
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (v <= static_cast<std::uint64_t>(Limits::max())) {
      out = static_cast<I>(v);
      return;
    }
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    const bool fits =
        std::is_signed_v<I>
            ? v >= static_cast<std::int64_t>(Limits::min()) &&
                  (sizeof(I) == 8 || v <= static_cast<std::int64_t>(Limits::max()))
            : v >= 0 && static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(Limits::max());
    if (fits) {
      out = static_cast<I>(v);
      return;
    }
  } else if (j.is_number_float()) {
    // 2.0 is an integer (JSON Schema, draft 6 on); the schema lets it through.
    const double v = j.get<double>();
    if (std::trunc(v) != v) conversion_error(at, fmt::format("{} is not an integer", j.dump()));
    // 2^digits is exact as a double, unlike max() = 2^digits - 1.
    const double upper = std::ldexp(1.0, Limits::digits);
    const double lower = std::is_signed_v<I> ? -upper : 0.0;
    if (v >= lower && v < upper) {
      out = static_cast<I>(v);
      return;
    }
  } else {
    conversion_error(at, fmt::format("expected an integer, got {}", json_kind(j)));
  }
  conversion_error(at, fmt::format("{} is out of the range of a {} ({} to {})", j.dump(),
                                   integer_name<I>(), Limits::min(), Limits::max()));
}

template <class T>
void convert_struct(Json& j, T& out, const PathStep* at) {
  if (!j.is_object()) conversion_error(at, fmt::format("expected an object, got {}", json_kind(j)));
  std::apply(
      [&](const auto&... fields) {
        (
            [&](const auto& f) {
              using M = typename std::decay_t<decltype(f)>::member_type;
              auto it = j.find(f.name);
              if constexpr (is_optional<M>::value) {
                if (it == j.end() || it->is_null()) {
                  (out.*(f.pointer)).reset();
                  return;
                }
                const PathStep step{at, f.name, 0};
                convert(*it, (out.*(f.pointer)).emplace(), &step);
              } else {
                if (it == j.end()) {
                  conversion_error(at, fmt::format("missing required property '{}'", f.name));
                }
                const PathStep step{at, f.name, 0};
                convert(*it, out.*(f.pointer), &step);
              }
            }(fields),
            ...);
      },
      T::mcp_htm_fields());
}

template <class T>
void convert(Json& j, T& out, const PathStep* at) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean())
      conversion_error(at, fmt::format("expected a boolean, got {}", json_kind(j)));
    out = j.get<bool>();
  } else if constexpr (is_integer_v<T>) {
    convert_integer(j, out, at);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number())
      conversion_error(at, fmt::format("expected a number, got {}", json_kind(j)));
    const double v = j.get<double>();
    if constexpr (sizeof(T) < sizeof(double)) {
      if (std::isfinite(v) && std::abs(v) > static_cast<double>(std::numeric_limits<T>::max())) {
        conversion_error(at, fmt::format("{} is out of the range of a float", j.dump()));
      }
    }
    out = static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string())
      conversion_error(at, fmt::format("expected a string, got {}", json_kind(j)));
    out = std::move(j.get_ref<std::string&>());
  } else if constexpr (std::is_same_v<T, Json>) {
    out = std::move(j);
  } else if constexpr (std::is_enum_v<T> && !has_enum_values<T>::value) {
    (void)schema_of<T>();  // its static_assert says what to do
  } else if constexpr (std::is_enum_v<T>) {
    if (!j.is_string())
      conversion_error(at, fmt::format("expected a string, got {}", json_kind(j)));
    const auto& text = j.get_ref<const std::string&>();
    std::string names;
    for (const auto& [value, name] : mcp_htm_enum_values(T{})) {
      if (name == text) {
        out = value;
        return;
      }
      names += fmt::format("{}'{}'", names.empty() ? "" : ", ", name);
    }
    conversion_error(at, fmt::format("'{}' is not one of {}", text, names));
  } else if constexpr (is_vector<T>::value) {
    if (!j.is_array()) conversion_error(at, fmt::format("expected an array, got {}", json_kind(j)));
    out.clear();
    out.reserve(j.size());
    std::size_t i = 0;
    for (auto& item : j) {
      const PathStep step{at, std::string_view(), i++};
      if constexpr (std::is_same_v<typename T::value_type, bool>) {  // no bool& to fill
        bool flag = false;
        convert(item, flag, &step);
        out.push_back(flag);
      } else {
        convert(item, out.emplace_back(), &step);
      }
    }
  } else if constexpr (is_string_map<T>::value) {
    if (!j.is_object())
      conversion_error(at, fmt::format("expected an object, got {}", json_kind(j)));
    out.clear();
    for (auto& [key, item] : j.items()) {
      const PathStep step{at, key, 0};
      convert(item, out[key], &step);
    }
  } else if constexpr (is_described<T>::value) {
    convert_struct(j, out, at);
  } else {
    (void)schema_of<T>();  // its static_assert says what is supported
  }
}

// ---- values to JSON ------------------------------------------------------------------------

template <class T>
Json value_json(const T& v) {
  if constexpr (std::is_enum_v<T> && !has_enum_values<T>::value) {
    (void)schema_of<T>();
    return {};
  } else if constexpr (std::is_enum_v<T>) {
    for (const auto& [value, name] : mcp_htm_enum_values(T{})) {
      if (value == v) return Json(name);
    }
    return Json(nullptr);  // a value without a name
  } else if constexpr (is_vector<T>::value) {
    Json out = Json::array();
    for (const auto& item : v) out.push_back(value_json(item));
    return out;
  } else if constexpr (is_string_map<T>::value) {
    Json out = Json::object();
    for (const auto& [key, item] : v) out[key] = value_json(item);
    return out;
  } else if constexpr (is_described<T>::value) {
    Json out = Json::object();
    std::apply(
        [&](const auto&... fields) {
          (
              [&](const auto& f) {
                using M = typename std::decay_t<decltype(f)>::member_type;
                const M& member = v.*(f.pointer);
                if constexpr (is_optional<M>::value) {
                  if (member) out[f.name] = value_json(*member);
                } else {
                  out[f.name] = value_json(member);
                }
              }(fields),
              ...);
        },
        T::mcp_htm_fields());
    return out;
  } else if constexpr (std::is_same_v<T, bool> || is_integer_v<T> || std::is_floating_point_v<T> ||
                       std::is_same_v<T, std::string> || std::is_same_v<T, Json>) {
    return Json(v);
  } else {
    (void)schema_of<T>();
    return {};
  }
}

}  // namespace detail

/// True for structs declared with MCP_HTM_FIELDS.
template <class T>
inline constexpr bool is_described_v = detail::is_described<T>::value;

/// The JSON Schema of `T` (a struct declared with MCP_HTM_FIELDS, or any supported field
/// type): "type", "properties", "required" (the members that are not std::optional),
/// with each field's description and constraints.
template <class T>
[[nodiscard]] Json json_schema_of() {
  return detail::schema_of<T>();
}

/// Converts tool arguments to `T`, moving strings out of `args`. Members not declared
/// are ignored, a null or absent std::optional member is empty. Throws InvalidArguments
/// naming the JSON pointer of the first value that does not fit (the manager answers
/// it as invalid_params).
template <class T>
[[nodiscard]] T from_arguments(Json args) {
  T out{};
  detail::convert(args, out, nullptr);
  return out;
}

/// `value` as JSON: declared members by name, absent std::optional members left out,
/// enums by their names.
template <class T>
[[nodiscard]] Json to_json_value(const T& value) {
  return detail::value_json(value);
}

}  // namespace mcp

#endif  // MCP_HTM_TYPED_TOOL_HPP
