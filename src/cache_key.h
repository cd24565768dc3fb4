// Cache keys: canonical, versioned, namespaced and collision-safe
// (docs/manifest.md "Keys").
//
// The readable key is
//   <scheme>://<host or *><canonical path>[?<query, sorted by name>]
// followed by one " kind:name=value" dimension per keyed cookie, header,
// device class, key part of the worker's own ("custom:name=value") or body
// digest, with values percent-encoded. A space never
// appears raw in a URL the runtime serialises, so the dimensions cannot be
// forged through the URL.
//
// The key URL handed to the platform Cache API is
//   https://<key host>/__freshet/v2/<namespace>/<readable key, percent-encoded>
// under the zone's own host (the manifest's "keyHost", else the request's),
// as Cloudflare's Cache API docs ask: a foreign host in cache requests costs
// DNS lookups and cache efficiency. Every byte outside the unreserved set
// (RFC 3986 section 2.3) is percent-encoded, so distinct readable keys give
// distinct key URLs. The path prefix is reserved: the engine never caches
// a request under it (Reason::kReservedPath), so no client request can
// read, write or purge an entry by its key URL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "headers.h"
#include "manifest.h"
#include "reason.h"
#include "url.h"

namespace freshet {

// The reserved path prefix of every key URL; "v2" is the key grammar's
// version (v1 keys lived under https://cache.freshet.internal/v1/).
inline constexpr std::string_view kKeyPathPrefix = "/__freshet/v2/";
// Every version's prefix: requests under it bypass the cache.
inline constexpr std::string_view kReservedPathPrefix = "/__freshet/";

// A key part a worker's own code adds (createHandler's keyParts hook).
struct KeyPart {
  std::string_view name;  // [a-z0-9-]{1,32}
  std::string_view value;
};

struct KeyInput {
  UrlParts url;                                 // as split from the request URL
  std::string_view path;                        // canonical path (canonicalPath)
  const HeaderView* headers;                    // request headers
  const KeyRules* rules;                        // the route's key rules
  std::string_view body_digest;                 // POST routes: hex SHA-256 of the body
  const std::vector<KeyPart>* parts = nullptr;  // sorted by name, names unique
};

struct KeyResult {
  Reason problem = Reason::kNone;  // kAmbiguousQuery when the query cannot be keyed
  std::string readable;
};

KeyResult buildKey(const KeyInput& in);
// The same, appended to `key`; returns the problem (kNone when keyable).
Reason appendKey(std::string& key, const KeyInput& in);

// The query as keyed: parameters canonicalised, filtered by the rules,
// stable-sorted by name (same-name parameters keep their order: origins
// disagree on whether the first or the last wins). Sets `problem`.
std::string keyedQuery(std::string_view query, const KeyRules& rules, Reason& problem);

std::string keyUrl(std::string_view host, std::string_view key_namespace,
                   std::string_view readable_key);
void appendKeyUrl(std::string& out, std::string_view host, std::string_view key_namespace,
                  std::string_view readable_key);

// keyedQuery appended to `out`, preceded by `lead` (0: nothing) when any
// parameter is kept.
void appendKeyedQuery(std::string& out, std::string_view query, const KeyRules& rules,
                      Reason& problem, char lead);

// Percent-encodes everything outside the unreserved set.
std::string percentEncodeAll(std::string_view s);

}  // namespace freshet
