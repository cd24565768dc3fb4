// Splits the absolute URL the platform hands over (already WHATWG-parsed by
// the runtime) into the parts a cache key uses.
#pragma once

#include <optional>
#include <string_view>

namespace freshet {

struct UrlParts {
  std::string_view scheme;  // "http" or "https", lower case
  std::string_view host;    // authority without userinfo, incl. port
  std::string_view path;    // starts with '/'
  std::string_view query;   // without '?', may be empty
};

std::optional<UrlParts> splitUrl(std::string_view url);

}  // namespace freshet
