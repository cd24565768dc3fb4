// The exported C ABI, a codec and nothing more: decodes input records, asks
// the engine, encodes its typed decision (src/decision.h) into the result
// record. Every decision is the engine's; nothing here chooses. All
// per-request data crosses as lists of NUL-terminated strings; no JSON per
// request (docs/abi.md).
#include <bit>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../src/engine.h"
#include "../src/route_info.h"
#include "freshet_abi.h"

#if defined(__wasm__)
#define FR_EXPORT(name) __attribute__((export_name(#name)))
#else
#define FR_EXPORT(name)
#endif
// The exports called once per manifest or rarely (loading, tools, unsafe
// methods) are built for size inside a file built for speed
// (CMakeLists.txt FRESHET_SPEED_SOURCES).
#if defined(__clang__)
#define FR_COLD __attribute__((minsize, noinline))
#else
#define FR_COLD
#endif

static_assert(sizeof(fr_str) == 8);
static_assert(offsetof(fr_result, age) == 24);
static_assert(offsetof(fr_result, lifetime_source) == 72);
static_assert(offsetof(fr_result, browser_ttl) == 80);
static_assert(offsetof(fr_result, body_limit) == 88);
static_assert(offsetof(fr_result, tiers) == 96);
static_assert(offsetof(fr_result, miss_action) == 104);
static_assert(offsetof(fr_result, vary_action) == 116);
static_assert(offsetof(fr_result, strs) == 120);
static_assert(offsetof(fr_result, valid_from_ms) == 224);
static_assert(sizeof(fr_result) == 240);
// worker/engine.js reads the record through typed arrays: f64 fields at 8-byte offsets.
static_assert(alignof(fr_result) == 8);

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
  uint32_t used = 0;  // the string slots written since reset(), one bit each
  DecodedRequest request;
  std::vector<std::string_view> tail;  // the list after the request list
  HeaderView response_headers;
  freshet::RequestDecision request_decision;
  freshet::VaryDecision vary_decision;
};

// At namespace scope rather than a function's static: no guard to test on
// every call (the module is single-threaded; built before the first export
// runs, by _initialize or the native start-up).
State g_state;

State& state() {
  return g_state;
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

// A call touches two or three of the string slots: only those written
// (slot()) are cleared and published, the others stay {0, 0}.
fr_result* reset() {
  State& s = state();
  s.result = fr_result{};
  s.result.abi_version = FRESHET_ABI_VERSION;
  s.result.route = -1;
  s.result.browser_ttl = -1;
  for (uint32_t used = s.used; used != 0; used &= used - 1) s.strs[std::countr_zero(used)].clear();
  s.used = 0;
  return &s.result;
}

// String slot `i` of the result being built, marked as written.
std::string& slot(int i) {
  State& s = state();
  s.used |= uint32_t{1} << i;
  return s.strs[i];
}

const fr_result* finish() {
  State& s = state();
  for (uint32_t used = s.used; used != 0; used &= used - 1) {
    const int i = std::countr_zero(used);
    s.result.strs[i].ptr = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(s.strs[i].data()));
    s.result.strs[i].len = static_cast<uint32_t>(s.strs[i].size());
  }
  return &s.result;
}

const fr_result* fail(fr_status status) {
  state().result.status = status;
  return finish();
}

// The reason's code only: its name is fr_reason's (callers cache names).
void setReason(freshet::Reason r) {
  state().result.reason = static_cast<uint32_t>(r);
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

// The common start of every per-request export: a fresh result, the input
// length checked, a loaded engine, a reader over the input. `body` decodes
// and encodes; false means the input was malformed.
template <class Body>
const fr_result* withEngine(uint32_t len, Body body) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  if (!s.engine) return fail(FR_NO_ENGINE);
  Reader in = inputReader(len);
  if (!body(in, *r, *s.engine)) return fail(FR_BAD_INPUT);
  return finish();
}

// A route index from the caller: one the engine gave (0 <= route).
bool validRoute(int32_t route, fr_result& r) {
  if (route < 0) return false;
  r.route = route;
  return true;
}

void joinLines(std::string& out, const std::vector<std::string>& lines, char sep) {
  for (const auto& l : lines) {
    if (!out.empty()) out += sep;
    out += l;
  }
}

