// The exported C ABI: decodes input records, calls the engine, encodes the
// result record. All per-request data crosses as lists of NUL-terminated
// strings; no JSON per request (docs/abi.md).
#include <bit>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../src/conditional.h"
#include "../src/engine.h"
#include "../src/purge_policy.h"
#include "../src/route_info.h"
#include "../src/vary.h"
#include "freshet_abi.h"

#if defined(__wasm__)
#define FR_EXPORT(name) __attribute__((export_name(#name)))
#else
#define FR_EXPORT(name)
#endif

static_assert(sizeof(fr_str) == 8);
static_assert(offsetof(fr_result, age) == 24);
static_assert(offsetof(fr_result, lifetime_source) == 72);
static_assert(offsetof(fr_result, browser_ttl) == 80);
static_assert(offsetof(fr_result, strs) == 88);
static_assert(offsetof(fr_result, body_limit) == 152);
static_assert(offsetof(fr_result, tiers) == 160);
static_assert(sizeof(fr_result) == 168);

namespace {

using freshet::HeaderView;

// The request most recently given in full, kept so that the later phases
// of the same request can refer to it with an empty request list instead of
// sending and decoding it again (docs/abi.md "Input records"). Its bytes
// are owned here: the input buffer is overwritten by the next call.
struct DecodedRequest {
  std::string bytes;
  HeaderView headers;
  freshet::RequestFacts facts;
  bool valid = false;
};

struct State {
  std::vector<uint8_t> input;
  std::unique_ptr<freshet::Engine> engine;
  fr_result result{};
  std::string strs[FR_STR_SLOTS];
  DecodedRequest request;
  std::vector<std::string_view> tail;  // the list after the request list
  HeaderView response_headers;
  freshet::RequestDecision request_decision;
};

State& state() {
  static State s;
  return s;
}

// A record past this many bytes is not kept at its size once a smaller one
// follows: one huge request must not pin its buffer for the isolate's life.
constexpr size_t kKeepBytes = size_t{64} * 1024;

// The first NUL byte in [p, end), or end. Eight bytes at a time: wasi-libc's
// memchr goes byte by byte, and records are mostly long header values.
const char* findNul(const char* p, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  while (end - p >= 8) {
    uint64_t w = 0;
    std::memcpy(&w, p, 8);  // little endian on every target
    // The lowest set high bit marks the first zero byte (bits above it may
    // be false positives, never bits below).
    const uint64_t zero = (w - kOnes) & ~w & kHighs;
    if (zero != 0) return p + std::countr_zero(zero) / 8;
    p += 8;
  }
  while (p != end && *p != 0) ++p;
  return p;
}

// Reads the string lists of docs/abi.md "Input records": a decimal count,
// then that many strings, each string terminated by a NUL byte.
class Reader {
 public:
  Reader(const char* data, size_t len) : p_(data), end_(data + len) {}

