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
 public:
  RouteMatcher();  // matches nothing yet
  // Route i has patterns[i]. Patterns must have passed validatePattern.
  explicit RouteMatcher(const std::vector<std::string>& patterns);

  // Room for patterns of `segments` segments and `bytes` characters in all
  // (upper bounds will do), so that adding them never grows the trie.
  void reserve(size_t segments, size_t bytes);

  // Adds `route` with `pattern` (valid). Of routes whose patterns match the
  // same paths, the first added is the one matched.
  void add(std::string_view pattern, uint32_t route);

  std::optional<RouteMatch> match(std::string_view path) const;

 private:
  // A piece of text_: a literal segment or a param name.
  struct Text {
    uint32_t offset = 0;
    uint32_t size = 0;
  };
  // Plain values only, so the trie grows by copying memory: a manifest of
  // 1,000 routes builds some 2,000 nodes when the engine starts.
  struct Node {
    int64_t param_child = -1;  // node index
    Text param_name;
    int64_t wildcard_route = -1;  // route whose pattern ends with "*" here
    int64_t terminal_route = -1;  // route whose pattern ends exactly here
  };
  // A literal segment from node `parent` to node `child`.
  struct Edge {
    uint32_t parent = 0;
    uint32_t child = kFree;
    Text segment;
  };
  static constexpr uint32_t kFree = UINT32_MAX;  // an unused slot of edges_

  std::string_view text(Text t) const { return {text_.data() + t.offset, t.size}; }
  Text store(std::string_view s);
  // The slot of the edge from `parent` along `segment`, or the free slot
  // where it would go.
  size_t slot(uint32_t parent, std::string_view segment) const;
  void resize(size_t slots);

  // `rest`: the segments not matched yet, joined by '/'; `done`: none left.
  bool walk(uint32_t node, std::string_view rest, bool done, RouteMatch& out) const;

  std::vector<Node> nodes_;
  // Every literal edge of the trie in one open-addressing table (a power of
  // two in size, never empty, at most half full): one allocation for all of
  // them, where a hash map per node allocated for each edge.
  std::vector<Edge> edges_;
  size_t edge_count_ = 0;
  std::string text_;  // the literal segments and param names, back to back
};

}  // namespace freshet
