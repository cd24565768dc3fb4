// A request the cache cannot answer from a stored response.
#include "engine.h"

namespace freshet {

MissAction Engine::decideMiss(const RequestFacts& req, uint32_t route, Reason& reason) const {
  // RFC 9111 5.2.1.7: with only-if-cached the client wants a stored
  // response or a 504 (Gateway Timeout), never a request to the origin.
  if (rulesFor(route).request_directives == RequestDirectives::kHonor && req.cc.only_if_cached) {
    reason = Reason::kOnlyIfCached;
    return MissAction::kGatewayTimeout;
  }
  reason = Reason::kNone;
  return MissAction::kFetch;
}

}  // namespace freshet
