// The per-route rule fields of the manifest (docs/manifest.md "Routes").
#include <algorithm>

#include "manifest_parser.h"
#include "route_pattern.h"
#include "text.h"

namespace freshet::manifest_detail {
namespace {

bool isTokenChar(char c) {
  // RFC 9110 section 5.6.2 tchar.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isFieldName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isTokenChar);
}

void parseKey(Parser& p, const json& obj, const JsonPath& path, KeyRules& key) {
  if (!obj.is_object()) {
    p.error(path, "must be an object such as {\"query\": \"all\", \"cookies\": [\"currency\"]}");
    return;
  }
  p.checkKeys(obj, path, {"query", "ignoreQuery", "cookies", "headers", "device", "host"});
  if (obj.contains("query")) {
    const json& q = obj["query"];
    if (q.is_array()) {
      if (auto list = p.stringList(q, path.field("query"))) {
        key.query = KeyRules::Query::kAllow;
        key.query_allow = *list;
        key.query_ignore.clear();  // an allow list replaces an inherited deny list
        if (obj.contains("ignoreQuery")) {
          p.warning(path.field("ignoreQuery"), "has no effect next to an allow list in \"query\"");
        }
      }
    } else if (auto i = p.oneOf(q, path.field("query"), {"all", "none"})) {
      key.query = *i == 0 ? KeyRules::Query::kAll : KeyRules::Query::kNone;
      key.query_allow.clear();
    }
  }
  if (obj.contains("ignoreQuery") && key.query != KeyRules::Query::kAllow) {
    if (auto list = p.stringList(obj["ignoreQuery"], path.field("ignoreQuery"))) {
      key.query_ignore = *list;
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string& n = (*list)[i];
        const size_t star = n.find('*');
        if (star != std::string::npos && star + 1 != n.size()) {
          p.error(path.field("ignoreQuery").item(i), "'*' may only end a name, as in \"utm_*\"");
        }
      }
    }
  }
  if (obj.contains("cookies")) {
    if (auto list = p.stringList(obj["cookies"], path.field("cookies"))) key.cookies = *list;
  }
  if (obj.contains("headers")) {
    if (auto list = p.stringList(obj["headers"], path.field("headers"))) {
      key.headers.clear();
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string name = lowerAscii((*list)[i]);
        if (!isFieldName(name)) {
          p.error(path.field("headers").item(i),
                  "\"" + (*list)[i] + "\" is not a header field name");
        } else if (name == "cookie") {
          p.error(path.field("headers").item(i),
                  "key on selected cookies with \"cookies\", not the whole Cookie header");
        }
        key.headers.push_back(name);
      }
    }
  }
  if (obj.contains("device"))
    key.device = p.boolean(obj["device"], path.field("device")).value_or(false);
  if (obj.contains("host")) key.host = p.boolean(obj["host"], path.field("host")).value_or(true);
}

void parseBypassHeaders(Parser& p, const json& v, const JsonPath& path, RouteRules& r) {
  auto list = p.stringList(v, path);
  if (!list) return;
  r.bypass_headers.clear();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string& item = (*list)[i];
    BypassHeader b;
    const size_t colon = item.find(':');
    b.name = lowerAscii(trimOws(std::string_view(item).substr(0, colon)));
    if (colon != std::string::npos)
      b.value = std::string(trimOws(std::string_view(item).substr(colon + 1)));
    if (!isFieldName(b.name)) {
      p.error(path.item(i), "\"" + item + "\" must be a header name, or \"name: value\"");
    }
    r.bypass_headers.push_back(std::move(b));
  }
}

void parseMethods(Parser& p, const json& v, const JsonPath& path, RouteRules& r) {
  auto list = p.stringList(v, path);
  if (!list) return;
  r.methods.clear();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string& m = (*list)[i];
    if (m != "GET" && m != "HEAD" && m != "POST") {
      p.error(path.item(i), "unsupported method \"" + m + "\" (cacheable: GET, HEAD, POST)");
    }
    r.methods.push_back(m);
  }
}

