// Entry metadata (src/entry_meta.cc), the x-freshet-meta value read back
// from the platform cache, and the lookup decision and purge floors that
// consume it (src/lookup_policy.cc, src/purge_policy.cc). Input: 8 bytes of
// "now", then the metadata text. Invariants: decode(encode(decode(x))) ==
// decode(x); the lookup decision is one of the four actions, a fresh copy
// is usable if the origin fails, and a hard purge never serves the copy.
#include <string>

#include "engine.h"
#include "entry_meta.h"
#include "fuzz_util.h"
#include "purge_policy.h"

namespace {

const freshet::Engine& engine() {
  static const freshet::Engine e = [] {
    auto r = freshet::parseManifest(
        R"({"routes":[{"pattern":"/*","ttl":60,"staleWhileRevalidate":30,"staleIfError":600},)"
        R"({"pattern":"/honor/*","requestDirectives":"honor"}]})");
    FUZZ_CHECK(r.manifest.has_value());
    return freshet::Engine(std::move(*r.manifest));
  }();
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::text(data, size);
  // The worker's clock in ms, within what a double holds exactly.
  constexpr int64_t kMaxMs = int64_t{1} << 53;
  const int64_t now_ms = static_cast<int64_t>(fuzz::take<uint64_t>(in) % kMaxMs);
  const auto meta = freshet::decodeEntryMeta(in);
  if (!meta) return 0;
  const std::string encoded = freshet::encodeEntryMeta(*meta);
  FUZZ_CHECK(freshet::decodeEntryMeta(encoded) == meta);

  freshet::HeaderView h;
  h.add("cache-control", "max-stale, min-fresh=5");
  for (const char* url : {"https://example.com/a", "https://example.com/honor/a"}) {
    const auto req = freshet::readRequestFacts("GET", url, h);
    auto d = engine().decideLookup(req, meta->route, *meta, now_ms);
    FUZZ_CHECK(d.action == freshet::LookupAction::kHit ||
               d.action == freshet::LookupAction::kStale ||
               d.action == freshet::LookupAction::kRevalidate);
    FUZZ_CHECK(d.age >= meta->initial_age);
    if (d.ttl > 0) FUZZ_CHECK(d.usable_if_error);
    freshet::applyPurge(*meta, {now_ms / 2, now_ms}, d);
    if (meta->response_time_ms < now_ms / 2) {
      FUZZ_CHECK(d.action == freshet::LookupAction::kMiss && !d.usable_if_error);
    }
  }
  return 0;
}
