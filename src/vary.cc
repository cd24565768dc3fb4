#include "vary.h"

#include <algorithm>

#include "stable_sort.h"
#include "text.h"
#include "url.h"

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

namespace {

// One member of a negotiation field, normalised. Language tags (RFC 5646
// 2.1.1), content codings (RFC 9110 8.4.1) and charsets are
// case-insensitive, and so are media types and parameter names (8.3.1,
// 8.3.2); a media type's parameter values may not be, so Accept keeps their
// case. Whitespace around ";" and "=" is optional.
void appendNegotiationMember(std::string& out, std::string_view el, bool keep_value_case) {
  bool in_value = false;
  for (const char c : el) {
    if (isOws(c)) continue;
    if (c == ';') in_value = false;
    out += keep_value_case && in_value ? c : toLowerAscii(c);
    if (c == '=') in_value = true;
  }
}

}  // namespace

std::string normalizeSelecting(std::string_view name, std::string_view value) {
  const bool negotiation = isNegotiationField(name);
  const bool keep_value_case = name == "accept";
  // The members in their order, joined with ","; weights only matter
  // where a member has one (";q="), and then the members are reordered.
  std::string out;
  out.reserve(value.size());
  bool weighted = false;
  forEachListElement(value, [&](std::string_view el) {
    if (!out.empty()) out += ',';
    const size_t start = out.size();
    if (!negotiation) {
      out += el;
      return;
    }
    appendNegotiationMember(out, el, keep_value_case);
    if (std::string_view(out).substr(start).find(";q=") != std::string_view::npos) weighted = true;
  });
  if (!weighted) return out;
  std::vector<std::string> members;
  forEachListElement(value, [&](std::string_view el) {
    members.emplace_back();
    appendNegotiationMember(members.back(), el, keep_value_case);
  });
  orderByWeight(members);
  out.clear();
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
  std::string buf;  // only for a field given more than once
  for (const auto& n : names) {
    if (!out.empty()) out += '&';
    appendPercentEncoded(out, n);
    if (request.has(n)) {
      out += '=';
      appendPercentEncoded(out, normalizeSelecting(n, request.joined(n, buf)));
    }
  }
  return out;
}

}  // namespace freshet
