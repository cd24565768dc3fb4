// Internal to the manifest loader: collects diagnostics with JSON paths and
// reads typed values. Never throws (the wasm builds have no exceptions).
#pragma once

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

class Parser {
 public:
  std::vector<Diagnostic> diagnostics;

  void error(const std::string& path, std::string message) {
    diagnostics.push_back({path, std::move(message), Severity::kError});
  }
  void warning(const std::string& path, std::string message) {
    diagnostics.push_back({path, std::move(message), Severity::kWarning});
  }

  // Reports every key of `obj` not in `known`, with a suggestion.
  void checkKeys(const json& obj, const std::string& path,
                 const std::vector<std::string_view>& known);

  // A whole number of seconds >= 0; `allow_forever` admits "forever".
  std::optional<int64_t> seconds(const json& v, const std::string& path, bool allow_forever);
  // A whole number >= 0 (a count or a size in bytes).
  std::optional<int64_t> count(const json& v, const std::string& path);
  std::optional<bool> boolean(const json& v, const std::string& path);
  std::optional<std::string> string(const json& v, const std::string& path);
  std::optional<std::vector<std::string>> stringList(const json& v, const std::string& path);
  // One of `choices`; returns its index.
  std::optional<size_t> oneOf(const json& v, const std::string& path,
                              const std::vector<std::string_view>& choices);
};

// The fields a route (or "defaults") may set besides name and pattern.
const std::vector<std::string_view>& ruleKeys();

// Applies the rule fields present in `obj` on top of `rules`.
void parseRules(Parser& p, const json& obj, const std::string& path, RouteRules& rules);

// Cross-field checks once a route is complete (params used by tags, ...).
void checkRoute(Parser& p, const Route& route, const std::string& path);

}  // namespace freshet::manifest_detail
