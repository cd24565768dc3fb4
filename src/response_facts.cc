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

ResponseFacts readResponseFacts(int status, const HeaderView& headers) {
  ResponseFacts f;
  f.status = status;
  if (const auto* v = headers.find("freshet-cache-control")) {
    f.cc = parseResponseCacheControl(*v);
    f.source = DirectiveSource::kFreshetCacheControl;
  } else if (const auto* v = headers.find("cdn-cache-control")) {
    f.cc = parseResponseCacheControl(*v);
    f.source = DirectiveSource::kCdnCacheControl;
  } else if (const auto* v = headers.find("surrogate-control")) {
    f.cc = parseResponseCacheControl(*v);
    f.source = DirectiveSource::kSurrogateControl;
  } else {
    f.cc = parseResponseCacheControl(headers.combined("cache-control"));
  }
  if (const auto* v = headers.find("date")) f.date = parseHttpDate(*v);
  if (const auto* v = headers.find("expires")) {
    f.has_expires = true;
    f.expires = parseHttpDate(*v);
  }
  if (const auto* v = headers.find("last-modified")) f.last_modified = parseHttpDate(*v);
  if (const auto* v = headers.find("age")) {
    // RFC 9111 5.1: Age is a single delta-seconds; an invalid value is
    // ignored. A list ("10, 20") takes the first member.
    std::string_view a = trimOws(*v);
    const size_t comma = a.find(',');
    if (comma != std::string_view::npos) a = trimOws(a.substr(0, comma));
    if (auto n = parseDeltaSeconds(a)) f.age = *n;
  }
  f.has_etag = headers.has("etag");
  f.has_set_cookie = headers.has("set-cookie");
  forEachListElement(headers.combined("vary"), [&](std::string_view el) {
    if (el == "*") f.vary_star = true;
  });
  return f;
}

}  // namespace freshet
