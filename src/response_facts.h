// What the engine needs to know about a response, parsed once from its
// header fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// How the Age field was read (RFC 9111 section 5.1).
enum class AgeStatus : uint32_t {
  kAbsent = 0,    // no Age field
  kValid = 1,     // a delta-seconds (first member of a list)
  kIgnored = 2,   // invalid (non-numeric, negative, decimal, ...): ignored, age 0
  kOverflow = 3,  // 2^31 or more (RFC 9111 1.2.2): stale on arrival
};

// ResponseFacts::ignoredTargeted() bits.
inline constexpr uint32_t kIgnoredFreshetCacheControl = 1u << 0;
inline constexpr uint32_t kIgnoredCdnCacheControl = 1u << 1;

struct ResponseFacts {
  int status = 0;
  ResponseCacheControl cc;  // effective directives (see `source`)
  DirectiveSource source = DirectiveSource::kCacheControl;
  // Why a targeted field that was present was ignored (RFC 9213 2.1);
  // kValid when absent or used.
  TargetedStatus ignored_freshet_cc = TargetedStatus::kValid;
  TargetedStatus ignored_cdn_cc = TargetedStatus::kValid;
  std::optional<UnixSeconds> date;           // RFC 9110 6.6.1
  bool has_expires = false;                  // RFC 9111 5.3
  std::optional<UnixSeconds> expires;        // nullopt if invalid
  std::optional<UnixSeconds> last_modified;  // RFC 9110 8.8.2
  int64_t age = 0;                           // RFC 9111 5.1
  AgeStatus age_status = AgeStatus::kAbsent;
  bool has_etag = false;
  bool has_set_cookie = false;
  bool vary_star = false;  // RFC 9110 12.5.5

  bool hasValidator() const { return has_etag || last_modified.has_value(); }
  // Bits of the targeted fields that were present but ignored as invalid.
  uint32_t ignoredTargeted() const {
    return (ignored_freshet_cc != TargetedStatus::kValid ? kIgnoredFreshetCacheControl : 0u) |
           (ignored_cdn_cc != TargetedStatus::kValid ? kIgnoredCdnCacheControl : 0u);
  }
};

// The response fields readResponseFacts reads, lower case: a store
// decision depends on no other field, so callers may send only these
// (docs/abi.md "Input records").
std::vector<std::string> responseFieldNames();

ResponseFacts readResponseFacts(int status, const HeaderView& headers);

// RFC 9111 5.1: the Age field value as the platform hands it over (repeated
// field lines already joined with ", ", RFC 9110 5.3). Sets `age` and
// `age_status` of `f`.
void readAge(std::string_view value, ResponseFacts& f);

// Status codes cacheable by default / heuristically cacheable
// (RFC 9110 section 15.1).
bool isHeuristicallyCacheableStatus(int status);

}  // namespace freshet
