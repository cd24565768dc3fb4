#include "route_info.h"

#include "json_writer.h"
#include "request_fields.h"
#include "response_facts.h"

namespace freshet {
namespace {

// A duration: null when unset, "forever", or seconds.
void seconds(JsonWriter& w, const std::optional<int64_t>& v) {
  if (!v) {
    w.null();
  } else if (*v >= kForever) {
    w.string("forever");
  } else {
    w.number(*v);
  }
}

void keyRules(JsonWriter& w, const KeyRules& k) {
  w.open();
  w.key("cookies").strings(k.cookies);
  w.key("device").boolean(k.device);
  w.key("headers").strings(k.headers);
  w.key("host").boolean(k.host);
  w.key("ignoreQuery").strings(k.query_ignore);
  w.key("query");
  switch (k.query) {
    case KeyRules::Query::kAll: w.string("all"); break;
    case KeyRules::Query::kNone: w.string("none"); break;
    case KeyRules::Query::kAllow: w.strings(k.query_allow); break;
  }
  w.close();
}

}  // namespace

// Members in sorted key order: the output is byte for byte what nlohmann's
// dump() gave for the same object.
std::string describeRoute(const Route& route, uint32_t index) {
  const RouteRules& r = route.rules;
  JsonWriter w;
  w.open();
  w.key("browserTtl");
  seconds(w, r.browser_ttl);
  w.key("bypassCookies").strings(r.bypass_cookies);
  w.key("bypassHeaders").beginArray();
  for (const auto& b : r.bypass_headers) w.string(b.value ? b.name + ": " + *b.value : b.name);
  w.endArray();
  w.key("cache").boolean(r.cache);
  w.key("cachePrivate").boolean(r.cache_private);
  w.key("cdnCacheControl").string(r.remove_cdn_cache_control ? "remove" : "pass");
  w.key("forwardHeaders").string(r.forward_all_headers ? "all" : "keyed");
  w.key("generateEtag").boolean(r.generate_etag);
  w.key("heuristic").boolean(r.heuristic);
  w.key("ageFromDate").boolean(r.age_from_date);
  w.key("index").number(index);
  w.key("invalidateSoft").boolean(r.invalidate_soft);
  w.key("invalidates").strings(r.invalidates);
  w.key("key");
  keyRules(w, r.key);
  w.key("maxBodyBytes").number(r.max_body_bytes);
  w.key("maxTtl");
  seconds(w, r.max_ttl);
  w.key("methods").strings(r.methods);
  w.key("minTtl");
  seconds(w, r.min_ttl);
  w.key("name").string(route.name);
  w.key("negativeTtl");
  if (r.negative_heuristic) {
    w.string("heuristic");
  } else {
    seconds(w, r.negative_ttl);
  }
  w.key("originHeaders")
      .string(r.origin_headers == OriginHeaders::kRespect ? "respect" : "override");
  w.key("originTimeout").number(r.origin_timeout);
  w.key("pattern").string(route.pattern);
  w.key("requestDirectives")
      .string(r.request_directives == RequestDirectives::kHonor ? "honor" : "ignore");
  w.key("setCookie").string(r.store_set_cookie ? "store" : r.strip_set_cookie ? "strip" : "refuse");
  w.key("shield");
  if (r.shield) {
    w.open().key("timeoutMs").number(r.shield_timeout_ms).close();
  } else {
    w.boolean(false);
  }
  w.key("staleIfError").number(r.stale_if_error);
  w.key("staleWhileRevalidate").number(r.stale_while_revalidate);
  w.key("storage").beginArray();
  if (r.tiers & kTierMemory) w.string("memory");
  if (r.tiers & kTierCache) w.string("cache");
  if (r.tiers & kTierGlobal) w.string("global");
  w.endArray();
  w.key("tags").strings(r.tags);
  w.key("ttl");
  seconds(w, r.ttl);
  w.close();
  return w.take();
}

std::string describeManifest(const Manifest& m) {
  static constexpr const char* kModes[] = {"on", "off", "debug"};
  static constexpr const char* kDevModes[] = {"mark", "off", "cache"};
  JsonWriter w;
  w.open();
  w.key("clientHeaders").open();
  w.key("serverTiming").boolean(m.client_headers.server_timing);
  w.key("xCache").boolean(m.client_headers.x_cache);
  w.close();
  w.key("dev").string(kDevModes[static_cast<uint32_t>(m.dev)]);
  w.key("keyHost").string(m.key_host);
  w.key("memory").open();
  w.key("maxBytes").number(m.memory.max_bytes);
  w.key("maxEntries").number(m.memory.max_entries);
  w.key("maxEntryBytes").number(m.memory.max_entry_bytes);
  w.close();
  w.key("mode").string(kModes[static_cast<uint32_t>(m.mode)]);
  w.key("namespace").string(m.key_namespace);
  w.key("requestFields").strings(requestFieldNames(m));
  w.key("responseFields").strings(responseFieldNames());
  w.key("routes").number(static_cast<int64_t>(m.routes.size()));
  w.key("warm").strings(m.warm);
  w.close();
  return w.take();
}

}  // namespace freshet
