// Small text helpers shared by the parsers (ASCII only: HTTP field syntax,
// RFC 9110 section 5, is ASCII; anything else is compared byte for byte).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace freshet {

inline char toLowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Names mostly arrive in the case compared against (the ABI's field
  // names are lower case): equal bytes skip the folding.
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && toLowerAscii(a[i]) != toLowerAscii(b[i])) return false;
  }
  return true;
}

inline std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = toLowerAscii(c);
  return out;
}

// Writes `v` in decimal at `w` (at most 20 characters) and returns the end.
// Two digits per division (entry metadata writes a 13-digit time per store).
inline char* writeDecimal(char* w, int64_t v) {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  uint64_t u = static_cast<uint64_t>(v);
  if (v < 0) {
    *w++ = '-';
    u = 0 - u;
  }
  char digits[20];
  int n = 20;
  while (u >= 100) {
    const auto pair = static_cast<size_t>(u % 100) * 2;
    u /= 100;
    digits[--n] = kPairs[pair + 1];
    digits[--n] = kPairs[pair];
  }
  if (u >= 10) {
    digits[--n] = kPairs[u * 2 + 1];
    digits[--n] = kPairs[u * 2];
  } else {
    digits[--n] = static_cast<char>('0' + u);
  }
  while (n < 20) *w++ = digits[n++];
  return w;
}

// Optional whitespace (RFC 9110 section 5.6.3): SP and HTAB.
inline bool isOws(char c) {
  return c == ' ' || c == '\t';
}

inline std::string_view trimOws(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9111 1.2.2: "the greatest integer it can represent" stands for any
// larger delta-seconds: 2^31.
inline constexpr int64_t kDeltaSecondsMax = 2147483648LL;

// delta-seconds (RFC 9111 section 1.2.2): 1*DIGIT. A value too large to
// represent is taken as 2^31 ("the greatest integer it can represent").
// Returns nullopt when the text is not all digits.
inline std::optional<int64_t> parseDeltaSeconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > kDeltaSecondsMax) v = kDeltaSecondsMax;
  }
  return v;
}

// Splits a comma-separated list (RFC 9110 section 5.6.1) honouring quoted
// strings; calls f(element) for each non-empty trimmed element.
template <typename F>
void forEachListElement(std::string_view s, F&& f) {
  // Runs outside quotes are scanned for ',' and '"' only; a quoted string
  // for its closing '"', a backslash escaping the next byte.
  const char* p = s.data();
  const size_t n = s.size();
  size_t start = 0;
  size_t i = 0;
  for (;;) {
    while (i < n && p[i] != ',' && p[i] != '"') ++i;
    if (i < n && p[i] == '"') {
      for (++i; i < n && p[i] != '"'; ++i) {
        if (p[i] == '\\') ++i;
      }
      if (i > n) return;  // a final backslash inside quotes: nothing more to read
      if (i < n) ++i;     // the closing quote
      continue;
    }
    const std::string_view el = trimOws(s.substr(start, i - start));
    if (!el.empty()) f(el);
    if (i == n) return;
    start = ++i;
  }
}

}  // namespace freshet
