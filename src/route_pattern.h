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
  size_t start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      f(path.substr(start, i - start), i == path.size());
      start = i + 1;
    }
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

}  // namespace freshet