// "storage": a shorthand ("memory" = memory + cache, "cache", "global" =
// cache + global, "off" = nowhere) or a list of tiers.
// "shield": true | false | { "timeoutMs": 50..60000 } (docs/shield.md).
void parseShield(Parser& p, const json& v, const JsonPath& path, RouteRules& r) {
  if (v.is_boolean()) {
    r.shield = v.get<bool>();
    return;
  }
  if (!v.is_object()) {
    p.error(path, "must be true, false or { \"timeoutMs\": N }, got " + shown(v));
    return;
  }
  p.checkKeys(v, path, {"timeoutMs"});
  r.shield = true;
  if (const auto it = v.find("timeoutMs"); it != v.end()) {
    const JsonPath at = path.field("timeoutMs");
    if (auto ms = p.count(*it, at)) {
      if (*ms < 50 || *ms > 60000) p.error(at, "must be 50 to 60000 ms");
      r.shield_timeout_ms = *ms;
    }
  }
}

void parseStorage(Parser& p, const json& v, const JsonPath& path, RouteRules& r) {
  if (v.is_string()) {
    if (auto i = p.oneOf(v, path, {"memory", "cache", "global", "off"})) {
      static constexpr uint32_t kShorthand[] = {kTierMemory | kTierCache, kTierCache,
                                                kTierCache | kTierGlobal, 0};
      r.tiers = kShorthand[*i];
    }
    return;
  }
  auto list = p.stringList(v, path);
  if (!list) return;
  uint32_t tiers = 0;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string& t = (*list)[i];
    if (t == "memory")
      tiers |= kTierMemory;
    else if (t == "cache")
      tiers |= kTierCache;
    else if (t == "global")
      tiers |= kTierGlobal;
    else
      p.error(path.item(i), "unknown tier \"" + t + "\" (tiers: memory, cache, global)");
  }
  if (list->empty()) p.error(path, "list at least one tier, or use \"off\"");
  r.tiers = tiers;
}

}  // namespace

const std::vector<std::string_view>& ruleKeys() {
  static const std::vector<std::string_view> keys = {"forwardHeaders",
                                                     "setCookie",
                                                     "generateEtag",
                                                     "cdnCacheControl",
                                                     "storage",
                                                     "originTimeout",
                                                     "shield",
                                                     "cache",
                                                     "ttl",
                                                     "staleWhileRevalidate",
                                                     "staleIfError",
                                                     "browserTtl",
                                                     "originHeaders",
                                                     "requestDirectives",
                                                     "heuristic",
                                                     "ageFromDate",
                                                     "minTtl",
                                                     "maxTtl",
                                                     "negativeTtl",
                                                     "cachePrivate",
                                                     "methods",
                                                     "maxBodyBytes",
                                                     "tags",
                                                     "invalidates",
                                                     "invalidateSoft",
                                                     "key",
                                                     "bypassCookies",
                                                     "bypassHeaders"};
  return keys;
}

