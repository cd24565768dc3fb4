#include "vary.h"

#include <algorithm>

#include "stable_sort.h"
#include "text.h"

namespace freshet {
namespace {

bool orderInsensitive(std::string_view name) {
  return name == "accept-language" || name == "accept-encoding" || name == "accept" ||
         name == "accept-charset";
}

// RFC 3986 unreserved characters pass; every other byte is %XX.
void appendPercentEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

}  // namespace

VarySpec parseVary(std::string_view value) {
  VarySpec v;
  forEachListElement(value, [&](std::string_view el) {
    if (el == "*") {
      v.star = true;
      return;
    }
    v.names.push_back(lowerAscii(el));
  });
  stableSort(v.names);  // equal names are equal: any sort gives the same
  v.names.erase(std::unique(v.names.begin(), v.names.end()), v.names.end());
  return v;
}

std::string joinVaryNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ',';
    out += n;
  }
  return out;
}

std::string normalizeSelecting(std::string_view name, std::string_view value) {
  std::vector<std::string> members;
  const bool fold = orderInsensitive(name);
  forEachListElement(value, [&](std::string_view el) {
    if (!fold) {
      members.emplace_back(el);
      return;
    }
    // In the Accept-* fields whitespace around ";" and "=" does not matter
    // either (RFC 9110 12.4.2 weights, 12.5 content negotiation fields).
    std::string m;
    for (const char c : el) {
      if (!isOws(c)) m += toLowerAscii(c);
    }
    members.push_back(std::move(m));
  });
  if (fold) stableSort(members);
  std::string out;
  for (const auto& m : members) {
    if (!out.empty()) out += ',';
    out += m;
  }
  return out;
}

std::string variantId(const std::vector<std::string>& names, const HeaderView& request) {
  // "name=value&name&..." percent-encoded: '=' marks presence, so an absent
  // field ("name") never equals an empty one ("name=").
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += '&';
    appendPercentEncoded(out, n);
    if (request.has(n)) {
      out += '=';
      appendPercentEncoded(out, normalizeSelecting(n, request.combined(n)));
    }
  }
  return out;
}

}  // namespace freshet
