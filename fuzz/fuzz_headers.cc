// Response and request header fields: response facts (Cache-Control and
// its targeted variants, Date, Expires, Last-Modified, Age, ETag,
// Set-Cookie, Vary), freshness and age arithmetic, request facts and
// cookies, Vary selection and conditional requests (src/response_facts.cc,
// src/freshness.cc, src/request_facts.cc, src/vary.cc, src/conditional.cc,
// src/device_class.cc).
//
// Input: "\n"-separated lines; the first is the status, the rest are
// "name:value" header fields used both as response and as request fields.
// Invariants: lifetimes and ages are never negative; a variant id is
// URL-safe; weak ETag comparison is symmetric.
#include <string>

#include "conditional.h"
#include "device_class.h"
#include "freshness.h"
#include "fuzz_util.h"
#include "request_facts.h"
#include "response_facts.h"
#include "vary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::text(data, size);
  // Request and response times (ms), as the worker passes them: within the
  // range a double holds exactly.
  constexpr int64_t kMaxMs = int64_t{1} << 53;
  const int64_t request_ms = static_cast<int64_t>(fuzz::take<uint64_t>(in) % kMaxMs);
  const int64_t response_ms = static_cast<int64_t>(fuzz::take<uint64_t>(in) % kMaxMs);

  const auto lines = fuzz::split(in, '\n');
  int status = 0;
  for (char c : lines[0].substr(0, 3)) status = status * 10 + (c >= '0' && c <= '9' ? c - '0' : 0);
  const freshet::HeaderView h = fuzz::headers(lines, 1);

  const freshet::ResponseFacts r = freshet::readResponseFacts(status, h);
  FUZZ_CHECK(r.age >= 0);
  const auto life = freshet::explicitLifetime(r, response_ms / 1000);
  FUZZ_CHECK(life.seconds >= 0);
  const auto heuristic = freshet::heuristicLifetime(r, response_ms / 1000);
  FUZZ_CHECK(heuristic.seconds >= 0 && heuristic.seconds <= 86400);
  const int64_t initial = freshet::correctedInitialAge(r, request_ms, response_ms, true);
  FUZZ_CHECK(initial >= 0);
  FUZZ_CHECK(freshet::currentAge(initial, response_ms, request_ms) >= initial);
  (void)freshet::isHeuristicallyCacheableStatus(status);

  const freshet::RequestFacts req = freshet::readRequestFacts("GET", "https://example.com/", h);
  (void)freshet::hasCookie(h, "session");
  (void)freshet::classifyDevice(h.get("user-agent"));

  const freshet::VarySpec vary = freshet::parseVary(h.combined("vary"));
  const std::string id = freshet::variantId(vary.names, h);
  for (char c : id) FUZZ_CHECK(fuzz::isUnreserved(c) || c == '%' || c == '=' || c == '&');
  for (const auto& n : vary.names) FUZZ_CHECK(!n.empty());
  (void)freshet::joinVaryNames(vary.names);

  freshet::StoredValidators stored;
  stored.etag = h.get("etag");
  stored.last_modified = h.get("last-modified");
  stored.date = h.get("date");
  stored.received = response_ms / 1000;
  (void)freshet::evaluateConditional(req.method, h, stored);
  const std::string_view a = h.get("if-none-match");
  FUZZ_CHECK(freshet::weakEtagMatch(a, stored.etag) == freshet::weakEtagMatch(stored.etag, a));
  return 0;
}
