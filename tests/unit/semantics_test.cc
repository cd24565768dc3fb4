// Engine-level HTTP semantics: invalidation after unsafe methods (RFC 9111
// 4.4), Age parsing (5.1), targeted Surrogate-Control, storing responses
// with only a validator (section 3).
#include <gtest/gtest.h>

#include <algorithm>

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

TEST(StoreSemantics, AnAnswerOfTheShieldCountsAsFetchedWhenTheShieldFetchedIt) {
  const Engine e = rfcEngine();
  // The request and its answer at 1700000000000 (store() above); the
  // shield fetched its copy 30 s before: purges since then cover it.
  const auto shielded =
      store(e, 200, {{"cache-control", "max-age=3600"}, {":fetched", "1699999970000"}});
  EXPECT_EQ(shielded.meta.fetch_ms, 30000);
  EXPECT_EQ(requestTimeMs(shielded.meta), 1699999970000);
  // Never later than the request itself, and only digits count.
  EXPECT_EQ(store(e, 200, {{"cache-control", "max-age=3600"}, {":fetched", "1800000000000"}})
                .meta.fetch_ms,
            0);
  for (const char* bad : {"", "-5", "12x", "1e12", "9999999999999999"}) {
    EXPECT_EQ(store(e, 200, {{"cache-control", "max-age=3600"}, {":fetched", bad}}).meta.fetch_ms,
              0)
        << bad;
  }
  // An origin's field of that name cannot exist (":" starts no field name).
}

TEST(StoreSemantics, AgeFirstMemberCounts) {
  const Engine e = rfcEngine();
  const auto age = [&e](std::vector<std::pair<const char*, const char*>> extra) {
    extra.insert(extra.begin(), {"cache-control", "max-age=3600"});
    return store(e, 200, extra).meta.initial_age;
  };
  EXPECT_EQ(age({{"age", "10"}}), 10);
  // RFC 9111 5.1: additional members are discarded, on one line or on
  // repeated lines (the platform joins them with ", ").
  EXPECT_EQ(age({{"age", "10,20"}}), 10);
  EXPECT_EQ(age({{"age", "0, 7200"}}), 0);
  EXPECT_EQ(age({{"age", "7200, 0"}}), 7200);
  EXPECT_EQ(age({{"age", "0"}, {"age", "7200"}}), 0);
  EXPECT_EQ(age({{"age", "3600, 3600"}}), 3600);
  // Parameters on the integer carry no meaning; the age stands.
  EXPECT_EQ(age({{"age", "7200;foo=bar"}}), 7200);
  EXPECT_EQ(age({{"age", "7200;foo=111"}}), 7200);
}

TEST(StoreSemantics, InvalidAgeIsIgnored) {
  const Engine e = rfcEngine();
  // RFC 9111 5.1: "a cache SHOULD ignore the field": the response is cached
  // by its other freshness information, as if it had no Age.
  for (const char* bad :
       {"abc", "-5", "7200.0", "1.5", "", " ", "+5", "5 5", "0x10", "5;", "5;A=1", "\"5\""}) {
    const auto d = store(e, 200, {{"cache-control", "max-age=60"}, {"age", bad}});
    EXPECT_EQ(d.action, StoreAction::kStore) << bad;
    EXPECT_EQ(d.meta.initial_age, 0) << bad;
    EXPECT_EQ(d.lifetime.seconds, 60) << bad;
  }
  // Even where nothing may serve a stale copy.
  const auto strict =
      store(e, 200, {{"cache-control", "max-age=60, must-revalidate"}, {"age", "abc"}});
  EXPECT_EQ(strict.action, StoreAction::kStore);
  EXPECT_EQ(strict.meta.initial_age, 0);
}

