#include "cache_key.h"

#include <algorithm>
#include <vector>

namespace freshet {

std::string sortedQuery(std::string_view query) {
  std::vector<std::string_view> params;
  size_t start = 0;
  for (size_t i = 0; i <= query.size(); ++i) {
    if (i == query.size() || query[i] == '&') {
      if (i > start) params.push_back(query.substr(start, i - start));
      start = i + 1;
    }
  }
  std::stable_sort(params.begin(), params.end());
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) out += '&';
    out += params[i];
  }
  return out;
}

std::string readableKey(const UrlParts& url) {
  std::string key;
  key.reserve(url.scheme.size() + url.host.size() + url.path.size() + url.query.size() + 4);
  key += url.scheme;
  key += "://";
  key += url.host;
  key += url.path;
  const std::string q = sortedQuery(url.query);
  if (!q.empty()) {
    key += '?';
    key += q;
  }
  return key;
}

std::string keyUrl(std::string_view readable_key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(kKeyUrlPrefix);
  out.reserve(out.size() + readable_key.size() * 2);
  for (unsigned char c : readable_key) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace freshet
