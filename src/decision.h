// The engine's answers. Each is an action plus a reason code plus numbers;
// never a bare bool. Numeric values are part of the ABI (docs/abi.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "entry_meta.h"
#include "freshness.h"
#include "reason.h"

namespace freshet {

// Phase 1: what to do with an incoming request.
enum class RequestAction : uint32_t {
  kLookup = 1,  // cacheable: look the key up
  kBypass = 2,  // go to the origin, do not store (reason says why)
  kPass = 3,    // caching is off (mode off / invalid manifest)
};

// A request the cache cannot answer from a stored response: may it go to
// the origin? (RFC 9111 5.2.1.7 only-if-cached)
enum class MissAction : uint32_t {
  kFetch = 1,           // ask the origin
  kGatewayTimeout = 2,  // answer 504 without contacting the origin
};

// What the stored copy of a response with Set-Cookie keeps (the route's
// "setCookie", or the deployment's store option).
enum class SetCookiePolicy : uint32_t {
  kRefuse = 1,  // such a response is not stored (the default)
  kStore = 2,   // stored with its cookies (RFC 9111 section 3 allows it)
  kStrip = 3,   // stored without them; only this answer's client gets them
};

struct RequestDecision {
  RequestAction action = RequestAction::kPass;
  Reason reason = Reason::kNone;
  int64_t route = -1;       // matched route, -1 if none
  std::string key;          // readable key (empty unless kLookup)
  std::string key_url;      // Cache API key URL (empty unless kLookup)
  std::string tags;         // the route's tags, params filled in, comma-separated
  bool needs_body = false;  // POST route: ask again with ":body-sha256"
  int64_t body_limit = 0;   // POST route: largest body keyed, bytes
  // The route's rules the worker carries out (defaults when no route):
  int64_t browser_ttl = -1;       // client max-age, seconds; -1 = the origin's
  uint32_t tiers = 0;             // storage tiers: 1 memory, 2 cache API, 4 global
  int64_t origin_timeout_ms = 0;  // bound on the origin's status and headers
  SetCookiePolicy set_cookie = SetCookiePolicy::kRefuse;
  // When nothing stored can answer (a miss, or an entry that needs the
  // origin): RFC 9111 5.2.1.7 only-if-cached answers 504 instead.
  MissAction miss = MissAction::kFetch;
  Reason miss_reason = Reason::kNone;
};

// Phase 2: what to do with a stored entry for this request.
enum class LookupAction : uint32_t {
  kHit = 1,         // fresh: serve it
  kStale = 2,       // serve it now, revalidate once in the background
  kRevalidate = 3,  // ask the origin (conditionally when validators exist)
  kMiss = 4,        // the entry is gone (hard purge): fetch as on a miss
};

struct LookupDecision {
  LookupAction action = LookupAction::kRevalidate;
  Reason reason = Reason::kNone;
  int64_t age = 0;               // current_age, seconds (RFC 9111 4.2.3)
  int64_t ttl = 0;               // lifetime - age; negative once stale (RFC 9211 "ttl")
  bool usable_if_error = false;  // inside stale-if-error (RFC 5861 section 4)
  // The entry's stored windows (0 for an unreadable entry), seconds.
  int64_t lifetime = 0;
  int64_t stale_while_revalidate = 0;
  int64_t stale_if_error = 0;
  // The decision, every field of it, is the same for every now_ms in
  // [valid_from_ms, valid_until_ms) (same request, entry and floors): the
  // clock enters only through the whole seconds of the age. A worker may
  // reuse it within that span instead of asking again.
  int64_t valid_from_ms = kAlwaysValidFrom;
  int64_t valid_until_ms = kAlwaysValidUntil;

  static constexpr int64_t kAlwaysValidFrom = -(int64_t{1} << 53);
  static constexpr int64_t kAlwaysValidUntil = int64_t{1} << 53;
};

// Vary (RFC 9111 section 4.1): where a response with this Vary value is
// stored, and which variant a request selects.
enum class VaryAction : uint32_t {
  kNone = 1,    // no Vary: the entry lives at the key URL
  kSelect = 2,  // a variant: key URL + "/v/<generation>/<variant id>"
  kStar = 3,    // "Vary: *" never matches (RFC 9110 12.5.5)
};

struct VaryDecision {
  VaryAction action = VaryAction::kNone;
  Reason reason = Reason::kNone;
  std::string names;       // kSelect: the normalised field names, "a,b"
  std::string variant_id;  // kSelect: this request's variant id (URL-safe)
};

// Phase 3: may the origin's response be stored, and for how long.
enum class StoreAction : uint32_t {
  kStore = 1,
  kNoStore = 2,
};

// How far, in seconds, a response's Date may be behind this cache's clock
// beyond its Age and round trip before a store decision says so
// (StoreDecision::clock_behind). Date has one-second resolution, and an
// origin may date its answer when it starts writing it.
constexpr int64_t kClockBehindReport = 10;

struct StoreDecision {
  StoreAction action = StoreAction::kNoStore;
  Reason reason = Reason::kNone;
  Lifetime lifetime;
  int64_t stale_while_revalidate = 0;
  int64_t stale_if_error = 0;
  int64_t platform_ttl = 0;  // lifetime to give the platform cache, seconds
  EntryMeta meta;            // to keep with the entry
  // Fields the stored copy must not keep: those named by a qualified
  // private (RFC 9111 5.2.2.7) or no-cache (5.2.2.4), lower case.
  std::vector<std::string> omit_fields;
  // Targeted fields present but ignored as invalid (RFC 9213 2.1):
  // kIgnoredFreshetCacheControl / kIgnoredCdnCacheControl bits.
  uint32_t ignored_targeted = 0;
  // The response's Date is behind this cache's clock by more than its Age
  // and round trip explain, by kClockBehindReport seconds or more: the
  // origin's clock is likely behind (the age counts it unless the route
  // says "ageFromDate": false).
  bool clock_behind = false;
  int64_t age = 0;  // the stored copy's age on arrival (corrected_initial_age), seconds
  int64_t ttl = 0;  // lifetime - age: what is left of its freshness, seconds
  // Where the stored copy goes (the response's Vary against this request);
  // computed only when kStore.
  VaryDecision vary;
};

// After an unsafe request: which stored responses to invalidate
// (RFC 9111 section 4.4).
enum class InvalidationAction : uint32_t {
  kInvalidate = 1,  // delete the entries at `key_urls`
  kNone = 2,
};

struct InvalidationDecision {
  InvalidationAction action = InvalidationAction::kNone;
  Reason reason = Reason::kNone;
  std::vector<std::string> key_urls;  // target URI, then Location / Content-Location
  // The route's "invalidates", expanded for this request: "tag\tposts",
  // "prefix\thttps://host/blog/", "url\thttps://host/feed.xml", "all\t".
  std::vector<std::string> purges;
  bool purge_soft = false;  // the route's "invalidateSoft"
};

// A client's conditional request against a stored response (RFC 9111
// section 4.3.2).
enum class ConditionalAction : uint32_t {
  kNotModified = 1,  // answer 304 from the stored response
  kFull = 2,         // no precondition a cache evaluates, or it failed: the full response
};

struct ConditionalDecision {
  ConditionalAction action = ConditionalAction::kFull;
  Reason reason = Reason::kNoPrecondition;
};

}  // namespace freshet
