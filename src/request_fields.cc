#include "request_fields.h"

#include <algorithm>

namespace freshet {

namespace {

void addRules(const RouteRules& r, std::vector<std::string>& out) {
  out.insert(out.end(), r.key.headers.begin(), r.key.headers.end());
  if (!r.key.cookies.empty() || !r.bypass_cookies.empty()) out.emplace_back("cookie");
  if (r.key.device) out.emplace_back("user-agent");  // src/device_class.cc
  for (const auto& b : r.bypass_headers) out.push_back(b.name);
}

}  // namespace

std::vector<std::string> requestFieldNames(const Manifest& m) {
  // Read for every request: src/request_facts.cc (RFC 9111 5.2.1
  // directives, Pragma, Authorization, the body's framing) and
  // src/conditional.cc (RFC 9110 13.1.1, 13.1.3).
  std::vector<std::string> out = {"cache-control",     "pragma",         "authorization",
                                  "transfer-encoding", "content-length", "if-none-match",
                                  "if-modified-since"};
  addRules(m.defaults, out);
  for (const auto& route : m.routes) addRules(route.rules, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace freshet