  // One NUL-terminated string.
  bool str(std::string_view& out) {
    const char* z = findNul(p_, end_);
    if (z == end_) return false;
    out = std::string_view(p_, static_cast<size_t>(z - p_));
    p_ = z + 1;
    return true;
  }
  // A list's count: decimal digits, at most as many strings as bytes left.
  bool count(uint32_t& out) {
    std::string_view text;
    if (!str(text) || text.empty() || text.size() > 9) return false;
    uint32_t n = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<uint32_t>(c - '0');
    }
    if (n > static_cast<size_t>(end_ - p_)) return false;
    out = n;
    return true;
  }
  // `pairs` name/value strings straight into `out`, without a list first.
  bool fields(uint32_t pairs, HeaderView& out) {
    freshet::HeaderField* f = out.resize(pairs);
    for (uint32_t i = 0; i < pairs; ++i) {
      if (!str(f[i].name) || !str(f[i].value)) {
        out.clear();
        return false;
      }
    }
    return true;
  }
  bool list(std::vector<std::string_view>& out) {
    uint32_t n = 0;
    if (!count(n)) return false;
    out.resize(n);
    for (auto& s : out) {
      if (!str(s)) return false;
    }
    return true;
  }
  const char* pos() const { return p_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  void advance(size_t n) { p_ += n; }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

Reader inputReader(uint32_t len) {
  return Reader(reinterpret_cast<const char*>(state().input.data()), len);
}

fr_result* reset() {
  State& s = state();
  s.result = fr_result{};
  s.result.abi_version = FRESHET_ABI_VERSION;
  s.result.route = -1;
  s.result.browser_ttl = -1;
  for (auto& str : s.strs) str.clear();
  return &s.result;
}

const fr_result* finish() {
  State& s = state();
  for (int i = 0; i < FR_STR_SLOTS; ++i) {
    s.result.strs[i].ptr = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(s.strs[i].data()));
    s.result.strs[i].len = static_cast<uint32_t>(s.strs[i].size());
  }
  return &s.result;
}

const fr_result* fail(fr_status status) {
  state().result.status = status;
  return finish();
}

void setReason(freshet::Reason r) {
  state().result.reason = static_cast<uint32_t>(r);
  state().strs[FR_STR_REASON] = freshet::reasonName(r);
}

// The request list [method, url, name0, value0, ...], or an empty list for
// the request kept from an earlier call. A new request is copied out of the
// input buffer and decoded once; its header view points into the copy.
bool decodeRequest(Reader& in, DecodedRequest& out) {
  uint32_t count = 0;
  if (!in.count(count)) return false;
  if (count == 0) return out.valid;
  out.valid = false;
  if (count < 2 || count % 2 != 0) return false;
  // Copy the rest of the input (the lists after the request are short) and
  // decode the copy: one pass over the bytes.
  out.bytes.assign(in.pos(), in.remaining());
  if (out.bytes.capacity() > kKeepBytes && out.bytes.size() <= kKeepBytes)
    out.bytes.shrink_to_fit();
  Reader own(out.bytes.data(), out.bytes.size());
  std::string_view method, url;
  if (!own.str(method) || !own.str(url) || !own.fields((count - 2) / 2, out.headers)) return false;
  in.advance(out.bytes.size() - own.remaining());
  out.facts = freshet::readRequestFacts(method, url, out.headers);
  out.valid = true;
  return true;
}

// A decimal HTTP status (RFC 9110 section 15: three digits).
std::optional<int> parseStatus(std::string_view text) {
  int status = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || status > 999) return std::nullopt;
    status = status * 10 + (c - '0');
  }
  return status;
}

// [status, name, value, ...] -> status and fields.
bool decodeResponse(Reader& in, int& status, HeaderView& headers) {
  uint32_t count = 0;
  std::string_view text;
  if (!in.count(count) || count % 2 != 1 || !in.str(text)) return false;
  const auto parsed = parseStatus(text);
  if (!parsed) return false;
  status = *parsed;
  return in.fields((count - 1) / 2, headers);
}

// The request list, then one list of `n` strings, and nothing after them.
bool decodeRequestAnd(Reader& in, std::vector<std::string_view>& tail, size_t n) {
  return decodeRequest(in, state().request) && in.list(tail) && tail.size() == n && in.done();
}

// Times cross the ABI as f64 ms (docs/abi.md: exact to 2^53). A value
// outside that range, an infinity or NaN (a host bug, or a hostile caller)
// must not reach the integer arithmetic: converting it is undefined
// behaviour natively and saturates in wasm, where later subtractions could
// overflow. Clamp to +-2^53; NaN reads as 0.
int64_t toMs(double ms) {
  constexpr double kLimit = 9007199254740992.0;  // 2^53
  if (!(ms == ms)) return 0;
  if (ms > kLimit) ms = kLimit;
  if (ms < -kLimit) ms = -kLimit;
  return static_cast<int64_t>(ms);
}

}  // namespace

