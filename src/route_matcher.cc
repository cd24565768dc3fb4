#include "route_matcher.h"

namespace freshet {

RouteMatcher::RouteMatcher(const std::vector<std::string>& patterns) {
  nodes_.emplace_back();
  for (uint32_t r = 0; r < patterns.size(); ++r) {
    // The segments of parsePattern, read in place: "*" a wildcard, ":name"
    // a param, anything else a literal.
    uint32_t node = 0;
    bool wildcard = false;
    forEachSegment(patterns[r], [&](std::string_view seg, bool) {
      if (wildcard) return;
      if (seg == "*") {
        if (nodes_[node].wildcard_route < 0) nodes_[node].wildcard_route = r;
        wildcard = true;
        return;
      }
      if (!seg.empty() && seg.front() == ':') {
        if (nodes_[node].param_child < 0) {
          nodes_[node].param_child = static_cast<int64_t>(nodes_.size());
          nodes_[node].param_name = seg.substr(1);
          nodes_.emplace_back();
        }
        node = static_cast<uint32_t>(nodes_[node].param_child);
        return;
      }
      auto it = nodes_[node].literal.find(seg);
      if (it == nodes_[node].literal.end()) {
        const auto child = static_cast<uint32_t>(nodes_.size());
        nodes_[node].literal.emplace(std::string(seg), child);
        nodes_.emplace_back();
        node = child;
      } else {
        node = it->second;
      }
    });
    if (!wildcard && nodes_[node].terminal_route < 0) nodes_[node].terminal_route = r;
  }
}

bool RouteMatcher::walk(uint32_t node_index, std::string_view rest, bool done,
                        RouteMatch& out) const {
  const Node& node = nodes_[node_index];
  if (done) {
    if (node.terminal_route >= 0) {
      out.route = static_cast<uint32_t>(node.terminal_route);
      return true;
    }
  } else {
    size_t slash = 0;
    while (slash < rest.size() && rest[slash] != '/') ++slash;
    const std::string_view seg = rest.substr(0, slash);
    const bool last = slash == rest.size();
    const std::string_view next = last ? std::string_view{} : rest.substr(slash + 1);
    auto it = node.literal.find(seg);
    if (it != node.literal.end() && walk(it->second, next, last, out)) return true;
    if (node.param_child >= 0 && !seg.empty()) {
      out.params.emplace_back(node.param_name, seg);
      if (walk(static_cast<uint32_t>(node.param_child), next, last, out)) return true;
      out.params.pop_back();
    }
  }
  // A trailing "*" needs at least one (possibly empty) segment left:
  // "/static/*" matches "/static/" and below, not "/static".
  if (node.wildcard_route >= 0 && !done) {
    out.params.emplace_back("*", rest);
    out.route = static_cast<uint32_t>(node.wildcard_route);
    return true;
  }
  return false;
}

std::optional<RouteMatch> RouteMatcher::match(std::string_view path) const {
  // The segments as splitPath gives them: after the leading '/', split on
  // every '/' (empty segments included).
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  RouteMatch m;
  if (walk(0, path, false, m)) return m;
  return std::nullopt;
}

}  // namespace freshet
