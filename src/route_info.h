// A route's effective rules as JSON, for the CLI's `explain` and the admin
// inspect endpoint. Configuration output, never on the per-request path.
#pragma once

#include <string>

#include "manifest.h"

namespace freshet {

std::string describeRoute(const Route& route, uint32_t index);

// namespace, mode, route count, memory caps and warm URLs.
std::string describeManifest(const Manifest& m);

}  // namespace freshet
