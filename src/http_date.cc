#include "http_date.h"

#include <array>

#include "text.h"

namespace freshet {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool isLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned daysInMonth(int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDaysIn = {31, 28, 31, 30, 31, 30,
                                                       31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDaysIn[m - 1];
}

// A small cursor over the date text; every reader fails softly.
struct Cursor {
  std::string_view s;
  size_t i = 0;

  bool lit(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool spaces() {  // one or more SP
    const size_t start = i;
    while (i < s.size() && s[i] == ' ') ++i;
    return i > start;
  }
  // Exactly `n` digits (n == 0: one or more, at most 4).
  std::optional<int64_t> digits(size_t min, size_t max) {
    size_t n = 0;
    int64_t v = 0;
    while (i < s.size() && n < max && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    if (n < min) return std::nullopt;
    return v;
  }
  // All names are three lower-case letters (RFC 9110 5.6.7 day-name and
  // month); matched case-insensitively.
  template <size_t N>
  std::optional<unsigned> name(const std::array<std::string_view, N>& names, size_t len) {
    if (len != 3 || i + 3 > s.size()) return std::nullopt;
    const char w0 = toLowerAscii(s[i]), w1 = toLowerAscii(s[i + 1]), w2 = toLowerAscii(s[i + 2]);
    for (size_t k = 0; k < N; ++k) {
      if (names[k][0] == w0 && names[k][1] == w1 && names[k][2] == w2) {
        i += 3;
        return static_cast<unsigned>(k);
      }
    }
    return std::nullopt;
  }
  bool done() const { return i == s.size(); }
};

std::optional<UnixSeconds> assemble(int64_t year, unsigned month1, int64_t day, int64_t hour,
                                    int64_t minute, int64_t second) {
  if (month1 < 1 || month1 > 12 || day < 1 || day > daysInMonth(year, month1) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  if (second == 60) second = 59;  // leap second: RFC 9110 allows 60, clamp
  return daysFromCivil(year, month1, static_cast<unsigned>(day)) * 86400 + hour * 3600 +
         minute * 60 + second;
}

bool time_of_day(Cursor& c, int64_t& h, int64_t& m, int64_t& s) {
  auto hh = c.digits(2, 2);
  if (!hh || !c.lit(':')) return false;
  auto mm = c.digits(2, 2);
  if (!mm || !c.lit(':')) return false;
  auto ss = c.digits(2, 2);
  if (!ss) return false;
  h = *hh;
  m = *mm;
  s = *ss;
  return true;
}

// Three letters at `p` folded to lower case and packed (day and month
// names, RFC 9110 5.6.7, are matched case-insensitively).
uint32_t packedName(const char* p) {
  return static_cast<uint32_t>(static_cast<unsigned char>(toLowerAscii(p[0]))) |
         static_cast<uint32_t>(static_cast<unsigned char>(toLowerAscii(p[1]))) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(toLowerAscii(p[2]))) << 16;
}

constexpr uint32_t pack3(const char* s) {
  return static_cast<uint32_t>(s[0]) | static_cast<uint32_t>(s[1]) << 8 |
         static_cast<uint32_t>(s[2]) << 16;
}
constexpr std::array<uint32_t, 12> kPackedMonths = {
    pack3("jan"), pack3("feb"), pack3("mar"), pack3("apr"), pack3("may"), pack3("jun"),
    pack3("jul"), pack3("aug"), pack3("sep"), pack3("oct"), pack3("nov"), pack3("dec")};
constexpr std::array<uint32_t, 7> kPackedDays = {pack3("sun"), pack3("mon"), pack3("tue"),
                                                 pack3("wed"), pack3("thu"), pack3("fri"),
                                                 pack3("sat")};

template <size_t N>
std::optional<unsigned> packedIndex(const std::array<uint32_t, N>& names, uint32_t v) {
  for (size_t k = 0; k < N; ++k) {
    if (names[k] == v) return static_cast<unsigned>(k);
  }
  return std::nullopt;
}

// Two digits at `p`, or -1.
int64_t twoDigits(const char* p) {
  const auto hi = static_cast<unsigned>(static_cast<unsigned char>(p[0]) - '0');
  const auto lo = static_cast<unsigned>(static_cast<unsigned char>(p[1]) - '0');
  return hi > 9 || lo > 9 ? -1 : static_cast<int64_t>(hi * 10 + lo);
}

// IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT - a fixed layout of 29
// characters (RFC 9110 5.6.7), read at fixed offsets: the form nearly
// every Date, Expires and Last-Modified takes.
std::optional<UnixSeconds> parseImf(std::string_view text) {
  if (text.size() != 29) return std::nullopt;
  const char* p = text.data();
  if (p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' ' || p[16] != ' ' || p[19] != ':' ||
      p[22] != ':' || p[25] != ' ' || p[26] != 'G' || p[27] != 'M' || p[28] != 'T') {
    return std::nullopt;
  }
  if (!packedIndex(kPackedDays, packedName(p))) return std::nullopt;
  const auto mon = packedIndex(kPackedMonths, packedName(p + 8));
  const int64_t day = twoDigits(p + 5), century = twoDigits(p + 12), years = twoDigits(p + 14);
  const int64_t h = twoDigits(p + 17), m = twoDigits(p + 20), s = twoDigits(p + 23);
  if (!mon || day < 0 || century < 0 || years < 0 || h < 0 || m < 0 || s < 0) return std::nullopt;
  return assemble(century * 100 + years, *mon + 1, day, h, m, s);
}

// RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
std::optional<UnixSeconds> parseRfc850(std::string_view text, std::optional<int64_t> now_year) {
  static constexpr std::array<std::string_view, 7> kLongDays = {
      "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  const size_t comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  bool known = false;
  for (auto d : kLongDays) known = known || equalsIgnoreCase(text.substr(0, comma), d);
  if (!known) return std::nullopt;
  Cursor c{text, comma + 1};
  if (!c.lit(' ')) return std::nullopt;
  auto day = c.digits(2, 2);
  if (!day || !c.lit('-')) return std::nullopt;
  auto mon = c.name(kMonths, 3);
  if (!mon || !c.lit('-')) return std::nullopt;
  auto yy = c.digits(2, 2);
  if (!yy || !c.lit(' ')) return std::nullopt;
  int64_t h = 0, m = 0, s = 0;
  if (!time_of_day(c, h, m, s) || !c.lit(' ')) return std::nullopt;
  if (!c.lit('G') || !c.lit('M') || !c.lit('T') || !c.done()) return std::nullopt;
  // RFC 9110 section 5.6.7: a two-digit year more than 50 years in the
  // future is taken as the most recent past year with the same digits.
  // Without a clock we anchor on 1970..2069, which is the same rule for
  // every date this decade can see.
  (void)now_year;
  const int64_t year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
  return assemble(year, *mon + 1, *day, h, m, s);
}

// asctime: Sun Nov  6 08:49:37 1994
std::optional<UnixSeconds> parseAsctime(std::string_view text) {
  Cursor c{text};
  if (!c.name(kDays, 3) || !c.lit(' ')) return std::nullopt;
  auto mon = c.name(kMonths, 3);
  if (!mon || !c.lit(' ')) return std::nullopt;
  c.lit(' ');  // day is "SP digit" or "2DIGIT"
  auto day = c.digits(1, 2);
  if (!day || !c.lit(' ')) return std::nullopt;
  int64_t h = 0, m = 0, s = 0;
  if (!time_of_day(c, h, m, s) || !c.lit(' ')) return std::nullopt;
  auto year = c.digits(4, 4);
  if (!year || !c.done()) return std::nullopt;
  return assemble(*year, *mon + 1, *day, h, m, s);
}

}  // namespace

std::optional<UnixSeconds> parseHttpDate(std::string_view text) {
  text = trimOws(text);
  if (text.size() < 20 || text.size() > 40) return std::nullopt;
  if (auto t = parseImf(text)) return t;
  if (auto t = parseRfc850(text, std::nullopt)) return t;
  return parseAsctime(text);
}

std::string formatHttpDate(UnixSeconds t) {
  static constexpr std::array<const char*, 7> kDayNames = {"Thu", "Fri", "Sat", "Sun",
                                                           "Mon", "Tue", "Wed"};
  static constexpr std::array<const char*, 12> kMonNames = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  const int64_t secs = t - days * 86400;
  const auto weekday = static_cast<size_t>(((days % 7) + 7) % 7);
  // civil_from_days
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
  // IMF-fixdate (RFC 9110 5.6.7), written by hand: snprintf would bring
  // printf's float formatting (and 128-bit float helpers) into the module.
  char out[64];
  char* w = out;
  auto text = [&w](const char* s) {
    while (*s != 0) *w++ = *s++;
  };
  auto two = [&w](int64_t v) {
    *w++ = static_cast<char>('0' + v / 10);
    *w++ = static_cast<char>('0' + v % 10);
  };
  text(kDayNames[weekday]);
  text(", ");
  two(d);
  *w++ = ' ';
  text(kMonNames[m - 1]);
  *w++ = ' ';
  if (y >= 0 && y <= 9999) {
    two(y / 100);
    two(y % 100);
  } else {
    w = writeDecimal(w, y);  // outside what the format can say; kept readable
  }
  *w++ = ' ';
  two(secs / 3600);
  *w++ = ':';
  two((secs / 60) % 60);
  *w++ = ':';
  two(secs % 60);
  text(" GMT");
  return std::string(out, static_cast<size_t>(w - out));
}

}  // namespace freshet
