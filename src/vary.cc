#include "vary.h"

#include <algorithm>

#include "stable_sort.h"
#include "text.h"

namespace freshet {
namespace {

// The content negotiation fields (RFC 9110 12.5): members weighted by "q"
// (12.4.2), tokens case-insensitive, whitespace around ";" and "=" free.
bool isNegotiationField(std::string_view name) {
  return name == "accept-language" || name == "accept-encoding" || name == "accept" ||
         name == "accept-charset";
}

// A member's weight in thousandths (RFC 9110 12.4.2: qvalue = ( "0" [ "."
// 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); no "q" = 1), or -1 if its "q"
// is malformed. `m` is already lower case without whitespace.
int memberWeight(std::string_view m) {
  const size_t at = m.find(";q=");
  if (at == std::string_view::npos) return 1000;
  std::string_view q = m.substr(at + 3);
  const size_t end = q.find(';');
  if (end != std::string_view::npos) q = q.substr(0, end);
  if (q.empty() || (q[0] != '0' && q[0] != '1')) return -1;
  int w = q[0] == '1' ? 1000 : 0;
  if (q.size() == 1) return w;
  if (q[1] != '.' || q.size() > 5) return -1;
  int scale = 100;
  for (size_t i = 2; i < q.size(); ++i, scale /= 10) {
    if (q[i] < '0' || q[i] > '9') return -1;
    w += (q[i] - '0') * scale;
  }
  return w > 1000 ? -1 : w;
}

// Members of a negotiation field are put in descending order of weight,
// keeping the order of members of equal weight: that order can carry a
// preference (RFC 4647 2.3 for language ranges; origins commonly break
// ties by position for codings and media ranges), so "en, fr" and "fr, en"
// stay apart while "fr;q=0.5, en" and "en, fr;q=0.5" meet. Lists with a
// malformed weight, or longer than kMaxReordered, keep their order.
constexpr size_t kMaxReordered = 64;

void orderByWeight(std::vector<std::string>& members) {
  if (members.size() < 2 || members.size() > kMaxReordered) return;
  std::vector<int> weights;
  weights.reserve(members.size());
  for (const auto& m : members) {
    const int w = memberWeight(m);
    if (w < 0) return;
    weights.push_back(w);
  }
  // Insertion sort: stable, and at most kMaxReordered members.
  for (size_t i = 1; i < members.size(); ++i) {
    std::string m = std::move(members[i]);
    const int w = weights[i];
    size_t j = i;
    for (; j > 0 && weights[j - 1] < w; --j) {
      members[j] = std::move(members[j - 1]);
      weights[j] = weights[j - 1];
    }
    members[j] = std::move(m);
    weights[j] = w;
  }
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
  const bool negotiation = isNegotiationField(name);
  forEachListElement(value, [&](std::string_view el) {
    if (!negotiation) {
      members.emplace_back(el);
      return;
    }
    // Language tags (RFC 5646 2.1.1), content codings (RFC 9110 8.4.1) and
    // charsets are case-insensitive, and so are media types and parameter
    // names (8.3.1, 8.3.2); a media type's parameter values may not be, so
    // Accept keeps their case. Whitespace around ";" and "=" is optional.
    const bool keepValueCase = name == "accept";
    std::string m;
    bool inValue = false;
    for (const char c : el) {
      if (isOws(c)) continue;
      if (c == ';') inValue = false;
      m += keepValueCase && inValue ? c : toLowerAscii(c);
      if (c == '=') inValue = true;
    }
    members.push_back(std::move(m));
  });
  if (negotiation) orderByWeight(members);
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
