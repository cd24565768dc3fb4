#include "route_pattern.h"

namespace freshet {
namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  forEachSegment(path, [&out](std::string_view seg, bool) { out.push_back(seg); });
  return out;
}

std::optional<std::string> validatePattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    return "a pattern must start with '/', e.g. \"/blog/:slug\"";
  }
  if (pattern.find_first_of("?#") != std::string_view::npos) {
    return "a pattern matches the path only: remove the query or fragment";
  }
  // The first problem, segment by segment from the left.
  std::optional<std::string> problem;
  forEachSegment(pattern, [&problem](std::string_view s, bool last) {
    if (problem) return;
    if (s == "*") {
      if (!last) problem = "'*' may only be the last segment (it matches the rest)";
      return;
    }
    if (s.find('*') != std::string_view::npos) {
      problem = "'*' must be a whole segment, as in \"/static/*\"";
      return;
    }
    if (!s.empty() && s.front() == ':') {
      if (s.size() == 1) {
        problem = "a ':' parameter needs a name, as in \":slug\"";
        return;
      }
      for (char c : s.substr(1)) {
        if (!isNameChar(c)) {
          problem = "parameter \"" + std::string(s) + "\" may use only letters, digits and '_'";
          return;
        }
      }
      return;
    }
    if (s.find(':') != std::string_view::npos) {
      problem = "':' starts a parameter and must begin its segment";
    }
  });
  return problem;
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
  out.reserve(pattern.size() + 1);
  forEachSegment(pattern, [&out](std::string_view seg, bool) {
    out += '/';
    if (!seg.empty() && seg.front() == ':') {
      out += ':';
    } else {
      out += seg;  // a literal, or "*"
    }
  });
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