void parseRules(Parser& p, const RuleFields& f, const JsonPath& path, RouteRules& r) {
  using F = RuleField;
  auto at = [&path](const char* k) { return path.field(k); };
  if (const json* v = f[F::kCache]) r.cache = p.boolean(*v, at("cache")).value_or(r.cache);
  if (const json* v = f[F::kTtl]) r.ttl = p.seconds(*v, at("ttl"), true);
  if (const json* v = f[F::kStaleWhileRevalidate]) {
    r.stale_while_revalidate = p.seconds(*v, at("staleWhileRevalidate"), false).value_or(0);
  }
  if (const json* v = f[F::kStaleIfError]) {
    r.stale_if_error = p.seconds(*v, at("staleIfError"), false).value_or(0);
  }
  if (const json* v = f[F::kBrowserTtl]) r.browser_ttl = p.seconds(*v, at("browserTtl"), false);
  if (const json* v = f[F::kOriginHeaders]) {
    if (auto i = p.oneOf(*v, at("originHeaders"), {"respect", "override"})) {
      r.origin_headers = static_cast<OriginHeaders>(*i);
    }
  }
  if (const json* v = f[F::kRequestDirectives]) {
    if (auto i = p.oneOf(*v, at("requestDirectives"), {"ignore", "honor"})) {
      r.request_directives = static_cast<RequestDirectives>(*i);
    }
  }
  if (const json* v = f[F::kHeuristic]) r.heuristic = p.boolean(*v, at("heuristic")).value_or(true);
  if (const json* v = f[F::kAgeFromDate]) {
    r.age_from_date = p.boolean(*v, at("ageFromDate")).value_or(true);
  }
  if (const json* v = f[F::kMinTtl]) r.min_ttl = p.seconds(*v, at("minTtl"), false);
  if (const json* v = f[F::kMaxTtl]) r.max_ttl = p.seconds(*v, at("maxTtl"), true);
  if (const json* v = f[F::kNegativeTtl]) {
    // "heuristic": 404/410 get the RFC 9111 4.2.2 heuristic like a 200.
    if (v->is_string() && v->get_ref<const std::string&>() == "heuristic") {
      r.negative_heuristic = true;
      r.negative_ttl.reset();
    } else if (v->is_string()) {
      p.error(at("negativeTtl"),
              "must be a whole number of seconds or \"heuristic\", got " + shown(*v));
    } else {
      r.negative_ttl = p.seconds(*v, at("negativeTtl"), false);
      r.negative_heuristic = false;
    }
  }
  if (const json* v = f[F::kCachePrivate]) {
    r.cache_private = p.boolean(*v, at("cachePrivate")).value_or(false);
    if (r.cache_private) {
      p.warning(at("cachePrivate"),
                "stores responses the origin marks private: every visitor gets the same copy. "
                "Use it only where those responses are not per-user (see docs/manifest.md)");
    }
  }
  if (const json* v = f[F::kMethods]) parseMethods(p, *v, at("methods"), r);
  if (const json* v = f[F::kMaxBodyBytes]) {
    r.max_body_bytes = p.count(*v, at("maxBodyBytes")).value_or(8192);
    if (r.max_body_bytes > 1048576) {
      p.error(at("maxBodyBytes"), "must be at most 1048576 (1 MiB): bodies are read whole");
    }
  }
  if (const json* v = f[F::kTags]) {
    if (auto list = p.stringList(*v, at("tags"))) r.tags = std::move(*list);
  }
  if (const json* v = f[F::kInvalidates]) {
    if (auto list = p.stringList(*v, at("invalidates"))) r.invalidates = std::move(*list);
  }
  if (const json* v = f[F::kInvalidateSoft]) {
    r.invalidate_soft = p.boolean(*v, at("invalidateSoft")).value_or(false);
  }
  if (const json* v = f[F::kKey]) parseKey(p, *v, at("key"), r.key);
  if (const json* v = f[F::kBypassCookies]) {
    if (auto list = p.stringList(*v, at("bypassCookies"))) r.bypass_cookies = std::move(*list);
  }
  if (const json* v = f[F::kBypassHeaders]) parseBypassHeaders(p, *v, at("bypassHeaders"), r);
  if (const json* v = f[F::kStorage]) parseStorage(p, *v, at("storage"), r);
  if (const json* v = f[F::kShield]) parseShield(p, *v, at("shield"), r);
  if (const json* v = f[F::kForwardHeaders]) {
    if (auto i = p.oneOf(*v, at("forwardHeaders"), {"keyed", "all"})) {
      r.forward_all_headers = *i == 1;
    }
  }
  if (const json* v = f[F::kSetCookie]) {
    if (auto i = p.oneOf(*v, at("setCookie"), {"refuse", "store", "strip"})) {
      r.store_set_cookie = *i == 1;
      r.strip_set_cookie = *i == 2;
    }
  }
  if (const json* v = f[F::kGenerateEtag]) {
    r.generate_etag = p.boolean(*v, at("generateEtag")).value_or(false);
  }
  // RFC 9213: CDN-Cache-Control addresses every CDN in a chain, so it is
  // passed on by default; "remove" keeps it from the client.
  if (const json* v = f[F::kCdnCacheControl]) {
    if (auto i = p.oneOf(*v, at("cdnCacheControl"), {"pass", "remove"})) {
      r.remove_cdn_cache_control = *i == 1;
    }
  }
  if (const json* v = f[F::kOriginTimeout]) {
    if (auto s = p.seconds(*v, at("originTimeout"), false)) {
      if (*s < 1 || *s > 600) p.error(at("originTimeout"), "must be 1 to 600 seconds");
      r.origin_timeout = *s;
    }
  }
}

