#include "url.h"

namespace freshet {

std::optional<UrlParts> splitUrl(std::string_view url) {
  UrlParts u;
  const size_t colon = url.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  u.scheme = url.substr(0, colon);
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(colon + 3);
  const size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);  // never sent
  const size_t slash = rest.find_first_of("/?");
  u.host = rest.substr(0, slash);
  if (const size_t at = u.host.rfind('@'); at != std::string_view::npos) {
    u.host = u.host.substr(at + 1);
  }
  if (u.host.empty()) return std::nullopt;
  for (char c : u.host) {
    if (c >= 'A' && c <= 'Z') return std::nullopt;  // the runtime lower-cases hosts
  }
  if (slash == std::string_view::npos) {
    u.path = "/";
    return u;
  }
  rest = rest.substr(slash);
  const size_t q = rest.find('?');
  u.path = rest.substr(0, q);
  if (u.path.empty()) u.path = "/";
  if (q != std::string_view::npos) u.query = rest.substr(q + 1);
  return u;
}

}  // namespace freshet
