// What the engine needs to know about a response, parsed once from its
// header fields.
#pragma once

#include <cstdint>
#include <optional>

#include "cache_control.h"
#include "headers.h"
#include "http_date.h"

namespace freshet {

// Which field supplied the cache directives (RFC 9213 section 2.1: a cache
// that a targeted field addresses uses it and ignores Cache-Control).
enum class DirectiveSource : uint32_t {
  kCacheControl = 0,
  kFreshetCacheControl = 1,  // our own targeted field
  kCdnCacheControl = 2,      // RFC 9213
  kSurrogateControl = 3,     // Edge Architecture Specification 1.0
};

struct ResponseFacts {
  int status = 0;
  ResponseCacheControl cc;  // effective directives (see `source`)
  DirectiveSource source = DirectiveSource::kCacheControl;
  std::optional<UnixSeconds> date;           // RFC 9110 6.6.1
  bool has_expires = false;                  // RFC 9111 5.3
  std::optional<UnixSeconds> expires;        // nullopt if invalid
  std::optional<UnixSeconds> last_modified;  // RFC 9110 8.8.2
  int64_t age = 0;                           // RFC 9111 5.1
  bool age_invalid = false;                  // 5.1: invalid -> treat as stale
  bool has_etag = false;
  bool has_set_cookie = false;
  bool vary_star = false;  // RFC 9110 12.5.5

  bool hasValidator() const { return has_etag || last_modified.has_value(); }
};

ResponseFacts readResponseFacts(int status, const HeaderView& headers);

// Status codes cacheable by default / heuristically cacheable
// (RFC 9110 section 15.1).
bool isHeuristicallyCacheableStatus(int status);

}  // namespace freshet
