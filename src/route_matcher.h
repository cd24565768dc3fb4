// Finds the route for a path. A segment trie: the cost depends on the
// path's depth, not on the number of routes (docs/manifest.md "Matching").
//
// Precedence, segment by segment from the left: a literal segment beats a
// ":param", which beats a trailing "*". The order of routes in the manifest
// does not matter; two patterns matching the same paths are rejected when
// the manifest is parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "route_pattern.h"

namespace freshet {

struct RouteMatch {
  uint32_t route = 0;  // index into the manifest's routes
  // Param name -> raw (still percent-encoded) value; "*" -> the rest.
  // Views into the matcher (names) and into the matched path (values):
  // valid while both live.
  std::vector<std::pair<std::string_view, std::string_view>> params;
};

class RouteMatcher {
 private:
  struct SegmentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

 public:
  // Patterns must have passed validatePattern.
  explicit RouteMatcher(const std::vector<std::string>& patterns);

  std::optional<RouteMatch> match(std::string_view path) const;

 private:
  struct Node {
    // segment -> node; looked up by string_view without a copy.
    std::unordered_map<std::string, uint32_t, SegmentHash, std::equal_to<>> literal;
    int64_t param_child = -1;  // node index
    std::string param_name;
    int64_t wildcard_route = -1;  // route whose pattern ends with "*" here
    int64_t terminal_route = -1;  // route whose pattern ends exactly here
  };

  // `rest`: the segments not matched yet, joined by '/'; `done`: none left.
  bool walk(uint32_t node, std::string_view rest, bool done, RouteMatch& out) const;

  std::vector<Node> nodes_;
};

}  // namespace freshet
