// The top level of the manifest: version, mode, namespace, defaults, routes.
#include "manifest.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "manifest_parser.h"
#include "route_pattern.h"

namespace freshet {

using manifest_detail::json;
using manifest_detail::JsonPath;
using manifest_detail::Parser;
using manifest_detail::RuleField;

namespace {

bool validNamespace(const std::string& ns) {
  return !ns.empty() && ns.size() <= 32 && std::all_of(ns.begin(), ns.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// A host name with an optional port, lower case: what a URL's authority
// holds once the runtime has parsed it (no userinfo, no IPv6 brackets).
bool validKeyHost(const std::string& host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == ':') return false;
  const size_t colon = host.find(':');
  for (size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    const bool port = colon != std::string::npos && i > colon;
    if (port ? !(c >= '0' && c <= '9')
             : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                 (c == ':' && i == colon))) {
      return false;
    }
  }
  return colon == std::string::npos || (colon + 1 < host.size() && host.size() - colon <= 6);
}

void parseMemory(Parser& p, const json& v, MemoryLimits& mem) {
  const JsonPath path = "$.memory";
  if (!v.is_object()) {
    p.error(path, "must be an object such as {\"maxEntries\": 1000}");
    return;
  }
  p.checkKeys(v, path, {"maxEntries", "maxBytes", "maxEntryBytes"});
  auto read = [&](const char* k, int64_t& slot, int64_t max) {
    if (!v.contains(k)) return;
    if (auto n = p.count(v[k], path.field(k))) {
      if (*n > max) p.error(path.field(k), "at most " + std::to_string(max));
      slot = *n;
    }
  };
  read("maxEntries", mem.max_entries, 100000);
  read("maxBytes", mem.max_bytes, int64_t{64} * 1024 * 1024);
  read("maxEntryBytes", mem.max_entry_bytes, int64_t{8} * 1024 * 1024);
}

// "$.clientHeaders": which of freshet's own answer fields go out (docs/manifest.md).
void parseClientHeaders(Parser& p, const json& v, ClientHeaders& out) {
  const JsonPath path = "$.clientHeaders";
  if (!v.is_object()) {
    p.error(path, "must be an object such as {\"xCache\": false, \"serverTiming\": false}");
    return;
  }
  p.checkKeys(v, path, {"xCache", "serverTiming"});
  if (v.contains("xCache")) {
    if (auto b = p.boolean(v["xCache"], path.field("xCache"))) out.x_cache = *b;
  }
  if (v.contains("serverTiming")) {
    if (auto b = p.boolean(v["serverTiming"], path.field("serverTiming"))) out.server_timing = *b;
  }
}

// The routes by pattern shape: patterns that match the same paths share a
// shape. One hash per route (a manifest of 10,000 routes loads in linear
// time), in one open-addressing table sized for every route up front: no
// allocation per route, and no shape string built.
class ShapeIndex {
 public:
  ShapeIndex(const std::vector<Route>& routes, size_t count) : routes_(routes) {
    size_t size = 16;
    while (size < 2 * count) size *= 2;  // at most half full
    slots_.resize(size);
  }

  // Records routes[r] (a valid pattern), found at $.routes[index]. Returns
  // the $.routes index of an earlier route of the same shape, if any.
  std::optional<size_t> insert(size_t r, size_t index) {
    const std::string_view pattern = routes_[r].pattern;
    const auto hash = static_cast<uint32_t>(PatternShapeHash{}(pattern));
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.route == 0) {
        slot = {static_cast<uint32_t>(r + 1), static_cast<uint32_t>(index), hash};
        return std::nullopt;
      }
      if (slot.hash == hash && PatternShapeEqual{}(routes_[slot.route - 1].pattern, pattern)) {
        return slot.index;
      }
    }
  }

