#include "url.h"

namespace freshet {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isUnreserved(unsigned char c) {  // RFC 3986 section 2.3
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Normalises percent-encodings; sets `ambiguous` on what a path must not hold.
std::string normalise(std::string_view s, bool path, bool& ambiguous) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '%') {
      if (path && (c == '\\' || c == ';')) ambiguous = true;
      out += c;
      continue;
    }
    const bool complete = i + 2 < s.size();
    const int hi = complete ? hexValue(s[i + 1]) : -1;
    const int lo = complete ? hexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      if (path) ambiguous = true;
      out += c;
      continue;
    }
    const auto byte = static_cast<unsigned char>(hi * 16 + lo);
    if (path && (byte == '/' || byte == '\\' || byte == 0)) ambiguous = true;
    if (path && byte == '%' && i + 4 < s.size() && hexValue(s[i + 3]) >= 0 &&
        hexValue(s[i + 4]) >= 0) {
      ambiguous = true;  // "%252F": decoded twice by some stacks
    }
    if (isUnreserved(byte)) {
      out += static_cast<char>(byte);
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
    i += 2;
  }
  return out;
}

// Character classes of the URL scanners, one table lookup per character.
enum UrlClass : uint8_t {
  kEndsAuthority = 1,  // '/', '?', '#'
  kEndsPath = 2,       // '?', '#'
  kUpper = 4,          // 'A'..'Z'
  kPathMark = 8,       // '\\', ';', '%', '/': what canonicalPath() stops at
};
struct UrlClassTable {
  uint8_t of[256] = {};
  constexpr UrlClassTable() {
    of[static_cast<unsigned char>('/')] = kEndsAuthority | kPathMark;
    of[static_cast<unsigned char>('?')] = kEndsAuthority | kEndsPath;
    of[static_cast<unsigned char>('#')] = kEndsAuthority | kEndsPath;
    for (int c = 'A'; c <= 'Z'; ++c) of[c] = kUpper;
    of[static_cast<unsigned char>('\\')] = kPathMark;
    of[static_cast<unsigned char>(';')] = kPathMark;
    of[static_cast<unsigned char>('%')] = kPathMark;
  }
};
constexpr UrlClassTable kUrlClass;

uint8_t classOf(char c) {
  return kUrlClass.of[static_cast<unsigned char>(c)];
}

}  // namespace

std::optional<UrlParts> splitUrl(std::string_view url) {
  // One pass over each part, with loops rather than find(): memchr is a
  // call in wasm, and the parts are short.
  UrlParts u;
  size_t colon = 0;
  if (url.starts_with("https://")) {
    colon = 5;
  } else if (url.starts_with("http://")) {
    colon = 4;
  } else {
    return std::nullopt;
  }
  u.scheme = url.substr(0, colon);
  const std::string_view rest = url.substr(colon + 3);
  // The authority ends at the first '/', '?' or '#' (a fragment is never
  // sent).
  const char* p = rest.data();
  const size_t n = rest.size();
  size_t i = 0;
  size_t host_from = 0;  // after the last '@' (userinfo is not the host)
  uint8_t upper = 0;     // upper-case letters seen since host_from
  for (; i < n; ++i) {
    const uint8_t k = classOf(p[i]);
    if (k & kEndsAuthority) break;
    upper |= k;
    if (p[i] == '@') {
      host_from = i + 1;
      upper = 0;
    }
  }
  u.host = rest.substr(host_from, i - host_from);
  if (u.host.empty()) return std::nullopt;
  if (upper & kUpper) return std::nullopt;  // the runtime lower-cases hosts
  if (i == n || p[i] == '#') {
    u.path = "/";
    return u;
  }
  size_t q = i;
  while (q < n && !(classOf(p[q]) & kEndsPath)) ++q;
  u.path = rest.substr(i, q - i);
  if (u.path.empty()) u.path = "/";
  if (q < n && p[q] == '?') {
    size_t end = q + 1;
    while (end < n && p[end] != '#') ++end;
    u.query = rest.substr(q + 1, end - q - 1);
  }
  return u;
}

