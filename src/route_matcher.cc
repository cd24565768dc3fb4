#include "route_matcher.h"

namespace freshet {

RouteMatcher::RouteMatcher(const std::vector<std::string>& patterns) {
  nodes_.emplace_back();
  for (uint32_t r = 0; r < patterns.size(); ++r) {
    uint32_t node = 0;
    bool wildcard = false;
    for (const auto& seg : parsePattern(patterns[r])) {
      if (seg.kind == PatternSegment::Kind::kWildcard) {
        if (nodes_[node].wildcard_route < 0) nodes_[node].wildcard_route = r;
        wildcard = true;
        break;
      }
      if (seg.kind == PatternSegment::Kind::kParam) {
        if (nodes_[node].param_child < 0) {
          nodes_[node].param_child = static_cast<int64_t>(nodes_.size());
          nodes_[node].param_name = seg.text;
          nodes_.emplace_back();
        }
        node = static_cast<uint32_t>(nodes_[node].param_child);
        continue;
      }
      auto it = nodes_[node].literal.find(seg.text);
      if (it == nodes_[node].literal.end()) {
        const auto child = static_cast<uint32_t>(nodes_.size());
        nodes_[node].literal.emplace(seg.text, child);
        nodes_.emplace_back();
        node = child;
      } else {
        node = it->second;
      }
    }
    if (!wildcard && nodes_[node].terminal_route < 0) nodes_[node].terminal_route = r;
  }
}

bool RouteMatcher::walk(uint32_t node_index, const std::vector<std::string_view>& segs, size_t i,
                        RouteMatch& out) const {
  const Node& node = nodes_[node_index];
  if (i == segs.size()) {
    if (node.terminal_route >= 0) {
      out.route = static_cast<uint32_t>(node.terminal_route);
      return true;
    }
  } else {
    auto it = node.literal.find(segs[i]);
    if (it != node.literal.end() && walk(it->second, segs, i + 1, out)) return true;
    if (node.param_child >= 0 && !segs[i].empty()) {
      out.params.emplace_back(node.param_name, std::string(segs[i]));
      if (walk(static_cast<uint32_t>(node.param_child), segs, i + 1, out)) return true;
      out.params.pop_back();
    }
  }
  // A trailing "*" needs at least one (possibly empty) segment left:
  // "/static/*" matches "/static/" and below, not "/static".
  if (node.wildcard_route >= 0 && i < segs.size()) {
    std::string rest;
    for (size_t k = i; k < segs.size(); ++k) {
      if (k > i) rest += '/';
      rest += segs[k];
    }
    out.params.emplace_back("*", std::move(rest));
    out.route = static_cast<uint32_t>(node.wildcard_route);
    return true;
  }
  return false;
}

std::optional<RouteMatch> RouteMatcher::match(std::string_view path) const {
  RouteMatch m;
  if (walk(0, splitPath(path), 0, m)) return m;
  return std::nullopt;
}

}  // namespace freshet