void encodeVary(freshet::VaryDecision& v, fr_result& r) {
  r.vary_action = static_cast<uint32_t>(v.action);
  slot(FR_STR_VARY_NAMES).swap(v.names);
  slot(FR_STR_VARIANT_ID).swap(v.variant_id);
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

FR_EXPORT(fr_load_manifest) FR_COLD const fr_result* fr_load_manifest(uint32_t len) {
  fr_result* r = reset();
  State& s = state();
  if (len > s.input.size()) return fail(FR_BAD_INPUT);
  auto parsed =
      freshet::parseManifest(std::string_view(reinterpret_cast<const char*>(s.input.data()), len));
  // Diagnostics, errors first: "error|warning <TAB> path <TAB> message".
  for (const auto& e : parsed.errors) {
    slot(FR_STR_DIAGNOSTICS) += (e.severity == freshet::Severity::kError ? "error\t" : "warning\t");
    slot(FR_STR_DIAGNOSTICS) += e.path + "\t" + e.message + "\n";
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
  if (!state().engine) {
    // No manifest: everything passes (the caller fails open).
    fr_result* r = reset();
    r->action = static_cast<uint32_t>(freshet::RequestAction::kPass);
    setReason(freshet::Reason::kInvalidManifest);
    return fail(FR_NO_ENGINE);
  }
  return withEngine(len, [](Reader& in, fr_result& r, const freshet::Engine& engine) {
    State& s = state();
    if (!decodeRequest(in, s.request) || !in.done()) return false;
    freshet::RequestDecision& d = s.request_decision;
    engine.decideRequest(s.request.facts, d);
    r.action = static_cast<uint32_t>(d.action);
    setReason(d.reason);
    r.route = static_cast<int32_t>(d.route);
    if (engine.manifest().mode == freshet::Mode::kDebug) r.flags |= FR_FLAG_DEBUG;
    if (d.needs_body) r.flags |= FR_FLAG_NEEDS_BODY;
    if (d.route >= 0) {
      slot(FR_STR_ROUTE_NAME) = engine.manifest().routes[static_cast<size_t>(d.route)].name;
    }
    r.browser_ttl = static_cast<double>(d.browser_ttl);
    r.body_limit = static_cast<double>(d.body_limit);
    r.tiers = d.tiers;
    r.origin_timeout_ms = static_cast<uint32_t>(d.origin_timeout_ms);
    r.miss_action = static_cast<uint32_t>(d.miss);
    r.miss_reason = static_cast<uint32_t>(d.miss_reason);
    r.set_cookie = static_cast<uint32_t>(d.set_cookie);
    // Swapped, not copied: the decision's buffers become the result's, and
    // the result's (cleared) buffers are reused by the next decision.
    slot(FR_STR_KEY).swap(d.key);
    slot(FR_STR_KEY_URL).swap(d.key_url);
    slot(FR_STR_TAGS).swap(d.tags);
    return true;
  });
}

FR_EXPORT(fr_lookup)
const fr_result* fr_lookup(uint32_t len, int32_t route, double now_ms, double hard_ms,
                           double soft_ms, double unproven_ms) {
  return withEngine(len, [&](Reader& in, fr_result& r, const freshet::Engine& engine) {
    State& s = state();
    if (!decodeRequestAnd(in, s.tail, 1) || !validRoute(route, r)) return false;
    const freshet::PurgeFloors floors{toMs(hard_ms), toMs(soft_ms), toMs(unproven_ms)};
    const auto d = engine.decideLookup(s.request.facts, static_cast<uint32_t>(route), s.tail[0],
                                       toMs(now_ms), floors);
    r.action = static_cast<uint32_t>(d.action);
    setReason(d.reason);
    r.age = static_cast<double>(d.age);
    r.ttl = static_cast<double>(d.ttl);
    r.lifetime = static_cast<double>(d.lifetime);
    r.stale_while_revalidate = static_cast<double>(d.stale_while_revalidate);
    r.stale_if_error = static_cast<double>(d.stale_if_error);
    if (d.usable_if_error) r.flags |= FR_FLAG_USABLE_IF_ERROR;
    r.valid_from_ms = static_cast<double>(d.valid_from_ms);
    r.valid_until_ms = static_cast<double>(d.valid_until_ms);
    return true;
  });
}

FR_EXPORT(fr_store)
const fr_result* fr_store(uint32_t len, int32_t route, double request_time_ms,
                          double response_time_ms) {
  return withEngine(len, [&](Reader& in, fr_result& r, const freshet::Engine& engine) {
    State& s = state();
    int status = 0;
    HeaderView& headers = s.response_headers;
    if (!decodeRequest(in, s.request) || !decodeResponse(in, status, headers) || !in.done() ||
        !validRoute(route, r)) {
      return false;
    }
    auto d = engine.decideStore(s.request.facts, static_cast<uint32_t>(route), status, headers,
                                toMs(request_time_ms), toMs(response_time_ms));
    r.action = static_cast<uint32_t>(d.action);
    setReason(d.reason);
    r.lifetime = static_cast<double>(d.lifetime.seconds);
    r.lifetime_source = static_cast<uint32_t>(d.lifetime.source);
    r.stale_while_revalidate = static_cast<double>(d.stale_while_revalidate);
    r.stale_if_error = static_cast<double>(d.stale_if_error);
    r.platform_ttl = static_cast<double>(d.platform_ttl);
    if (d.ignored_targeted & freshet::kIgnoredFreshetCacheControl) {
      r.flags |= FR_FLAG_IGNORED_FRESHET_CC;
    }
    if (d.ignored_targeted & freshet::kIgnoredCdnCacheControl) r.flags |= FR_FLAG_IGNORED_CDN_CC;
    if (d.clock_behind) r.flags |= FR_FLAG_CLOCK_BEHIND;
    r.age = static_cast<double>(d.age);
    r.ttl = static_cast<double>(d.ttl);
    if (d.action == freshet::StoreAction::kStore) {
      freshet::appendEntryMeta(slot(FR_STR_META), d.meta);
      encodeVary(d.vary, r);
    }
    joinLines(slot(FR_STR_OMIT), d.omit_fields, ',');
    return true;
  });
}

FR_EXPORT(fr_manifest_info) FR_COLD const fr_result* fr_manifest_info(void) {
  fr_result* r = reset();
  State& s = state();
  if (!s.engine) return fail(FR_NO_ENGINE);
  slot(FR_STR_INFO) = freshet::describeManifest(s.engine->manifest());
  r->route = static_cast<int32_t>(s.engine->manifest().routes.size());
  return finish();
}

FR_EXPORT(fr_route_info) FR_COLD const fr_result* fr_route_info(int32_t route) {
  fr_result* r = reset();
  State& s = state();
  if (!s.engine) return fail(FR_NO_ENGINE);
  const auto& routes = s.engine->manifest().routes;
  if (route < 0 || static_cast<size_t>(route) >= routes.size()) return fail(FR_BAD_INPUT);
  r->route = route;
  slot(FR_STR_INFO) =
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

FR_EXPORT(fr_reason) FR_COLD const fr_result* fr_reason(uint32_t code) {
  reset();
  const auto r = static_cast<freshet::Reason>(code);
  setReason(r);
  slot(FR_STR_REASON) = freshet::reasonName(r);
  return finish();
}

FR_EXPORT(fr_invalidate) FR_COLD const fr_result* fr_invalidate(uint32_t len) {
  return withEngine(len, [](Reader& in, fr_result& r, const freshet::Engine& engine) {
    State& s = state();
    int status = 0;
    HeaderView& headers = s.response_headers;
    if (!decodeRequest(in, s.request) || !decodeResponse(in, status, headers) || !in.done()) {
      return false;
    }
    const auto d = engine.decideInvalidation(s.request.facts, status, headers);
    r.action = static_cast<uint32_t>(d.action);
    setReason(d.reason);
    joinLines(slot(FR_STR_INVALIDATED), d.key_urls, '\n');
    joinLines(slot(FR_STR_PURGES), d.purges, '\n');
    if (d.purge_soft) r.flags |= FR_FLAG_PURGE_SOFT;
    return true;
  });
}

FR_EXPORT(fr_vary) const fr_result* fr_vary(uint32_t len) {
  return withEngine(len, [](Reader& in, fr_result& r, const freshet::Engine& engine) {
    State& s = state();
    if (!decodeRequestAnd(in, s.tail, 1)) return false;
    freshet::VaryDecision& v = s.vary_decision;
    engine.decideVary(s.request.facts, s.tail[0], v);
    r.action = static_cast<uint32_t>(v.action);
    setReason(v.reason);
    encodeVary(v, r);
    return true;
  });
}

FR_EXPORT(fr_set_options) FR_COLD const fr_result* fr_set_options(uint32_t flags) {
  reset();
  State& s = state();
  if (!s.engine) return fail(FR_NO_ENGINE);
  freshet::EngineOptions o;
  o.store_set_cookie = (flags & FR_OPTION_STORE_SET_COOKIE) != 0;
  s.engine->setOptions(o);
  return finish();
}

FR_EXPORT(fr_conditional) const fr_result* fr_conditional(uint32_t len) {
  return withEngine(len, [](Reader& in, fr_result& r, const freshet::Engine& engine) {
    State& s = state();
    std::vector<std::string_view>& stored = s.tail;
    if (!decodeRequestAnd(in, stored, 4)) return false;
    const auto d =
        engine.decideConditional(s.request.facts, stored[0], stored[1], stored[2], stored[3]);
    r.action = static_cast<uint32_t>(d.action);
    setReason(d.reason);
    return true;
  });
}

}  // extern "C"
