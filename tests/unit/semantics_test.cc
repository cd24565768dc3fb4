// Engine-level HTTP semantics: invalidation after unsafe methods (RFC 9111
// 4.4), Age parsing (5.1), targeted Surrogate-Control, storing responses
// with only a validator (section 3).
#include <gtest/gtest.h>

#include "engine.h"

namespace freshet {
namespace {

Engine rfcEngine() {
  auto parsed = parseManifest(
      R"({"defaults":{"requestDirectives":"honor","bypassHeaders":[]},"routes":[{"pattern":"/*"}]})");
  EXPECT_TRUE(parsed.manifest);
  return Engine(*parsed.manifest);
}

std::string keyUrlOf(const Engine& e, const char* url) {
  HeaderView none;
  return e.decideRequest(readRequestFacts("GET", url, none)).key_url;
}

InvalidationDecision invalidate(const Engine& e, const char* method, int status,
                                std::vector<std::pair<const char*, const char*>> resp) {
  static HeaderView none;
  HeaderView h;
  for (const auto& [n, v] : resp) h.add(n, v);
  return e.decideInvalidation(readRequestFacts(method, "https://example.com/a/b?x=1", none), status,
                              h);
}

TEST(Invalidation, UnsafeMethodsInvalidateTheTargetUri) {
  const Engine e = rfcEngine();
  for (const char* m : {"POST", "PUT", "DELETE", "PATCH", "M-SEARCH"}) {
    const auto d = invalidate(e, m, 200, {});
    EXPECT_EQ(d.action, InvalidationAction::kInvalidate) << m;
    EXPECT_EQ(d.reason, Reason::kInvalidated);
    ASSERT_EQ(d.key_urls.size(), 1u) << m;
    EXPECT_EQ(d.key_urls[0], keyUrlOf(e, "https://example.com/a/b?x=1"));
  }
}

TEST(Invalidation, SafeMethodsAndErrorsInvalidateNothing) {
  const Engine e = rfcEngine();
  EXPECT_EQ(invalidate(e, "GET", 200, {}).reason, Reason::kSafeMethod);
  EXPECT_EQ(invalidate(e, "OPTIONS", 200, {}).action, InvalidationAction::kNone);
  EXPECT_EQ(invalidate(e, "POST", 500, {}).reason, Reason::kErrorStatus);
  EXPECT_EQ(invalidate(e, "POST", 404, {}).action, InvalidationAction::kNone);
  EXPECT_EQ(invalidate(e, "POST", 303, {}).action, InvalidationAction::kInvalidate);
}

TEST(Invalidation, SameOriginLocationAndContentLocation) {
  const Engine e = rfcEngine();
  const auto d = invalidate(e, "POST", 201, {{"Location", "/new?id=1"}, {"Content-Location", "c"}});
  ASSERT_EQ(d.key_urls.size(), 3u);
  EXPECT_EQ(d.key_urls[1], keyUrlOf(e, "https://example.com/new?id=1"));
  EXPECT_EQ(d.key_urls[2], keyUrlOf(e, "https://example.com/a/c"));
  const auto abs = invalidate(e, "POST", 200, {{"location", "https://EXAMPLE.com/x"}});
  ASSERT_EQ(abs.key_urls.size(), 2u);
  EXPECT_EQ(abs.key_urls[1], keyUrlOf(e, "https://example.com/x"));
  const auto dots = invalidate(e, "POST", 200, {{"location", "../up/./z#frag"}});
  ASSERT_EQ(dots.key_urls.size(), 2u);
  EXPECT_EQ(dots.key_urls[1], keyUrlOf(e, "https://example.com/up/z"));
  // Another origin (host, scheme or port) is never invalidated.
  for (const char* other : {"https://other.example/x", "http://example.com/x",
                            "https://example.com:8443/x", "//other.example/x"}) {
    EXPECT_EQ(invalidate(e, "POST", 200, {{"location", other}}).key_urls.size(), 1u) << other;
  }
}

StoreDecision store(const Engine& e, int status,
                    std::vector<std::pair<const char*, const char*>> resp) {
  static HeaderView none;
  HeaderView h;
  for (const auto& [n, v] : resp) h.add(n, v);
  const auto req = readRequestFacts("GET", "https://example.com/p", none);
  return e.decideStore(req, 0, status, h, 1700000000000, 1700000000000);
}

TEST(StoreSemantics, InvalidAgeIsStaleOnArrival) {
  const Engine e = rfcEngine();
  EXPECT_EQ(store(e, 200, {{"cache-control", "max-age=60"}, {"age", "10"}}).meta.initial_age, 10);
  EXPECT_EQ(store(e, 200, {{"cache-control", "max-age=60"}, {"age", "10,20"}}).meta.initial_age,
            10);  // 5.1: first member of a list
  // Stale on arrival: kept only because this route honours max-stale.
  for (const char* bad : {"abc", "-5", "1.5", "0, 0", "5;x=1"}) {
    const auto d = store(e, 200, {{"cache-control", "max-age=60"}, {"age", bad}});
    EXPECT_EQ(d.action, StoreAction::kStore) << bad;
    EXPECT_EQ(d.meta.initial_age, 60) << bad;
  }
  const auto twice = store(e, 200, {{"cache-control", "max-age=60"}, {"age", "0"}, {"age", "0"}});
  EXPECT_EQ(twice.meta.initial_age, 60);
  // Where nothing may serve it stale, it is not stored at all.
  const auto strict =
      store(e, 200, {{"cache-control", "max-age=60, must-revalidate"}, {"age", "abc"}});
  EXPECT_EQ(strict.action, StoreAction::kNoStore);
  EXPECT_EQ(strict.reason, Reason::kInvalidAge);
  // With a validator it is kept, stale: the next use revalidates.
  const auto v = store(e, 200, {{"cache-control", "max-age=60"}, {"age", "x"}, {"etag", "\"1\""}});
  EXPECT_EQ(v.action, StoreAction::kStore);
  EXPECT_GE(v.meta.initial_age, 60);
}

TEST(StoreSemantics, SurrogateControlTargetedAtFreshet) {
  const Engine e = rfcEngine();
  const auto ours =
      store(e, 200, {{"cache-control", "no-store"}, {"surrogate-control", "max-age=100;freshet"}});
  EXPECT_EQ(ours.action, StoreAction::kStore);
  EXPECT_EQ(ours.lifetime.seconds, 100);
  const auto theirs =
      store(e, 200, {{"cache-control", "max-age=5"}, {"surrogate-control", "max-age=100;other"}});
  EXPECT_EQ(theirs.lifetime.seconds, 5);  // not addressed to us: Cache-Control applies
}

TEST(StoreSemantics, AValidatorAloneMakesAStaleEntry) {
  const Engine e = rfcEngine();
  const auto d = store(e, 200, {{"cache-control", "no-cache"}, {"etag", "\"a\""}});
  EXPECT_EQ(d.action, StoreAction::kStore);
  EXPECT_EQ(d.lifetime.seconds, 0);
  EXPECT_EQ(store(e, 200, {{"etag", "\"a\""}}).action, StoreAction::kStore);
  EXPECT_EQ(store(e, 200, {}).reason, Reason::kNoFreshness);
  EXPECT_EQ(store(e, 302, {{"etag", "\"a\""}}).reason, Reason::kStatus);
}

TEST(StoreSemantics, SetCookieOnlyWhenTheDeploymentAllowsIt) {
  Engine e = rfcEngine();
  const auto refused = store(e, 200, {{"cache-control", "max-age=60"}, {"set-cookie", "a=b"}});
  EXPECT_EQ(refused.reason, Reason::kSetCookie);
  EngineOptions o;
  o.store_set_cookie = true;
  e.setOptions(o);
  const auto stored = store(e, 200, {{"cache-control", "max-age=60"}, {"set-cookie", "a=b"}});
  EXPECT_EQ(stored.action, StoreAction::kStore);
  EXPECT_EQ(store(e, 200, {{"cache-control", "private, max-age=60"}, {"set-cookie", "a=b"}}).reason,
            Reason::kPrivate);  // the origin can still refuse
}

}  // namespace
}  // namespace freshet
