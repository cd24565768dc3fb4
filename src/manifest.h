// The manifest: routes and their caching rules, as operators write them.
// Strict with configuration: a manifest with any error is rejected whole,
// never half-applied (docs/manifest.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace freshet {

enum class Mode : uint32_t { kOn = 0, kOff = 1, kDebug = 2 };

// Who decides the freshness lifetime when both the origin and the route say
// something (docs/manifest.md "Precedence").
enum class OriginHeaders : uint32_t {
  kRespect = 0,   // origin's explicit freshness wins; route ttl is the default
  kOverride = 1,  // route ttl wins; origin no-store/private still refuse storage
};

// Whether request Cache-Control directives (RFC 9111 5.2.1) are honoured.
enum class RequestDirectives : uint32_t { kIgnore = 0, kHonor = 1 };

constexpr int64_t kForever = INT64_C(0x7fffffff);  // "cache until purged"

struct RouteRules {
  bool cache = true;
  std::optional<int64_t> ttl;  // seconds; kForever = until purged
  int64_t stale_while_revalidate = 0;
  int64_t stale_if_error = 0;
  std::optional<int64_t> browser_ttl;  // rewrite the client's Cache-Control
  OriginHeaders origin_headers = OriginHeaders::kRespect;
  RequestDirectives request_directives = RequestDirectives::kIgnore;
  bool heuristic = true;  // RFC 9111 4.2.2 heuristic freshness
  std::vector<std::string> methods = {"GET", "HEAD"};
  std::vector<std::string> bypass_cookies;                      // cookie names
  std::vector<std::string> bypass_headers = {"authorization"};  // lower case
};

struct Route {
  std::string name;     // defaults to the pattern
  std::string pattern;  // "/blog/:slug", "/static/*"
  RouteRules rules;
};

struct Manifest {
  int version = 1;
  Mode mode = Mode::kOn;
  RouteRules defaults;
  std::vector<Route> routes;
};

struct Diagnostic {
  std::string path;     // JSON path, e.g. "$.routes[2].ttl"
  std::string message;  // what is wrong, and how to fix it when we know
};

struct ManifestResult {
  std::optional<Manifest> manifest;  // set only when there are no errors
  std::vector<Diagnostic> errors;
};

ManifestResult parseManifest(std::string_view json_text);

}  // namespace freshet
