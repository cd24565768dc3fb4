// URL splitting, path and query canonicalisation, and the key builder
// (src/url.cc, src/cache_key.cc). Input: one byte of key-rule switches,
// then "\n"-separated lines: the URL, then "name:value" request header
// fields. Invariants:
// - canonicalisation is idempotent (a canonical path, or a query of
//   well-formed escapes, is its own canonical form) and a canonical path never holds what makes a
//   path ambiguous (an encoded '/', '\' or NUL, ';', a dot segment);
// - the key URL holds only unreserved characters and upper-case %XX after
//   its prefix, and decodes back to the readable key (collision-safe);
// - the key is a function of its inputs (built twice, equal).
#include <cctype>
#include <string>

#include "cache_key.h"
#include "fuzz_util.h"
#include "url.h"

namespace {

int hex(char c) {
  return c <= '9' ? c - '0' : c - 'A' + 10;
}

bool wellFormedEscapes(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return false;
    }
  }
  return true;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::text(data, size);
  const auto switches = fuzz::take<uint8_t>(in);
  const auto lines = fuzz::split(in, '\n', 16);
  const freshet::HeaderView headers = fuzz::headers(lines, 1);

  const auto url = freshet::splitUrl(lines[0]);
  if (!url) return 0;
  FUZZ_CHECK(url->scheme == "http" || url->scheme == "https");
  FUZZ_CHECK(!url->host.empty());
  FUZZ_CHECK(!url->path.empty() && url->path.front() == '/');

  const auto path = freshet::canonicalPath(url->path);
  if (path) {
    FUZZ_CHECK(freshet::canonicalPath(*path) == path);
    FUZZ_CHECK(path->find(';') == std::string::npos);
    FUZZ_CHECK(path->find('\\') == std::string::npos);
    for (const char* bad : {"%2F", "%5C", "%00", "/./", "/../"}) {
      FUZZ_CHECK(path->find(bad) == std::string::npos);
    }
  }
  // A stray '%' stays as it is in a query (the origin receives it so), so
  // only a query of well-formed escapes is its own canonical form.
  const std::string q = freshet::canonicalQueryPart(url->query);
  if (wellFormedEscapes(url->query)) FUZZ_CHECK(freshet::canonicalQueryPart(q) == q);
  if (!path) return 0;

  freshet::KeyRules rules;
  rules.query = static_cast<freshet::KeyRules::Query>(switches % 3);
  rules.query_allow = {"page", "q"};
  rules.query_ignore = {"utm_*", "fbclid"};
  if (switches & 4) rules.cookies = {"currency", "session"};
  if (switches & 8) rules.headers = {"accept-language", "x-variant"};
  rules.device = (switches & 16) != 0;
  rules.host = (switches & 32) != 0;
  const std::string_view digest = (switches & 64) ? headers.get("x-digest") : std::string_view{};

  const freshet::KeyInput key_in{*url, *path, &headers, &rules, digest};
  const freshet::KeyResult key = freshet::buildKey(key_in);
  const freshet::KeyResult again = freshet::buildKey(key_in);
  FUZZ_CHECK(key.readable == again.readable && key.problem == again.problem);
  FUZZ_CHECK(key.readable.rfind(std::string(url->scheme) + "://", 0) == 0);

  const std::string key_url = freshet::keyUrl(url->host, "main", key.readable);
  const std::string prefix =
      "https://" + std::string(url->host) + std::string(freshet::kKeyPathPrefix) + "main/";
  FUZZ_CHECK(key_url.rfind(prefix, 0) == 0);
  const std::string_view tail = std::string_view(key_url).substr(prefix.size());
  for (size_t i = 0; i < tail.size(); ++i) {
    if (tail[i] == '%') {
      FUZZ_CHECK(i + 2 < tail.size() && fuzz::isHex(tail[i + 1]) && fuzz::isHex(tail[i + 2]));
      i += 2;
    } else {
      FUZZ_CHECK(fuzz::isUnreserved(tail[i]));
    }
  }
  FUZZ_CHECK(percentDecode(tail) == key.readable);
  return 0;
}