 private:
  struct Slot {
    uint32_t route = 0;  // 1 + the index into routes_; 0: free
    uint32_t index = 0;  // in $.routes
    uint32_t hash = 0;   // of the shape: most other shapes differ in it
  };
  const std::vector<Route>& routes_;
  std::vector<Slot> slots_;
};

// Sets route.pattern, routes[r], from the route's "pattern" member, found
// at $.routes[index]; true when it is a valid pattern.
bool readPattern(Parser& p, json* v, const JsonPath& path, size_t index, std::vector<Route>& routes,
                 size_t r, ShapeIndex& shapes) {
  const JsonPath pattern_path = path.field("pattern");
  if (!v || !v->is_string()) {
    p.error(pattern_path, "missing: a route needs a \"pattern\" string such as \"/blog/:slug\"");
    return false;
  }
  std::string& pattern = routes[r].pattern;
  pattern = std::move(v->get_ref<std::string&>());  // the DOM is discarded after loading
  if (auto err = validatePattern(pattern)) {
    p.error(pattern_path, std::move(*err));
    return false;
  }
  if (const auto earlier = shapes.insert(r, index)) {
    p.error(pattern_path, "\"" + pattern + "\" matches the same paths as $.routes[" +
                              std::to_string(*earlier) + "], which shadows it");
  }
  return true;
}

void parseRoutes(Parser& p, json::array_t& routes, Manifest& m) {
  m.routes.reserve(routes.size());
  ShapeIndex shapes(m.routes, routes.size());
  const JsonPath routes_path = "$.routes";
  for (size_t i = 0; i < routes.size(); ++i) {
    const JsonPath path = routes_path.item(i);
    json& r = routes[i];
    if (!r.is_object()) {
      p.error(path, "each route must be an object");
      continue;
    }
    manifest_detail::RuleFields fields;
    fields.read(p, r, path, /*route=*/true);
    // Built from the defaults in place: a default-constructed RouteRules
    // allocates its own method and bypass lists only to replace them.
    // (Brace-initialised: Emscripten's libc++ has no parenthesised
    // aggregate initialisation in emplace_back.)
    Route& route = m.routes.emplace_back(Route{std::string(), std::string(), m.defaults});
    const bool pattern_valid =
        readPattern(p, fields[RuleField::kPattern], path, i, m.routes, m.routes.size() - 1, shapes);
    if (const json* name = fields[RuleField::kName]) {
      if (auto s = p.string(*name, path.field("name"))) route.name = std::move(*s);
    }
    if (route.name.empty()) route.name = route.pattern;
    manifest_detail::parseRules(p, fields, path, route.rules);
    manifest_detail::checkRoute(p, route, pattern_valid, path);
  }
}

}  // namespace

