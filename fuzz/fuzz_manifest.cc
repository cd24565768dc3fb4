// The manifest loader (src/manifest.cc, src/manifest_parser.cc,
// src/manifest_rules.cc): arbitrary bytes as manifest JSON. Invariants: a
// manifest loads iff it has no error; every diagnostic names a JSON path;
// a loaded manifest builds an engine whose route descriptions are valid
// JSON, and which decides a few requests without failing.
#include <nlohmann/json.hpp>
#include <string>

#include "engine.h"
#include "fuzz_util.h"
#include "manifest.h"
#include "route_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto result = freshet::parseManifest(fuzz::text(data, size));
  FUZZ_CHECK(result.manifest.has_value() == (result.error_count == 0));
  size_t errors = 0;
  for (const auto& d : result.errors) {
    FUZZ_CHECK(d.path.rfind("$", 0) == 0);
    FUZZ_CHECK(!d.message.empty());
    if (d.severity == freshet::Severity::kError) ++errors;
  }
  FUZZ_CHECK(errors == result.error_count);
  if (!result.manifest) return 0;

  const freshet::Engine engine(std::move(*result.manifest));
  const auto& routes = engine.manifest().routes;
  for (size_t i = 0; i < routes.size() && i < 16; ++i) {
    const std::string info = freshet::describeRoute(routes[i], static_cast<uint32_t>(i));
    FUZZ_CHECK(!nlohmann::json::parse(info, nullptr, false).is_discarded());
  }
  freshet::HeaderView h;
  h.add("cookie", "session=1; theme=dark");
  h.add("user-agent", "Mozilla/5.0 (iPhone)");
  for (const char* url : {"https://example.com/", "https://example.com/a/b?x=1&utm_source=y",
                          "https://example.com/static/app.css", "https://example.com/blog/hello"}) {
    const auto req = freshet::readRequestFacts("GET", url, h);
    const auto d = engine.decideRequest(req);
    FUZZ_CHECK(d.route < static_cast<int64_t>(routes.size()));
  }
  return 0;
}
