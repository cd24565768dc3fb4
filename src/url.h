// Splits the absolute URL the platform hands over (already WHATWG-parsed by
// the runtime) into the parts a cache key uses, and canonicalises the path
// and query the way an origin server will read them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace freshet {

struct UrlParts {
  std::string_view scheme;  // "http" or "https", lower case
  std::string_view host;    // authority without userinfo, incl. port
  std::string_view path;    // starts with '/'
  std::string_view query;   // without '?', may be empty
};

std::optional<UrlParts> splitUrl(std::string_view url);

// Appends `s` with every byte outside the unreserved set (RFC 3986 section
// 2.3) as %XX (upper-case hex): injective, and safe in any URL part.
void appendPercentEncoded(std::string& out, std::string_view s);

// RFC 3986 section 6.2.2: percent-encoded unreserved characters are
// decoded (%41 -> A) and remaining percent-encodings upper-cased
// (%2f -> %2F), so equivalent spellings share one key. Returns nullopt for
// a path an origin might read in more than one way (docs/security.md):
// an encoded '/' or '\' (%2F, %5C), double encoding (%25 followed by two
// hex digits), %00, a raw '\' or ';', malformed percent-encoding, or a
// "." / ".." segment.
std::optional<std::string> canonicalPath(std::string_view path);
// The same without a copy: a path without '%' is its own canonical form and
// is returned as is; otherwise the result views `buf`.
std::optional<std::string_view> canonicalPath(std::string_view path, std::string& buf);

// The same normalisation for one query component (name or value); never
// rejects (the query is keyed as the origin receives it).
std::string canonicalQueryPart(std::string_view part);

}  // namespace freshet