extern "C" {

FR_EXPORT(fr_abi_version) uint32_t fr_abi_version(void) {
  return FRESHET_ABI_VERSION;
}

FR_EXPORT(fr_input) uint8_t* fr_input(uint32_t size) {
  auto& in = state().input;
  if (in.size() < size) in.resize(size);
  return in.data();
}

FR_EXPORT(fr_load_manifest) const fr_result* fr_load_manifest(uint32_t len) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  auto parsed =
      freshet::parseManifest(std::string_view(reinterpret_cast<const char*>(s.input.data()), len));
  // Diagnostics, errors first: "error|warning <TAB> path <TAB> message".
  for (const auto& e : parsed.errors) {
    s.strs[FR_STR_DIAGNOSTICS] +=
        (e.severity == freshet::Severity::kError ? "error\t" : "warning\t");
    s.strs[FR_STR_DIAGNOSTICS] += e.path + "\t" + e.message + "\n";
  }
  r->error_count = static_cast<uint32_t>(parsed.error_count);
  if (!parsed.manifest) {
    // Strict: a manifest with any error replaces nothing and loads nothing.
    s.engine.reset();
    return fail(FR_NO_ENGINE);
  }
  r->flags = parsed.manifest->mode == freshet::Mode::kDebug ? FR_FLAG_DEBUG : 0;
  r->route = static_cast<int32_t>(parsed.manifest->routes.size());  // the route count
  s.engine = std::make_unique<freshet::Engine>(std::move(*parsed.manifest));
  return finish();
}

FR_EXPORT(fr_request) const fr_result* fr_request(uint32_t len) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  if (!s.engine) {
    r->action = static_cast<uint32_t>(freshet::RequestAction::kPass);
    setReason(freshet::Reason::kInvalidManifest);
    return fail(FR_NO_ENGINE);
  }
  Reader in = inputReader(len);
  DecodedRequest& req = s.request;
  if (!decodeRequest(in, req) || !in.done()) return fail(FR_BAD_INPUT);
  freshet::RequestDecision& d = s.request_decision;
  s.engine->decideRequest(req.facts, d);
  r->action = static_cast<uint32_t>(d.action);
  setReason(d.reason);
  r->route = static_cast<int32_t>(d.route);
  if (s.engine->manifest().mode == freshet::Mode::kDebug) r->flags |= FR_FLAG_DEBUG;
  if (d.route >= 0) {
    const auto& route = s.engine->manifest().routes[static_cast<size_t>(d.route)];
    s.strs[FR_STR_ROUTE_NAME] = route.name;
    if (route.rules.browser_ttl) r->browser_ttl = static_cast<double>(*route.rules.browser_ttl);
    r->tiers = route.rules.tiers;
    r->origin_timeout_ms = static_cast<uint32_t>(route.rules.origin_timeout * 1000);
  }
  // Swapped, not copied: the decision's buffers become the result's, and
  // the result's (cleared) buffers are reused by the next decision.
  s.strs[FR_STR_KEY].swap(d.key);
  s.strs[FR_STR_KEY_URL].swap(d.key_url);
  s.strs[FR_STR_TAGS].swap(d.tags);
  if (d.needs_body) r->flags |= FR_FLAG_NEEDS_BODY;
  r->body_limit = static_cast<double>(d.body_limit);
  return finish();
}

namespace {

const fr_result* lookupWith(uint32_t len, int32_t route, double now_ms,
                            const freshet::PurgeFloors* floors) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  if (!s.engine) return fail(FR_NO_ENGINE);
  Reader in = inputReader(len);
  DecodedRequest& req = s.request;
  std::vector<std::string_view>& meta = s.tail;
  if (!decodeRequestAnd(in, meta, 1) || route < 0) return fail(FR_BAD_INPUT);
  r->route = route;
  const auto entry = freshet::decodeEntryMeta(meta[0]);
  if (!entry) {
    r->action = static_cast<uint32_t>(freshet::LookupAction::kRevalidate);
    setReason(freshet::Reason::kBadEntry);
    return finish();
  }
  auto d = s.engine->decideLookup(req.facts, static_cast<uint32_t>(route), *entry, toMs(now_ms));
  if (floors) freshet::applyPurge(*entry, *floors, d);
  r->action = static_cast<uint32_t>(d.action);
  setReason(d.reason);
  r->age = static_cast<double>(d.age);
  r->ttl = static_cast<double>(d.ttl);
  r->lifetime = static_cast<double>(entry->lifetime);
  r->stale_while_revalidate = static_cast<double>(entry->stale_while_revalidate);
  r->stale_if_error = static_cast<double>(entry->stale_if_error);
  if (d.usable_if_error) r->flags |= FR_FLAG_USABLE_IF_ERROR;
  return finish();
}

}  // namespace

