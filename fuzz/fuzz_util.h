// Helpers shared by the libFuzzer targets: turn the fuzzer's bytes into
// the strings and header fields the engine reads, and check invariants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "headers.h"

// An invariant the target checks beyond "no crash, no UB, no leak".
#define FUZZ_CHECK(cond)                                                                      \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

namespace fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits on `sep`, at most `max` pieces (the last one keeps the rest).
inline std::vector<std::string_view> split(std::string_view s, char sep, size_t max = 64) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max) {
    const size_t at = s.find(sep);
    if (at == std::string_view::npos) break;
    out.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  out.push_back(s);
  return out;
}

// "name:value" lines as header fields (a line without ':' is a name with an
// empty value). The views point into the fuzzer's input.
inline freshet::HeaderView headers(const std::vector<std::string_view>& lines, size_t from = 0) {
  freshet::HeaderView h;
  for (size_t i = from; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      h.add(line, {});
    } else {
      h.add(line.substr(0, colon), line.substr(colon + 1));
    }
  }
  return h;
}

// Reads a little-endian value from the front of `s` (zero when too short)
// and consumes it.
template <typename T>
T take(std::string_view& s) {
  T v{};
  if (s.size() >= sizeof v) {
    std::memcpy(&v, s.data(), sizeof v);
    s.remove_prefix(sizeof v);
  }
  return v;
}

inline bool isUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

inline bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

}  // namespace fuzz