namespace {

// The names a tag template may use: the pattern's params, and "*" for its
// trailing wildcard (the segments that are not literals).
std::vector<std::string_view> patternParams(std::string_view pattern) {
  std::vector<std::string_view> params;
  forEachSegment(pattern, [&params](std::string_view seg, bool) {
    if (seg == "*") {
      params.push_back(seg);
    } else if (!seg.empty() && seg.front() == ':') {
      params.push_back(seg.substr(1));
    }
  });
  return params;
}

// Every "{name}" of a template is a param of the route's pattern.
void checkPlaceholders(Parser& p, const Route& route, const std::vector<std::string_view>& params,
                       const std::string& t, const JsonPath& tpath) {
  size_t pos = 0;
  while ((pos = t.find('{', pos)) != std::string::npos) {
    const size_t end = t.find('}', pos);
    if (end == std::string::npos) {
      p.error(tpath, "unclosed '{' in \"" + t + "\"");
      break;
    }
    const std::string_view name = std::string_view(t).substr(pos + 1, end - pos - 1);
    if (std::find(params.begin(), params.end(), name) == params.end()) {
      p.error(tpath, "\"{" + std::string(name) + "}\" is not a parameter of pattern \"" +
                         route.pattern + "\"");
    }
    pos = end + 1;
  }
}

bool tagText(std::string_view t) {
  for (char c : t) {
    if (c == ',' || c == ' ' || c < 0x21 || c > 0x7e) return false;
  }
  return !t.empty();
}

void checkTags(Parser& p, const Route& route, const std::vector<std::string_view>& params,
               const JsonPath& path) {
  const std::vector<std::string>& tags = route.rules.tags;
  // Tags may use the route's params: "post:{slug}".
  const JsonPath tags_path = path.field("tags");
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string& t = tags[i];
    const JsonPath tpath = tags_path.item(i);
    if (!tagText(t)) {
      p.error(tpath, "tags are printable ASCII without spaces or commas, got \"" + t + "\"");
    }
    checkPlaceholders(p, route, params, t, tpath);
  }
}

// "invalidates": "all", "tag:<tag>", "prefix:</path or URL>", "url:</path or URL>".
void checkInvalidates(Parser& p, const Route& route, const std::vector<std::string_view>& params,
                      const JsonPath& path) {
  const JsonPath list_path = path.field("invalidates");
  const auto& list = route.rules.invalidates;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string& e = list[i];
    const JsonPath epath = list_path.item(i);
    if (e == "all") continue;
    const std::string_view v(e);
    const size_t colon = v.find(':');
    const std::string_view kind = v.substr(0, colon == std::string_view::npos ? 0 : colon);
    const std::string_view value = colon == std::string_view::npos ? "" : v.substr(colon + 1);
    const bool located = value.substr(0, 1) == "/" || value.substr(0, 7) == "http://" ||
                         value.substr(0, 8) == "https://";
    if (kind == "tag") {
      if (!tagText(value)) p.error(epath, "a tag is printable ASCII without spaces or commas");
    } else if (kind == "prefix" || kind == "url") {
      if (!located || value.find_first_of(" \t") != std::string_view::npos) {
        p.error(epath, std::string(kind) + ": takes a path (\"/blog/\") or an absolute URL");
      }
    } else {
      p.error(epath,
              "must be \"all\" or start with \"tag:\", \"prefix:\" or \"url:\", got \"" + e + "\"");
      continue;
    }
    checkPlaceholders(p, route, params, e, epath);
  }
}

}  // namespace

void checkRoute(Parser& p, const Route& route, bool pattern_valid, const JsonPath& path) {
  const RouteRules& r = route.rules;
  if (r.min_ttl && r.max_ttl && *r.min_ttl > *r.max_ttl) {
    p.error(path.field("minTtl"), "is larger than maxTtl (" + std::to_string(*r.max_ttl) + ")");
  }
  // string_views: a method is compared by length before its bytes.
  const auto has = [&r](std::string_view m) {
    return std::find(r.methods.begin(), r.methods.end(), m) != r.methods.end();
  };
  if (has("HEAD") && !has("GET")) {
    p.error(path.field("methods"), "HEAD is answered from GET entries: list \"GET\" too");
  }
  if (r.tags.empty() && r.invalidates.empty()) return;
  std::vector<std::string_view> params;
  if (pattern_valid) params = patternParams(route.pattern);
  if (!r.tags.empty()) checkTags(p, route, params, path);
  if (!r.invalidates.empty()) checkInvalidates(p, route, params, path);
}

}  // namespace freshet::manifest_detail
