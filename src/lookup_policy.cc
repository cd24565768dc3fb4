// Phase 2: is a stored entry usable for this request now?
// RFC 9111 section 4.2 (freshness), 4.2.4 (serving stale), 5.2.1 (request
// directives); RFC 5861 (stale-while-revalidate, stale-if-error).
#include <algorithm>

#include "engine.h"
#include "purge_policy.h"

namespace freshet {

LookupDecision Engine::decideLookup(const RequestFacts& req, uint32_t route, std::string_view meta,
                                    int64_t now_ms, const PurgeFloors& floors) const {
  const auto entry = decodeEntryMeta(meta);
  if (!entry) {
    // Metadata this engine cannot read (damaged, or another format
    // version): the entry may still be good, so ask the origin.
    LookupDecision d;
    d.action = LookupAction::kRevalidate;
    d.reason = Reason::kBadEntry;
    return d;
  }
  LookupDecision d = decideLookup(req, route, *entry, now_ms);
  applyPurge(*entry, floors, d);
  return d;
}

LookupDecision Engine::decideLookup(const RequestFacts& req, uint32_t route, const EntryMeta& entry,
                                    int64_t now_ms) const {
  const RouteRules& rules = rulesFor(route);
  LookupDecision d;
  d.lifetime = entry.lifetime;
  d.stale_while_revalidate = entry.stale_while_revalidate;
  d.stale_if_error = entry.stale_if_error;
  d.age = currentAge(entry.initial_age, entry.response_time_ms, now_ms);
  // currentAge counts whole seconds since the response time (none before
  // it): every other input is fixed, so the decision holds until the next
  // whole second and from the last one.
  const int64_t since = now_ms - entry.response_time_ms;
  if (since < 1000) {
    d.valid_until_ms = entry.response_time_ms + 1000;
  } else {
    d.valid_from_ms = entry.response_time_ms + since / 1000 * 1000;
    d.valid_until_ms = d.valid_from_ms + 1000;
  }
  const int64_t lifetime = entry.lifetime;
  d.ttl = lifetime >= kForever ? kForever : lifetime - d.age;
  const int64_t staleness = std::max<int64_t>(0, -d.ttl);
  const bool may_serve_stale = (entry.flags & kEntryMustRevalidate) == 0;
  // RFC 5861: only a granted window (> 0) allows serving a stale copy.
  d.usable_if_error = may_serve_stale && d.ttl <= 0 && entry.stale_if_error > 0 &&
                      staleness <= entry.stale_if_error;
  if (d.ttl > 0) d.usable_if_error = true;  // a fresh copy is always usable

  const bool honor = rules.request_directives == RequestDirectives::kHonor;
  if (honor && req.cc.no_cache) {
    d.action = LookupAction::kRevalidate;
    d.reason = Reason::kRequestNoCache;
    return d;
  }
  if ((entry.flags & kEntryNoCache) != 0) {
    d.action = LookupAction::kRevalidate;
    d.reason = lifetime == 0 && (entry.flags & kEntryHasValidator) == 0 ? Reason::kZeroTtl
                                                                        : Reason::kResponseNoCache;
    return d;
  }
  if (honor && req.cc.max_age && d.age > *req.cc.max_age) {
    d.action = LookupAction::kRevalidate;
    d.reason = Reason::kRequestMaxAge;
    return d;
  }
  if (honor && req.cc.min_fresh && d.ttl < *req.cc.min_fresh) {
    d.action = LookupAction::kRevalidate;
    d.reason = Reason::kRequestMinFresh;
    return d;
  }
  if (d.ttl > 0) {
    d.action = LookupAction::kHit;
    d.reason = Reason::kFresh;
    return d;
  }
  if (lifetime == 0) {
    d.action = LookupAction::kRevalidate;
    d.reason = Reason::kZeroTtl;
    return d;
  }
  if (!may_serve_stale) {
    d.action = LookupAction::kRevalidate;
    d.reason = Reason::kMustRevalidate;
    return d;
  }
  // RFC 9111 5.2.1.2: the client accepts a stale response.
  if (honor && req.cc.max_stale &&
      (!req.cc.max_stale_value || staleness <= *req.cc.max_stale_value)) {
    d.action = LookupAction::kHit;
    d.reason = Reason::kMaxStale;
    return d;
  }
  if (entry.stale_while_revalidate > 0 && staleness <= entry.stale_while_revalidate) {
    d.action = LookupAction::kStale;
    d.reason = Reason::kStaleWhileRevalidate;
    return d;
  }
  d.action = LookupAction::kRevalidate;
  d.reason = Reason::kExpired;
  return d;
}

}  // namespace freshet
