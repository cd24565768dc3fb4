// Phase 3: may the response be stored (RFC 9111 section 3), and for how
// long (4.2.1), with which stale windows (RFC 5861).
#include <algorithm>

#include "engine.h"

namespace freshet {
namespace {

constexpr int64_t kPlatformTtlCap = 31536000;    // one year
constexpr int64_t kKeepForRevalidation = 86400;  // entries with validators
// Routes that honour request directives keep stale copies this long, so a
// client's max-stale (RFC 9111 5.2.1.2) can still be served.
constexpr int64_t kKeepForMaxStale = 3600;
// The platform keeps every copy at least this long: the requests collapsed
// onto the fetch that stored it read it once its put is done, and a copy
// the platform had dropped by then would send each of them to the origin.
// Freshness is the engine's (from the entry's metadata), not the platform's.
constexpr int64_t kMinPlatformTtl = 10;

// Statuses the route's ttl may apply to. Negative answers (404, 410, ...)
// are stored only with explicit origin freshness.
bool routeTtlApplies(int status) {
  return status == 200 || status == 203 || status == 204 || status == 300 || status == 301 ||
         status == 308;
}

// Statuses this cache understands (RFC 9111 5.2.2.3 must-understand).
bool understoodStatus(int status) {
  return isHeuristicallyCacheableStatus(status) || status == 302 || status == 303 || status == 307;
}

bool routeAllowsMethod(const RouteRules& rules, std::string_view method) {
  return std::find(rules.methods.begin(), rules.methods.end(), method) != rules.methods.end();
}

// When the answer's content left the origin, for purges (purge_policy.cc):
// the request's time, or, for an answer from a tier of freshet's own (the
// shield), the earlier time that tier fetched it, which the worker passes
// as the pseudo-field ":fetched" (ms since the epoch; docs/abi.md). A copy
// the shield fetched before a purge is covered by it here too.
int64_t fetchedTimeMs(const HeaderView& headers, int64_t request_time_ms) {
  const std::string_view text = headers.get(":fetched");
  if (text.empty() || text.size() > 15) return request_time_ms;
  int64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return request_time_ms;
    v = v * 10 + (c - '0');
  }
  return std::min(v, request_time_ms);
}

StoreDecision refuse(Reason reason) {
  StoreDecision d;
  d.action = StoreAction::kNoStore;
  d.reason = reason;
  return d;
}

}  // namespace

