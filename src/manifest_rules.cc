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

void parseKey(Parser& p, const json& obj, const std::string& path, KeyRules& key) {
  if (!obj.is_object()) {
    p.error(path, "must be an object such as {\"query\": \"all\", \"cookies\": [\"currency\"]}");
    return;
  }
  p.checkKeys(obj, path, {"query", "ignoreQuery", "cookies", "headers", "device", "host"});
  if (obj.contains("query")) {
    const json& q = obj["query"];
    if (q.is_array()) {
      if (auto list = p.stringList(q, path + ".query")) {
        key.query = KeyRules::Query::kAllow;
        key.query_allow = *list;
        key.query_ignore.clear();  // an allow list replaces an inherited deny list
        if (obj.contains("ignoreQuery")) {
          p.warning(path + ".ignoreQuery", "has no effect next to an allow list in \"query\"");
        }
      }
    } else if (auto i = p.oneOf(q, path + ".query", {"all", "none"})) {
      key.query = *i == 0 ? KeyRules::Query::kAll : KeyRules::Query::kNone;
      key.query_allow.clear();
    }
  }
  if (obj.contains("ignoreQuery") && key.query != KeyRules::Query::kAllow) {
    if (auto list = p.stringList(obj["ignoreQuery"], path + ".ignoreQuery")) {
      key.query_ignore = *list;
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string& n = (*list)[i];
        const size_t star = n.find('*');
        if (star != std::string::npos && star + 1 != n.size()) {
          p.error(path + ".ignoreQuery[" + std::to_string(i) + "]",
                  "'*' may only end a name, as in \"utm_*\"");
        }
      }
    }
  }
  if (obj.contains("cookies")) {
    if (auto list = p.stringList(obj["cookies"], path + ".cookies")) key.cookies = *list;
  }
  if (obj.contains("headers")) {
    if (auto list = p.stringList(obj["headers"], path + ".headers")) {
      key.headers.clear();
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string name = lowerAscii((*list)[i]);
        if (!isFieldName(name)) {
          p.error(path + ".headers[" + std::to_string(i) + "]",
                  "\"" + (*list)[i] + "\" is not a header field name");
        } else if (name == "cookie") {
          p.error(path + ".headers[" + std::to_string(i) + "]",
                  "key on selected cookies with \"cookies\", not the whole Cookie header");
        }
        key.headers.push_back(name);
      }
    }
  }
  if (obj.contains("device"))
    key.device = p.boolean(obj["device"], path + ".device").value_or(false);
  if (obj.contains("host")) key.host = p.boolean(obj["host"], path + ".host").value_or(true);
}

void parseBypassHeaders(Parser& p, const json& v, const std::string& path, RouteRules& r) {
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
      p.error(path + "[" + std::to_string(i) + "]",
              "\"" + item + "\" must be a header name, or \"name: value\"");
    }
    r.bypass_headers.push_back(std::move(b));
  }
}

void parseMethods(Parser& p, const json& v, const std::string& path, RouteRules& r) {
  auto list = p.stringList(v, path);
  if (!list) return;
  r.methods.clear();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string& m = (*list)[i];
    if (m != "GET" && m != "HEAD" && m != "POST") {
      p.error(path + "[" + std::to_string(i) + "]",
              "unsupported method \"" + m + "\" (cacheable: GET, HEAD, POST)");
    }
    r.methods.push_back(m);
  }
}

// "storage": a shorthand ("memory" = memory + cache, "cache", "global" =
// cache + global, "off" = nowhere) or a list of tiers.
void parseStorage(Parser& p, const json& v, const std::string& path, RouteRules& r) {
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
    const std::string ipath = path + "[" + std::to_string(i) + "]";
    if (t == "memory")
      tiers |= kTierMemory;
    else if (t == "cache")
      tiers |= kTierCache;
    else if (t == "global")
      tiers |= kTierGlobal;
    else
      p.error(ipath, "unknown tier \"" + t + "\" (tiers: memory, cache, global)");
  }
  if (list->empty()) p.error(path, "list at least one tier, or use \"off\"");
  r.tiers = tiers;
}

}  // namespace

const std::vector<std::string_view>& ruleKeys() {
  static const std::vector<std::string_view> keys = {"forwardHeaders",
                                                     "setCookie",
                                                     "storage",
                                                     "originTimeout",
                                                     "cache",
                                                     "ttl",
                                                     "staleWhileRevalidate",
                                                     "staleIfError",
                                                     "browserTtl",
                                                     "originHeaders",
                                                     "requestDirectives",
                                                     "heuristic",
                                                     "minTtl",
                                                     "maxTtl",
                                                     "negativeTtl",
                                                     "cachePrivate",
                                                     "methods",
                                                     "maxBodyBytes",
                                                     "tags",
                                                     "key",
                                                     "bypassCookies",
                                                     "bypassHeaders"};
  return keys;
}

