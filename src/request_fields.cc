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
  // Read for every request: src/request_facts.cc (Authorization, the
  // body's framing) and src/conditional.cc (RFC 9110 13.1.1, 13.1.3).
  std::vector<std::string> out = {"authorization", "transfer-encoding", "content-length",
                                  "if-none-match", "if-modified-since"};
  // The request's RFC 9111 5.2.1 directives (and Pragma, 5.4) enter a
  // decision only on a route that honours them ("requestDirectives":
  // "honor"; ignored by default): without one, neither field is read, and
  // requests that differ only in them share one decision.
  bool honored = m.defaults.request_directives == RequestDirectives::kHonor;
  addRules(m.defaults, out);
  for (const auto& route : m.routes) {
    addRules(route.rules, out);
    honored = honored || route.rules.request_directives == RequestDirectives::kHonor;
  }
  if (honored) {
    out.emplace_back("cache-control");
    out.emplace_back("pragma");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace freshet
