// Runs the shared decision corpus (tests/fixtures/decisions.json) against
// the native engine. tests/worker/fixtures.test.js runs the same corpus
// against the built wasm, so the two builds cannot drift.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "conditional.h"
#include "engine.h"
#include "vary.h"

namespace freshet {
namespace {

using nlohmann::json;

json loadCorpus() {
  std::ifstream in(std::string(FRESHET_FIXTURES) + "/decisions.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

const char* requestActionName(RequestAction a) {
  switch (a) {
    case RequestAction::kLookup: return "lookup";
    case RequestAction::kBypass: return "bypass";
    case RequestAction::kPass: return "pass";
  }
  return "?";
}
const char* lookupActionName(LookupAction a) {
  switch (a) {
    case LookupAction::kHit: return "hit";
    case LookupAction::kStale: return "stale";
    case LookupAction::kRevalidate: return "revalidate";
    case LookupAction::kMiss: return "miss";
  }
  return "?";
}
const char* lifetimeSourceName(LifetimeSource s) {
  switch (s) {
    case LifetimeSource::kNone: return "none";
    case LifetimeSource::kSMaxAge: return "s-maxage";
    case LifetimeSource::kMaxAge: return "max-age";
    case LifetimeSource::kExpires: return "expires";
    case LifetimeSource::kRoute: return "route";
    case LifetimeSource::kHeuristic: return "heuristic";
  }
  return "?";
}

// Owns the strings a HeaderView points into.
struct OwnedHeaders {
  std::vector<std::pair<std::string, std::string>> pairs;
  HeaderView view() const {
    HeaderView v;
    for (const auto& [n, val] : pairs) v.add(n, val);
    return v;
  }
};

OwnedHeaders headersOf(const json& j, const char* field) {
  OwnedHeaders h;
  if (j.contains(field)) {
    for (const auto& p : j[field])
      h.pairs.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  }
  return h;
}

// Compares `actual` with e[field] when the fixture states that field.
template <typename T>
void expectField(const json& e, const char* field, const T& actual) {
  if (e.contains(field)) {
    EXPECT_EQ(json(actual), e[field]) << field;
  }
}

// The optional "invalidate", "vary" and "conditional" parts of a case
// (RFC 9111 4.4, 4.1, 4.3.2); see tests/fixtures/decisions.json "about".
void checkSemantics(const Engine& engine, const json& c, const std::string& method,
                    const std::string& url, const OwnedHeaders& req_headers) {
  const HeaderView req_view = req_headers.view();
  if (c.contains("invalidate")) {
    const json& inv = c["invalidate"];
    const OwnedHeaders rh = headersOf(inv, "headers");
    const auto d = engine.decideInvalidation(readRequestFacts(method, url, req_view),
                                             inv["status"].get<int>(), rh.view());
    const json& e = inv["expect"];
    expectField(e, "action", d.action == InvalidationAction::kInvalidate ? "invalidate" : "none");
    expectField(e, "reason", reasonName(d.reason));
    if (e.contains("urls")) {
      std::vector<std::string> keys;
      for (const auto& u : e["urls"]) {
        const std::string target = u.get<std::string>();
        keys.push_back(engine.decideRequest(readRequestFacts("GET", target, req_view)).key_url);
      }
      EXPECT_EQ(d.key_urls, keys) << "invalidate urls";
    }
  }
  if (c.contains("vary")) {
    const json& v = c["vary"];
    const auto spec = parseVary(v["field"].get<std::string>());
    const json& e = v["expect"];
    expectField(e, "action", spec.star ? "star" : spec.names.empty() ? "none" : "select");
    if (!spec.star && !spec.names.empty()) {
      expectField(e, "names", joinVaryNames(spec.names));
      expectField(e, "variantId", variantId(spec.names, req_view));
    }
  }
  if (c.contains("miss")) {
    Reason reason = Reason::kNone;
    const auto route = engine.decideRequest(readRequestFacts(method, url, req_view)).route;
    const auto action = engine.decideMiss(readRequestFacts(method, url, req_view),
                                          static_cast<uint32_t>(route), reason);
    const json& e = c["miss"]["expect"];
    expectField(e, "action", action == MissAction::kFetch ? "fetch" : "gateway-timeout");
    expectField(e, "reason", reasonName(reason));
  }
  if (c.contains("conditional")) {
    const json& k = c["conditional"];
    const json& st = k["stored"];
    const auto field = [&](const char* f) { return st.value(f, std::string()); };
    const std::string etag = field("etag"), lm = field("lastModified"), date = field("date");
    const StoredValidators stored{etag, lm, date, 0};
    const auto d = evaluateConditional(method, req_view, stored);
    const json& e = k["expect"];
    expectField(e, "action", d.action == ConditionalAction::kNotModified ? "not-modified" : "full");
    expectField(e, "reason", reasonName(d.reason));
  }
}

class Fixtures : public testing::TestWithParam<std::string> {
 protected:
  static const json& corpus() {
    static const json c = loadCorpus();
    return c;
  }
};

TEST_P(Fixtures, Decides) {
  const json& all = corpus();
  json c;
  for (const auto& x : all["cases"]) {
    if (x["name"] == GetParam()) c = x;
  }
  ASSERT_FALSE(c.is_null());
  const int64_t t0_ms = all["t0"].get<int64_t>() * 1000;
  const auto parsed = parseManifest(all["manifests"][c["manifest"].get<std::string>()].dump());
  ASSERT_TRUE(parsed.manifest);
  const Engine engine(*parsed.manifest);

  const json& rq = c["request"];
  const std::string method = rq["method"], url = rq["url"];
  const OwnedHeaders req_headers = headersOf(rq, "headers");
  const HeaderView req_view = req_headers.view();
  const RequestFacts facts = readRequestFacts(method, url, req_view);
  const RequestDecision rd = engine.decideRequest(facts);
  if (c.contains("expectRequest")) {
    const json& e = c["expectRequest"];
    expectField(e, "action", requestActionName(rd.action));
    expectField(e, "reason", reasonName(rd.reason));
    expectField(e, "key", rd.key);
    expectField(e, "tags", rd.tags);
    if (e.contains("route")) {
      ASSERT_GE(rd.route, 0);
      EXPECT_EQ(engine.manifest().routes[rd.route].name, e["route"]);
    }
  }
  checkSemantics(engine, c, method, url, req_headers);
  if (!c.contains("response")) return;
  ASSERT_EQ(rd.action, RequestAction::kLookup);
  const json& rs = c["response"];
  const OwnedHeaders resp_headers = headersOf(rs, "headers");
  const StoreDecision sd =
      engine.decideStore(facts, static_cast<uint32_t>(rd.route), rs["status"].get<int>(),
                         resp_headers.view(), t0_ms + rs["requestTime"].get<int64_t>() * 1000,
                         t0_ms + rs["responseTime"].get<int64_t>() * 1000);
  const json& es = c["expectStore"];
  EXPECT_EQ(sd.action == StoreAction::kStore ? "store" : "no-store", es["action"]);
  expectField(es, "reason", reasonName(sd.reason));
  expectField(es, "lifetime", sd.lifetime.seconds);
  if (es.contains("lifetimeSource")) {
    EXPECT_EQ(lifetimeSourceName(sd.lifetime.source), es["lifetimeSource"]);
  }
  expectField(es, "swr", sd.stale_while_revalidate);
  expectField(es, "sie", sd.stale_if_error);
  expectField(es, "platformTtl", sd.platform_ttl);
  expectField(es, "age", sd.meta.initial_age);
  if (es.contains("ignored")) {
    json ignored = json::array();
    if (sd.ignored_targeted & kIgnoredFreshetCacheControl)
      ignored.push_back("freshet-cache-control");
    if (sd.ignored_targeted & kIgnoredCdnCacheControl) ignored.push_back("cdn-cache-control");
    EXPECT_EQ(ignored, es["ignored"]) << "ignored";
  }
  if (es.contains("omit")) {
    EXPECT_EQ(json(sd.omit_fields), es["omit"]) << "omit";
  }
  if (!c.contains("lookups")) return;
  ASSERT_EQ(sd.action, StoreAction::kStore);
  for (const auto& l : c["lookups"]) {
    const OwnedHeaders lh = l.contains("headers") ? headersOf(l, "headers") : req_headers;
    const HeaderView lv = lh.view();
    const RequestFacts lf = readRequestFacts(method, url, lv);
    const auto meta = decodeEntryMeta(encodeEntryMeta(sd.meta));
    ASSERT_TRUE(meta);
    const LookupDecision ld = engine.decideLookup(lf, static_cast<uint32_t>(rd.route), *meta,
                                                  t0_ms + l["at"].get<int64_t>() * 1000);
    const json& e = l["expect"];
    SCOPED_TRACE("at " + l["at"].dump());
    expectField(e, "action", lookupActionName(ld.action));
    expectField(e, "reason", reasonName(ld.reason));
    expectField(e, "age", ld.age);
    expectField(e, "ttl", ld.ttl);
    expectField(e, "usableIfError", ld.usable_if_error);
  }
}

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  const json corpus = loadCorpus();
  for (const auto& c : corpus["cases"]) names.push_back(c["name"]);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Corpus, Fixtures, testing::ValuesIn(caseNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace freshet
