// Route tags with params filled in: "post:{slug}" on "/blog/:slug" gives
// "post:hello" for /blog/hello. Purges by tag use them (docs/manifest.md).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace freshet {

// Comma-separated tags. Unknown params expand to "" (the manifest loader
// rejects them, so this is only a fallback).
std::string expandTags(const std::vector<std::string>& templates,
                       const std::vector<std::pair<std::string_view, std::string_view>>& params);

}  // namespace freshet
