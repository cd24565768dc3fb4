// Route path patterns: "/blog/:slug", "/static/*", "/".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace freshet {

struct PatternSegment {
  enum class Kind { kLiteral, kParam, kWildcard };
  Kind kind;
  std::string text;  // literal text, or the param name ("*" for a wildcard)
};

// Splits a path or pattern after its leading '/' on '/': "/" -> {""},
// "/a/b" -> {"a", "b"}, "/a/" -> {"a", ""}.
std::vector<std::string_view> splitPath(std::string_view path);

// The same segments without a vector: f(segment, is_last) for each.
template <typename F>
void forEachSegment(std::string_view path, F&& f) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    const size_t slash = path.find('/');
    if (slash == std::string_view::npos) {
      f(path, true);
      return;
    }
    f(path.substr(0, slash), false);
    path.remove_prefix(slash + 1);
  }
}

// nullopt when valid, else a message saying what is wrong.
std::optional<std::string> validatePattern(std::string_view pattern);

// Parses a pattern that validatePattern accepted.
std::vector<PatternSegment> parsePattern(std::string_view pattern);

// Two patterns that match exactly the same paths (param names aside).
bool samePattern(std::string_view a, std::string_view b);

// A valid pattern with its param names erased ("/a/:x/*" -> "/a/:/*"):
// equal shapes match the same paths.
std::string patternShape(std::string_view pattern);

// Hash and equality of valid patterns by shape, for hash containers keyed
// by the patterns themselves: equal exactly when patternShape() is, without
// building the shapes (the manifest loader checks every route for a twin).
struct PatternShapeHash {
  size_t operator()(std::string_view pattern) const;
};
struct PatternShapeEqual {
  bool operator()(std::string_view a, std::string_view b) const;
};

}  // namespace freshet
