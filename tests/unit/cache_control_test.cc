#include "cache_control.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text.h"

namespace freshet {
namespace {

std::vector<std::string> elements(std::string_view list) {
  std::vector<std::string> out;
  forEachListElement(list, [&](std::string_view el) { out.emplace_back(el); });
  return out;
}

// RFC 9110 5.6.1: commas inside a quoted string do not split; empty
// elements and OWS around elements are dropped.
TEST(ListElements, SplitsOutsideQuotesOnly) {
  using V = std::vector<std::string>;
  EXPECT_EQ(elements("a, b,,c ,\t d"), (V{"a", "b", "c", "d"}));
  EXPECT_EQ(elements(R"(no-cache="a,b", max-age=1)"), (V{R"(no-cache="a,b")", "max-age=1"}));
  EXPECT_EQ(elements(R"(x="a\",b", y)"), (V{R"(x="a\",b")", "y"}));  // an escaped quote
  EXPECT_EQ(elements(R"(x="open, y)"), (V{R"(x="open, y)"}));        // unterminated: one element
  EXPECT_EQ(elements(R"(a, x="ends\)"), (V{"a"}));  // a final escape inside quotes: nothing more
  EXPECT_EQ(elements(""), V{});
  EXPECT_EQ(elements(" , ,"), V{});
}

TEST(ResponseCacheControl, ParsesEveryDirective) {
  const auto cc = parseResponseCacheControl(
      "public, max-age=60, s-maxage=120, must-revalidate, proxy-revalidate, no-transform, "
      "stale-while-revalidate=30, stale-if-error=600, immutable, must-understand, no-store");
  EXPECT_EQ(cc.max_age, 60);
  EXPECT_EQ(cc.s_maxage, 120);
  EXPECT_TRUE(cc.is_public);
  EXPECT_TRUE(cc.must_revalidate);
  EXPECT_TRUE(cc.proxy_revalidate);
  EXPECT_TRUE(cc.no_transform);
  EXPECT_EQ(cc.stale_while_revalidate, 30);
  EXPECT_EQ(cc.stale_if_error, 600);
  EXPECT_TRUE(cc.immutable);
  EXPECT_TRUE(cc.must_understand);
  EXPECT_TRUE(cc.no_store);
}

TEST(ResponseCacheControl, DirectiveNamesAreCaseInsensitive) {
  const auto cc = parseResponseCacheControl("Max-Age=5, NO-CACHE");
  EXPECT_EQ(cc.max_age, 5);
  EXPECT_TRUE(cc.no_cache);
}

TEST(ResponseCacheControl, QualifiedNoCacheAndPrivateListFields) {
  const auto cc = parseResponseCacheControl("no-cache=\"Set-Cookie, X-Foo\", private=\"a\"");
  EXPECT_FALSE(cc.no_cache);
  EXPECT_FALSE(cc.is_private);
  EXPECT_EQ(cc.no_cache_fields, (std::vector<std::string>{"set-cookie", "x-foo"}));
  EXPECT_EQ(cc.private_fields, (std::vector<std::string>{"a"}));
}

// RFC 9111 4.2.1: an invalid max-age means stale; the smallest of duplicates wins.
TEST(ResponseCacheControl, InvalidDurationsMeanStale) {
  EXPECT_EQ(parseResponseCacheControl("max-age=abc").max_age, 0);
  EXPECT_EQ(parseResponseCacheControl("max-age=-1").max_age, 0);
  EXPECT_EQ(parseResponseCacheControl("max-age").max_age, 0);
  EXPECT_EQ(parseResponseCacheControl("max-age=\"30\"").max_age, 30);
}

// RFC 9111 4.2.1: a repeated max-age / s-maxage uses the first occurrence.
TEST(ResponseCacheControl, RepeatedDurationsUseTheFirst) {
  EXPECT_EQ(parseResponseCacheControl("max-age=60, max-age=10").max_age, 60);
  EXPECT_EQ(parseResponseCacheControl("max-age=10, max-age=60").max_age, 10);
  EXPECT_EQ(parseResponseCacheControl("s-maxage=5, s-maxage=50").s_maxage, 5);
}

// RFC 9111 5.2: no whitespace around "=" in a directive.
TEST(ResponseCacheControl, WhitespaceAroundEqualsIsMalformed) {
  EXPECT_FALSE(parseResponseCacheControl("max-age =60").max_age.has_value());
  EXPECT_EQ(parseResponseCacheControl("max-age= 60").max_age, 0);  // malformed: stale
  EXPECT_EQ(parseResponseCacheControl("MaX-AgE=60").max_age, 60);
}

// Edge Architecture 1.0: Surrogate-Control directives may target a device.
TEST(SurrogateControl, TargetedDirectives) {
  EXPECT_EQ(surrogateDirectivesFor("max-age=60", "freshet"), "max-age=60");
  EXPECT_EQ(surrogateDirectivesFor("max-age=60;freshet", "freshet"), "max-age=60");
  EXPECT_EQ(surrogateDirectivesFor("max-age=60;other", "freshet"), "");
  EXPECT_EQ(surrogateDirectivesFor("no-store;other, max-age=5", "freshet"), "max-age=5");
  EXPECT_EQ(surrogateDirectivesFor("content=\"a;b\", max-age=5;FRESHET", "freshet"),
            "content=\"a;b\", max-age=5");
}

TEST(ResponseCacheControl, HugeValuesSaturate) {
  EXPECT_EQ(parseResponseCacheControl("max-age=99999999999999999999").max_age, 2147483648LL);
}

TEST(ResponseCacheControl, UnknownDirectivesAreIgnored) {
  EXPECT_EQ(parseResponseCacheControl("foo=bar, max-age=7, baz").max_age, 7);
  EXPECT_EQ(parseResponseCacheControl(",,, ,"), ResponseCacheControl{});
}

TEST(ResponseCacheControl, InvalidStaleWindowsAreIgnored) {
  const auto cc = parseResponseCacheControl("stale-while-revalidate=x, stale-if-error");
  EXPECT_FALSE(cc.stale_while_revalidate);
  EXPECT_FALSE(cc.stale_if_error);
}

TEST(RequestCacheControl, ParsesEveryDirective) {
  const auto cc = parseRequestCacheControl(
      "max-age=5, max-stale=10, min-fresh=3, no-cache, no-store, "
      "only-if-cached");
  EXPECT_EQ(cc.max_age, 5);
  EXPECT_TRUE(cc.max_stale);
  EXPECT_EQ(cc.max_stale_value, 10);
  EXPECT_EQ(cc.min_fresh, 3);
  EXPECT_TRUE(cc.no_cache);
  EXPECT_TRUE(cc.no_store);
  EXPECT_TRUE(cc.only_if_cached);
}

TEST(RequestCacheControl, MaxStaleWithoutValueAcceptsAnyStaleness) {
  const auto cc = parseRequestCacheControl("max-stale");
  EXPECT_TRUE(cc.max_stale);
  EXPECT_FALSE(cc.max_stale_value);
}

}  // namespace
}  // namespace freshet
