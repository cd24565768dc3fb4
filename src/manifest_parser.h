// Internal to the manifest loader: collects diagnostics with JSON paths and
// reads typed values. Never throws (the wasm builds have no exceptions).
#pragma once

#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifest.h"

namespace freshet::manifest_detail {

using nlohmann::json;

// A value as diagnostics show it: scalars as JSON, arrays and objects by
// kind only. json::dump() recurses once per nesting level, and a deeply
// nested value (100,000 levels fit in a small manifest) would exhaust the
// stack - in wasm, a trap at load.
std::string shown(const json& v);

// A JSON path such as "$.routes[2].ttl", spelled out only when a diagnostic
// needs it: almost every value read is valid, and building the path of each
// one cost more than reading the value. A child refers to its parent, so
// build children as temporaries or locals inside the parent's lifetime.
class JsonPath {
 public:
  // The root, or any path spelled out already ("$", "$.memory").
  JsonPath(const char* root) : name_(root) {}  // NOLINT(google-explicit-constructor)

  JsonPath field(std::string_view name) const { return {this, name, kField}; }
  JsonPath item(size_t index) const { return {this, {}, kItem, index}; }

  std::string str() const;

 private:
  enum Kind { kRoot, kField, kItem };
  JsonPath(const JsonPath* parent, std::string_view name, Kind kind, size_t index = 0)
      : parent_(parent), name_(name), kind_(kind), index_(index) {}
  void appendTo(std::string& out) const;

  const JsonPath* parent_ = nullptr;
  std::string_view name_;  // the root's text, or a member name
  Kind kind_ = kRoot;
  size_t index_ = 0;  // kItem
};

class Parser {
 public:
  std::vector<Diagnostic> diagnostics;

  void error(const JsonPath& path, std::string message) {
    diagnostics.push_back({path.str(), std::move(message), Severity::kError});
  }
  void warning(const JsonPath& path, std::string message) {
    diagnostics.push_back({path.str(), std::move(message), Severity::kWarning});
  }

  // Reports every key of `obj` not in `known`, with a suggestion.
  void checkKeys(const json& obj, const JsonPath& path, const std::vector<std::string_view>& known);
  // The diagnostic of checkKeys for one unknown `key`.
  void unknownField(const JsonPath& path, const std::string& key,
                    const std::vector<std::string_view>& known);

  // A whole number of seconds >= 0; `allow_forever` admits "forever".
  std::optional<int64_t> seconds(const json& v, const JsonPath& path, bool allow_forever);
  // A whole number >= 0 (a count or a size in bytes).
  std::optional<int64_t> count(const json& v, const JsonPath& path);
  std::optional<bool> boolean(const json& v, const JsonPath& path);
  std::optional<std::string> string(const json& v, const JsonPath& path);
  std::optional<std::vector<std::string>> stringList(const json& v, const JsonPath& path);
  // One of `choices`; returns its index.
  std::optional<size_t> oneOf(const json& v, const JsonPath& path,
                              const std::vector<std::string_view>& choices);
};

// The fields a route (or "defaults") may set, in the order of ruleKeys()
// and then the two only a route has.
enum class RuleField : uint8_t {
  kForwardHeaders,
  kSetCookie,
  kGenerateEtag,
  kCdnCacheControl,
  kStorage,
  kOriginTimeout,
  kShield,
  kCache,
  kTtl,
  kStaleWhileRevalidate,
  kStaleIfError,
  kBrowserTtl,
  kOriginHeaders,
  kRequestDirectives,
  kHeuristic,
  kAgeFromDate,
  kMinTtl,
  kMaxTtl,
  kNegativeTtl,
  kCachePrivate,
  kMethods,
  kMaxBodyBytes,
  kTags,
  kInvalidates,
  kInvalidateSoft,
  kKey,
  kBypassCookies,
  kBypassHeaders,
  kName,     // routes only
  kPattern,  // routes only
  kCount,
};

// The members of a route or "defaults" object by field (null when absent),
// found in one pass over the object. Not const: the DOM is discarded after
// loading, so a route's pattern string is moved out of it, not copied.
class RuleFields {
 public:
  json* operator[](RuleField f) const { return at_[static_cast<size_t>(f)]; }

  // Reads `obj` (an object) as checkKeys would with ruleKeys(), plus "name"
  // and "pattern" when `route`: reports unknown members, records the rest.
  void read(Parser& p, json& obj, const JsonPath& path, bool route);

 private:
  std::array<json*, static_cast<size_t>(RuleField::kCount)> at_{};
};

// The fields a route (or "defaults") may set besides name and pattern.
const std::vector<std::string_view>& ruleKeys();

// Applies the rule fields present on top of `rules`.
void parseRules(Parser& p, const RuleFields& fields, const JsonPath& path, RouteRules& rules);

// Cross-field checks once a route is complete (params used by tags, ...);
// `pattern_valid`: the route's pattern passed validatePattern.
void checkRoute(Parser& p, const Route& route, bool pattern_valid, const JsonPath& path);

}  // namespace freshet::manifest_detail
