// The engine: a parsed manifest plus the three pure decision functions.
// No I/O, no clock: `now` and the request/response times are parameters.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "decision.h"
#include "headers.h"
#include "manifest.h"
#include "purge_policy.h"
#include "request_facts.h"
#include "route_matcher.h"

namespace freshet {

// Deployment options of an engine, set by the worker from its bindings
// (not per request, not in the manifest).
struct EngineOptions {
  // Store responses that carry Set-Cookie, as a classic RFC 9111 proxy may
  // (RFC 9111 section 3 does not forbid it). Off by default: such answers
  // are usually per user (docs/conformance.md, FRESHET_STORE_SET_COOKIE).
  bool store_set_cookie = false;
};

class Engine {
 public:
  explicit Engine(Manifest manifest);

  const Manifest& manifest() const { return manifest_; }

  // Phase 1 (docs/architecture.md): route, bypass rules and key.
  RequestDecision decideRequest(const RequestFacts& req) const;
  // The same into `out`, whose strings keep their storage across calls.
  void decideRequest(const RequestFacts& req, RequestDecision& out) const;

  // Phase 2: a stored entry (its metadata) against this request at `now_ms`.
  LookupDecision decideLookup(const RequestFacts& req, uint32_t route, const EntryMeta& entry,
                              int64_t now_ms) const;
  // The same from the entry's metadata as stored (an unreadable one is
  // revalidated, kBadEntry), then the purges that cover it (purge_policy.h).
  LookupDecision decideLookup(const RequestFacts& req, uint32_t route, std::string_view meta,
                              int64_t now_ms, const PurgeFloors& floors) const;

  // Phase 3: the origin's response to this request.
  StoreDecision decideStore(const RequestFacts& req, uint32_t route, int status,
                            const HeaderView& response_headers, int64_t request_time_ms,
                            int64_t response_time_ms) const;

  // After an unsafe request's response: the stored entries to invalidate
  // (RFC 9111 section 4.4; src/invalidation.cc).
  InvalidationDecision decideInvalidation(const RequestFacts& req, int status,
                                          const HeaderView& response_headers) const;

  // The request cannot be served from the cache (miss, or a stored entry
  // that needs the origin): 5.2.1.7 only-if-cached answers 504 instead.
  // decideRequest answers it too (RequestDecision::miss).
  MissAction decideMiss(const RequestFacts& req, uint32_t route, Reason& reason) const;

  // Vary (RFC 9111 4.1): a Vary field value (a response's, or the names a
  // variant marker keeps) against this request's selecting fields.
  void decideVary(const RequestFacts& req, std::string_view vary, VaryDecision& out) const;

  // RFC 9111 4.3.2: the client's preconditions against a stored response's
  // validators and metadata (when it was received).
  ConditionalDecision decideConditional(const RequestFacts& req, std::string_view etag,
                                        std::string_view last_modified, std::string_view date,
                                        std::string_view meta) const;

  void setOptions(const EngineOptions& options) { options_ = options; }
  const EngineOptions& options() const { return options_; }

  // The route's rules, or the defaults for an out-of-range index.
  const RouteRules& rulesFor(uint32_t route) const;

  // What a stored copy of a response with Set-Cookie keeps under these
  // rules and the deployment's options (the one home of that rule).
  SetCookiePolicy setCookiePolicy(const RouteRules& rules) const;

 private:
  // decideRequest's route, bypass rules and key.
  void routeAndKey(const RequestFacts& req, RequestDecision& d) const;
  // Adds the route's "invalidates" for an unsafe request to `d`.
  void routeInvalidations(const RequestFacts& req, InvalidationDecision& d) const;

  Manifest manifest_;
  RouteMatcher matcher_;
  EngineOptions options_;
};

}  // namespace freshet
