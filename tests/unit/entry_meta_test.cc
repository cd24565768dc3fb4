#include "entry_meta.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

TEST(EntryMeta, RoundTrips) {
  EntryMeta m{1700000000123, 5, 60, 30, 600, kEntryHasValidator | kEntryImmutable, 3};
  const auto text = encodeEntryMeta(m);
  EXPECT_EQ(text, "1;t=1700000000123;a=5;l=60;w=30;e=600;f=12;r=3");
  EXPECT_EQ(decodeEntryMeta(text), m);
  // The fetch time, when there was one, follows (older readers ignore it).
  m.fetch_ms = 750;
  const auto timed = encodeEntryMeta(m);
  EXPECT_EQ(timed, "1;t=1700000000123;a=5;l=60;w=30;e=600;f=12;r=3;q=750");
  EXPECT_EQ(decodeEntryMeta(timed), m);
  EXPECT_EQ(requestTimeMs(m), 1700000000123 - 750);
}

TEST(EntryMeta, RejectsGarbageAndOtherVersions) {
  EXPECT_FALSE(decodeEntryMeta(""));
  EXPECT_FALSE(decodeEntryMeta("2;t=1;a=1;l=1"));
  EXPECT_FALSE(decodeEntryMeta("1;t=1;a=1"));
  EXPECT_FALSE(decodeEntryMeta("1;t=x;a=1;l=1"));
  EXPECT_FALSE(decodeEntryMeta("1;t=1;a=-1;l=1"));
  EXPECT_TRUE(decodeEntryMeta("1;t=1;a=1;l=1;z=9"));  // unknown fields ignored
  EXPECT_FALSE(decodeEntryMeta("1;t=1;a=1;l=1x"));    // a digit run ends at ';' or the end
  EXPECT_FALSE(decodeEntryMeta("1;t=1;a=1;l="));      // no digits
}

TEST(EntryMeta, NumbersHaveAtMostEighteenDigits) {
  const auto eighteen = decodeEntryMeta("1;t=999999999999999999;a=0;l=0");
  ASSERT_TRUE(eighteen);
  EXPECT_EQ(eighteen->response_time_ms, 999999999999999999LL);
  EXPECT_FALSE(decodeEntryMeta("1;t=1000000000000000000;a=0;l=0"));
  // Far past any int64: rejected, never overflowed.
  EXPECT_FALSE(decodeEntryMeta("1;t=99999999999999999999999999999999;a=0;l=0"));
}

}  // namespace
}  // namespace freshet
