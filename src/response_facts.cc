#include "response_facts.h"

#include "field_index.h"

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

}  // namespace

ResponseFacts readResponseFacts(int status, const HeaderView& headers) {
  ResponseFacts f;
  f.status = status;
  const FieldIndex fields(headers, kResponseFields, classifyResponseField);
  if (const auto* v = fields.find(kFreshetCacheControl)) {
    f.cc = parseResponseCacheControl(*v);
    f.source = DirectiveSource::kFreshetCacheControl;
  } else if (const auto* v = fields.find(kCdnCacheControl)) {
    f.cc = parseResponseCacheControl(*v);
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
  if (const auto* v = fields.find(kAge)) {
    // RFC 9111 5.1: Age is a single delta-seconds. A list-based value uses
    // its first member ("0,60" -> 0), and a value that is invalid after
    // that makes the response stale. Repeated Age field lines are invalid
    // for a singleton field; the platform joins them with ", " (RFC 9110
    // 5.3), so a list with whitespace after the comma is taken as repeated
    // lines: stale. Conservative: the worst case is one more revalidation.
    std::string_view a = trimOws(*v);
    const size_t comma = a.find(',');
    bool invalid = fields.count(kAge) > 1;
    if (comma != std::string_view::npos) {
      invalid = invalid || (comma + 1 < a.size() && isOws(a[comma + 1]));
      a = a.substr(0, comma);
    }
    const auto n = parseDeltaSeconds(a);
    if (n && !invalid) {
      f.age = *n;
    } else {
      f.age_invalid = true;
    }
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
