#include "response_facts.h"

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

// Surrogate-Control directives addressed to us; "" without the field.
std::string surrogateControlFor(const HeaderView& headers) {
  std::string buf;
  const std::string_view v = headers.joined("surrogate-control", buf);
  return v.empty() ? std::string() : surrogateDirectivesFor(v, kSurrogateDevice);
}

}  // namespace

ResponseFacts readResponseFacts(int status, const HeaderView& headers) {
  ResponseFacts f;
  f.status = status;
  if (const auto* v = headers.find("freshet-cache-control")) {
    f.cc = parseResponseCacheControl(*v);
    f.source = DirectiveSource::kFreshetCacheControl;
  } else if (const auto* v = headers.find("cdn-cache-control")) {
    f.cc = parseResponseCacheControl(*v);
    f.source = DirectiveSource::kCdnCacheControl;
  } else if (const std::string sc = surrogateControlFor(headers); !sc.empty()) {
    // Edge Architecture 1.0: only directives for us (untargeted or
    // ";freshet"); with none, the field does not address us.
    f.cc = parseResponseCacheControl(sc);
    f.source = DirectiveSource::kSurrogateControl;
  } else {
    std::string buf;  // only for a field given more than once
    f.cc = parseResponseCacheControl(headers.joined("cache-control", buf));
  }
  if (const auto* v = headers.find("date")) f.date = parseHttpDate(*v);
  if (const auto* v = headers.find("expires")) {
    f.has_expires = true;
    f.expires = parseHttpDate(*v);
  }
  if (const auto* v = headers.find("last-modified")) f.last_modified = parseHttpDate(*v);
  if (const auto* v = headers.find("age")) {
    // RFC 9111 5.1: Age is a single delta-seconds. A list-based value uses
    // its first member ("0,60" -> 0), and a value that is invalid after
    // that makes the response stale. Repeated Age field lines are invalid
    // for a singleton field; the platform joins them with ", " (RFC 9110
    // 5.3), so a list with whitespace after the comma is taken as repeated
    // lines: stale. Conservative: the worst case is one more revalidation.
    std::string_view a = trimOws(*v);
    const size_t comma = a.find(',');
    bool invalid = headers.count("age") > 1;
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
  f.has_etag = headers.has("etag");
  f.has_set_cookie = headers.has("set-cookie");
  std::string buf;
  forEachListElement(headers.joined("vary", buf), [&](std::string_view el) {
    if (el == "*") f.vary_star = true;
  });
  return f;
}

}  // namespace freshet
