#include "manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "route_pattern.h"
#include "text.h"

namespace freshet {
namespace {

using nlohmann::json;

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (toLowerAscii(a[i - 1]) == toLowerAscii(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string didYouMean(std::string_view key, const std::vector<std::string_view>& known) {
  std::string_view best;
  size_t best_d = 3;  // suggest only close names
  for (auto k : known) {
    const size_t d = editDistance(key, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best.empty() ? std::string{} : " (did you mean \"" + std::string(best) + "\"?)";
}

class Parser {
 public:
  std::vector<Diagnostic> errors;

  void error(const std::string& path, std::string message) {
    errors.push_back({path, std::move(message)});
  }

  void checkKeys(const json& obj, const std::string& path,
                 const std::vector<std::string_view>& known) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string& k = it.key();
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        error(path + "." + k, "unknown field \"" + k + "\"" + didYouMean(k, known));
      }
    }
  }

  // Seconds: a non-negative integer. `allow_forever` admits "forever".
  std::optional<int64_t> seconds(const json& v, const std::string& path, bool allow_forever) {
    if (allow_forever && v.is_string() && v.get_ref<const std::string&>() == "forever") {
      return kForever;
    }
    if (v.is_number_integer() || v.is_number_unsigned()) {
      const int64_t n =
          v.is_number_unsigned()
              ? static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), uint64_t{kForever}))
              : v.get<int64_t>();
      if (n < 0) {
        error(path, "must be a number of seconds >= 0, got " + v.dump());
        return std::nullopt;
      }
      return std::min(n, kForever);
    }
    error(path, std::string("must be a whole number of seconds") +
                    (allow_forever ? " or \"forever\"" : "") + ", got " + v.dump());
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> stringList(const json& v, const std::string& path) {
    if (!v.is_array()) {
      error(path, "must be an array of strings, got " + v.dump());
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string() || v[i].get_ref<const std::string&>().empty()) {
        error(path + "[" + std::to_string(i) + "]",
              "must be a non-empty string, got " + v[i].dump());
        continue;
      }
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

  static const std::vector<std::string_view>& ruleKeys() {
    static const std::vector<std::string_view> keys = {
        "cache",      "ttl",           "staleWhileRevalidate", "staleIfError",
        "browserTtl", "originHeaders", "requestDirectives",    "heuristic",
        "methods",    "bypassCookies", "bypassHeaders"};
    return keys;
  }

  // Applies the rule fields present in `obj` on top of `rules`.
  void rules(const json& obj, const std::string& path, RouteRules& r) {
    if (obj.contains("cache")) {
      if (obj["cache"].is_boolean())
        r.cache = obj["cache"].get<bool>();
      else
        error(path + ".cache", "must be true or false, got " + obj["cache"].dump());
    }
    if (obj.contains("ttl")) r.ttl = seconds(obj["ttl"], path + ".ttl", true);
    if (obj.contains("staleWhileRevalidate")) {
      r.stale_while_revalidate =
          seconds(obj["staleWhileRevalidate"], path + ".staleWhileRevalidate", false).value_or(0);
    }
    if (obj.contains("staleIfError")) {
      r.stale_if_error = seconds(obj["staleIfError"], path + ".staleIfError", false).value_or(0);
    }
    if (obj.contains("browserTtl")) {
      r.browser_ttl = seconds(obj["browserTtl"], path + ".browserTtl", false);
    }
    if (obj.contains("originHeaders")) {
      const json& v = obj["originHeaders"];
      if (v == "respect")
        r.origin_headers = OriginHeaders::kRespect;
      else if (v == "override")
        r.origin_headers = OriginHeaders::kOverride;
      else
        error(path + ".originHeaders", "must be \"respect\" or \"override\", got " + v.dump());
    }
    if (obj.contains("requestDirectives")) {
      const json& v = obj["requestDirectives"];
      if (v == "ignore")
        r.request_directives = RequestDirectives::kIgnore;
      else if (v == "honor")
        r.request_directives = RequestDirectives::kHonor;
      else
        error(path + ".requestDirectives", "must be \"ignore\" or \"honor\", got " + v.dump());
    }
    if (obj.contains("heuristic")) {
      if (obj["heuristic"].is_boolean())
        r.heuristic = obj["heuristic"].get<bool>();
      else
        error(path + ".heuristic", "must be true or false, got " + obj["heuristic"].dump());
    }
    if (obj.contains("methods")) {
      if (auto list = stringList(obj["methods"], path + ".methods")) {
        r.methods.clear();
        for (size_t i = 0; i < list->size(); ++i) {
          const std::string& m = (*list)[i];
          if (m != "GET" && m != "HEAD") {
            error(path + ".methods[" + std::to_string(i) + "]",
                  "unsupported method \"" + m + "\" (GET and HEAD are cacheable)");
          }
          r.methods.push_back(m);
        }
      }
    }
    if (obj.contains("bypassCookies")) {
      if (auto list = stringList(obj["bypassCookies"], path + ".bypassCookies")) {
        r.bypass_cookies = *list;
      }
    }
    if (obj.contains("bypassHeaders")) {
      if (auto list = stringList(obj["bypassHeaders"], path + ".bypassHeaders")) {
        r.bypass_headers.clear();
        for (const auto& h : *list) r.bypass_headers.push_back(lowerAscii(h));
      }
    }
  }
};

}  // namespace

ManifestResult parseManifest(std::string_view json_text) {
  ManifestResult result;
  Parser p;
  const json root = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded()) {
    p.error("$", "not valid JSON");
    result.errors = std::move(p.errors);
    return result;
  }
  if (!root.is_object()) {
    p.error("$", "the manifest must be a JSON object");
    result.errors = std::move(p.errors);
    return result;
  }
  Manifest m;
  p.checkKeys(root, "$", {"$schema", "version", "mode", "defaults", "routes"});
  if (root.contains("version") && root["version"] != 1) {
    p.error("$.version", "unsupported manifest version " + root["version"].dump() +
                             " (this engine reads version 1)");
  }
  if (root.contains("mode")) {
    const json& v = root["mode"];
    if (v == "on")
      m.mode = Mode::kOn;
    else if (v == "off")
      m.mode = Mode::kOff;
    else if (v == "debug")
      m.mode = Mode::kDebug;
    else
      p.error("$.mode", "must be \"on\", \"off\" or \"debug\", got " + v.dump());
  }
  if (root.contains("defaults")) {
    const json& d = root["defaults"];
    if (!d.is_object()) {
      p.error("$.defaults", "must be an object");
    } else {
      p.checkKeys(d, "$.defaults", Parser::ruleKeys());
      p.rules(d, "$.defaults", m.defaults);
    }
  }
  if (!root.contains("routes")) {
    p.error("$.routes", "missing: the manifest needs a \"routes\" array");
  } else if (!root["routes"].is_array()) {
    p.error("$.routes", "must be an array of routes");
  } else {
    const json& routes = root["routes"];
    std::vector<std::string_view> keys = Parser::ruleKeys();
    keys.push_back("name");
    keys.push_back("pattern");
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
                "missing: a route needs a \"pattern\" string such as "
                "\"/blog/:slug\"");
      } else {
        route.pattern = r["pattern"].get<std::string>();
        if (auto err = validatePattern(route.pattern)) p.error(path + ".pattern", *err);
        for (size_t j = 0; j < m.routes.size(); ++j) {
          if (samePattern(m.routes[j].pattern, route.pattern)) {
            p.error(path + ".pattern", "\"" + route.pattern +
                                           "\" is the same pattern as "
                                           "$.routes[" +
                                           std::to_string(j) + "], which shadows it");
          }
        }
      }
      if (r.contains("name")) {
        if (r["name"].is_string())
          route.name = r["name"].get<std::string>();
        else
          p.error(path + ".name", "must be a string");
      }
      if (route.name.empty()) route.name = route.pattern;
      p.rules(r, path, route.rules);
      m.routes.push_back(std::move(route));
    }
  }
  result.errors = std::move(p.errors);
  if (result.errors.empty()) result.manifest = std::move(m);
  return result;
}

}  // namespace freshet
