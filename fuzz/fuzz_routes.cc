// Route patterns and the segment-trie matcher (src/route_pattern.cc,
// src/route_matcher.cc). Input: "\n"-separated lines; the last is a path,
// the others candidate patterns. Patterns are admitted as the manifest
// loader admits them (valid, not the same as an earlier one).
// Invariants, against a brute-force matcher: the trie finds a route iff
// some pattern matches the path, the route it finds does match, and its
// params are exactly the pattern's.
#include <string>

#include "fuzz_util.h"
#include "route_matcher.h"
#include "route_pattern.h"

namespace {

using freshet::PatternSegment;

// Brute force: does `pattern` match `path` (docs/manifest.md "Matching")?
bool matches(const std::vector<PatternSegment>& pattern,
             const std::vector<std::string_view>& path) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].kind == PatternSegment::Kind::kWildcard) return i < path.size();
    if (i >= path.size()) return false;
    if (pattern[i].kind == PatternSegment::Kind::kParam && path[i].empty()) return false;
    if (pattern[i].kind == PatternSegment::Kind::kLiteral && pattern[i].text != path[i]) {
      return false;
    }
  }
  return pattern.size() == path.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto lines = fuzz::split(fuzz::text(data, size), '\n', 33);
  const std::string_view path = lines.back();
  std::vector<std::string> patterns;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (freshet::validatePattern(lines[i])) continue;
    bool shadowed = false;
    for (const auto& p : patterns) shadowed = shadowed || freshet::samePattern(p, lines[i]);
    if (!shadowed) patterns.emplace_back(lines[i]);
  }
  const freshet::RouteMatcher matcher(patterns);
  const auto segs = freshet::splitPath(path);
  bool any = false;
  for (const auto& p : patterns) any = any || matches(freshet::parsePattern(p), segs);

  // Paths reach the matcher canonical and starting with '/'; others must
  // not crash either.
  const auto m = matcher.match(path);
  if (path.empty() || path.front() != '/') return 0;
  FUZZ_CHECK(m.has_value() == any);
  if (!m) return 0;
  FUZZ_CHECK(m->route < patterns.size());
  const auto pattern = freshet::parsePattern(patterns[m->route]);
  FUZZ_CHECK(matches(pattern, segs));
  size_t expected = 0;
  for (const auto& s : pattern) expected += s.kind == PatternSegment::Kind::kLiteral ? 0 : 1;
  FUZZ_CHECK(m->params.size() == expected);
  return 0;
}
