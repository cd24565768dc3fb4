#include "freshness.h"

#include <algorithm>

namespace freshet {
namespace {
int64_t floorSeconds(int64_t ms) {
  return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}
}  // namespace

Lifetime explicitLifetime(const ResponseFacts& r, UnixSeconds response_time) {
  // 4.2.1: a shared cache uses s-maxage first, then max-age, then Expires.
  if (r.cc.s_maxage) return {*r.cc.s_maxage, LifetimeSource::kSMaxAge};
  if (r.cc.max_age) return {*r.cc.max_age, LifetimeSource::kMaxAge};
  if (r.has_expires) {
    // 5.3: an invalid Expires (e.g. "0") is a time in the past. Without a
    // Date, the response time stands in for it (4.2.1 / 5.6.7 of RFC 9110).
    if (!r.expires) return {0, LifetimeSource::kExpires};
    const UnixSeconds date = r.date.value_or(response_time);
    return {std::max<int64_t>(0, *r.expires - date), LifetimeSource::kExpires};
  }
  return {};
}

Lifetime heuristicLifetime(const ResponseFacts& r, UnixSeconds response_time) {
  if (!r.last_modified) return {};
  const UnixSeconds date = r.date.value_or(response_time);
  const int64_t since = date - *r.last_modified;
  if (since <= 0) return {};
  // 4.2.2 suggests a fraction (typically 10%) of the interval since
  // Last-Modified; we cap it at one day as common practice does.
  return {std::min<int64_t>(since / 10, 86400), LifetimeSource::kHeuristic};
}

int64_t apparentAge(const ResponseFacts& r, int64_t response_time_ms) {
  return r.date ? std::max<int64_t>(0, floorSeconds(response_time_ms) - *r.date) : 0;
}

int64_t correctedAgeValue(const ResponseFacts& r, int64_t request_time_ms,
                          int64_t response_time_ms) {
  const int64_t response_delay =
      std::max<int64_t>(0, floorSeconds(response_time_ms - request_time_ms));
  return r.age + response_delay;
}

int64_t correctedInitialAge(const ResponseFacts& r, int64_t request_time_ms,
                            int64_t response_time_ms, bool use_date) {
  const int64_t corrected_age_value = correctedAgeValue(r, request_time_ms, response_time_ms);
  if (!use_date) return corrected_age_value;
  return std::max(apparentAge(r, response_time_ms), corrected_age_value);
}

int64_t currentAge(int64_t corrected_initial_age, int64_t response_time_ms, int64_t now_ms) {
  const int64_t resident = std::max<int64_t>(0, now_ms - response_time_ms) / 1000;
  return corrected_initial_age + resident;
}

}  // namespace freshet