ManifestResult parseManifest(std::string_view json_text) {
  ManifestResult result;
  Parser p;
  // nlohmann's DOM parser through its SAX interface: json::parse(text,
  // nullptr, false) takes its callback at run time, so it also compiles the
  // callback parser into the module (docs/performance.md "Wasm size"). Same
  // value; discarded on any error, as parse() does.
  json parsed;
  nlohmann::detail::json_sax_dom_parser<json> sax(parsed, false);
  if (!json::sax_parse(json_text.begin(), json_text.end(), &sax)) {
    parsed = json(json::value_t::discarded);
  }
  const json& root = parsed;
  Manifest m;
  if (root.is_discarded()) {
    p.error("$", "not valid JSON");
  } else if (!root.is_object()) {
    p.error("$", "the manifest must be a JSON object");
  } else {
    p.checkKeys(root, "$",
                {"$schema", "version", "mode", "dev", "namespace", "keyHost", "defaults", "routes",
                 "warm", "memory", "clientHeaders"});
    if (root.contains("memory")) parseMemory(p, root["memory"], m.memory);
    if (root.contains("clientHeaders")) {
      parseClientHeaders(p, root["clientHeaders"], m.client_headers);
    }
    if (root.contains("warm")) {
      // URLs the cron trigger keeps warm (docs/admin.md); read by the worker.
      if (auto urls = p.stringList(root["warm"], "$.warm")) {
        if (urls->size() > 100) p.error("$.warm", "at most 100 URLs");
        for (size_t i = 0; i < urls->size(); ++i) {
          const std::string& u = (*urls)[i];
          m.warm.push_back(u);
          if (u.rfind("https://", 0) != 0 && u.rfind("http://", 0) != 0) {
            p.error(JsonPath("$.warm").item(i),
                    "must be an absolute http(s) URL, got \"" + u + "\"");
          }
        }
      }
    }
    if (root.contains("version") && root["version"] != 1) {
      p.error("$.version", "unsupported manifest version " +
                               manifest_detail::shown(root["version"]) +
                               " (this engine reads version 1)");
    }
    if (root.contains("mode")) {
      if (auto i = p.oneOf(root["mode"], "$.mode", {"on", "off", "debug"})) {
        m.mode = static_cast<Mode>(*i);
      }
    }
    if (root.contains("dev")) {
      if (auto i = p.oneOf(root["dev"], "$.dev", {"mark", "off", "cache"})) {
        m.dev = static_cast<DevMode>(*i);
      }
    }
    if (root.contains("namespace")) {
      const json& ns = root["namespace"];
      if (ns.is_string() && validNamespace(ns.get<std::string>())) {
        m.key_namespace = ns.get<std::string>();
      } else {
        p.error("$.namespace",
                "must be 1-32 characters of a-z, 0-9 and '-', got " + manifest_detail::shown(ns));
      }
    }
    if (root.contains("keyHost")) {
      // The host the Cache API keys live under (src/cache_key.h); default:
      // each request's own host.
      const json& host = root["keyHost"];
      if (host.is_string() && validKeyHost(host.get<std::string>())) {
        m.key_host = host.get<std::string>();
      } else {
        p.error("$.keyHost", "must be a host name (a-z, 0-9, '-', '.', an optional :port), got " +
                                 manifest_detail::shown(host));
      }
    }
    if (root.contains("defaults")) {
      json& d = parsed["defaults"];
      if (!d.is_object()) {
        p.error("$.defaults", "must be an object");
      } else {
        manifest_detail::RuleFields fields;
        fields.read(p, d, "$.defaults", /*route=*/false);
        manifest_detail::parseRules(p, fields, "$.defaults", m.defaults);
      }
    }
    if (!root.contains("routes")) {
      p.error("$.routes", "missing: the manifest needs a \"routes\" array");
    } else if (!root["routes"].is_array()) {
      p.error("$.routes", "must be an array of routes");
    } else {
      parseRoutes(p, parsed["routes"].get_ref<json::array_t&>(), m);
    }
    // Entries shared across hosts need one host to live under: the key URL
    // is under the zone's host, never a made-up one (src/cache_key.h).
    if (m.key_host.empty()) {
      for (size_t i = 0; i < m.routes.size(); ++i) {
        if (m.routes[i].rules.key.host) continue;
        p.error(JsonPath("$.routes").item(i).field("key").field("host"),
                "a key without the host needs the top-level \"keyHost\": the host of your zone "
                "the shared entries are kept under, e.g. \"keyHost\": \"www.example.com\"");
      }
    }
  }
  // Errors first, then warnings, each in document order (two passes: no
  // sort to instantiate; a moved-from Diagnostic keeps its severity).
  std::vector<Diagnostic>& ordered = result.errors;
  ordered.reserve(p.diagnostics.size());
  for (const bool errors : {true, false}) {
    for (auto& d : p.diagnostics) {
      if ((d.severity == Severity::kError) == errors) ordered.push_back(std::move(d));
    }
    if (errors) result.error_count = ordered.size();
  }
  if (result.error_count == 0) result.manifest = std::move(m);
  return result;
}

}  // namespace freshet