StoreDecision Engine::decideStore(const RequestFacts& req, uint32_t route, int status,
                                  const HeaderView& headers, int64_t request_time_ms,
                                  int64_t response_time_ms) const {
  const RouteRules& rules = rulesFor(route);
  // POST answers are stored only on routes that key on the body.
  if (req.method != "GET" && req.method != "HEAD" &&
      !(req.method == "POST" && routeAllowsMethod(rules, "POST"))) {
    return refuse(Reason::kMethod);
  }
  if (status == 206) return refuse(Reason::kPartial);
  if (status >= 500 || status < 200) return refuse(Reason::kServerError);

  const ResponseFacts r = readResponseFacts(status, headers);
  // Refusals from here on say which targeted fields were ignored too.
  const auto refused = [&r](Reason reason) {
    StoreDecision d = refuse(reason);
    d.ignored_targeted = r.ignoredTargeted();
    return d;
  };
  // 5.2.2.3: must-understand overrides no-store only for understood status.
  if (r.cc.must_understand && !understoodStatus(status)) return refused(Reason::kUnknownStatus);
  if (r.cc.no_store && !r.cc.must_understand) return refused(Reason::kNoStore);
  // 5.2.2.7: a shared cache MUST NOT store a private response.
  // The route's "cachePrivate" overrides it, loudly documented.
  if (r.cc.is_private && !rules.cache_private) return refused(Reason::kPrivate);
  const SetCookiePolicy cookies = setCookiePolicy(rules);
  if (r.has_set_cookie && cookies == SetCookiePolicy::kRefuse) {
    return refused(Reason::kSetCookie);
  }
  if (r.vary_star) return refused(Reason::kVaryStar);
  // 3.5: responses to authorized requests only with public, s-maxage or
  // must-revalidate.
  if (req.has_authorization && !r.cc.is_public && !r.cc.s_maxage && !r.cc.must_revalidate) {
    return refused(Reason::kAuthorizedResponse);
  }

  const int64_t response_time = response_time_ms / 1000;
  Lifetime life = explicitLifetime(r, response_time);
  const bool explicit_life = life.source != LifetimeSource::kNone;
  const bool route_ttl = rules.ttl.has_value() && routeTtlApplies(status);
  if (route_ttl && (!explicit_life || rules.origin_headers == OriginHeaders::kOverride)) {
    life = {*rules.ttl, LifetimeSource::kRoute};
  } else if (!explicit_life && rules.negative_ttl && (status == 404 || status == 410)) {
    life = {*rules.negative_ttl, LifetimeSource::kRoute};  // negative caching
  } else if (!explicit_life) {
    if (!isHeuristicallyCacheableStatus(status)) return refused(Reason::kStatus);
    // Negative answers are stored only with explicit freshness or the
    // route's negativeTtl (docs/manifest.md): RFC 9111 4.2.2 allows a
    // heuristic for 404 and 410, but a missing page cached for up to a day
    // because it has a Last-Modified is not what an operator asked for;
    // "negativeTtl": "heuristic" asks for it.
    if ((status == 404 || status == 410) && !rules.negative_heuristic) {
      return refused(Reason::kNegativeNoTtl);
    }
    if (rules.heuristic) life = heuristicLifetime(r, response_time);
    // RFC 9111 section 3: a heuristically cacheable status makes the
    // response storable even without a lifetime; with a validator it is
    // worth keeping, stale from the start: every use revalidates (4.3.1).
    if (life.source == LifetimeSource::kNone && !r.hasValidator()) {
      return refused(Reason::kNoFreshness);
    }
  }

  // The route's caps bound whatever the origin (or a heuristic) said.
  if (life.source != LifetimeSource::kRoute) {
    if (rules.min_ttl && life.seconds < *rules.min_ttl) life.seconds = *rules.min_ttl;
    if (rules.max_ttl && life.seconds > *rules.max_ttl) life.seconds = *rules.max_ttl;
  }

  StoreDecision d;
  d.action = StoreAction::kStore;
  d.reason = Reason::kStored;
  d.ignored_targeted = r.ignoredTargeted();
  d.lifetime = life;
  const bool respect = rules.origin_headers == OriginHeaders::kRespect;
  d.stale_while_revalidate = respect && r.cc.stale_while_revalidate ? *r.cc.stale_while_revalidate
                                                                    : rules.stale_while_revalidate;
  d.stale_if_error = respect && r.cc.stale_if_error ? *r.cc.stale_if_error : rules.stale_if_error;

  EntryMeta& m = d.meta;
  m.response_time_ms = response_time_ms;
  m.fetch_ms = std::max<int64_t>(0, response_time_ms - fetchedTimeMs(headers, request_time_ms));
  m.initial_age = correctedInitialAge(r, request_time_ms, response_time_ms, rules.age_from_date);
  // RFC 9111 4.2.3 takes the larger of the two ages because a cache on the
  // way may not have sent Age; a Date far behind both is more often an
  // origin clock that runs behind, which ages every copy on arrival.
  d.clock_behind =
      apparentAge(r, response_time_ms) - correctedAgeValue(r, request_time_ms, response_time_ms) >=
      kClockBehindReport;
  // RFC 9111 1.2.2: an Age too large for delta-seconds is taken as 2^31,
  // older than any lifetime but "forever": stale on arrival. An invalid Age
  // was ignored (5.1).
  const bool age_overflow = r.age_status == AgeStatus::kOverflow;
  m.lifetime = life.seconds;
  m.route = route;
  // 5.2.2.2 / 5.2.2.8: stale copies must not be served without
  // revalidation. s-maxage implies proxy-revalidate (5.2.2.10) unless the
  // stale windows were granted explicitly (RFC 5861 by the origin, or the
  // operator's route), as the common "s-maxage=60, stale-while-revalidate=30"
  // idiom expects.
  // With "originHeaders": "override" the route owns every freshness
  // directive (no-cache, must-revalidate too); only storage refusals
  // (no-store, private) remain the origin's.
  const bool overridden = !respect && life.source == LifetimeSource::kRoute;
  const bool implied_only = !r.cc.must_revalidate && !r.cc.proxy_revalidate;
  const bool stale_granted = d.stale_while_revalidate > 0 || d.stale_if_error > 0;
  if (!overridden && (r.cc.must_revalidate || r.cc.proxy_revalidate ||
                      (r.cc.s_maxage && !(implied_only && stale_granted)))) {
    m.flags |= kEntryMustRevalidate;
    d.stale_while_revalidate = 0;
    d.stale_if_error = 0;
  }
  if ((r.cc.no_cache && !overridden) ||
      (life.seconds == 0 && life.source == LifetimeSource::kRoute)) {
    m.flags |= kEntryNoCache;
  }
  if (r.cc.immutable) m.flags |= kEntryImmutable;
  if (r.hasValidator()) m.flags |= kEntryHasValidator;
  m.stale_while_revalidate = d.stale_while_revalidate;
  m.stale_if_error = d.stale_if_error;

  // Whether a later request may still use the copy: it is fresh, can be
  // revalidated, has a stale window, is the route's own lifetime, or (on a
  // route that honours request directives) can be served to a client's
  // max-stale (RFC 9111 5.2.1.2), unless the origin forbade serving it stale.
  const bool max_stale_may_use = rules.request_directives == RequestDirectives::kHonor &&
                                 life.seconds > 0 &&
                                 (m.flags & (kEntryMustRevalidate | kEntryNoCache)) == 0;
  const bool useful = life.seconds > m.initial_age || r.hasValidator() ||
                      d.stale_while_revalidate > 0 || d.stale_if_error > 0 ||
                      (life.source == LifetimeSource::kRoute) || max_stale_may_use;
  if (!useful && (age_overflow || life.seconds <= 0)) {
    return refused(age_overflow ? Reason::kInvalidAge : Reason::kNoFreshness);
  }
  // Stale on arrival: the origin gave a lifetime, and the answer's Age, or
  // a slow answer's delay (4.2.3), used it up. Storable all the same
  // (section 3 asks no freshness), and the requests that waited for this
  // fetch (collapsed onto it) are served it, as they would have been the
  // origin's answer; a later request finds it expired and fetches again.
  // Refusing it would send every waiting request to the origin at once,
  // the herd coalescing is there to stop. (A lifetime of 0, max-age=0 or
  // an Expires in the past, is the origin's "never fresh": refused above.)
  if (!useful) d.reason = Reason::kStaleOnArrival;

  int64_t platform = life.seconds >= kForever
                         ? kPlatformTtlCap
                         : std::max<int64_t>(0, life.seconds - m.initial_age) +
                               std::max(d.stale_while_revalidate, d.stale_if_error);
  if (r.hasValidator()) platform += kKeepForRevalidation;
  if (max_stale_may_use) platform += kKeepForMaxStale;
  // 5.2.2.7 / 5.2.2.4: qualified private and no-cache name fields a shared
  // cache must not store (private) or send without revalidation (no-cache);
  // the stored copy omits both.
  // "setCookie": "strip": the stored copy has no Set-Cookie; only the
  // client of this answer gets the cookies (docs/manifest.md).
  if (r.has_set_cookie && cookies == SetCookiePolicy::kStrip) {
    d.omit_fields.emplace_back("set-cookie");
  }
  for (const auto* list : {&r.cc.private_fields, &r.cc.no_cache_fields}) {
    for (const auto& f : *list) {
      if (std::find(d.omit_fields.begin(), d.omit_fields.end(), f) == d.omit_fields.end()) {
        d.omit_fields.push_back(f);
      }
    }
  }
  d.platform_ttl = std::clamp<int64_t>(platform, kMinPlatformTtl, kPlatformTtlCap);
  d.age = d.meta.initial_age;
  d.ttl = life.seconds - d.meta.initial_age;
  // Where the copy goes: the response's Vary against this request (4.1).
  decideVary(req, headers.combined("vary"), d.vary);
  return d;
}

}  // namespace freshet
