#include "cache_key.h"

#include <algorithm>
#include <vector>

#include "device_class.h"
#include "request_facts.h"

namespace freshet {
namespace {

bool matchesName(std::string_view name, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (!p.empty() && p.back() == '*') {
      if (name.substr(0, p.size() - 1) == std::string_view(p).substr(0, p.size() - 1)) return true;
    } else if (name == p) {
      return true;
    }
  }
  return false;
}

struct Param {
  std::string_view name;
  std::string_view text;  // canonical "name=value" (or "name")
};

// Stable by name: same-name parameters keep their order. Insertion sort
// for runs of 16, then bottom-up merges through `tmp` (n log n for a hostile
// query with thousands of parameters; smaller than std::stable_sort).
void sortParams(Param* p, size_t n, Param* tmp) {
  constexpr size_t kRun = 16;
  for (size_t lo = 0; lo < n; lo += kRun) {
    const size_t hi = std::min(n, lo + kRun);
    for (size_t i = lo + 1; i < hi; ++i) {
      const Param v = p[i];
      size_t j = i;
      for (; j > lo && v.name < p[j - 1].name; --j) p[j] = p[j - 1];
      p[j] = v;
    }
  }
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t lo = 0; lo + width < n; lo += 2 * width) {
      const size_t mid = lo + width, hi = std::min(n, lo + 2 * width);
      size_t a = lo, b = mid, w = 0;
      while (a < mid && b < hi) tmp[w++] = p[b].name < p[a].name ? p[b++] : p[a++];
      while (a < mid) tmp[w++] = p[a++];
      while (b < hi) tmp[w++] = p[b++];
      std::copy(tmp, tmp + w, p + lo);
    }
  }
}

void addDimension(std::string& key, std::string_view kind, std::string_view name,
                  std::string_view value) {
  key += ' ';
  key += kind;
  key += ':';
  key += name;
  key += '=';
  appendPercentEncoded(key, value);
}

}  // namespace

std::string percentEncodeAll(std::string_view s) {
  std::string out;
  appendPercentEncoded(out, s);
  return out;
}

void appendKeyedQuery(std::string& out, std::string_view query, const KeyRules& rules,
                      Reason& problem, char lead) {
  if (query.empty()) return;  // most URLs: no parameters, nothing to sort
  // Normalising the whole query equals normalising each name and value:
  // '&' and '=' are reserved (RFC 3986 section 2.2), so a percent-encoded
  // one stays encoded and the separators stay where they were.
  std::string canon;
  if (query.find('%') != std::string_view::npos) {
    canon = canonicalQueryPart(query);
    query = canon;
  }
  Param small[16];
  std::vector<Param> big;  // more than 16: the parameters, then merge space
  Param* params = small;
  const size_t most = static_cast<size_t>(std::count(query.begin(), query.end(), '&')) + 1;
  if (most > 16) {
    big.resize(2 * most);
    params = big.data();
  }
  size_t n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= query.size(); ++i) {
    if (i != query.size() && query[i] != '&') continue;
    const std::string_view raw = query.substr(start, i - start);
    start = i + 1;
    if (raw.empty()) continue;
    const std::string_view name = raw.substr(0, raw.find('='));
    bool keep = true;
    if (rules.query == KeyRules::Query::kNone) keep = false;
    if (rules.query == KeyRules::Query::kAllow && !matchesName(name, rules.query_allow)) {
      keep = false;
    }
    if (rules.query == KeyRules::Query::kAll && matchesName(name, rules.query_ignore)) keep = false;
    if (!keep) {
      // Parameter cloaking: "utm_x=1;cb=evil" would drop "cb" from the key
      // while an origin that also splits on ';' reads it.
      if (raw.find(';') != std::string_view::npos) problem = Reason::kAmbiguousQuery;
      continue;
    }
    params[n++] = {name, raw};
  }
  sortParams(params, n, params + most);
  for (size_t i = 0; i < n; ++i) {
    if (i) {
      out += '&';
    } else if (lead) {
      out += lead;
    }
    out += params[i].text;
  }
}

std::string keyedQuery(std::string_view query, const KeyRules& rules, Reason& problem) {
  std::string out;
  appendKeyedQuery(out, query, rules, problem, 0);
  return out;
}

Reason appendKey(std::string& key, const KeyInput& in) {
  Reason problem = Reason::kNone;
  const KeyRules& rules = *in.rules;
  key += in.url.scheme;
  key += "://";
  key += rules.host ? in.url.host : std::string_view("*");
  key += in.path;
  appendKeyedQuery(key, in.url.query, rules, problem, '?');
  for (const auto& c : rules.cookies) {
    const auto v = findCookie(*in.headers, c);
    addDimension(key, "cookie", c, v ? *v : std::string_view{});
  }
  std::string buf;  // a field given more than once
  for (const auto& h : rules.headers) {
    buf.clear();
    addDimension(key, "header", h, in.headers->joined(h, buf));
  }
  if (rules.device) {
    addDimension(key, "device", "class",
                 deviceClassName(classifyDevice(in.headers->get("user-agent"))));
  }
  if (in.parts) {
    for (const KeyPart& part : *in.parts) addDimension(key, "custom", part.name, part.value);
  }
  if (!in.body_digest.empty()) addDimension(key, "body", "sha256", in.body_digest);
  return problem;
}

KeyResult buildKey(const KeyInput& in) {
  KeyResult r;
  r.problem = appendKey(r.readable, in);
  return r;
}

void appendKeyUrl(std::string& out, std::string_view host, std::string_view key_namespace,
                  std::string_view readable_key) {
  out.reserve(out.size() + 8 + host.size() + kKeyPathPrefix.size() + key_namespace.size() + 1 +
              readable_key.size() * 3);
  out += "https://";
  out += host;
  out += kKeyPathPrefix;
  out += key_namespace;
  out += '/';
  appendPercentEncoded(out, readable_key);
}

std::string keyUrl(std::string_view host, std::string_view key_namespace,
                   std::string_view readable_key) {
  std::string out;
  appendKeyUrl(out, host, key_namespace, readable_key);
  return out;
}

}  // namespace freshet
