// The top level of the manifest: version, mode, namespace, defaults, routes.
#include "manifest.h"

#include <algorithm>
#include <unordered_map>

#include "manifest_parser.h"
#include "route_pattern.h"

namespace freshet {

using manifest_detail::json;
using manifest_detail::Parser;

namespace {

bool validNamespace(const std::string& ns) {
  return !ns.empty() && ns.size() <= 32 && std::all_of(ns.begin(), ns.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

void parseMemory(Parser& p, const json& v, MemoryLimits& mem) {
  if (!v.is_object()) {
    p.error("$.memory", "must be an object such as {\"maxEntries\": 1000}");
    return;
  }
  p.checkKeys(v, "$.memory", {"maxEntries", "maxBytes", "maxEntryBytes"});
  auto read = [&](const char* k, int64_t& slot, int64_t max) {
    if (!v.contains(k)) return;
    if (auto n = p.count(v[k], std::string("$.memory.") + k)) {
      if (*n > max) p.error(std::string("$.memory.") + k, "at most " + std::to_string(max));
      slot = *n;
    }
  };
  read("maxEntries", mem.max_entries, 100000);
  read("maxBytes", mem.max_bytes, 64 * 1024 * 1024);
  read("maxEntryBytes", mem.max_entry_bytes, 8 * 1024 * 1024);
}

void parseRoutes(Parser& p, const json& routes, Manifest& m) {
  std::vector<std::string_view> keys = manifest_detail::ruleKeys();
  keys.push_back("name");
  keys.push_back("pattern");
  std::unordered_map<std::string, size_t> shapes;  // pattern shape -> route index
  for (size_t i = 0; i < routes.size(); ++i) {
    const std::string path = "$.routes[" + std::to_string(i) + "]";
    const json& r = routes[i];
    if (!r.is_object()) {
      p.error(path, "each route must be an object");
      continue;
    }
    p.checkKeys(r, path, keys);
    Route route;
    route.rules = m.defaults;
    if (!r.contains("pattern") || !r["pattern"].is_string()) {
      p.error(path + ".pattern",
              "missing: a route needs a \"pattern\" string such as \"/blog/:slug\"");
    } else {
      route.pattern = r["pattern"].get<std::string>();
      if (auto err = validatePattern(route.pattern)) {
        p.error(path + ".pattern", *err);
      } else {
        // One hash lookup per route (a manifest of 10,000 routes loads in
        // linear time): patterns that match the same paths share a shape.
        const auto [it, fresh] = shapes.emplace(patternShape(route.pattern), i);
        if (!fresh) {
          p.error(path + ".pattern", "\"" + route.pattern +
                                         "\" matches the same paths as $.routes[" +
                                         std::to_string(it->second) + "], which shadows it");
        }
      }
    }
    if (r.contains("name")) route.name = p.string(r["name"], path + ".name").value_or("");
    if (route.name.empty()) route.name = route.pattern;
    manifest_detail::parseRules(p, r, path, route.rules);
    manifest_detail::checkRoute(p, route, path);
    m.routes.push_back(std::move(route));
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
    p.checkKeys(
        root, "$",
        {"$schema", "version", "mode", "namespace", "defaults", "routes", "warm", "memory"});
    if (root.contains("memory")) parseMemory(p, root["memory"], m.memory);
    if (root.contains("warm")) {
      // URLs the cron trigger keeps warm (docs/admin.md); read by the worker.
      if (auto urls = p.stringList(root["warm"], "$.warm")) {
        if (urls->size() > 100) p.error("$.warm", "at most 100 URLs");
        for (size_t i = 0; i < urls->size(); ++i) {
          const std::string& u = (*urls)[i];
          m.warm.push_back(u);
          if (u.rfind("https://", 0) != 0 && u.rfind("http://", 0) != 0) {
            p.error("$.warm[" + std::to_string(i) + "]",
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
    if (root.contains("namespace")) {
      const json& ns = root["namespace"];
      if (ns.is_string() && validNamespace(ns.get<std::string>())) {
        m.key_namespace = ns.get<std::string>();
      } else {
        p.error("$.namespace",
                "must be 1-32 characters of a-z, 0-9 and '-', got " + manifest_detail::shown(ns));
      }
    }
    if (root.contains("defaults")) {
      const json& d = root["defaults"];
      if (!d.is_object()) {
        p.error("$.defaults", "must be an object");
      } else {
        p.checkKeys(d, "$.defaults", manifest_detail::ruleKeys());
        manifest_detail::parseRules(p, d, "$.defaults", m.defaults);
      }
    }
    if (!root.contains("routes")) {
      p.error("$.routes", "missing: the manifest needs a \"routes\" array");
    } else if (!root["routes"].is_array()) {
      p.error("$.routes", "must be an array of routes");
    } else {
      parseRoutes(p, root["routes"], m);
    }
  }
  // Errors first, then warnings, each in document order.
  std::stable_sort(
      p.diagnostics.begin(), p.diagnostics.end(),
      [](const Diagnostic& a, const Diagnostic& b) { return a.severity < b.severity; });
  result.error_count = static_cast<size_t>(
      std::count_if(p.diagnostics.begin(), p.diagnostics.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::kError; }));
  result.errors = std::move(p.diagnostics);
  if (result.error_count == 0) result.manifest = std::move(m);
  return result;
}

}  // namespace freshet