TEST(StoreSemantics, AgeOverflowIsStaleOnArrival) {
  const Engine e = rfcEngine();
  // RFC 9111 1.2.2: 2^31 and beyond are "the greatest integer it can
  // represent": stale on arrival, kept only because this route honours
  // max-stale.
  for (const char* big : {"2147483648", "2147483649", "99999999999999999999"}) {
    const auto d = store(e, 200, {{"cache-control", "max-age=60"}, {"age", big}});
    EXPECT_EQ(d.action, StoreAction::kStore) << big;
    EXPECT_GE(d.meta.initial_age, 60) << big;
  }
  EXPECT_EQ(
      store(e, 200, {{"cache-control", "max-age=60"}, {"age", "2147483647"}}).meta.initial_age,
      2147483647);
  const auto strict =
      store(e, 200, {{"cache-control", "max-age=60, must-revalidate"}, {"age", "2147483648"}});
  EXPECT_EQ(strict.action, StoreAction::kNoStore);
  EXPECT_EQ(strict.reason, Reason::kInvalidAge);
}

TEST(StoreSemantics, AnOriginClockBehindAgesTheCopyUnlessTheRouteTakesTheAgeFromAgeAlone) {
  // store() answers at 1700000000000 ms: Tue, 14 Nov 2023 22:13:20 GMT.
  const char* hour_behind = "Tue, 14 Nov 2023 21:13:20 GMT";
  const Engine e = rfcEngine();
  // RFC 9111 4.2.3: apparent_age = response_time - date_value counts.
  const auto rfc = store(e, 200, {{"cache-control", "max-age=600"}, {"date", hour_behind}});
  EXPECT_EQ(rfc.meta.initial_age, 3600);
  EXPECT_EQ(rfc.ttl, -3000);
  EXPECT_TRUE(rfc.clock_behind);
  // "ageFromDate": false: the age is Age plus the round trip only.
  auto parsed = parseManifest(
      R"({"defaults":{"bypassHeaders":[]},"routes":[{"pattern":"/*","ageFromDate":false}]})");
  ASSERT_TRUE(parsed.manifest);
  const Engine skewed(*parsed.manifest);
  const auto own =
      store(skewed, 200, {{"cache-control", "max-age=600"}, {"date", hour_behind}, {"age", "20"}});
  EXPECT_EQ(own.meta.initial_age, 20);
  EXPECT_EQ(own.ttl, 580);
  EXPECT_TRUE(own.clock_behind) << "said either way";
  // Not said: a Date within kClockBehindReport, one that Age explains, one
  // ahead, none.
  const auto said = [&e](std::vector<std::pair<const char*, const char*>> extra) {
    extra.insert(extra.begin(), {"cache-control", "max-age=600"});
    return store(e, 200, extra).clock_behind;
  };
  EXPECT_FALSE(said({{"date", "Tue, 14 Nov 2023 22:13:11 GMT"}}));
  EXPECT_TRUE(said({{"date", "Tue, 14 Nov 2023 22:13:10 GMT"}}));
  EXPECT_FALSE(said({{"date", hour_behind}, {"age", "3600"}}));
  EXPECT_FALSE(said({{"date", "Tue, 14 Nov 2023 23:13:20 GMT"}}));
  EXPECT_FALSE(said({}));
}

TEST(StoreSemantics, InvalidTargetedFieldsFallBackToCacheControl) {
  const Engine e = rfcEngine();
  // RFC 9213 2.1 + RFC 8941: an invalid Dictionary, or a directive of the
  // wrong type, is ignored whole: Cache-Control applies.
  for (const char* bad : {"max-age=10000, &&&&&", "max-age=\"10000\"", "max-age=-1", "",
                          "MaX-aGe=3600", "max-age =100", "no-store=?0"}) {
    EXPECT_EQ(store(e, 200, {{"cache-control", "no-store"}, {"cdn-cache-control", bad}}).reason,
              Reason::kNoStore)
        << bad;
    const auto d = store(e, 200, {{"cache-control", "max-age=5"}, {"cdn-cache-control", bad}});
    EXPECT_EQ(d.lifetime.seconds, 5) << bad;
    EXPECT_EQ(d.ignored_targeted, kIgnoredCdnCacheControl) << bad;
  }
  const auto valid =
      store(e, 200, {{"cache-control", "no-store"}, {"cdn-cache-control", "max-age=10000"}});
  EXPECT_EQ(valid.action, StoreAction::kStore);
  EXPECT_EQ(valid.lifetime.seconds, 10000);
  EXPECT_EQ(valid.ignored_targeted, 0u);
  // An invalid Freshet-Cache-Control falls back to the next targeted field
  // (RFC 9213 2.2), then to Cache-Control.
  const auto next = store(e, 200,
                          {{"cache-control", "max-age=5"},
                           {"freshet-cache-control", "max-age=1.5"},
                           {"cdn-cache-control", "max-age=50"}});
  EXPECT_EQ(next.lifetime.seconds, 50);
  EXPECT_EQ(next.ignored_targeted, kIgnoredFreshetCacheControl);
  const auto ours = store(e, 200,
                          {{"cache-control", "max-age=5"},
                           {"freshet-cache-control", "max-age=7"},
                           {"cdn-cache-control", "max-age=50"}});
  EXPECT_EQ(ours.lifetime.seconds, 7);
  // Repeated field lines form one Dictionary (RFC 8941 4.2).
  const auto lines = store(e, 200,
                           {{"cache-control", "no-store"},
                            {"cdn-cache-control", "max-age=30"},
                            {"cdn-cache-control", "&"}});
  EXPECT_EQ(lines.reason, Reason::kNoStore);
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

// A lookup decision declares the span of the clock it holds for: every
// field is the same for any now in [valid_from_ms, valid_until_ms), and the
// span ends where the age gains a second (RFC 9111 4.2.3).
TEST(LookupSemantics, ADecisionHoldsForItsValiditySpan) {
  const Engine e = rfcEngine();
  HeaderView none;
  const auto req = readRequestFacts("GET", "https://example.com/v", none);
  const std::string meta = "1;t=1000000;a=2;l=10;w=5;e=30;f=0;r=0";
  const auto at = [&](int64_t now) { return e.decideLookup(req, 0, meta, now, PurgeFloors{}); };
  const auto same = [](const LookupDecision& a, const LookupDecision& b) {
    return a.action == b.action && a.reason == b.reason && a.age == b.age && a.ttl == b.ttl &&
           a.usable_if_error == b.usable_if_error && a.valid_from_ms == b.valid_from_ms &&
           a.valid_until_ms == b.valid_until_ms;
  };
  for (int64_t now = 1000000 - 2500; now < 1000000 + 60000; now += 137) {
    const LookupDecision d = at(now);
    ASSERT_LE(d.valid_from_ms, now) << now;
    ASSERT_LT(now, d.valid_until_ms) << now;
    ASSERT_LE(d.valid_until_ms - std::max<int64_t>(now, 1000000), 1000) << now;
    if (d.valid_from_ms > LookupDecision::kAlwaysValidFrom) {
      EXPECT_TRUE(same(d, at(d.valid_from_ms))) << now;
    }
    EXPECT_TRUE(same(d, at(d.valid_until_ms - 1))) << now;
    EXPECT_EQ(at(d.valid_until_ms).age, d.age + 1) << now;
  }
  // Before the response time the age is its initial age, whatever the clock.
  EXPECT_EQ(at(1000000 - 1).valid_from_ms, LookupDecision::kAlwaysValidFrom);
  EXPECT_EQ(at(1000000 - 1).valid_until_ms, 1001000);
  EXPECT_EQ(at(1000999).age, 2);
  EXPECT_EQ(at(1001000).age, 3);
  // An entry the engine cannot read is revalidated whatever the clock.
  const auto bad = e.decideLookup(req, 0, "junk", 5, PurgeFloors{});
  EXPECT_EQ(bad.reason, Reason::kBadEntry);
  EXPECT_EQ(bad.valid_from_ms, LookupDecision::kAlwaysValidFrom);
  EXPECT_EQ(bad.valid_until_ms, LookupDecision::kAlwaysValidUntil);
}

}  // namespace
}  // namespace freshet
