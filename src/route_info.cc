#include "route_info.h"

#include <nlohmann/json.hpp>

namespace freshet {
namespace {

using nlohmann::json;

json seconds(const std::optional<int64_t>& v) {
  if (!v) return nullptr;
  if (*v >= kForever) return "forever";
  return *v;
}

}  // namespace

std::string describeRoute(const Route& route, uint32_t index) {
  const RouteRules& r = route.rules;
  json key = {{"host", r.key.host},
              {"cookies", r.key.cookies},
              {"headers", r.key.headers},
              {"device", r.key.device}};
  switch (r.key.query) {
    case KeyRules::Query::kAll: key["query"] = "all"; break;
    case KeyRules::Query::kNone: key["query"] = "none"; break;
    case KeyRules::Query::kAllow: key["query"] = r.key.query_allow; break;
  }
  key["ignoreQuery"] = r.key.query_ignore;
  json bypass_headers = json::array();
  for (const auto& b : r.bypass_headers) {
    bypass_headers.push_back(b.value ? b.name + ": " + *b.value : b.name);
  }
  json out = {
      {"index", index},
      {"name", route.name},
      {"pattern", route.pattern},
      {"cache", r.cache},
      {"ttl", seconds(r.ttl)},
      {"staleWhileRevalidate", r.stale_while_revalidate},
      {"staleIfError", r.stale_if_error},
      {"browserTtl", seconds(r.browser_ttl)},
      {"originHeaders", r.origin_headers == OriginHeaders::kRespect ? "respect" : "override"},
      {"requestDirectives", r.request_directives == RequestDirectives::kHonor ? "honor" : "ignore"},
      {"heuristic", r.heuristic},
      {"minTtl", seconds(r.min_ttl)},
      {"maxTtl", seconds(r.max_ttl)},
      {"negativeTtl", seconds(r.negative_ttl)},
      {"cachePrivate", r.cache_private},
      {"methods", r.methods},
      {"maxBodyBytes", r.max_body_bytes},
      {"tags", r.tags},
      {"key", key},
      {"bypassCookies", r.bypass_cookies},
      {"bypassHeaders", bypass_headers},
  };
  json storage = json::array();
  if (r.tiers & kTierMemory) storage.push_back("memory");
  if (r.tiers & kTierCache) storage.push_back("cache");
  if (r.tiers & kTierGlobal) storage.push_back("global");
  out["storage"] = storage;
  out["originTimeout"] = r.origin_timeout;
  out["forwardHeaders"] = r.forward_all_headers ? "all" : "keyed";
  out["setCookie"] = r.store_set_cookie ? "store" : "refuse";
  return out.dump();
}

std::string describeManifest(const Manifest& m) {
  static constexpr const char* kModes[] = {"on", "off", "debug"};
  json out = {{"namespace", m.key_namespace},
              {"mode", kModes[static_cast<uint32_t>(m.mode)]},
              {"routes", m.routes.size()},
              {"memory",
               {{"maxEntries", m.memory.max_entries},
                {"maxBytes", m.memory.max_bytes},
                {"maxEntryBytes", m.memory.max_entry_bytes}}},
              {"warm", m.warm}};
  return out.dump();
}

}  // namespace freshet