void parseRules(Parser& p, const json& obj, const std::string& path, RouteRules& r) {
  auto has = [&obj](const char* k) { return obj.contains(k); };
  auto at = [&path](const char* k) { return path + "." + k; };
  if (has("cache")) r.cache = p.boolean(obj["cache"], at("cache")).value_or(r.cache);
  if (has("ttl")) r.ttl = p.seconds(obj["ttl"], at("ttl"), true);
  if (has("staleWhileRevalidate")) {
    r.stale_while_revalidate =
        p.seconds(obj["staleWhileRevalidate"], at("staleWhileRevalidate"), false).value_or(0);
  }
  if (has("staleIfError")) {
    r.stale_if_error = p.seconds(obj["staleIfError"], at("staleIfError"), false).value_or(0);
  }
  if (has("browserTtl")) r.browser_ttl = p.seconds(obj["browserTtl"], at("browserTtl"), false);
  if (has("originHeaders")) {
    if (auto i = p.oneOf(obj["originHeaders"], at("originHeaders"), {"respect", "override"})) {
      r.origin_headers = static_cast<OriginHeaders>(*i);
    }
  }
  if (has("requestDirectives")) {
    if (auto i = p.oneOf(obj["requestDirectives"], at("requestDirectives"), {"ignore", "honor"})) {
      r.request_directives = static_cast<RequestDirectives>(*i);
    }
  }
  if (has("heuristic")) r.heuristic = p.boolean(obj["heuristic"], at("heuristic")).value_or(true);
  if (has("minTtl")) r.min_ttl = p.seconds(obj["minTtl"], at("minTtl"), false);
  if (has("maxTtl")) r.max_ttl = p.seconds(obj["maxTtl"], at("maxTtl"), true);
  if (has("negativeTtl")) r.negative_ttl = p.seconds(obj["negativeTtl"], at("negativeTtl"), false);
  if (has("cachePrivate")) {
    r.cache_private = p.boolean(obj["cachePrivate"], at("cachePrivate")).value_or(false);
    if (r.cache_private) {
      p.warning(at("cachePrivate"),
                "stores responses the origin marks private: every visitor gets the same copy. "
                "Use it only where those responses are not per-user (see docs/manifest.md)");
    }
  }
  if (has("methods")) parseMethods(p, obj["methods"], at("methods"), r);
  if (has("maxBodyBytes")) {
    r.max_body_bytes = p.count(obj["maxBodyBytes"], at("maxBodyBytes")).value_or(8192);
    if (r.max_body_bytes > 1048576) {
      p.error(at("maxBodyBytes"), "must be at most 1048576 (1 MiB): bodies are read whole");
    }
  }
  if (has("tags")) {
    if (auto list = p.stringList(obj["tags"], at("tags"))) r.tags = *list;
  }
  if (has("key")) parseKey(p, obj["key"], at("key"), r.key);
  if (has("bypassCookies")) {
    if (auto list = p.stringList(obj["bypassCookies"], at("bypassCookies")))
      r.bypass_cookies = *list;
  }
  if (has("bypassHeaders")) parseBypassHeaders(p, obj["bypassHeaders"], at("bypassHeaders"), r);
  if (has("storage")) parseStorage(p, obj["storage"], at("storage"), r);
  if (has("forwardHeaders")) {
    if (auto i = p.oneOf(obj["forwardHeaders"], at("forwardHeaders"), {"keyed", "all"})) {
      r.forward_all_headers = *i == 1;
    }
  }
  if (has("setCookie")) {
    if (auto i = p.oneOf(obj["setCookie"], at("setCookie"), {"refuse", "store"})) {
      r.store_set_cookie = *i == 1;
    }
  }
  if (has("originTimeout")) {
    if (auto s = p.seconds(obj["originTimeout"], at("originTimeout"), false)) {
      if (*s < 1 || *s > 600) p.error(at("originTimeout"), "must be 1 to 600 seconds");
      r.origin_timeout = *s;
    }
  }
}

void checkRoute(Parser& p, const Route& route, const std::string& path) {
  const RouteRules& r = route.rules;
  if (r.min_ttl && r.max_ttl && *r.min_ttl > *r.max_ttl) {
    p.error(path + ".minTtl", "is larger than maxTtl (" + std::to_string(*r.max_ttl) + ")");
  }
  if (std::find(r.methods.begin(), r.methods.end(), "HEAD") != r.methods.end() &&
      std::find(r.methods.begin(), r.methods.end(), "GET") == r.methods.end()) {
    p.error(path + ".methods", "HEAD is answered from GET entries: list \"GET\" too");
  }
  // Tags may use the route's params: "post:{slug}".
  std::vector<std::string> params;
  if (!validatePattern(route.pattern)) {
    for (const auto& seg : parsePattern(route.pattern)) {
      if (seg.kind != PatternSegment::Kind::kLiteral) params.push_back(seg.text);
    }
  }
  for (size_t i = 0; i < r.tags.size(); ++i) {
    const std::string& t = r.tags[i];
    const std::string tpath = path + ".tags[" + std::to_string(i) + "]";
    for (char c : t) {
      if (c == ',' || c == ' ' || c < 0x21 || c > 0x7e) {
        p.error(tpath, "tags are printable ASCII without spaces or commas, got \"" + t + "\"");
        break;
      }
    }
    size_t pos = 0;
    while ((pos = t.find('{', pos)) != std::string::npos) {
      const size_t end = t.find('}', pos);
      if (end == std::string::npos) {
        p.error(tpath, "unclosed '{' in \"" + t + "\"");
        break;
      }
      const std::string name = t.substr(pos + 1, end - pos - 1);
      if (std::find(params.begin(), params.end(), name) == params.end()) {
        p.error(tpath,
                "\"{" + name + "}\" is not a parameter of pattern \"" + route.pattern + "\"");
      }
      pos = end + 1;
    }
  }
}

}  // namespace freshet::manifest_detail
