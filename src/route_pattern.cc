#include "route_pattern.h"

#include <cstdint>

namespace freshet {
namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Reads a valid pattern's shape one character at a time. The shape is the
// pattern with each param's name dropped: in a valid pattern ':' only
// starts a segment, and the name runs to the next '/'.
class ShapeReader {
 public:
  explicit ShapeReader(std::string_view pattern) : rest_(pattern) {}

  bool done() const { return rest_.empty(); }

  char next() {
    const char c = rest_.front();
    rest_.remove_prefix(1);
    if (c == ':') {
      while (!rest_.empty() && rest_.front() != '/') rest_.remove_prefix(1);
    }
    return c;
  }

 private:
  std::string_view rest_;
};

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
  // Two searches for one character each: find_first_of("?#") searches the
  // set once per character of the pattern.
  if (pattern.find('?') != std::string_view::npos || pattern.find('#') != std::string_view::npos) {
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

size_t PatternShapeHash::operator()(std::string_view pattern) const {
  // FNV-1a over the shape's characters.
  uint64_t h = 14695981039346656037ull;
  for (ShapeReader r(pattern); !r.done();) {
    h = (h ^ static_cast<unsigned char>(r.next())) * 1099511628211ull;
  }
  return static_cast<size_t>(h);
}

bool PatternShapeEqual::operator()(std::string_view a, std::string_view b) const {
  ShapeReader ra(a), rb(b);
  while (!ra.done() && !rb.done()) {
    if (ra.next() != rb.next()) return false;
  }
  return ra.done() && rb.done();
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
