// Cache keys: canonical, versioned, namespaced and collision-safe.
//
// The readable key is "<scheme>://<host><path>[?<sorted query>]". The key
// URL handed to the platform Cache API is
//   https://cache.freshet.internal/v1/k/<readable key, percent-encoded>
// Every byte outside the unreserved set (RFC 3986 section 2.3) is
// percent-encoded, so distinct readable keys give distinct key URLs, and no
// user URL (whose host is never "cache.freshet.internal" on this path
// space) can alias an internal entry.
#pragma once

#include <string>
#include <string_view>

#include "url.h"

namespace freshet {

inline constexpr std::string_view kKeyUrlPrefix = "https://cache.freshet.internal/v1/k/";

// Query parameters sorted bytewise by "name=value"; empty members dropped.
std::string sortedQuery(std::string_view query);

std::string readableKey(const UrlParts& url);
std::string keyUrl(std::string_view readable_key);

}  // namespace freshet
