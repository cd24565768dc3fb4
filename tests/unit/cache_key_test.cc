#include "cache_key.h"

#include <gtest/gtest.h>

#include <set>

namespace freshet {
namespace {

// The key of `url` under `rules`, or "<bypass:reason>".
std::string keyOf(std::string_view url, const KeyRules& rules = {}, const HeaderView& headers = {},
                  std::string_view digest = {}) {
  auto u = splitUrl(url);
  if (!u) return "<invalid>";
  auto path = canonicalPath(u->path);
  if (!path) return "<bypass:ambiguous-path>";
  KeyResult k = buildKey({*u, *path, &headers, &rules, digest});
  if (k.problem != Reason::kNone) return "<bypass:" + std::string(reasonName(k.problem)) + ">";
  return k.readable;
}

TEST(CacheKey, SortsQueryByNameAndDropsFragment) {
  EXPECT_EQ(keyOf("https://example.com/a?b=2&a=1#frag"), "https://example.com/a?a=1&b=2");
  EXPECT_EQ(keyOf("https://example.com/a?&&"), "https://example.com/a");
  EXPECT_EQ(keyOf("https://example.com"), "https://example.com/");
  EXPECT_EQ(keyOf("http://example.com:8080/x?z"), "http://example.com:8080/x?z");
}

// Duplicate parameters keep their order: origins disagree on which wins.
TEST(CacheKey, DuplicateParametersKeepTheirOrder) {
  EXPECT_EQ(keyOf("https://e.com/a?x=2&b=1&x=1"), "https://e.com/a?b=1&x=2&x=1");
  EXPECT_NE(keyOf("https://e.com/a?x=1&x=2"), keyOf("https://e.com/a?x=2&x=1"));
}

TEST(CacheKey, EquivalentEncodingsShareAKey) {
  EXPECT_EQ(keyOf("https://e.com/%61bc?%78=%2f"), "https://e.com/abc?x=%2F");
  EXPECT_EQ(keyOf("https://e.com/a%7eb"), "https://e.com/a~b");
  EXPECT_EQ(keyOf("https://e.com/a%3ab"), "https://e.com/a%3Ab");
}

TEST(CacheKey, AmbiguousPathsBypass) {
  for (const char* url : {"https://e.com/a%2Fb", "https://e.com/a%2fb", "https://e.com/a%5Cb",
                          "https://e.com/a%252Fb", "https://e.com/a%00", "https://e.com/a;x.css",
                          "https://e.com/a/%2E%2E/b", "https://e.com/a/%2e/b", "https://e.com/a%zz",
                          "https://e.com/a%2"}) {
    EXPECT_EQ(keyOf(url), "<bypass:ambiguous-path>") << url;
  }
  EXPECT_EQ(keyOf("https://e.com/a%25"), "https://e.com/a%25");  // a literal '%'
}

TEST(CacheKey, QueryRules) {
  KeyRules none;
  none.query = KeyRules::Query::kNone;
  EXPECT_EQ(keyOf("https://e.com/a?x=1", none), "https://e.com/a");
  KeyRules allow;
  allow.query = KeyRules::Query::kAllow;
  allow.query_allow = {"page", "sort"};
  EXPECT_EQ(keyOf("https://e.com/a?utm=1&sort=d&page=2", allow), "https://e.com/a?page=2&sort=d");
  KeyRules deny;
  deny.query_ignore = {"utm_*", "fbclid"};
  EXPECT_EQ(keyOf("https://e.com/a?utm_source=x&fbclid=1&q=2", deny), "https://e.com/a?q=2");
}

// Parameter cloaking: a dropped parameter must not smuggle another one.
TEST(CacheKey, CloakedParametersBypass) {
  KeyRules deny;
  deny.query_ignore = {"utm_*"};
  EXPECT_EQ(keyOf("https://e.com/a?utm_x=1;callback=evil", deny), "<bypass:ambiguous-query>");
  EXPECT_EQ(keyOf("https://e.com/a?q=1;callback=evil", deny), "https://e.com/a?q=1;callback=evil");
}

TEST(CacheKey, CookieHeaderDeviceAndBodyDimensions) {
  KeyRules rules;
  rules.cookies = {"currency"};
  rules.headers = {"accept-language"};
  rules.device = true;
  HeaderView h;
  h.add("cookie", "a=1; currency=EUR");
  h.add("accept-language", "en US");
  h.add("user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148");
  EXPECT_EQ(keyOf("https://e.com/a", rules, h, "abc"),
            "https://e.com/a cookie:currency=EUR header:accept-language=en%20US "
            "device:class=mobile body:sha256=abc");
  // A missing cookie is keyed as empty, never as another user's value.
  KeyRules only_cookie;
  only_cookie.cookies = {"currency"};
  EXPECT_EQ(keyOf("https://e.com/a", only_cookie), "https://e.com/a cookie:currency=");
}

TEST(CacheKey, HostCanBeLeftOut) {
  KeyRules rules;
  rules.host = false;
  EXPECT_EQ(keyOf("https://a.example/x", rules), keyOf("https://b.example/x", rules));
  EXPECT_NE(keyOf("https://a.example/x"), keyOf("https://b.example/x"));
}

TEST(CacheKey, SchemeAndHostAreInTheKey) {
  EXPECT_NE(keyOf("http://example.com/a"), keyOf("https://example.com/a"));
  EXPECT_NE(keyOf("https://a.example/a"), keyOf("https://b.example/a"));
}

TEST(CacheKey, RejectsWhatItCannotKey) {
  EXPECT_EQ(keyOf("ftp://example.com/a"), "<invalid>");
  EXPECT_EQ(keyOf("/relative"), "<invalid>");
  EXPECT_EQ(keyOf("https:///nohost"), "<invalid>");
  EXPECT_EQ(keyOf("https://UPPER.example/"), "<invalid>");
}

// No user URL can forge a dimension or alias an internal key.
TEST(CacheKey, KeyUrlIsInjectiveAndNamespaced) {
  const std::vector<std::string> keys = {
      "https://example.com/a?b=1",  "https://example.com/a%3Fb=1",
      "https://example.com/a/b",    "https://example.com/a%2Fb",
      "https://example.com/v1/k/x", "https://example.com/__freshet/v2/main/x",
      "https://e.com/a cookie:c=1", "https://e.com/a%20cookie:c=1"};
  std::set<std::string> urls;
  for (const auto& k : keys) {
    const std::string u = keyUrl("example.com", "main", k);
    EXPECT_EQ(u.rfind("https://example.com/__freshet/v2/main/", 0), 0u);
    EXPECT_EQ(u.find('?'), std::string::npos) << u;
    EXPECT_EQ(u.find(' '), std::string::npos) << u;
    urls.insert(u);
  }
  EXPECT_EQ(urls.size(), keys.size());
  EXPECT_NE(keyUrl("e.com", "main", "https://e.com/"), keyUrl("e.com", "other", "https://e.com/"));
  // A user URL with a space is encoded by the runtime, never raw: the
  // readable key of "/a%20cookie:c=1" differs from a keyed cookie.
  KeyRules rules;
  rules.cookies = {"c"};
  HeaderView h;
  h.add("cookie", "c=1");
  EXPECT_NE(keyOf("https://e.com/a%20cookie:c=1"), keyOf("https://e.com/a", rules, h));
}

}  // namespace
}  // namespace freshet
