// The C ABI (bindings/abi.cc) as the worker drives it: input records
// decoded from arbitrary bytes, then the engine's decisions. Input:
//   byte 0     the call (low 4 bits), the mode (bit 7: structured), bit 6:
//              a length beyond the buffer, bit 5: store Set-Cookie responses
//              (fr_set_options) for this input
//   bytes 1-4  the route argument (i32)
//   bytes 5-28 three f64 time arguments, as sent (NaN and infinities too)
//   the rest   raw mode: the input buffer as is (the decoder's job is to
//              refuse anything malformed without reading out of bounds);
//              structured mode: string lists separated by 0x1E, strings by
//              '\n', fixed up to the shape the call expects (a request
//              list of just "=" is the empty list: the kept request), so the bytes
//              reach the engine (routing, keys, lookup, store, Vary, ...).
// fr_load_manifest loads the bytes, asks one request, then the baseline
// manifest is loaded again (and options reset) so every input starts from
// the same state.
// Invariants: every call returns a result of the ABI version with a known
// status, and every string slot is readable for its stated length.
#include <string>
#include <vector>

#include "freshet_abi.h"
#include "fuzz_util.h"

namespace {

constexpr char kBaseline[] = R"({
  "mode": "debug",
  "keyHost": "example.com",
  "defaults": { "ttl": 60, "staleWhileRevalidate": 30, "staleIfError": 600, "bypassCookies": ["session"] },
  "routes": [
    { "name": "pages", "pattern": "/*" },
    { "name": "blog", "pattern": "/blog/:slug", "tags": ["post:{slug}"], "key": { "query": ["page"] } },
    { "name": "static", "pattern": "/static/*", "ttl": "forever", "originHeaders": "override",
      "key": { "host": false, "device": true } },
    { "name": "api", "pattern": "/api/:v/*", "methods": ["GET", "HEAD", "POST"], "maxBodyBytes": 64,
      "key": { "headers": ["accept-language"], "cookies": ["currency"], "ignoreQuery": ["utm_*"] },
      "requestDirectives": "honor", "negativeTtl": 5 },
    { "name": "account", "pattern": "/account/*", "cache": false }
  ]
})";

uint32_t send(const std::vector<uint8_t>& bytes) {
  uint8_t* in = fr_input(static_cast<uint32_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(in, bytes.data(), bytes.size());
  return static_cast<uint32_t>(bytes.size());
}

uint32_t sendText(std::string_view text) {
  return send(std::vector<uint8_t>(text.begin(), text.end()));
}

// A string list of docs/abi.md: the decimal count, then the strings, each
// followed by a NUL byte (a NUL inside a string is the fuzzer's to try).
void putList(std::vector<uint8_t>& out, const std::vector<std::string_view>& items) {
  const std::string count = std::to_string(items.size());
  out.insert(out.end(), count.begin(), count.end());
  out.push_back(0);
  for (auto s : items) {
    out.insert(out.end(), s.begin(), s.end());
    out.push_back(0);
  }
}

void check(const fr_result* r) {
  FUZZ_CHECK(r != nullptr);
  FUZZ_CHECK(r->abi_version == FRESHET_ABI_VERSION);
  FUZZ_CHECK(r->status == FR_OK || r->status == FR_BAD_INPUT || r->status == FR_NO_ENGINE);
  for (uint32_t slot = 0; slot < FR_STR_SLOTS; ++slot) {
    const std::string s(fr_native_str(slot), r->strs[slot].len);  // ASan checks the read
    (void)s;
  }
  if (r->status == FR_OK && r->strs[FR_STR_KEY_URL].len > 0 && r->action == 1) {
    const std::string url(fr_native_str(FR_STR_KEY_URL), r->strs[FR_STR_KEY_URL].len);
    (void)url;
  }
}

void loadBaseline() {
  const fr_result* r = fr_load_manifest(sendText(kBaseline));
  FUZZ_CHECK(r->status == FR_OK);
}

enum Call : uint8_t {
  kRequest,
  kLookup,
  kLookupPurged,
  kStore,
  kInvalidate,
  kVary,
  kConditional,
  kLoadManifest,
  kRouteInfo,
  kReason,
  kMiss,
  kCalls
};

// Structured mode: lists of strings, shaped as `call` expects.
std::vector<uint8_t> structured(Call call, std::string_view rest) {
  auto groups = fuzz::split(rest, '\x1e', 3);
  std::vector<uint8_t> out;
  if (groups[0] == "=") {
    putList(out, {});  // the request kept from the previous input
  } else {
    std::vector<std::string_view> req = fuzz::split(groups[0], '\n', 65);
    if (req.size() < 2) req.push_back("https://example.com/");
    if (req.size() % 2 != 0) req.push_back("");
    putList(out, req);
  }
  const std::string_view second = groups.size() > 1 ? groups[1] : std::string_view{};
  switch (call) {
    case kLookup:
    case kLookupPurged:
    case kVary: putList(out, {second}); break;
    case kStore:
    case kInvalidate: {
      auto resp = fuzz::split(second, '\n', 65);
      if (resp.size() % 2 == 0) resp.pop_back();
      putList(out, resp);
      break;
    }
    case kConditional: {
      auto stored = fuzz::split(second, '\n', 4);
      while (stored.size() < 4) stored.push_back("");
      putList(out, stored);
      break;
    }
    default: break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  loadBaseline();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::text(data, size);
  const auto op = fuzz::take<uint8_t>(in);
  const auto route = fuzz::take<int32_t>(in);
  const auto t1 = fuzz::take<double>(in);
  const auto t2 = fuzz::take<double>(in);
  const auto t3 = fuzz::take<double>(in);
  const auto call = static_cast<Call>((op & 0x0f) % kCalls);
  const bool raw = (op & 0x80) == 0;

  std::vector<uint8_t> bytes;
  if (raw || call == kLoadManifest) {
    bytes.assign(in.begin(), in.end());
  } else {
    bytes = structured(call, in);
  }
  uint32_t len = send(bytes);
  // Bit 6: claim more bytes than the buffer holds (refused, never read).
  if ((op & 0x40) != 0 && call != kLoadManifest) len += 1u << 20;
  const bool options = (op & 0x20) != 0;
  if (options) check(fr_set_options(FR_OPTION_STORE_SET_COOKIE));

  switch (call) {
    case kRequest: check(fr_request(len)); break;
    case kLookup: check(fr_lookup(len, route, t1, 0, 0, 0)); break;
    case kLookupPurged: check(fr_lookup(len, route, t1, t2, t3, (op & 0x10) != 0 ? t2 : 0)); break;
    case kStore: check(fr_store(len, route, t1, t2)); break;
    case kInvalidate: check(fr_invalidate(len)); break;
    case kVary: check(fr_vary(len)); break;
    case kConditional: check(fr_conditional(len)); break;
    case kRouteInfo: check(fr_route_info(route)); break;
    case kReason: check(fr_reason(static_cast<uint32_t>(route))); break;
    case kMiss: check(fr_request(len)); break;  // the miss decision is fr_request's
    case kLoadManifest: {
      const fr_result* r = fr_load_manifest(len);
      check(r);
      const bool loaded = r->status == FR_OK;
      std::vector<uint8_t> req;
      putList(req, {"GET", "https://example.com/blog/hello?page=2"});
      check(fr_request(send(req)));
      if (loaded) check(fr_route_info(0));
      loadBaseline();
      break;
    }
    case kCalls: break;
  }
  if (options) check(fr_set_options(0));
  return 0;
}
