#include "reason.h"

namespace freshet {

std::string_view reasonName(Reason r) {
  switch (r) {
    case Reason::kNone: return "none";
    case Reason::kDisabled: return "disabled";
    case Reason::kNoRoute: return "no-route";
    case Reason::kRouteOff: return "route-off";
    case Reason::kMethod: return "method";
    case Reason::kAuthorization: return "authorization";
    case Reason::kBypassCookie: return "bypass-cookie";
    case Reason::kBypassHeader: return "bypass-header";
    case Reason::kRequestNoStore: return "request-no-store";
    case Reason::kBadUrl: return "bad-url";
    case Reason::kInvalidManifest: return "invalid-manifest";
    case Reason::kAmbiguousPath: return "ambiguous-path";
    case Reason::kAmbiguousQuery: return "ambiguous-query";
    case Reason::kRequestBody: return "request-body";
    case Reason::kBodyTooBig: return "body-too-big";
    case Reason::kBadKeyPart: return "bad-key-part";
    case Reason::kReservedPath: return "reserved-path";
    case Reason::kFresh: return "fresh";
    case Reason::kStaleWhileRevalidate: return "stale-while-revalidate";
    case Reason::kExpired: return "expired";
    case Reason::kRequestNoCache: return "request-no-cache";
    case Reason::kRequestMaxAge: return "request-max-age";
    case Reason::kRequestMinFresh: return "request-min-fresh";
    case Reason::kResponseNoCache: return "response-no-cache";
    case Reason::kMustRevalidate: return "must-revalidate";
    case Reason::kZeroTtl: return "zero-ttl";
    case Reason::kBadEntry: return "bad-entry";
    case Reason::kMaxStale: return "max-stale";
    case Reason::kStored: return "stored";
    case Reason::kStatus: return "status";
    case Reason::kNoStore: return "no-store";
    case Reason::kPrivate: return "private";
    case Reason::kSetCookie: return "set-cookie";
    case Reason::kVaryStar: return "vary-star";
    case Reason::kNoFreshness: return "no-freshness";
    case Reason::kAuthorizedResponse: return "authorized-response";
    case Reason::kPartial: return "partial";
    case Reason::kServerError: return "server-error";
    case Reason::kUnknownStatus: return "unknown-status";
    case Reason::kNegativeNoTtl: return "negative-no-freshness";
    case Reason::kStaleOnArrival: return "stale-on-arrival";
    case Reason::kInvalidated: return "invalidated";
    case Reason::kSafeMethod: return "safe-method";
    case Reason::kErrorStatus: return "error-status";
    case Reason::kNotModified: return "not-modified";
    case Reason::kPreconditionFailed: return "precondition-failed";
    case Reason::kNoPrecondition: return "no-precondition";
    case Reason::kInvalidAge: return "invalid-age";
    case Reason::kOnlyIfCached: return "only-if-cached";
    case Reason::kPurged: return "purged";
    case Reason::kSoftPurged: return "soft-purged";
    case Reason::kPurgeViewUnproven: return "purge-view-unproven";
  }
  return "unknown";
}

}  // namespace freshet
