#include "route_matcher.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

TEST(RoutePattern, ValidatesSyntax) {
  EXPECT_FALSE(validatePattern("/"));
  EXPECT_FALSE(validatePattern("/blog/:slug"));
  EXPECT_FALSE(validatePattern("/static/*"));
  EXPECT_TRUE(validatePattern(""));
  EXPECT_TRUE(validatePattern("blog"));
  EXPECT_TRUE(validatePattern("/a/*/b"));
  EXPECT_TRUE(validatePattern("/a/b*"));
  EXPECT_TRUE(validatePattern("/a/:"));
  EXPECT_TRUE(validatePattern("/a/:bad-name"));
  EXPECT_TRUE(validatePattern("/a?x=1"));
  EXPECT_TRUE(validatePattern("/a/x:y"));
}

TEST(RoutePattern, SamePatternIgnoresParamNames) {
  EXPECT_TRUE(samePattern("/a/:x", "/a/:y"));
  EXPECT_FALSE(samePattern("/a/:x", "/a/x"));
  EXPECT_FALSE(samePattern("/a/*", "/a/:x"));
}

class RouteMatcherTest : public testing::Test {
 protected:
  RouteMatcher m{
      {"/", "/blog/:slug", "/blog/featured", "/static/*", "/*", "/api/:v/users/:id", "/api/*"}};
};

TEST_F(RouteMatcherTest, LiteralBeatsParamBeatsWildcard) {
  EXPECT_EQ(m.match("/blog/featured")->route, 2u);
  auto blog = m.match("/blog/hello");
  ASSERT_TRUE(blog);
  EXPECT_EQ(blog->route, 1u);
  EXPECT_EQ(blog->params, (decltype(blog->params){{"slug", "hello"}}));
  EXPECT_EQ(m.match("/blog/hello/more")->route, 4u);  // falls back to "/*"
}

TEST_F(RouteMatcherTest, RootAndWildcards) {
  EXPECT_EQ(m.match("/")->route, 0u);
  auto s = m.match("/static/css/site.css");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->route, 3u);
  EXPECT_EQ(s->params.back().second, "css/site.css");
  EXPECT_EQ(m.match("/static")->route, 4u);
  EXPECT_EQ(m.match("/static/")->route, 3u);
}

TEST_F(RouteMatcherTest, BacktracksToWildcardWhenParamsDeadEnd) {
  auto a = m.match("/api/v1/users/7");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->route, 5u);
  EXPECT_EQ(m.match("/api/v1/orders/7")->route, 6u);
}

TEST(RouteMatcher, NoMatch) {
  RouteMatcher m{{"/a", "/b/:x"}};
  EXPECT_FALSE(m.match("/c"));
  EXPECT_FALSE(m.match("/b/"));  // a param never matches an empty segment
  EXPECT_FALSE(m.match("/a/b"));
}

TEST(RouteMatcher, ManyRoutes) {
  std::vector<std::string> patterns;
  for (int i = 0; i < 10000; ++i) patterns.push_back("/r" + std::to_string(i) + "/:id");
  RouteMatcher m{patterns};
  EXPECT_EQ(m.match("/r9999/x")->route, 9999u);
  EXPECT_EQ(m.match("/r0/x")->route, 0u);
}

}  // namespace
}  // namespace freshet
