#include "cache_key.h"

#include <gtest/gtest.h>

#include <set>

namespace freshet {
namespace {

std::string keyOf(std::string_view url) {
  auto u = splitUrl(url);
  return u ? readableKey(*u) : "<invalid>";
}

TEST(CacheKey, SortsQueryAndDropsFragment) {
  EXPECT_EQ(keyOf("https://example.com/a?b=2&a=1#frag"), "https://example.com/a?a=1&b=2");
  EXPECT_EQ(keyOf("https://example.com/a?&&"), "https://example.com/a");
  EXPECT_EQ(keyOf("https://example.com"), "https://example.com/");
  EXPECT_EQ(keyOf("http://example.com:8080/x?z"), "http://example.com:8080/x?z");
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

TEST(CacheKey, KeyUrlIsInjectiveAndNamespaced) {
  const std::vector<std::string> keys = {
      "https://example.com/a?b=1",  "https://example.com/a%3Fb=1",
      "https://example.com/a/b",    "https://example.com/a%2Fb",
      "https://example.com/v1/k/x", "https://cache.freshet.internal/x"};
  std::set<std::string> urls;
  for (const auto& k : keys) {
    const std::string u = keyUrl(k);
    EXPECT_EQ(u.rfind(kKeyUrlPrefix, 0), 0u);
    EXPECT_EQ(u.find('?'), std::string::npos) << u;
    urls.insert(u);
  }
  EXPECT_EQ(urls.size(), keys.size());
}

}  // namespace
}  // namespace freshet
