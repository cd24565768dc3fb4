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

TEST(RoutePattern, ShapeHashAndEqualAgreeWithPatternShape) {
  const std::vector<std::string> patterns = {
      "/",   "/a",    "/a/",    "/a//b",  "/a/:x",     "/a/:y",   "/a/x",     "/a/*",
      "/*",  "/:p/*", "/:q/*",  "/:p/:q", "/:p",       "/a/:x/b", "/a/:yy/b", "/a/b/:x",
      "/ab", "/a/b",  "/:ab/c", "/:a/bc", "/a/:x_1/*", "/a/:z/*"};
  for (const auto& a : patterns) {
    for (const auto& b : patterns) {
      const bool same = patternShape(a) == patternShape(b);
      EXPECT_EQ(PatternShapeEqual{}(a, b), same) << a << " " << b;
      if (same) {
        EXPECT_EQ(PatternShapeHash{}(a), PatternShapeHash{}(b)) << a << " " << b;
      }
    }
  }
}

TEST(RouteMatcher, AddKeepsTheFirstOfOneShape) {
  RouteMatcher m;
  EXPECT_FALSE(m.match("/"));
  m.reserve(4, 16);
  m.add("/a/:x", 3);
  m.add("/a/:y", 4);  // the same paths: route 3 keeps them
  m.add("/a/*", 5);
  m.add("/", 6);
  const auto x = m.match("/a/1");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->route, 3u);
  EXPECT_EQ(x->params, (decltype(x->params){{"x", "1"}}));
  EXPECT_EQ(m.match("/a/1/2")->route, 5u);
  EXPECT_EQ(m.match("/")->route, 6u);
}

TEST(RouteMatcher, ManyLiteralsGrowTheTable) {
  // No reserve: the table of edges grows as literals are added.
  RouteMatcher m;
  for (uint32_t i = 0; i < 500; ++i)
    m.add("/s" + std::to_string(i % 7) + "/p" + std::to_string(i), i);
  for (uint32_t i = 0; i < 500; ++i) {
    const auto r = m.match("/s" + std::to_string(i % 7) + "/p" + std::to_string(i));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->route, i);
  }
  EXPECT_FALSE(m.match("/s0/p1"));  // p1 is under s1
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
