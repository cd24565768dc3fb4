#include "engine.h"

namespace freshet {
namespace {

std::vector<std::string> patternsOf(const Manifest& m) {
  std::vector<std::string> out;
  out.reserve(m.routes.size());
  for (const auto& r : m.routes) out.push_back(r.pattern);
  return out;
}

}  // namespace

Engine::Engine(Manifest manifest)
    : manifest_(std::move(manifest)), matcher_(patternsOf(manifest_)) {}

const RouteRules& Engine::rulesFor(uint32_t route) const {
  return route < manifest_.routes.size() ? manifest_.routes[route].rules : manifest_.defaults;
}

}  // namespace freshet
