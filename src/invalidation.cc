// Invalidation after unsafe requests (RFC 9111 section 4.4): a non-error
// response to a method that is not known to be safe invalidates the target
// URI, and the URIs in Location and Content-Location when they have the
// same origin.
#include <algorithm>
#include <string>

#include "engine.h"
#include "tags.h"
#include "text.h"
#include "url.h"

namespace freshet {
namespace {

// RFC 9110 section 9.2.1: GET, HEAD, OPTIONS and TRACE are safe; every
// other method, including unknown ones, is treated as unsafe.
bool isSafeMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE";
}

// RFC 3986 section 5.2.4.
std::string removeDotSegments(std::string_view in) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  bool trailing = false;
  while (pos <= in.size()) {
    size_t next = in.find('/', pos);
    if (next == std::string_view::npos) next = in.size();
    const std::string_view seg = in.substr(pos, next - pos);
    trailing = false;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing = true;
    } else if (seg == ".") {
      trailing = true;
    } else if (pos != 0 || !seg.empty()) {
      out.push_back(seg);
    }
    pos = next + 1;
  }
  std::string path;
  for (const auto& s : out) {
    path += '/';
    path += s;
  }
  if (trailing || path.empty()) path += '/';
  return path;
}

// Resolves a URI reference (RFC 3986 section 5.2) against an absolute
// http(s) URL; returns "" when the result is not of the same origin.
std::string resolveSameOrigin(std::string_view base, std::string_view ref) {
  ref = trimOws(ref);
  if (const size_t hash = ref.find('#'); hash != std::string_view::npos) ref = ref.substr(0, hash);
  const auto b = splitUrl(base);
  if (!b || ref.empty()) return "";
  const std::string origin = std::string(b->scheme) + "://" + std::string(b->host);
  std::string target;
  const size_t colon = ref.find(':');
  const size_t first_delim = ref.find_first_of("/?");
  if (colon != std::string_view::npos &&
      (first_delim == std::string_view::npos || colon < first_delim)) {
    target = std::string(ref);  // absolute URI
  } else if (ref.substr(0, 2) == "//") {
    target = std::string(b->scheme) + ":" + std::string(ref);
  } else if (ref.front() == '/') {
    const size_t q = ref.find('?');
    target = origin + removeDotSegments(ref.substr(0, q));
    if (q != std::string_view::npos) target += ref.substr(q);
  } else if (ref.front() == '?') {
    target = origin + std::string(b->path) + std::string(ref);
  } else {
    const size_t slash = b->path.rfind('/');
    const std::string dir(b->path.substr(0, slash + 1));
    const size_t q = ref.find('?');
    target = origin + removeDotSegments(dir + std::string(ref.substr(0, q)));
    if (q != std::string_view::npos) target += ref.substr(q);
  }
  // Same origin (RFC 9110 section 4.3.1): scheme and authority, compared
  // without case.
  const size_t sep = target.find("://");
  if (sep == std::string::npos) return "";
  const size_t end = std::min(target.size(), target.find_first_of("/?", sep + 3));
  for (size_t i = 0; i < end; ++i) target[i] = toLowerAscii(target[i]);
  const auto t = splitUrl(target);
  if (!t || t->scheme != b->scheme || t->host != b->host) return "";
  return target;
}

}  // namespace

InvalidationDecision Engine::decideInvalidation(const RequestFacts& req, int status,
                                                const HeaderView& response_headers) const {
  InvalidationDecision d;
  if (isSafeMethod(req.method)) {
    d.reason = Reason::kSafeMethod;
    return d;
  }
  // 4.4: "non-error status code": 2xx and 3xx.
  if (status < 200 || status >= 400) {
    d.reason = Reason::kErrorStatus;
    return d;
  }
  std::vector<std::string> urls = {std::string(req.url)};
  for (const char* field : {"location", "content-location"}) {
    if (const auto* v = response_headers.find(field)) {
      std::string u = resolveSameOrigin(req.url, *v);
      if (!u.empty()) urls.push_back(std::move(u));
    }
  }
  // The key of a GET for each URL, as this client would send it and as an
  // anonymous client would (bypass rules and keyed headers/cookies may set
  // the two apart).
  const HeaderView anonymous;
  for (const auto& url : urls) {
    for (const HeaderView* headers : {req.headers, &anonymous}) {
      if (headers == nullptr) continue;
      const RequestFacts get = readRequestFacts("GET", url, *headers);
      const RequestDecision rd = decideRequest(get);
      if (rd.action != RequestAction::kLookup || rd.key_url.empty()) continue;
      if (std::find(d.key_urls.begin(), d.key_urls.end(), rd.key_url) == d.key_urls.end()) {
        d.key_urls.push_back(rd.key_url);
      }
    }
  }
  routeInvalidations(req, d);
  d.action = d.key_urls.empty() && d.purges.empty() ? InvalidationAction::kNone
                                                    : InvalidationAction::kInvalidate;
  d.reason = Reason::kInvalidated;
  return d;
}

// The route's "invalidates" (docs/manifest.md), with the request's params
// filled in and paths resolved against its origin.
void Engine::routeInvalidations(const RequestFacts& req, InvalidationDecision& d) const {
  const auto url = splitUrl(req.url);
  if (!url) return;
  std::string path_buf;
  const auto path = canonicalPath(url->path, path_buf);
  if (!path) return;
  const auto match = matcher_.match(*path);
  if (!match) return;
  const RouteRules& rules = manifest_.routes[match->route].rules;
  d.purge_soft = rules.invalidate_soft;
  const std::string origin = std::string(url->scheme) + "://" + std::string(url->host);
  for (const std::string& entry : rules.invalidates) {
    if (entry == "all") {
      d.purges.emplace_back("all\t");
      continue;
    }
    const size_t colon = entry.find(':');
    if (colon == std::string::npos) continue;
    const std::string kind = entry.substr(0, colon);
    std::string value = expandTags({entry.substr(colon + 1)}, match->params);
    if (kind != "tag" && !value.empty() && value.front() == '/') value = origin + value;
    d.purges.push_back(kind + "\t" + value);
  }
}

}  // namespace freshet
