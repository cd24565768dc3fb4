// Freshness lifetime (RFC 9111 section 4.2.1), heuristic freshness (4.2.2)
// and age (4.2.3). Every function takes the time as a parameter.
#pragma once

#include <cstdint>

#include "http_date.h"
#include "manifest.h"
#include "response_facts.h"

namespace freshet {

// Where a lifetime came from; reported in explain output and Cache-Status.
enum class LifetimeSource : uint32_t {
  kNone = 0,
  kSMaxAge = 1,    // 5.2.2.10
  kMaxAge = 2,     // 5.2.2.1
  kExpires = 3,    // 5.3
  kRoute = 4,      // the manifest's ttl
  kHeuristic = 5,  // 4.2.2
};

struct Lifetime {
  int64_t seconds = 0;
  LifetimeSource source = LifetimeSource::kNone;
};

// The origin's explicit lifetime for a shared cache, if it gave one.
Lifetime explicitLifetime(const ResponseFacts& r, UnixSeconds response_time);

// RFC 9111 4.2.2: 10% of the time since Last-Modified, at most a day.
Lifetime heuristicLifetime(const ResponseFacts& r, UnixSeconds response_time);

// RFC 9111 4.2.3 apparent_age, in seconds: how far the response's Date is
// behind the time it arrived (0 without a Date, or with one ahead).
int64_t apparentAge(const ResponseFacts& r, int64_t response_time_ms);

// RFC 9111 4.2.3 corrected_age_value, in seconds: the Age field plus the
// response delay (the request's round trip).
int64_t correctedAgeValue(const ResponseFacts& r, int64_t request_time_ms,
                          int64_t response_time_ms);

// RFC 9111 4.2.3 corrected_initial_age, in seconds: the larger of the two
// above. With `use_date` false (the route's "ageFromDate": false, for an
// origin whose clock runs behind) the apparent age is left out and the age
// is corrected_age_value alone, as caches that take the age from Age only do.
int64_t correctedInitialAge(const ResponseFacts& r, int64_t request_time_ms,
                            int64_t response_time_ms, bool use_date);

// current_age = corrected_initial_age + resident_time.
int64_t currentAge(int64_t corrected_initial_age, int64_t response_time_ms, int64_t now_ms);

}  // namespace freshet