namespace {

// Whether a path has a "." or ".." segment (RFC 3986 5.2.4).
bool hasDotSegment(std::string_view path) {
  size_t start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      const std::string_view seg = path.substr(start, i - start);
      if (seg == "." || seg == "..") return true;
      start = i + 1;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string_view> canonicalPath(std::string_view path, std::string& buf) {
  // Dot segments (RFC 3986 5.2.4) are resolved by the runtime's URL parser;
  // one that survives (e.g. spelled "%2E%2E") is read differently by
  // different servers. Without percent-encodings (most paths) one pass
  // checks the characters and the segments.
  bool percent = false;
  bool dot = false;
  size_t start = 0;
  const size_t n = path.size();
  for (size_t i = 0;; ++i) {
    // Only '/', '%', '\\' and ';' need a look (a dot segment is seen at
    // its end).
    while (i < n && !(classOf(path[i]) & kPathMark)) ++i;
    if (i < n) {
      const char c = path[i];
      if (c == '\\' || c == ';') return std::nullopt;  // as normalise() would say
      if (c == '%') percent = true;
      if (c != '/') continue;
    }
    const size_t len = i - start;
    if ((len == 1 || len == 2) && path[start] == '.' && (len == 1 || path[start + 1] == '.')) {
      dot = true;
    }
    if (i >= n) break;
    start = i + 1;
  }
  if (!percent) {
    if (dot) return std::nullopt;
    return path;
  }
  bool ambiguous = false;
  buf = normalise(path, true, ambiguous);
  if (ambiguous) return std::nullopt;
  const std::string_view out = buf;
  // Double encoding spelled with encoded hex digits: "%25%32%46"
  // normalises to "%252F", which an origin that decodes twice reads as
  // "/". Checked on the normalised form, which is what the key and the
  // matcher see.
  for (size_t i = 0; i + 4 < out.size(); ++i) {
    if (out.compare(i, 3, "%25") == 0 && hexValue(out[i + 3]) >= 0 && hexValue(out[i + 4]) >= 0) {
      return std::nullopt;
    }
  }
  if (hasDotSegment(out)) return std::nullopt;
  return out;
}

std::optional<std::string> canonicalPath(std::string_view path) {
  std::string buf;
  const auto out = canonicalPath(path, buf);
  if (!out) return std::nullopt;
  return std::string(*out);
}

std::string canonicalQueryPart(std::string_view part) {
  if (part.find('%') == std::string_view::npos) return std::string(part);  // nothing to normalise
  bool ignored = false;
  return normalise(part, false, ignored);
}

namespace {

// RFC 3986 section 2.3 unreserved characters, as a lookup table.
struct UnreservedTable {
  bool is[256] = {};
  constexpr UnreservedTable() {
    for (int c = 'a'; c <= 'z'; ++c) is[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) is[c] = true;
    for (int c = '0'; c <= '9'; ++c) is[c] = true;
    is[static_cast<unsigned char>('-')] = is[static_cast<unsigned char>('.')] = true;
    is[static_cast<unsigned char>('_')] = is[static_cast<unsigned char>('~')] = true;
  }
};
constexpr UnreservedTable kUnreserved;

char* percentEncodeInto(char* w, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (kUnreserved.is[c]) {
      *w++ = ch;
    } else {
      w[0] = '%';
      w[1] = kHex[c >> 4];
      w[2] = kHex[c & 15];
      w += 3;
    }
  }
  return w;
}

}  // namespace

void appendPercentEncoded(std::string& out, std::string_view s) {
  // Short text (keys, field names) is encoded on the stack and appended
  // once; longer text grows the string once, to its worst case.
  constexpr size_t kStack = 256;
  if (s.size() <= kStack / 3) {
    char buf[kStack];
    out.append(buf, static_cast<size_t>(percentEncodeInto(buf, s) - buf));
    return;
  }
  const size_t start = out.size();
  out.resize(start + s.size() * 3);
  char* end = percentEncodeInto(out.data() + start, s);
  out.resize(static_cast<size_t>(end - out.data()));
}

}  // namespace freshet
