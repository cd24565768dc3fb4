// Regressions for bugs the fuzzers (fuzz/, docs/security.md) found: each
// test names the target that found it and the corpus file that replays it.
#include <gtest/gtest.h>

#include "abi_records.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../../bindings/freshet_abi.h"
#include "manifest.h"
#include "url.h"

namespace {

// fuzz_url_key, corpus regress_double_encoded_hex: double encoding spelled
// with encoded hex digits ("%25%32%46" normalises to "%252F") passed as a
// canonical path; an origin that decodes twice reads "/static/../account".
TEST(HostileInput, DoubleEncodingWithEncodedHexDigitsIsAmbiguous) {
  EXPECT_FALSE(freshet::canonicalPath("/static/..%25%32%46account"));
  EXPECT_FALSE(freshet::canonicalPath("/a%25%32f"));
  EXPECT_FALSE(freshet::canonicalPath("/a%25%32%66"));
  EXPECT_FALSE(freshet::canonicalPath("/a%2541"));  // the plain spelling, as before
  EXPECT_EQ(freshet::canonicalPath("/a%25zz"), "/a%25zz");
  EXPECT_EQ(freshet::canonicalPath("/a%25"), "/a%25");
  EXPECT_EQ(freshet::canonicalPath("/100%25/x"), "/100%25/x");
  // Canonical paths are their own canonical form.
  for (const char* p : {"/%7e/%41", "/a%3ab", "/a%25zz"}) {
    const auto once = freshet::canonicalPath(p);
    ASSERT_TRUE(once) << p;
    EXPECT_EQ(freshet::canonicalPath(*once), once) << p;
  }
}

// Found while fuzzing the manifest loader (the native fuzzer's stack is
// large; `freshet validate` on the wasm module trapped with "Maximum call
// stack size exceeded"): a deeply nested value in a field that reports it
// ("version": [[[...]]]) was dumped recursively into the diagnostic.
TEST(HostileInput, DeeplyNestedValuesInDiagnosticsAreNotDumped) {
  constexpr size_t kDepth = 200000;
  for (const char* field : {"version", "namespace"}) {
    std::string text = std::string("{\"") + field + "\":";
    text.append(kDepth, '[');
    text.append(kDepth, ']');
    text += R"(,"routes":[{"pattern":"/*","ttl":[[1]],"cache":{"a":1}}]})";
    const auto r = freshet::parseManifest(text);
    ASSERT_FALSE(r.manifest) << field;
    ASSERT_FALSE(r.errors.empty()) << field;
    EXPECT_NE(r.errors[0].message.find("an array of 1 item(s)"), std::string::npos)
        << r.errors[0].message;
  }
  const auto r = freshet::parseManifest(R"({"routes":[{"pattern":"/*","ttl":[60],"cache":{}}]})");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].message, "must be true or false, got an object");
  EXPECT_EQ(r.errors[1].message,
            "must be a whole number of seconds or \"forever\", got an array of 1 item(s)");
}

// fuzz_abi, corpus regress_nan_inf_times / regress_inf_store_times: times
// that are NaN or infinite were converted to int64 (undefined behaviour;
// this test fails under UBSan without the fix). They are clamped to
// +-2^53 ms, NaN reads as 0.
TEST(HostileInput, AbiTimesThatAreNotFiniteAreClamped) {
  const std::string manifest = R"({"routes":[{"pattern":"/*","ttl":60,"staleIfError":10}]})";
  ASSERT_EQ(fr_load_manifest(send(std::vector<uint8_t>(manifest.begin(), manifest.end())))->status,
            static_cast<uint32_t>(FR_OK));
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  std::vector<uint8_t> lookup;
  putList(lookup, {"GET", "https://example.com/"});
  putList(lookup, {"1;t=1000;a=0;l=60;w=0;e=10;f=0;r=0"});
  for (double now : {nan, inf, -inf, 1e300, -1e300}) {
    const fr_result* r = fr_lookup(send(lookup), 0, now, 0, 0, 0);
    EXPECT_EQ(r->status, static_cast<uint32_t>(FR_OK));
    EXPECT_TRUE(std::isfinite(r->age) && std::isfinite(r->ttl));
    r = fr_lookup(send(lookup), 0, 2000, now, now, 0);
    EXPECT_EQ(r->status, static_cast<uint32_t>(FR_OK));
    r = fr_lookup(send(lookup), 0, 2000, now, now, now);
    EXPECT_EQ(r->status, static_cast<uint32_t>(FR_OK));
  }
  // NaN is time 0: 1 s before the entry arrived, so it is fresh.
  EXPECT_EQ(fr_lookup(send(lookup), 0, nan, 0, 0, 0)->action, 1u);
  // +inf is far in the future: expired, not usable.
  EXPECT_EQ(fr_lookup(send(lookup), 0, inf, 0, 0, 0)->action, 3u);

  std::vector<uint8_t> store;
  putList(store, {"GET", "https://example.com/"});
  putList(store, {"200", "date", "Sun, 06 Nov 1994 08:49:37 GMT"});
  for (double t : {nan, inf, -inf}) {
    const fr_result* r = fr_store(send(store), 0, -t, t);
    EXPECT_EQ(r->status, static_cast<uint32_t>(FR_OK));
    EXPECT_TRUE(std::isfinite(r->age) && std::isfinite(r->platform_ttl));
  }
}

}  // namespace
