// Reason codes carried by every decision. The numeric values are part of the
// ABI (docs/abi.md): never renumber, only append.
#pragma once

#include <cstdint>
#include <string_view>

namespace freshet {

enum class Reason : uint32_t {
  kNone = 0,
  // Request phase: why a request does not use the cache.
  kDisabled = 1,          // manifest mode "off" / enabled: false
  kNoRoute = 2,           // no route matches the path
  kRouteOff = 3,          // the matching route has "cache": false
  kMethod = 4,            // method not enabled for caching on the route
  kAuthorization = 5,     // request carries Authorization (RFC 9111 section 3.5)
  kBypassCookie = 6,      // a bypass cookie of the route is present
  kBypassHeader = 7,      // a bypass header of the route is present
  kRequestNoStore = 8,    // request Cache-Control: no-store (RFC 9111 5.2.1.5)
  kBadUrl = 9,            // the URL cannot be keyed safely
  kInvalidManifest = 10,  // no valid manifest is loaded: everything passes
  kAmbiguousPath = 11,    // encoded '/', '\\', '%25..', ';' or dot segments
  kAmbiguousQuery = 12,   // a dropped query parameter hides a ';' separator
  kRequestBody = 13,      // a GET/HEAD with a body ("fat GET")
  kBodyTooBig = 14,       // a POST body over the route's maxBodyBytes
  kBadKeyPart = 15,       // a key part from the worker's keyParts hook is malformed
  kReservedPath = 16,     // the path is under the key URLs' prefix "/__freshet/"
  // Lookup phase: why a stored entry is or is not used.
  kFresh = 20,
  kStaleWhileRevalidate = 21,  // RFC 5861 section 3
  kExpired = 22,
  kRequestNoCache = 23,   // RFC 9111 5.2.1.4
  kRequestMaxAge = 24,    // RFC 9111 5.2.1.1
  kRequestMinFresh = 25,  // RFC 9111 5.2.1.3
  kResponseNoCache = 26,  // RFC 9111 5.2.2.4
  kMustRevalidate = 27,   // RFC 9111 5.2.2.2 / 5.2.2.8
  kZeroTtl = 28,          // route ttl 0: always revalidate
  kBadEntry = 29,         // stored metadata unreadable
  kMaxStale = 30,         // RFC 9111 5.2.1.2 allowed a stale entry
  // Store phase: why a response is or is not stored.
  kStored = 40,
  kStatus = 41,              // status not cacheable (RFC 9111 section 3)
  kNoStore = 42,             // RFC 9111 5.2.2.5
  kPrivate = 43,             // RFC 9111 5.2.2.7
  kSetCookie = 44,           // per-user response
  kVaryStar = 45,            // RFC 9110 12.5.5: never matches
  kNoFreshness = 46,         // no explicit or configured freshness
  kAuthorizedResponse = 47,  // RFC 9111 section 3.5
  kPartial = 48,             // 206: the platform refuses partial content
  kServerError = 49,         // 5xx are never stored
  kUnknownStatus = 50,       // must-understand with an unknown status
  kNegativeNoTtl = 51,       // 404/410 without explicit freshness or negativeTtl
  kStaleOnArrival = 52,      // stored, no freshness left: serves the requests collapsed on it
  // HTTP semantics beyond the three phases (60-79).
  kInvalidated = 60,         // unsafe method, non-error status (RFC 9111 4.4)
  kSafeMethod = 61,          // safe method: nothing to invalidate (RFC 9110 9.2.1)
  kErrorStatus = 62,         // unsafe method failed: nothing invalidated (4.4)
  kNotModified = 63,         // client precondition answered 304 (RFC 9111 4.3.2)
  kPreconditionFailed = 64,  // client precondition false: the full response
  kNoPrecondition = 65,      // no precondition a cache evaluates
  kInvalidAge = 66,          // Age of 2^31 or more: stale on arrival (RFC 9111 1.2.2, 5.1)
  kOnlyIfCached = 67,        // request only-if-cached, nothing usable stored: 504 (5.2.1.7)
  // Purges (docs/admin.md).
  kPurged = 80,             // a hard purge covers the entry: it is gone
  kSoftPurged = 81,         // a soft purge covers the entry: stale, revalidated
  kPurgeViewUnproven = 82,  // the purge view cannot prove the entry unpurged: revalidate
};

std::string_view reasonName(Reason r);

}  // namespace freshet
