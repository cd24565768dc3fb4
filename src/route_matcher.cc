#include "route_matcher.h"

namespace freshet {
namespace {

// FNV-1a over the segment, started from the parent node: a literal edge is
// found by both.
uint64_t edgeHash(uint32_t parent, std::string_view segment) {
  uint64_t h = (14695981039346656037ull ^ parent) * 1099511628211ull;
  for (char c : segment) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace

RouteMatcher::RouteMatcher() : edges_(16) {
  nodes_.emplace_back();
}

RouteMatcher::RouteMatcher(const std::vector<std::string>& patterns) : RouteMatcher() {
  for (uint32_t r = 0; r < patterns.size(); ++r) add(patterns[r], r);
}

RouteMatcher::Text RouteMatcher::store(std::string_view s) {
  const Text t{static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(s.size())};
  text_ += s;
  return t;
}

size_t RouteMatcher::slot(uint32_t parent, std::string_view segment) const {
  const size_t mask = edges_.size() - 1;
  for (size_t i = edgeHash(parent, segment) & mask;; i = (i + 1) & mask) {
    const Edge& e = edges_[i];
    if (e.child == kFree || (e.parent == parent && text(e.segment) == segment)) return i;
  }
}

void RouteMatcher::reserve(size_t segments, size_t bytes) {
  nodes_.reserve(nodes_.size() + segments);
  text_.reserve(text_.size() + bytes);
  size_t slots = 16;
  while (slots < 2 * segments) slots *= 2;
  if (slots > edges_.size()) resize(slots);
}

void RouteMatcher::resize(size_t slots) {
  // Every edge moves to its slot in the new table.
  std::vector<Edge> old(slots);
  old.swap(edges_);
  for (const Edge& e : old) {
    if (e.child != kFree) edges_[slot(e.parent, text(e.segment))] = e;
  }
}

void RouteMatcher::add(std::string_view pattern, uint32_t r) {
  // The segments of parsePattern, read in place: "*" a wildcard, ":name"
  // a param, anything else a literal.
  uint32_t node = 0;
  bool wildcard = false;
  forEachSegment(pattern, [&](std::string_view seg, bool) {
    if (wildcard) return;
    if (seg == "*") {
      if (nodes_[node].wildcard_route < 0) nodes_[node].wildcard_route = r;
      wildcard = true;
      return;
    }
    if (!seg.empty() && seg.front() == ':') {
      if (nodes_[node].param_child < 0) {
        nodes_[node].param_child = static_cast<int64_t>(nodes_.size());
        nodes_[node].param_name = store(seg.substr(1));
        nodes_.emplace_back();
      }
      node = static_cast<uint32_t>(nodes_[node].param_child);
      return;
    }
    size_t i = slot(node, seg);
    if (edges_[i].child != kFree) {
      node = edges_[i].child;
      return;
    }
    if (2 * (edge_count_ + 1) > edges_.size()) {
      resize(2 * edges_.size());
      i = slot(node, seg);
    }
    const auto child = static_cast<uint32_t>(nodes_.size());
    edges_[i] = {node, child, store(seg)};
    ++edge_count_;
    nodes_.emplace_back();
    node = child;
  });
  if (!wildcard && nodes_[node].terminal_route < 0) nodes_[node].terminal_route = r;
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
    const Edge& e = edges_[slot(node_index, seg)];
    if (e.child != kFree && walk(e.child, next, last, out)) return true;
    if (node.param_child >= 0 && !seg.empty()) {
      out.params.emplace_back(text(node.param_name), seg);
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
