// Phase 1: which route, whether to bypass, and the key.
#include <algorithm>

#include "cache_key.h"
#include "engine.h"

namespace freshet {

RequestDecision Engine::decideRequest(const RequestFacts& req) const {
  RequestDecision d;
  if (manifest_.mode == Mode::kOff) {
    d.action = RequestAction::kPass;
    d.reason = Reason::kDisabled;
    return d;
  }
  const auto url = splitUrl(req.url);
  if (!url) {
    d.action = RequestAction::kBypass;
    d.reason = Reason::kBadUrl;
    return d;
  }
  const auto match = matcher_.match(url->path);
  if (!match) {
    d.action = RequestAction::kBypass;
    d.reason = Reason::kNoRoute;
    return d;
  }
  d.route = match->route;
  const RouteRules& rules = manifest_.routes[match->route].rules;
  d.action = RequestAction::kBypass;
  if (!rules.cache) {
    d.reason = Reason::kRouteOff;
    return d;
  }
  if (std::find(rules.methods.begin(), rules.methods.end(), req.method) == rules.methods.end()) {
    d.reason = Reason::kMethod;
    return d;
  }
  for (const auto& h : rules.bypass_headers) {
    const auto* v = req.headers->find(h.name);
    if (v && (!h.value || equalsIgnoreCase(trimOws(*v), *h.value))) {
      d.reason = h.name == "authorization" ? Reason::kAuthorization : Reason::kBypassHeader;
      return d;
    }
  }
  for (const auto& c : rules.bypass_cookies) {
    if (hasCookie(*req.headers, c)) {
      d.reason = Reason::kBypassCookie;
      return d;
    }
  }
  // RFC 9111 5.2.1.5: no-store in a request forbids storing the response
  // (honoured only where the route honours request directives).
  if (rules.request_directives == RequestDirectives::kHonor && req.cc.no_store) {
    d.reason = Reason::kRequestNoStore;
    return d;
  }
  d.action = RequestAction::kLookup;
  d.reason = Reason::kNone;
  d.key = readableKey(*url);
  d.key_url = keyUrl(d.key);
  return d;
}

}  // namespace freshet
