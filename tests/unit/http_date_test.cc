#include "http_date.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace freshet {
namespace {

struct DateCase {
  std::string name;
  std::string text;
  std::optional<UnixSeconds> expected;
};

class HttpDateTest : public testing::TestWithParam<DateCase> {};

TEST_P(HttpDateTest, Parses) {
  EXPECT_EQ(parseHttpDate(GetParam().text), GetParam().expected) << GetParam().text;
}

// RFC 9110 section 5.6.7 example: 784111777 = Sun, 06 Nov 1994 08:49:37 GMT.
INSTANTIATE_TEST_SUITE_P(
    Rfc9110, HttpDateTest,
    testing::Values(
        DateCase{"imf_fixdate", "Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
        DateCase{"rfc850", "Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
        DateCase{"asctime", "Sun Nov  6 08:49:37 1994", 784111777},
        DateCase{"asctime_two_digit_day", "Sun Nov 16 08:49:37 1994", 784111777 + 864000},
        DateCase{"lower_case_names", "sun, 06 nov 1994 08:49:37 GMT", 784111777},
        DateCase{"surrounding_whitespace", "  Sun, 06 Nov 1994 08:49:37 GMT ", 784111777},
        DateCase{"epoch", "Thu, 01 Jan 1970 00:00:00 GMT", 0},
        DateCase{"leap_day", "Thu, 29 Feb 2024 12:00:00 GMT", 1709208000},
        DateCase{"y2k38", "Tue, 19 Jan 2038 03:14:08 GMT", 2147483648LL}),
    [](const auto& info) { return info.param.name; });

// Invalid dates are rejected; RFC 9111 section 5.3 says what Expires makes
// of them.
INSTANTIATE_TEST_SUITE_P(
    InvalidDatesAreRejected, HttpDateTest,
    testing::Values(DateCase{"zero", "0", std::nullopt}, DateCase{"empty", "", std::nullopt},
                    DateCase{"utc_not_gmt", "Sun, 06 Nov 1994 08:49:37 UTC", std::nullopt},
                    DateCase{"bad_month", "Sun, 06 Foo 1994 08:49:37 GMT", std::nullopt},
                    DateCase{"feb_30", "Sun, 30 Feb 1994 08:49:37 GMT", std::nullopt},
                    DateCase{"hour_25", "Sun, 06 Nov 1994 25:49:37 GMT", std::nullopt},
                    DateCase{"trailing_garbage", "Sun, 06 Nov 1994 08:49:37 GMTx", std::nullopt},
                    DateCase{"missing_comma", "Sun 06 Nov 1994 08:49:37 GMT", std::nullopt},
                    DateCase{"one_digit_day_imf", "Sun, 6 Nov 1994 08:49:37 GMT", std::nullopt},
                    DateCase{"bad_day_name", "Sux, 06 Nov 1994 08:49:37 GMT", std::nullopt},
                    DateCase{"letter_in_year", "Sun, 06 Nov 19x4 08:49:37 GMT", std::nullopt},
                    DateCase{"letter_in_second", "Sun, 06 Nov 1994 08:49:3x GMT", std::nullopt},
                    DateCase{"colon_moved", "Sun, 06 Nov 1994 08:4:937 GMT", std::nullopt},
                    DateCase{"lower_case_gmt", "Sun, 06 Nov 1994 08:49:37 gmt", std::nullopt}),
    [](const auto& info) { return info.param.name; });

TEST(HttpDateFormat, RoundTrips) {
  EXPECT_EQ(formatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(formatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(formatHttpDate(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(formatHttpDate(-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT");
  EXPECT_EQ(parseHttpDate(formatHttpDate(1709208000)), 1709208000);
}

}  // namespace
}  // namespace freshet
