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
  std::string name;
  std::string text;  // canonical "name=value" (or "name")
};

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

namespace {

// RFC 3986 section 2.3 unreserved characters, as a lookup table.
struct UnreservedTable {
  bool is[256] = {};
  constexpr UnreservedTable() {
    for (int c = 'a'; c <= 'z'; ++c) is[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) is[c] = true;
    for (int c = '0'; c <= '9'; ++c) is[c] = true;
    is[static_cast<unsigned char>('-')] = is[static_cast<unsigned char>('.')] = true;
    is[static_cast<unsigned char>('_')] = is[static_cast<unsigned char>('~')] = true;
  }
};
constexpr UnreservedTable kUnreserved;

}  // namespace

void appendPercentEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const size_t start = out.size();
  out.resize(start + s.size() * 3);  // one allocation at most
  char* w = out.data() + start;
  for (unsigned char c : s) {
    if (kUnreserved.is[c]) {
      *w++ = static_cast<char>(c);
    } else {
      *w++ = '%';
      *w++ = kHex[c >> 4];
      *w++ = kHex[c & 15];
    }
  }
  out.resize(static_cast<size_t>(w - out.data()));
}

std::string percentEncodeAll(std::string_view s) {
  std::string out;
  appendPercentEncoded(out, s);
  return out;
}

std::string keyedQuery(std::string_view query, const KeyRules& rules, Reason& problem) {
  std::vector<Param> params;
  size_t start = 0;
  for (size_t i = 0; i <= query.size(); ++i) {
    if (i != query.size() && query[i] != '&') continue;
    const std::string_view raw = query.substr(start, i - start);
    start = i + 1;
    if (raw.empty()) continue;
    const size_t eq = raw.find('=');
    const std::string name = canonicalQueryPart(raw.substr(0, eq));
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
    std::string text = name;
    if (eq != std::string_view::npos) {
      text += '=';
      text += canonicalQueryPart(raw.substr(eq + 1));
    }
    params.push_back({name, std::move(text)});
  }
  std::stable_sort(params.begin(), params.end(),
                   [](const Param& a, const Param& b) { return a.name < b.name; });
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) out += '&';
    out += params[i].text;
  }
  return out;
}

KeyResult buildKey(const KeyInput& in) {
  KeyResult r;
  const KeyRules& rules = *in.rules;
  std::string& key = r.readable;
  key += in.url.scheme;
  key += "://";
  key += rules.host ? in.url.host : std::string_view("*");
  key += in.path;
  const std::string q = keyedQuery(in.url.query, rules, r.problem);
  if (!q.empty()) {
    key += '?';
    key += q;
  }
  for (const auto& c : rules.cookies) {
    const auto v = findCookie(*in.headers, c);
    addDimension(key, "cookie", c, v ? *v : std::string_view{});
  }
  for (const auto& h : rules.headers) {
    addDimension(key, "header", h, in.headers->combined(h));
  }
  if (rules.device) {
    addDimension(key, "device", "class",
                 deviceClassName(classifyDevice(in.headers->get("user-agent"))));
  }
  if (!in.body_digest.empty()) addDimension(key, "body", "sha256", in.body_digest);
  return r;
}

std::string keyUrl(std::string_view key_namespace, std::string_view readable_key) {
  std::string out;
  out.reserve(kKeyUrlPrefix.size() + key_namespace.size() + 1 + readable_key.size() * 3);
  out += kKeyUrlPrefix;
  out += key_namespace;
  out += '/';
  appendPercentEncoded(out, readable_key);
  return out;
}

}  // namespace freshet
