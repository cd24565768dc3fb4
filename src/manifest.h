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
// What caching does under local development (FRESHET_DEV=1, docs/operations.md).
enum class DevMode : uint32_t { kMark = 0, kOff = 1, kCache = 2 };

// Who decides the freshness lifetime when both the origin and the route say
// something (docs/manifest.md "Precedence").
enum class OriginHeaders : uint32_t {
  kRespect = 0,   // origin's explicit freshness wins; route ttl is the default
  kOverride = 1,  // route ttl wins; origin no-store/private still refuse storage
};

// Whether request Cache-Control directives (RFC 9111 5.2.1) are honoured.
enum class RequestDirectives : uint32_t { kIgnore = 0, kHonor = 1 };

constexpr int64_t kForever = INT64_C(0x7fffffff);  // "cache until purged"

// What goes into a route's cache key besides scheme and path
// (docs/manifest.md "Keys").
struct KeyRules {
  enum class Query : uint32_t { kAll = 0, kNone = 1, kAllow = 2 };
  Query query = Query::kAll;
  std::vector<std::string> query_allow;   // names kept with kAllow
  std::vector<std::string> query_ignore;  // names dropped; "utm_*" = prefix
  std::vector<std::string> cookies;       // cookie names whose values key
  std::vector<std::string> headers;       // lower-case request header names
  bool device = false;                    // mobile / tablet / desktop
  bool host = true;                       // the Host is part of the key
};

// Bypass when a request header is present (value unset) or equals `value`
// (compared case-insensitively).
struct BypassHeader {
  std::string name;  // lower case
  std::optional<std::string> value;
};

// Storage tiers (docs/tiers.md): bits of RouteRules::tiers.
enum StorageTier : uint32_t {
  kTierMemory = 1u << 0,  // the isolate's memory, in front of the Cache API
  kTierCache = 1u << 1,   // the platform Cache API (per data center)
  kTierGlobal = 1u << 2,  // R2 or KV behind the Cache API (every location)
};

struct RouteRules {
  bool cache = true;
  uint32_t tiers = kTierCache;            // where entries are kept; 0 = nowhere
  bool forward_all_headers = false;       // "forwardHeaders": "all" (a classic proxy)
  bool store_set_cookie = false;          // "setCookie": "store" (RFC 9111 allows it)
  bool strip_set_cookie = false;          // "setCookie": "strip": stored without the cookies
  bool generate_etag = false;             // "generateEtag": a strong ETag from the body digest
  bool remove_cdn_cache_control = false;  // "cdnCacheControl": "remove" (RFC 9213)
  int64_t origin_timeout = 30;            // seconds before an origin fetch is abandoned
  bool shield = false;                    // misses and revalidations go through the shield
  int64_t shield_timeout_ms = 1000;       // how long a location waits for the shield to accept
  std::optional<int64_t> ttl;             // seconds; kForever = until purged
  int64_t stale_while_revalidate = 0;
  int64_t stale_if_error = 0;
  std::optional<int64_t> browser_ttl;  // rewrite the client's Cache-Control
  OriginHeaders origin_headers = OriginHeaders::kRespect;
  RequestDirectives request_directives = RequestDirectives::kIgnore;
  bool heuristic = true;                // RFC 9111 4.2.2 heuristic freshness
  bool age_from_date = true;            // "ageFromDate": the apparent age counts (RFC 9111 4.2.3)
  std::optional<int64_t> min_ttl;       // floor on the origin's lifetime
  std::optional<int64_t> max_ttl;       // cap on the origin's lifetime
  std::optional<int64_t> negative_ttl;  // 404/410 without origin freshness
  bool negative_heuristic = false;      // negativeTtl "heuristic": 404/410 like a 200
  bool cache_private = false;           // store "private" responses (loud!)
  std::vector<std::string> methods = {"GET", "HEAD"};
  int64_t max_body_bytes = 8192;  // POST routes: larger bodies bypass
  std::vector<std::string> tags;  // templates: "post:{slug}"
  // What a successful unsafe request on the route also invalidates, through
  // the purge plane: "tag:<template>", "prefix:<template>", "url:<template>"
  // or "all" (docs/manifest.md "invalidates").
  std::vector<std::string> invalidates;
  bool invalidate_soft = false;  // "invalidateSoft": mark stale instead of evicting
  KeyRules key;
  std::vector<std::string> bypass_cookies;  // cookie names
  std::vector<BypassHeader> bypass_headers = {{"authorization", std::nullopt}};
};

struct Route {
  std::string name;     // defaults to the pattern
  std::string pattern;  // "/blog/:slug", "/static/*"
  RouteRules rules;
};

// Caps of the memory tier of each isolate (docs/tiers.md).
struct MemoryLimits {
  int64_t max_entries = 1000;
  int64_t max_bytes = int64_t{16} * 1024 * 1024;
  int64_t max_entry_bytes = int64_t{256} * 1024;
};

// The fields freshet adds to every answer beyond the standard ones (Age,
// RFC 9111 5.1; Cache-Status, RFC 9211), which always go out.
struct ClientHeaders {
  bool x_cache = true;        // x-cache: HIT, MISS, STALE, ...
  bool server_timing = true;  // Server-Timing (W3C): freshet;dur=...;desc=...
};

struct Manifest {
  int version = 1;
  MemoryLimits memory;
  ClientHeaders client_headers;
  std::vector<std::string> warm;  // URLs the cron trigger keeps warm
  Mode mode = Mode::kOn;
  DevMode dev = DevMode::kMark;
  std::string key_namespace = "main";  // separates sites sharing one cache
  std::string key_host;                // host of the key URLs; empty: the request's
  RouteRules defaults;
  std::vector<Route> routes;
};

enum class Severity : uint32_t { kError = 0, kWarning = 1 };

struct Diagnostic {
  std::string path;     // JSON path, e.g. "$.routes[2].ttl"
  std::string message;  // what is wrong, and how to fix it when we know
  Severity severity = Severity::kError;
};

struct ManifestResult {
  std::optional<Manifest> manifest;  // set only when there are no errors
  std::vector<Diagnostic> errors;    // errors first, then warnings
  size_t error_count = 0;
};

ManifestResult parseManifest(std::string_view json_text);

}  // namespace freshet
