// Cache-Control (RFC 9111 5.2) for requests and responses, and the
// Surrogate-Control target selection (src/cache_control.cc). Invariants:
// every duration is a delta-seconds in [0, 2^31] and parsing is
// deterministic, for the field as sent and for the Surrogate-Control
// directives selected for freshet.
#include <string>

#include "cache_control.h"
#include "fuzz_util.h"

namespace {

constexpr int64_t kMaxDelta = 2147483648LL;

void checkDuration(const std::optional<int64_t>& v) {
  if (v) FUZZ_CHECK(*v >= 0 && *v <= kMaxDelta);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::text(data, size);

  const auto req = freshet::parseRequestCacheControl(in);
  checkDuration(req.max_age);
  checkDuration(req.max_stale_value);
  checkDuration(req.min_fresh);
  if (req.max_stale_value) FUZZ_CHECK(req.max_stale);
  FUZZ_CHECK(req == freshet::parseRequestCacheControl(in));

  const auto res = freshet::parseResponseCacheControl(in);
  checkDuration(res.max_age);
  checkDuration(res.s_maxage);
  checkDuration(res.stale_while_revalidate);
  checkDuration(res.stale_if_error);
  for (const auto& f : res.no_cache_fields) FUZZ_CHECK(!f.empty());
  for (const auto& f : res.private_fields) FUZZ_CHECK(!f.empty());
  FUZZ_CHECK(res == freshet::parseResponseCacheControl(in));

  const std::string ours = freshet::surrogateDirectivesFor(in, freshet::kSurrogateDevice);
  const auto targeted = freshet::parseResponseCacheControl(ours);
  checkDuration(targeted.max_age);
  return 0;
}
