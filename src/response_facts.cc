#include "response_facts.h"

#include "field_index.h"
#include "structured_field.h"

namespace freshet {

bool isHeuristicallyCacheableStatus(int status) {
  switch (status) {
    case 200:
    case 203:
    case 204:
    case 206:
    case 300:
    case 301:
    case 308:
    case 404:
    case 405:
    case 410:
    case 414:
    case 501: return true;
    default: return false;
  }
}

namespace {

enum ResponseField : size_t {
  kFreshetCacheControl,
  kCdnCacheControl,
  kSurrogateControl,
  kCacheControl,
  kDate,
  kExpires,
  kLastModified,
  kAge,
  kEtag,
  kSetCookie,
  kVary,
  kResponseFieldCount
};
constexpr std::array<std::string_view, kResponseFieldCount> kResponseFields = {
    "freshet-cache-control",
    "cdn-cache-control",
    "surrogate-control",
    "cache-control",
    "date",
    "expires",
    "last-modified",
    "age",
    "etag",
    "set-cookie",
    "vary"};

size_t classifyResponseField(std::string_view n) {
  auto is = [n](ResponseField f) { return equalsIgnoreCase(n, kResponseFields[f]); };
  constexpr size_t kOther = kResponseFieldCount;
  switch (n.size()) {
    case 3: return is(kAge) ? kAge : kOther;
    case 4: return is(kDate) ? kDate : is(kEtag) ? kEtag : is(kVary) ? kVary : kOther;
    case 7: return is(kExpires) ? kExpires : kOther;
    case 10: return is(kSetCookie) ? kSetCookie : kOther;
    case 13: return is(kCacheControl) ? kCacheControl : is(kLastModified) ? kLastModified : kOther;
    case 17:
      return is(kCdnCacheControl)    ? kCdnCacheControl
             : is(kSurrogateControl) ? kSurrogateControl
                                     : kOther;
    case 21: return is(kFreshetCacheControl) ? kFreshetCacheControl : kOther;
    default: return kOther;
  }
}

// Surrogate-Control directives addressed to us; "" without the field.
std::string surrogateControlFor(const FieldIndex<kResponseFieldCount>& fields) {
  std::string buf;
  const std::string_view v = fields.joined(kSurrogateControl, buf);
  return v.empty() ? std::string() : surrogateDirectivesFor(v, kSurrogateDevice);
}

// RFC 9213 2.2: a cache uses the first targeted field of its list that is
// present and valid; an invalid or empty one is as if absent (2.1), and the
// next field applies. Repeated lines are one Dictionary (RFC 8941 4.2).
bool useTargeted(const FieldIndex<kResponseFieldCount>& fields, ResponseField which,
                 ResponseFacts& f) {
  if (!fields.has(which)) return false;
  std::string buf;
  TargetedCacheControl t = parseTargetedCacheControl(fields.joined(which, buf));
  if (t.valid()) {
    f.cc = std::move(t.cc);
    return true;
  }
  if (which == kFreshetCacheControl) {
    f.ignored_freshet_cc = t.status;
  } else {
    f.ignored_cdn_cc = t.status;
  }
  return false;
}

}  // namespace

void readAge(std::string_view value, ResponseFacts& f) {
  // RFC 9111 5.1: "Age = delta-seconds. ... If the field value (after
  // discarding additional members) is invalid (e.g., it contains something
  // other than a non-negative integer), a cache SHOULD ignore the field."
  // Additional members are discarded whether they came as a list on one
  // line ("0, 7200") or as repeated lines (the platform joins those with
  // ", "): the first member counts.
  std::string_view a = value;
  if (const size_t comma = a.find(','); comma != std::string_view::npos) a = a.substr(0, comma);
  a = trimOws(a);
  // Leading DIGITs, then nothing or parameters (";name[=value]..."): read as
  // a Structured Fields Integer whose parameters carry no meaning for Age
  // (RFC 8941 3.1.2), so "7200;foo=bar" is an age of 7200 - the reading
  // that errs on the side of staleness.
  size_t digits = 0;
  while (digits < a.size() && a[digits] >= '0' && a[digits] <= '9') ++digits;
  const std::string_view rest = a.substr(digits);
  const bool params_only = rest.empty() || (rest.front() == ';' && sf::isParameters(rest));
  const auto n = digits > 0 && params_only ? parseDeltaSeconds(a.substr(0, digits)) : std::nullopt;
  if (!n) {
    f.age = 0;
    f.age_status = AgeStatus::kIgnored;
    return;
  }
  f.age = *n;
  // RFC 9111 1.2.2: a delta-seconds too large to represent is taken as
  // 2147483648 (2^31); such a response is stale on arrival.
  f.age_status = *n >= kDeltaSecondsMax ? AgeStatus::kOverflow : AgeStatus::kValid;
}

std::vector<std::string> responseFieldNames() {
  return {kResponseFields.begin(), kResponseFields.end()};
}

ResponseFacts readResponseFacts(int status, const HeaderView& headers) {
  ResponseFacts f;
  f.status = status;
  const FieldIndex fields(headers, kResponseFields, classifyResponseField);
  if (useTargeted(fields, kFreshetCacheControl, f)) {
    f.source = DirectiveSource::kFreshetCacheControl;
  } else if (useTargeted(fields, kCdnCacheControl, f)) {
    f.source = DirectiveSource::kCdnCacheControl;
  } else if (const std::string sc = surrogateControlFor(fields); !sc.empty()) {
    // Edge Architecture 1.0: only directives for us (untargeted or
    // ";freshet"); with none, the field does not address us.
    f.cc = parseResponseCacheControl(sc);
    f.source = DirectiveSource::kSurrogateControl;
  } else {
    std::string buf;  // only for a field given more than once
    f.cc = parseResponseCacheControl(fields.joined(kCacheControl, buf));
  }
  if (const auto* v = fields.find(kDate)) f.date = parseHttpDate(*v);
  if (const auto* v = fields.find(kExpires)) {
    f.has_expires = true;
    f.expires = parseHttpDate(*v);
  }
  if (const auto* v = fields.find(kLastModified)) f.last_modified = parseHttpDate(*v);
  if (fields.has(kAge)) {
    std::string age_buf;  // only for a field given more than once
    readAge(fields.joined(kAge, age_buf), f);
  }
  f.has_etag = fields.has(kEtag);
  f.has_set_cookie = fields.has(kSetCookie);
  std::string buf;
  forEachListElement(fields.joined(kVary, buf), [&](std::string_view el) {
    if (el == "*") f.vary_star = true;
  });
  return f;
}

}  // namespace freshet
