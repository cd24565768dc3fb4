// Phase 1: which route, whether to bypass, and the key.
#include <algorithm>

#include "cache_key.h"
#include "engine.h"
#include "stable_sort.h"
#include "tags.h"

namespace freshet {
namespace {

// Pseudo-fields the worker appends to the request list (docs/abi.md); a
// real header name never starts with ':'.
constexpr std::string_view kBodyDigest = ":body-sha256";
constexpr std::string_view kBodySize = ":body-size";
// "name=value" from the worker's keyParts hook (docs/library.md).
constexpr std::string_view kKeyPart = ":key-part";
constexpr size_t kMaxKeyParts = 16;
constexpr size_t kMaxKeyPartValue = 256;

bool keyPartName(std::string_view n) {
  if (n.empty() || n.size() > 32) return false;
  for (const char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// The request's key parts, sorted by name; false when one is malformed or
// a name repeats (the key would be ambiguous).
bool readKeyParts(const HeaderView& h, std::vector<KeyPart>& out) {
  for (const HeaderField& f : h.fields()) {
    if (f.name != kKeyPart) continue;
    const size_t eq = f.value.find('=');
    if (eq == std::string_view::npos || out.size() == kMaxKeyParts) return false;
    KeyPart part{f.value.substr(0, eq), f.value.substr(eq + 1)};
    if (!keyPartName(part.name) || part.value.size() > kMaxKeyPartValue) return false;
    out.push_back(part);
  }
  stableSort(out, [](const KeyPart& a, const KeyPart& b) { return a.name < b.name; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].name == out[i - 1].name) return false;
  }
  return true;
}

std::optional<int64_t> decimal(std::string_view s) {
  s = trimOws(s);
  if (s.empty() || s.size() > 15) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// A GET or HEAD that carries a body ("fat GET"): the body could shape the
// origin's answer without being part of the key.
bool hasBody(const RequestFacts& req) {
  if (req.has_transfer_encoding) return true;
  const auto* cl = req.content_length;
  return cl && decimal(*cl).value_or(1) > 0;
}

}  // namespace

RequestDecision Engine::decideRequest(const RequestFacts& req) const {
  RequestDecision d;
  decideRequest(req, d);
  return d;
}

void Engine::decideRequest(const RequestFacts& req, RequestDecision& d) const {
  routeAndKey(req, d);
  // What the worker carries out for the matched route: its rules, and what
  // a miss would do (5.2.1.7), so that no later call is needed for them.
  d.browser_ttl = -1;
  d.tiers = 0;
  d.origin_timeout_ms = 0;
  d.set_cookie = SetCookiePolicy::kRefuse;
  d.miss = MissAction::kFetch;
  d.miss_reason = Reason::kNone;
  if (d.route < 0) return;
  const auto route = static_cast<uint32_t>(d.route);
  const RouteRules& rules = rulesFor(route);
  if (rules.browser_ttl) d.browser_ttl = *rules.browser_ttl;
  d.tiers = rules.tiers;
  d.origin_timeout_ms = rules.origin_timeout * 1000;
  d.set_cookie = setCookiePolicy(rules);
  d.miss = decideMiss(req, route, d.miss_reason);
}

SetCookiePolicy Engine::setCookiePolicy(const RouteRules& rules) const {
  if (options_.store_set_cookie || rules.store_set_cookie) return SetCookiePolicy::kStore;
  return rules.strip_set_cookie ? SetCookiePolicy::kStrip : SetCookiePolicy::kRefuse;
}

void Engine::routeAndKey(const RequestFacts& req, RequestDecision& d) const {
  // Reused by the caller: every field is reset, the strings keep their
  // storage.
  d.action = RequestAction::kPass;
  d.reason = Reason::kNone;
  d.route = -1;
  d.key.clear();
  d.key_url.clear();
  d.tags.clear();
  d.needs_body = false;
  d.body_limit = 0;
  if (manifest_.mode == Mode::kOff) {
    d.reason = Reason::kDisabled;
    return;
  }
  d.action = RequestAction::kBypass;
  const auto url = splitUrl(req.url);
  if (!url) {
    d.reason = Reason::kBadUrl;
    return;
  }
  std::string path_buf;  // only for a path with percent-encodings
  const auto path = canonicalPath(url->path, path_buf);
  if (!path) {
    d.reason = Reason::kAmbiguousPath;
    return;
  }
  // Key URLs live under this prefix (src/cache_key.h): a client request
  // there goes to the origin untouched, never near the cache.
  if (path->substr(0, kReservedPathPrefix.size()) == kReservedPathPrefix) {
    d.reason = Reason::kReservedPath;
    return;
  }
  const auto match = matcher_.match(*path);
  if (!match) {
    d.reason = Reason::kNoRoute;
    return;
  }
  d.route = match->route;
  const RouteRules& rules = manifest_.routes[match->route].rules;
  if (!rules.cache) {
    d.reason = Reason::kRouteOff;
    return;
  }
  if (std::find(rules.methods.begin(), rules.methods.end(), req.method) == rules.methods.end()) {
    d.reason = Reason::kMethod;
    return;
  }
  const HeaderView& h = *req.headers;
  const bool post = req.method == "POST";
  if (!post && hasBody(req)) {
    d.reason = Reason::kRequestBody;
    return;
  }
  for (const auto& b : rules.bypass_headers) {
    // The default rule (Authorization present) needs no scan: the request
    // facts know.
    if (!b.value && b.name == "authorization" && !req.has_authorization) continue;
    const auto* v = h.find(b.name);
    if (v && (!b.value || equalsIgnoreCase(trimOws(*v), *b.value))) {
      d.reason = b.name == "authorization" ? Reason::kAuthorization : Reason::kBypassHeader;
      return;
    }
  }
  for (const auto& c : rules.bypass_cookies) {
    if (hasCookie(h, c)) {
      d.reason = Reason::kBypassCookie;
      return;
    }
  }
  // RFC 9111 5.2.1.5: no-store in a request forbids storing the response
  // (honoured only where the route honours request directives).
  if (rules.request_directives == RequestDirectives::kHonor && req.cc.no_store) {
    d.reason = Reason::kRequestNoStore;
    return;
  }
  std::string_view digest;
  if (post) {
    // POST bodies are part of the key: the worker reads at most
    // body_limit bytes, hashes them and asks again with the digest.
    d.body_limit = rules.max_body_bytes;
    const auto declared = req.content_length;
    const auto size = h.find(kBodySize);
    if ((declared && decimal(*declared).value_or(0) > rules.max_body_bytes) ||
        (size && decimal(*size).value_or(INT64_MAX) > rules.max_body_bytes)) {
      d.reason = Reason::kBodyTooBig;
      return;
    }
    digest = h.get(kBodyDigest);
    if (digest.empty()) {
      d.action = RequestAction::kLookup;
      d.needs_body = true;
      return;
    }
  }
  std::vector<KeyPart> parts;
  if (!readKeyParts(h, parts)) {
    d.reason = Reason::kBadKeyPart;
    return;
  }
  KeyInput in{*url, *path, &h, &rules.key, digest, parts.empty() ? nullptr : &parts};
  if (const Reason problem = appendKey(d.key, in); problem != Reason::kNone) {
    d.key.clear();
    d.reason = problem;
    return;
  }
  d.action = RequestAction::kLookup;
  d.reason = Reason::kNone;
  appendKeyUrl(d.key_url, manifest_.key_host.empty() ? url->host : manifest_.key_host,
               manifest_.key_namespace, d.key);
  if (!rules.tags.empty()) d.tags = expandTags(rules.tags, match->params);
}

}  // namespace freshet