FR_EXPORT(fr_lookup) const fr_result* fr_lookup(uint32_t len, int32_t route, double now_ms) {
  return lookupWith(len, route, now_ms, nullptr);
}

FR_EXPORT(fr_lookup_purged)
const fr_result* fr_lookup_purged(uint32_t len, int32_t route, double now_ms, double hard_ms,
                                  double soft_ms) {
  const freshet::PurgeFloors floors{toMs(hard_ms), toMs(soft_ms)};
  return lookupWith(len, route, now_ms, &floors);
}

FR_EXPORT(fr_lookup_view)
const fr_result* fr_lookup_view(uint32_t len, int32_t route, double now_ms, double hard_ms,
                                double soft_ms, double unproven_ms) {
  const freshet::PurgeFloors floors{toMs(hard_ms), toMs(soft_ms), toMs(unproven_ms)};
  return lookupWith(len, route, now_ms, &floors);
}

FR_EXPORT(fr_store)
const fr_result* fr_store(uint32_t len, int32_t route, double request_time_ms,
                          double response_time_ms) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  if (!s.engine) return fail(FR_NO_ENGINE);
  Reader in = inputReader(len);
  DecodedRequest& req = s.request;
  int status = 0;
  HeaderView& headers = s.response_headers;
  if (!decodeRequest(in, req) || !decodeResponse(in, status, headers) || !in.done() || route < 0) {
    return fail(FR_BAD_INPUT);
  }
  r->route = route;
  const auto d = s.engine->decideStore(req.facts, static_cast<uint32_t>(route), status, headers,
                                       toMs(request_time_ms), toMs(response_time_ms));
  r->action = static_cast<uint32_t>(d.action);
  setReason(d.reason);
  r->lifetime = static_cast<double>(d.lifetime.seconds);
  r->lifetime_source = static_cast<uint32_t>(d.lifetime.source);
  r->stale_while_revalidate = static_cast<double>(d.stale_while_revalidate);
  r->stale_if_error = static_cast<double>(d.stale_if_error);
  r->platform_ttl = static_cast<double>(d.platform_ttl);
  if (d.ignored_targeted & freshet::kIgnoredFreshetCacheControl) {
    r->flags |= FR_FLAG_IGNORED_FRESHET_CC;
  }
  if (d.ignored_targeted & freshet::kIgnoredCdnCacheControl) r->flags |= FR_FLAG_IGNORED_CDN_CC;
  r->age = static_cast<double>(d.meta.initial_age);
  r->ttl = static_cast<double>(d.lifetime.seconds - d.meta.initial_age);
  if (d.action == freshet::StoreAction::kStore)
    freshet::appendEntryMeta(s.strs[FR_STR_META], d.meta);
  // fr_store: strs[FR_STR_OMIT] lists the fields the stored copy omits.
  for (const auto& f : d.omit_fields) {
    if (!s.strs[FR_STR_OMIT].empty()) s.strs[FR_STR_OMIT] += ',';
    s.strs[FR_STR_OMIT] += f;
  }
  return finish();
}

FR_EXPORT(fr_manifest_info) const fr_result* fr_manifest_info(void) {
  fr_result* r = reset();
  State& s = state();
  if (!s.engine) return fail(FR_NO_ENGINE);
  s.strs[FR_STR_DIAGNOSTICS] = freshet::describeManifest(s.engine->manifest());
  r->route = static_cast<int32_t>(s.engine->manifest().routes.size());
  return finish();
}

FR_EXPORT(fr_route_info) const fr_result* fr_route_info(int32_t route) {
  fr_result* r = reset();
  State& s = state();
  if (!s.engine) return fail(FR_NO_ENGINE);
  const auto& routes = s.engine->manifest().routes;
  if (route < 0 || static_cast<size_t>(route) >= routes.size()) return fail(FR_BAD_INPUT);
  r->route = route;
  s.strs[FR_STR_DIAGNOSTICS] =
      freshet::describeRoute(routes[static_cast<size_t>(route)], static_cast<uint32_t>(route));
  return finish();
}

