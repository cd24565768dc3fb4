#include "manifest.h"

#include "request_fields.h"
#include "route_info.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace freshet {
namespace {

struct BadManifest {
  std::string name;
  std::string json;
  std::string path;      // expected JSON path of the first error
  std::string contains;  // expected words in its message
};

class ManifestErrors : public testing::TestWithParam<BadManifest> {};

TEST_P(ManifestErrors, NamesThePath) {
  const auto r = parseManifest(GetParam().json);
  EXPECT_FALSE(r.manifest);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].path, GetParam().path);
  EXPECT_NE(r.errors[0].message.find(GetParam().contains), std::string::npos)
      << r.errors[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Rejected, ManifestErrors,
    testing::Values(
        BadManifest{"not_json", "{", "$", "not valid JSON"},
        BadManifest{"not_object", "[]", "$", "JSON object"},
        BadManifest{"no_routes", "{}", "$.routes", "missing"},
        BadManifest{"unknown_key_suggests", R"({"routes":[{"pattern":"/","ttl":1,"stale":2}]})",
                    "$.routes[0].stale", "unknown field"},
        BadManifest{"typo_suggests", R"({"routes":[{"pattern":"/","tll":1}]})", "$.routes[0].tll",
                    "did you mean \"ttl\""},
        BadManifest{"negative_ttl", R"({"routes":[{"pattern":"/","ttl":-5}]})", "$.routes[0].ttl",
                    ">= 0"},
        BadManifest{"string_ttl", R"({"routes":[{"pattern":"/","ttl":"60"}]})", "$.routes[0].ttl",
                    "whole number"},
        BadManifest{"fraction_ttl", R"({"routes":[{"pattern":"/","ttl":1.5}]})", "$.routes[0].ttl",
                    "whole number"},
        BadManifest{"bad_pattern", R"({"routes":[{"pattern":"blog"}]})", "$.routes[0].pattern",
                    "start with '/'"},
        BadManifest{"missing_pattern", R"({"routes":[{"ttl":5}]})", "$.routes[0].pattern",
                    "missing"},
        BadManifest{"shadowed", R"({"routes":[{"pattern":"/a/:x"},{"pattern":"/a/:y"}]})",
                    "$.routes[1].pattern", "shadows"},
        BadManifest{"bad_mode", R"({"mode":"fast","routes":[]})", "$.mode", "\"on\""},
        BadManifest{"bad_version", R"({"version":2,"routes":[]})", "$.version", "version"},
        BadManifest{"bad_method", R"({"routes":[{"pattern":"/","methods":["DELETE"]}]})",
                    "$.routes[0].methods[0]", "unsupported method"},
        BadManifest{"bad_defaults", R"({"defaults":{"swr":1},"routes":[]})", "$.defaults.swr",
                    "unknown field"},
        BadManifest{"bad_negative_ttl", R"({"routes":[{"pattern":"/","negativeTtl":"heur"}]})",
                    "$.routes[0].negativeTtl", "or \"heuristic\""},
        BadManifest{"age_from_date_not_boolean",
                    R"({"routes":[{"pattern":"/","ageFromDate":"no"}]})", "$.routes[0].ageFromDate",
                    "must be true or false"},
        BadManifest{"bad_cdn_cache_control",
                    R"({"routes":[{"pattern":"/","cdnCacheControl":"strip"}]})",
                    "$.routes[0].cdnCacheControl", "must be \"pass\" or \"remove\""},
        BadManifest{"bad_key_host", R"({"keyHost":"https://x.com","routes":[]})", "$.keyHost",
                    "host name"},
        BadManifest{"key_host_upper_case", R"({"keyHost":"X.com","routes":[]})", "$.keyHost",
                    "host name"},
        BadManifest{"key_host_bad_port", R"({"keyHost":"x.com:","routes":[]})", "$.keyHost",
                    "host name"},
        BadManifest{"client_headers_not_object", R"({"clientHeaders":false,"routes":[]})",
                    "$.clientHeaders", "must be an object"},
        BadManifest{"client_headers_not_boolean",
                    R"({"clientHeaders":{"xCache":"no"},"routes":[]})", "$.clientHeaders.xCache",
                    "must be true or false"},
        BadManifest{"client_headers_unknown",
                    R"({"clientHeaders":{"serverTimings":false},"routes":[]})",
                    "$.clientHeaders.serverTimings", "did you mean \"serverTiming\""},
        BadManifest{"shared_key_without_key_host",
                    R"({"routes":[{"pattern":"/a"},{"pattern":"/s/*","key":{"host":false}}]})",
                    "$.routes[1].key.host", "\"keyHost\""}),
    [](const auto& info) { return info.param.name; });

TEST(Manifest, KeyHost) {
  auto r = parseManifest(
      R"({"keyHost":"www.example.com:8443","routes":[{"pattern":"/s/*","key":{"host":false}}]})");
  ASSERT_TRUE(r.manifest);
  EXPECT_EQ(r.manifest->key_host, "www.example.com:8443");
  r = parseManifest(R"({"routes":[{"pattern":"/*"}]})");
  ASSERT_TRUE(r.manifest);
  EXPECT_EQ(r.manifest->key_host, "");  // each request's own host
}

// "clientHeaders": both of freshet's own answer fields go out unless turned off.
TEST(Manifest, ClientHeaders) {
  auto r = parseManifest(R"({"routes":[{"pattern":"/*"}]})");
  ASSERT_TRUE(r.manifest);
  EXPECT_TRUE(r.manifest->client_headers.x_cache);
  EXPECT_TRUE(r.manifest->client_headers.server_timing);
  r = parseManifest(R"({"clientHeaders":{"xCache":false},"routes":[{"pattern":"/*"}]})");
  ASSERT_TRUE(r.manifest);
  EXPECT_FALSE(r.manifest->client_headers.x_cache);
  EXPECT_TRUE(r.manifest->client_headers.server_timing);
  r = parseManifest(R"({"clientHeaders":{"serverTiming":false},"routes":[{"pattern":"/*"}]})");
  ASSERT_TRUE(r.manifest);
  EXPECT_TRUE(r.manifest->client_headers.x_cache);
  EXPECT_FALSE(r.manifest->client_headers.server_timing);
  const std::string info = describeManifest(*r.manifest);
  EXPECT_NE(info.find(R"("clientHeaders":{"serverTiming":false,"xCache":true})"), std::string::npos)
      << info;
}

// The fields a request record must carry: the fixed ones, and those the
// routes key or bypass on (src/request_fields.cc).
TEST(Manifest, RequestFieldsAreWhatTheRoutesRead) {
  const auto r = parseManifest(
      R"({"defaults":{"bypassHeaders":["x-preview: 1"]},"routes":[{"pattern":"/a","key":{"headers":["accept-language"],"device":true}},{"pattern":"/b","bypassCookies":["session"]}]})");
  ASSERT_TRUE(r.manifest);
  const auto names = requestFieldNames(*r.manifest);
  for (const char* n :
       {"authorization", "if-none-match", "if-modified-since", "content-length",
        "transfer-encoding", "accept-language", "user-agent", "cookie", "x-preview"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  // No route honours request directives: Cache-Control and Pragma are not read.
  for (const char* n : {"accept", "cache-control", "pragma"}) {
    EXPECT_EQ(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  // One route that does: both are read.
  const auto honoring = parseManifest(
      R"({"routes":[{"pattern":"/a"},{"pattern":"/b","requestDirectives":"honor"}]})");
  ASSERT_TRUE(honoring.manifest);
  const auto read = requestFieldNames(*honoring.manifest);
  for (const char* n : {"cache-control", "pragma"}) {
    EXPECT_NE(std::find(read.begin(), read.end(), n), read.end()) << n;
  }
  EXPECT_TRUE(std::is_sorted(read.begin(), read.end()));
}

TEST(Manifest, RoutesInheritDefaults) {
  const auto r = parseManifest(R"({
    "$schema": "../schema/manifest.schema.json",
    "version": 1, "mode": "debug",
    "defaults": {"ttl": 60, "staleWhileRevalidate": 30, "bypassCookies": ["session"]},
    "routes": [
      {"name": "blog", "pattern": "/blog/:slug", "staleIfError": 600},
      {"pattern": "/static/*", "ttl": "forever", "originHeaders": "override"},
      {"pattern": "/api/*", "cache": false}
    ]})");
  ASSERT_TRUE(r.manifest) << (r.errors.empty() ? "" : r.errors[0].message);
  const Manifest& m = *r.manifest;
  EXPECT_EQ(m.mode, Mode::kDebug);
  ASSERT_EQ(m.routes.size(), 3u);
  EXPECT_EQ(m.routes[0].name, "blog");
  EXPECT_EQ(m.routes[0].rules.ttl, 60);
  EXPECT_EQ(m.routes[0].rules.stale_while_revalidate, 30);
  EXPECT_EQ(m.routes[0].rules.stale_if_error, 600);
  EXPECT_EQ(m.routes[0].rules.bypass_cookies, std::vector<std::string>{"session"});
  EXPECT_EQ(m.routes[1].name, "/static/*");
  EXPECT_EQ(m.routes[1].rules.ttl, kForever);
  EXPECT_EQ(m.routes[1].rules.origin_headers, OriginHeaders::kOverride);
  EXPECT_FALSE(m.routes[2].rules.cache);
}

// RFC 9213: CDN-Cache-Control is passed on unless a route removes it.
TEST(Manifest, CdnCacheControlPassedOnUnlessRemoved) {
  const auto r = parseManifest(R"({
    "defaults": {"cdnCacheControl": "remove"},
    "routes": [{"pattern": "/a/*"}, {"pattern": "/b/*", "cdnCacheControl": "pass"}]})");
  ASSERT_TRUE(r.manifest) << (r.errors.empty() ? "" : r.errors[0].message);
  EXPECT_TRUE(r.manifest->routes[0].rules.remove_cdn_cache_control);
  EXPECT_FALSE(r.manifest->routes[1].rules.remove_cdn_cache_control);
  const auto plain = parseManifest(R"({"routes": [{"pattern": "/"}]})");
  ASSERT_TRUE(plain.manifest);
  EXPECT_FALSE(plain.manifest->routes[0].rules.remove_cdn_cache_control);
}

TEST(Manifest, PathsOfNestedValues) {
  const auto r = parseManifest(R"({"defaults":{"key":{"headers":["ok","bad header"]}},)"
                               R"("routes":[{"pattern":"/a/:x","tags":["t:{x}","t:{y}"]},)"
                               R"({"pattern":"/a/:z","bypassHeaders":["x-a","a b"]}]})");
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0].path, "$.defaults.key.headers[1]");
  EXPECT_EQ(r.errors[1].path, "$.routes[0].tags[1]");
  EXPECT_EQ(r.errors[1].message, "\"{y}\" is not a parameter of pattern \"/a/:x\"");
  EXPECT_EQ(r.errors[2].path, "$.routes[1].pattern");
  EXPECT_EQ(r.errors[2].message,
            "\"/a/:z\" matches the same paths as $.routes[0], which shadows it");
  EXPECT_EQ(r.errors[3].path, "$.routes[1].bypassHeaders[1]");
}

TEST(Manifest, UnknownFieldsInKeyOrderWithSuggestions) {
  const auto r = parseManifest(R"({"routes":[{"pattern":"/","tll":1,"Name":"x","é":2}],)"
                               R"("defaults":{"name":"d"}})");
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0].path, "$.defaults.name");
  EXPECT_EQ(r.errors[1].path, "$.routes[0].Name");
  EXPECT_EQ(r.errors[1].message, "unknown field \"Name\" (did you mean \"name\"?)");
  EXPECT_EQ(r.errors[2].path, "$.routes[0].tll");
  EXPECT_EQ(r.errors[3].path, "$.routes[0].é");
}

TEST(Manifest, ReportsEveryErrorNotJustTheFirst) {
  const auto r = parseManifest(R"({"routes":[{"pattern":"x","ttl":-1},{"pattern":"/","foo":1}]})");
  EXPECT_EQ(r.errors.size(), 3u);
}

}  // namespace
}  // namespace freshet
