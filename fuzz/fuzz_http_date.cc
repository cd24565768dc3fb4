// HTTP-date parsing (src/http_date.cc): the three formats of RFC 9110
// 5.6.7 from arbitrary bytes. Invariants: a parsed date formats as an
// IMF-fixdate that parses back to the same second, and formatting any time
// with a four-digit year round-trips.
#include <string>

#include "fuzz_util.h"
#include "http_date.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::text(data, size);
  if (const auto t = freshet::parseHttpDate(in)) {
    const std::string imf = freshet::formatHttpDate(*t);
    const auto again = freshet::parseHttpDate(imf);
    FUZZ_CHECK(again && *again == *t);
  }
  // 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z: every second formats and
  // parses back.
  constexpr int64_t kMin = -62167219200;
  constexpr int64_t kMax = 253402300799;
  const auto raw = fuzz::take<uint64_t>(in);
  const int64_t t = kMin + static_cast<int64_t>(raw % static_cast<uint64_t>(kMax - kMin + 1));
  const std::string imf = freshet::formatHttpDate(t);
  FUZZ_CHECK(imf.size() == 29);
  const auto back = freshet::parseHttpDate(imf);
  FUZZ_CHECK(back && *back == t);
  return 0;
}