#if !defined(__wasm__)
// Native builds only: fr_str.ptr is a 32-bit wasm address, too narrow for a
// native pointer, so native callers (the unit tests) read strings here.
const char* fr_native_str(uint32_t slot) {
  return slot < FR_STR_SLOTS ? state().strs[slot].c_str() : "";
}
#endif

FR_EXPORT(fr_reason) const fr_result* fr_reason(uint32_t code) {
  reset();
  setReason(static_cast<freshet::Reason>(code));
  return finish();
}

FR_EXPORT(fr_invalidate) const fr_result* fr_invalidate(uint32_t len) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  if (!s.engine) return fail(FR_NO_ENGINE);
  Reader in = inputReader(len);
  DecodedRequest& req = s.request;
  int status = 0;
  HeaderView& headers = s.response_headers;
  if (!decodeRequest(in, req) || !decodeResponse(in, status, headers) || !in.done()) {
    return fail(FR_BAD_INPUT);
  }
  const auto d = s.engine->decideInvalidation(req.facts, status, headers);
  r->action = static_cast<uint32_t>(d.action);
  setReason(d.reason);
  for (const auto& k : d.key_urls) {
    if (!s.strs[FR_STR_KEY_URL].empty()) s.strs[FR_STR_KEY_URL] += '\n';
    s.strs[FR_STR_KEY_URL] += k;
  }
  for (const auto& p : d.purges) {
    if (!s.strs[FR_STR_PURGES].empty()) s.strs[FR_STR_PURGES] += '\n';
    s.strs[FR_STR_PURGES] += p;
  }
  if (d.purge_soft) r->flags |= FR_FLAG_PURGE_SOFT;
  return finish();
}

FR_EXPORT(fr_vary) const fr_result* fr_vary(uint32_t len) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  Reader in = inputReader(len);
  DecodedRequest& req = s.request;
  std::vector<std::string_view>& vary = s.tail;
  if (!decodeRequestAnd(in, vary, 1)) return fail(FR_BAD_INPUT);
  const auto spec = freshet::parseVary(vary[0]);
  if (spec.star) {
    r->action = FR_VARY_STAR;
    setReason(freshet::Reason::kVaryStar);
  } else if (spec.names.empty()) {
    r->action = FR_VARY_NONE;
  } else {
    r->action = FR_VARY_SELECT;
    s.strs[FR_STR_KEY] = freshet::joinVaryNames(spec.names);
    s.strs[FR_STR_KEY_URL] = freshet::variantId(spec.names, req.headers);
  }
  return finish();
}

FR_EXPORT(fr_set_options) const fr_result* fr_set_options(uint32_t flags) {
  reset();
  State& s = state();
  if (!s.engine) return fail(FR_NO_ENGINE);
  freshet::EngineOptions o;
  o.store_set_cookie = (flags & FR_OPTION_STORE_SET_COOKIE) != 0;
  s.engine->setOptions(o);
  return finish();
}

FR_EXPORT(fr_miss) const fr_result* fr_miss(uint32_t len, int32_t route) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  if (!s.engine) return fail(FR_NO_ENGINE);
  Reader in = inputReader(len);
  DecodedRequest& req = s.request;
  if (!decodeRequest(in, req) || !in.done() || route < 0) return fail(FR_BAD_INPUT);
  freshet::Reason reason = freshet::Reason::kNone;
  r->route = route;
  r->action =
      static_cast<uint32_t>(s.engine->decideMiss(req.facts, static_cast<uint32_t>(route), reason));
  setReason(reason);
  return finish();
}

FR_EXPORT(fr_conditional) const fr_result* fr_conditional(uint32_t len) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  Reader in = inputReader(len);
  DecodedRequest& req = s.request;
  std::vector<std::string_view>& stored = s.tail;
  if (!decodeRequestAnd(in, stored, 4)) return fail(FR_BAD_INPUT);
  freshet::StoredValidators v;
  v.etag = stored[0];
  v.last_modified = stored[1];
  v.date = stored[2];
  if (const auto meta = freshet::decodeEntryMeta(stored[3]))
    v.received = meta->response_time_ms / 1000;
  const auto d = freshet::evaluateConditional(req.facts.method, req.headers, v);
  r->action = static_cast<uint32_t>(d.action);
  setReason(d.reason);
  return finish();
}

}  // extern "C"
