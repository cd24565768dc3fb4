#include "entry_meta.h"

#include "text.h"

namespace freshet {

void appendEntryMeta(std::string& out, const EntryMeta& m) {
  // Formatted into one stack buffer: 9 fields of at most 20 digits + sign.
  char buf[9 * 24 + 2];
  char* w = buf;
  *w++ = '1';
  auto put = [&w](char k, int64_t v) {
    *w++ = ';';
    *w++ = k;
    *w++ = '=';
    if (v >= 0 && v < 10) {
      *w++ = static_cast<char>('0' + v);  // most ages, flags and routes
    } else {
      w = writeDecimal(w, v);
    }
  };
  put('t', m.response_time_ms);
  put('a', m.initial_age);
  put('l', m.lifetime);
  put('w', m.stale_while_revalidate);
  put('e', m.stale_if_error);
  put('f', m.flags);
  put('r', m.route);
  if (m.fetch_ms != 0) put('q', m.fetch_ms);
  out.append(buf, static_cast<size_t>(w - buf));
}

std::string encodeEntryMeta(const EntryMeta& m) {
  std::string out;
  appendEntryMeta(out, m);
  return out;
}

std::optional<EntryMeta> decodeEntryMeta(std::string_view text) {
  if (text.substr(0, 2) != "1;") return std::nullopt;
  EntryMeta m;
  uint32_t seen = 0;
  size_t pos = 2;
  const size_t n = text.size();
  while (pos < n) {
    // One item "<key>=<1 to 18 digits>", read in a single pass.
    const char key = text[pos];
    if (key == ';' || pos + 2 >= n || text[pos + 1] != '=') return std::nullopt;
    size_t i = pos + 2;
    // Unsigned, and at most 19 digits read: no overflow before the check.
    uint64_t value = 0;
    const size_t stop = pos + 2 + 19 < n ? pos + 2 + 19 : n;
    for (; i < stop; ++i) {
      const auto d = static_cast<unsigned>(static_cast<unsigned char>(text[i]) - '0');
      if (d > 9) break;
      value = value * 10 + d;
    }
    // 1 to 18 digits, then ';' or the end.
    if (i == pos + 2 || i - pos - 2 > 18 || (i < n && text[i] != ';')) return std::nullopt;
    pos = i + 1;
    const std::optional<int64_t> v = static_cast<int64_t>(value);
    switch (key) {
      case 't':
        m.response_time_ms = *v;
        seen |= 1;
        break;
      case 'a':
        m.initial_age = *v;
        seen |= 2;
        break;
      case 'l':
        m.lifetime = *v;
        seen |= 4;
        break;
      case 'w': m.stale_while_revalidate = *v; break;
      case 'e': m.stale_if_error = *v; break;
      case 'f': m.flags = static_cast<uint32_t>(*v); break;
      case 'r': m.route = static_cast<uint32_t>(*v); break;
      case 'q': m.fetch_ms = *v; break;
      default: break;  // fields from newer writers are ignored
    }
  }
  if (seen != 7) return std::nullopt;
  return m;
}

}  // namespace freshet
