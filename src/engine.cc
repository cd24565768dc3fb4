#include "engine.h"

#include <algorithm>

namespace freshet {
Engine::Engine(Manifest manifest) : manifest_(std::move(manifest)) {
  // A segment per '/' of a pattern: bounds on the trie's size, so the
  // matcher is built without growing.
  size_t segments = 0;
  size_t bytes = 0;
  for (const auto& r : manifest_.routes) {
    segments += static_cast<size_t>(std::count(r.pattern.begin(), r.pattern.end(), '/'));
    bytes += r.pattern.size();
  }
  matcher_.reserve(segments, bytes);
  for (uint32_t r = 0; r < manifest_.routes.size(); ++r)
    matcher_.add(manifest_.routes[r].pattern, r);
}

const RouteRules& Engine::rulesFor(uint32_t route) const {
  return route < manifest_.routes.size() ? manifest_.routes[route].rules : manifest_.defaults;
}

}  // namespace freshet
