// The C ABI, called natively exactly as the worker calls it in wasm.
#include <gtest/gtest.h>

#include "abi_records.h"

#include <cstring>
#include <string>
#include <vector>

#include "../../bindings/freshet_abi.h"

namespace {

uint32_t sendText(const std::string& text) {
  return send(std::vector<uint8_t>(text.begin(), text.end()));
}

std::string str(const fr_result* r, uint32_t slot) {
  return std::string(fr_native_str(slot), r->strs[slot].len);
}

TEST(Abi, VersionAndDiagnostics) {
  EXPECT_EQ(fr_abi_version(), FRESHET_ABI_VERSION);
  const fr_result* r = fr_load_manifest(sendText(R"({"routes":[{"pattern":"x"}]})"));
  EXPECT_EQ(r->status, static_cast<uint32_t>(FR_NO_ENGINE));
  EXPECT_EQ(r->error_count, 1u);
  EXPECT_EQ(str(r, FR_STR_DIAGNOSTICS).rfind("error\t$.routes[0].pattern\t", 0), 0u);
}

TEST(Abi, InvalidManifestPassesEverything) {
  fr_load_manifest(sendText("{"));
  std::vector<uint8_t> in;
  putList(in, {"GET", "https://example.com/"});
  const fr_result* r = fr_request(send(in));
  EXPECT_EQ(r->status, static_cast<uint32_t>(FR_NO_ENGINE));
  EXPECT_EQ(r->action, 3u);  // pass
  EXPECT_EQ(r->reason, 10u);
  EXPECT_EQ(str(fr_reason(10), FR_STR_REASON), "invalid-manifest");
}

TEST(Abi, RequestStoreLookup) {
  const fr_result* r =
      fr_load_manifest(sendText(R"({"routes":[{"name":"all","pattern":"/*","ttl":60}]})"));
  ASSERT_EQ(r->status, static_cast<uint32_t>(FR_OK));
  std::vector<uint8_t> req;
  putList(req, {"GET", "https://example.com/a?y=1&x=2", "accept", "text/html"});
  r = fr_request(send(req));
  ASSERT_EQ(r->status, static_cast<uint32_t>(FR_OK));
  EXPECT_EQ(r->action, 1u);
  EXPECT_EQ(r->route, 0);
  EXPECT_EQ(str(r, FR_STR_KEY), "https://example.com/a?x=2&y=1");
  EXPECT_EQ(str(r, FR_STR_KEY_URL),
            "https://example.com/__freshet/v2/main/https%3A%2F%2Fexample.com%2Fa%3Fx%3D2%26y%3D1");
  EXPECT_EQ(str(r, FR_STR_ROUTE_NAME), "all");
  // The route's rules and the miss decision come with the request decision.
  EXPECT_EQ(r->miss_action, 1u);  // fetch
  EXPECT_EQ(r->set_cookie, 1u);   // refuse
  EXPECT_EQ(r->tiers, 2u);        // the Cache API
  EXPECT_EQ(r->origin_timeout_ms, 30000u);
  EXPECT_EQ(r->browser_ttl, -1.0);

  std::vector<uint8_t> store = req;
  putList(store, {"200", "content-type", "text/html"});
  r = fr_store(send(store), 0, 1000.0, 1000.0);
  ASSERT_EQ(r->status, static_cast<uint32_t>(FR_OK));
  EXPECT_EQ(r->action, 1u);
  EXPECT_EQ(r->lifetime, 60.0);
  const std::string meta = str(r, FR_STR_META);
  EXPECT_EQ(meta.rfind("1;t=1000;", 0), 0u);
  EXPECT_EQ(r->ttl, 60.0);
  EXPECT_EQ(r->vary_action, 1u);  // no Vary: at the key URL

  std::vector<uint8_t> look = req;
  putList(look, {meta});
  r = fr_lookup(send(look), 0, 31000.0, 0, 0, 0);
  EXPECT_EQ(r->action, 1u);  // hit
  EXPECT_EQ(r->age, 30.0);
  EXPECT_EQ(r->ttl, 30.0);
  EXPECT_EQ(r->lifetime, 60.0);
  EXPECT_EQ(r->reason, 20u);  // fresh
  EXPECT_EQ(str(fr_reason(r->reason), FR_STR_REASON), "fresh");

  // A purge after the entry was stored: gone (4); "0" floors change nothing.
  r = fr_lookup(send(look), 0, 31000.0, 2000.0, 0, 0);
  EXPECT_EQ(r->action, 4u);
  // Unreadable metadata: revalidate (bad-entry), decided by the engine.
  std::vector<uint8_t> bad = req;
  putList(bad, {"9;garbage"});
  r = fr_lookup(send(bad), 0, 31000.0, 0, 0, 0);
  EXPECT_EQ(r->action, 3u);
  EXPECT_EQ(r->reason, 29u);
}

TEST(Abi, StoreNamesTheVariantAndOnlyIfCachedComesWithTheRequest) {
  fr_load_manifest(sendText(
      R"({"keyHost":"www.example.com","routes":[{"pattern":"/*","ttl":60,"setCookie":"strip","requestDirectives":"honor"}]})"));
  std::vector<uint8_t> req;
  putList(req, {"GET", "https://example.com/a", "accept-encoding", "gzip", "cache-control",
                "only-if-cached"});
  const fr_result* r = fr_request(send(req));
  ASSERT_EQ(r->status, static_cast<uint32_t>(FR_OK));
  EXPECT_EQ(str(r, FR_STR_KEY_URL).rfind("https://www.example.com/__freshet/v2/main/", 0), 0u);
  EXPECT_EQ(r->miss_action, 2u);   // 504
  EXPECT_EQ(r->miss_reason, 67u);  // only-if-cached
  EXPECT_EQ(r->set_cookie, 3u);    // strip
  std::vector<uint8_t> store;
  putList(store, {});  // the request kept from fr_request
  putList(store, {"200", "vary", "Accept-Encoding", "set-cookie", "a=1"});
  r = fr_store(send(store), 0, 1000.0, 1000.0);
  ASSERT_EQ(r->status, static_cast<uint32_t>(FR_OK));
  EXPECT_EQ(r->action, 1u);
  EXPECT_EQ(r->vary_action, 2u);
  EXPECT_EQ(str(r, FR_STR_VARY_NAMES), "accept-encoding");
  EXPECT_EQ(str(r, FR_STR_VARIANT_ID), "accept-encoding=gzip");
  EXPECT_EQ(str(r, FR_STR_OMIT), "set-cookie");
  // A client request under the key URLs' prefix never touches the cache.
  std::vector<uint8_t> reserved;
  putList(reserved, {"GET", "https://example.com/__freshet/v2/main/x"});
  r = fr_request(send(reserved));
  EXPECT_EQ(r->action, 2u);
  EXPECT_EQ(r->reason, 16u);
}

// The later phases of a request refer to it with an empty request list;
// the engine keeps the last request given in full.
TEST(Abi, KeptRequestIsReused) {
  const char* manifest = R"({"routes":[{"pattern":"/*","ttl":60,"requestDirectives":"honor"}]})";
  ASSERT_EQ(fr_load_manifest(sendText(manifest))->status, static_cast<uint32_t>(FR_OK));
  std::vector<uint8_t> req;
  putList(req, {"GET", "https://example.com/k", "cache-control", "max-age=0"});
  ASSERT_EQ(fr_request(send(req))->status, static_cast<uint32_t>(FR_OK));
  std::vector<uint8_t> store;
  putKeptRequest(store);
  putList(store, {"200", "cache-control", "max-age=100"});
  const fr_result* r = fr_store(send(store), 0, 1000.0, 1000.0);
  ASSERT_EQ(r->status, static_cast<uint32_t>(FR_OK));
  const std::string meta = str(r, FR_STR_META);
  std::vector<uint8_t> look;
  putKeptRequest(look);
  putList(look, {meta});
  // The kept request's "max-age=0" is honoured: fresh, but revalidated.
  r = fr_lookup(send(look), 0, 2000.0, 0, 0, 0);
  ASSERT_EQ(r->status, static_cast<uint32_t>(FR_OK));
  EXPECT_EQ(r->action, 3u);
  // A malformed request forgets the kept one.
  std::vector<uint8_t> odd;
  putList(odd, {"GET", "https://example.com/a", "accept"});
  EXPECT_EQ(fr_request(send(odd))->status, static_cast<uint32_t>(FR_BAD_INPUT));
  EXPECT_EQ(fr_lookup(send(look), 0, 2000.0, 0, 0, 0)->status, static_cast<uint32_t>(FR_BAD_INPUT));
}

// Hostile records never read out of bounds: every prefix of a valid record,
// lying counts, trailing bytes and NULs inside strings are rejected with
// FR_BAD_INPUT.
TEST(Abi, MalformedRecordsAreRejected) {
  fr_load_manifest(sendText(R"({"routes":[{"pattern":"/*","ttl":60}]})"));
  std::vector<uint8_t> req;
  putList(req, {"GET", "https://example.com/a", "accept", "x"});
  for (size_t n = 0; n < req.size(); ++n) {
    std::vector<uint8_t> cut(req.begin(), req.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(fr_request(send(cut))->status, static_cast<uint32_t>(FR_BAD_INPUT)) << n;
  }
  std::vector<uint8_t> lying = req;
  lying[0] = '6';  // claims six strings, has four
  EXPECT_EQ(fr_request(send(lying))->status, static_cast<uint32_t>(FR_BAD_INPUT));
  std::vector<uint8_t> huge;
  putList(huge, {"GET", "https://example.com/a"});
  huge[0] = '9';
  huge.insert(huge.begin(), 9, '9');  // "9999999999": more strings than bytes
  EXPECT_EQ(fr_request(send(huge))->status, static_cast<uint32_t>(FR_BAD_INPUT));
  std::vector<uint8_t> trailing = req;
  trailing.push_back('x');
  trailing.push_back(0);
  EXPECT_EQ(fr_request(send(trailing))->status, static_cast<uint32_t>(FR_BAD_INPUT));
  // A NUL inside a value splits it: the count no longer matches.
  std::vector<uint8_t> nul;
  putList(nul, {"GET", "https://example.com/a", "accept", std::string("x\0y", 3)});
  EXPECT_EQ(fr_request(send(nul))->status, static_cast<uint32_t>(FR_BAD_INPUT));
  std::vector<uint8_t> odd;
  putList(odd, {"GET", "https://example.com/a", "accept"});
  EXPECT_EQ(fr_request(send(odd))->status, static_cast<uint32_t>(FR_BAD_INPUT));
  std::vector<uint8_t> bad_status = req;
  putList(bad_status, {"2x0"});
  EXPECT_EQ(fr_store(send(bad_status), 0, 0, 0)->status, static_cast<uint32_t>(FR_BAD_INPUT));
  EXPECT_EQ(fr_request(UINT32_MAX)->status, static_cast<uint32_t>(FR_BAD_INPUT));
}

TEST(Abi, ReasonNames) {
  EXPECT_EQ(str(fr_reason(21), FR_STR_REASON), "stale-while-revalidate");
  EXPECT_EQ(str(fr_reason(9999), FR_STR_REASON), "unknown");
}

}  // namespace
