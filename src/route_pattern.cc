#include "route_pattern.h"

namespace freshet {
namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      out.push_back(path.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<std::string> validatePattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    return "a pattern must start with '/', e.g. \"/blog/:slug\"";
  }
  if (pattern.find_first_of("?#") != std::string_view::npos) {
    return "a pattern matches the path only: remove the query or fragment";
  }
  const auto segs = splitPath(pattern);
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string_view s = segs[i];
    if (s == "*") {
      if (i + 1 != segs.size()) return "'*' may only be the last segment (it matches the rest)";
      continue;
    }
    if (s.find('*') != std::string_view::npos) {
      return "'*' must be a whole segment, as in \"/static/*\"";
    }
    if (!s.empty() && s.front() == ':') {
      if (s.size() == 1) return "a ':' parameter needs a name, as in \":slug\"";
      for (char c : s.substr(1)) {
        if (!isNameChar(c)) {
          return "parameter \"" + std::string(s) + "\" may use only letters, digits and '_'";
        }
      }
      continue;
    }
    if (s.find(':') != std::string_view::npos) {
      return "':' starts a parameter and must begin its segment";
    }
  }
  return std::nullopt;
}

std::vector<PatternSegment> parsePattern(std::string_view pattern) {
  std::vector<PatternSegment> out;
  for (auto s : splitPath(pattern)) {
    if (s == "*") {
      out.push_back({PatternSegment::Kind::kWildcard, "*"});
    } else if (!s.empty() && s.front() == ':') {
      out.push_back({PatternSegment::Kind::kParam, std::string(s.substr(1))});
    } else {
      out.push_back({PatternSegment::Kind::kLiteral, std::string(s)});
    }
  }
  return out;
}

std::string patternShape(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (const auto& seg : parsePattern(pattern)) {
    out += '/';
    if (seg.kind == PatternSegment::Kind::kParam)
      out += ':';
    else
      out += seg.text;  // a literal, or "*"
  }
  return out;
}

bool samePattern(std::string_view a, std::string_view b) {
  if (validatePattern(a) || validatePattern(b)) return a == b;
  const auto pa = parsePattern(a);
  const auto pb = parsePattern(b);
  if (pa.size() != pb.size()) return false;
  for (size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].kind != pb[i].kind) return false;
    if (pa[i].kind == PatternSegment::Kind::kLiteral && pa[i].text != pb[i].text) return false;
  }
  return true;
}

}  // namespace freshet
