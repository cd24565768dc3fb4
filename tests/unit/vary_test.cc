// Vary: parsing, normalisation of selecting fields, variant ids
// (RFC 9110 12.5.5, RFC 9111 4.1).
#include <gtest/gtest.h>

#include "vary.h"

namespace freshet {
namespace {

TEST(Vary, ParsesNamesSortedAndDeduplicated) {
  const auto v = parseVary("Foo, bar ,FOO,, Baz");
  EXPECT_FALSE(v.star);
  EXPECT_EQ(v.names, (std::vector<std::string>{"bar", "baz", "foo"}));
  EXPECT_EQ(joinVaryNames(v.names), "bar,baz,foo");
  EXPECT_TRUE(parseVary("").names.empty());
}

TEST(Vary, StarAnywhereNeverMatches) {
  EXPECT_TRUE(parseVary("*").star);
  EXPECT_TRUE(parseVary("*, *").star);
  EXPECT_TRUE(parseVary(", *").star);
  EXPECT_TRUE(parseVary("Foo, *").star);
}

TEST(Vary, NormalisesListsAndAcceptFields) {
  EXPECT_EQ(normalizeSelecting("foo", "1, 2"), normalizeSelecting("foo", " 1 ,2 "));
  EXPECT_NE(normalizeSelecting("foo", "1, 2"), normalizeSelecting("foo", "2, 1"));
  EXPECT_EQ(normalizeSelecting("accept-language", "en, de"),
            normalizeSelecting("accept-language", "EN ,  De"));
}

// RFC 9111 4.1: only normalisations "known to have identical semantics".
// Members of equal weight keep their order (RFC 4647 2.3: the order of
// language ranges is a preference); distinct weights order them.
TEST(Vary, KeepsTheOrderOfEqualWeights) {
  EXPECT_NE(normalizeSelecting("accept-language", "en, fr"),
            normalizeSelecting("accept-language", "fr, en"));
  EXPECT_NE(normalizeSelecting("accept-encoding", "gzip, br"),
            normalizeSelecting("accept-encoding", "br, gzip"));
  EXPECT_NE(normalizeSelecting("accept", "text/html, application/json"),
            normalizeSelecting("accept", "application/json, text/html"));
  EXPECT_EQ(normalizeSelecting("accept-language", "en, fr"), "en,fr");
  EXPECT_EQ(normalizeSelecting("accept-encoding", "gzip;q=1.0, br"),
            normalizeSelecting("accept-encoding", "gzip; q=1.0 ,br"));
}

TEST(Vary, OrdersDistinctWeights) {
  EXPECT_EQ(normalizeSelecting("accept-language", "fr;q=0.5, en"), "en,fr;q=0.5");
  EXPECT_EQ(normalizeSelecting("accept-language", "en, fr;q=0.5"), "en,fr;q=0.5");
  EXPECT_EQ(normalizeSelecting("accept-encoding", "br;q=0.1, gzip;q=0.9, zstd"),
            "zstd,gzip;q=0.9,br;q=0.1");
  EXPECT_EQ(normalizeSelecting("accept", "text/*;q=0.3, text/html;q=0.7, */*;q=0.01"),
            "text/html;q=0.7,text/*;q=0.3,*/*;q=0.01");
  // Ties keep their order around the reordered members.
  EXPECT_EQ(normalizeSelecting("accept-language", "de;q=0.2, en, fr"), "en,fr,de;q=0.2");
  EXPECT_NE(normalizeSelecting("accept-language", "de;q=0.2, en, fr"),
            normalizeSelecting("accept-language", "fr, en, de;q=0.2"));
}

TEST(Vary, MalformedWeightsKeepTheOrder) {
  EXPECT_EQ(normalizeSelecting("accept-language", "fr;q=2, en"), "fr;q=2,en");
  EXPECT_EQ(normalizeSelecting("accept-language", "fr;q=0.5x, en"), "fr;q=0.5x,en");
  EXPECT_EQ(normalizeSelecting("accept-language", "fr;q=0.1234, en"), "fr;q=0.1234,en");
  EXPECT_EQ(normalizeSelecting("accept-language", "fr;q=, en"), "fr;q=,en");
}

TEST(Vary, AcceptKeepsTheCaseOfParameterValues) {
  EXPECT_EQ(normalizeSelecting("accept", "Text/HTML; Level=A"), "text/html;level=A");
  EXPECT_NE(normalizeSelecting("accept", "text/html;level=A"),
            normalizeSelecting("accept", "text/html;level=a"));
  EXPECT_EQ(normalizeSelecting("accept-language", "EN-us"), "en-us");
}

TEST(Vary, VariantIdsSeparateAbsentFromEmptyAndDifferentValues) {
  HeaderView none;
  HeaderView empty;
  empty.add("foo", "");
  HeaderView one;
  one.add("Foo", "1");
  HeaderView two;
  two.add("foo", "2");
  HeaderView repeated;  // two field lines, as "1, 2" on one
  repeated.add("foo", "1");
  repeated.add("foo", "2");
  HeaderView combined;
  combined.add("foo", "1,2");
  const std::vector<std::string> names = {"foo"};
  EXPECT_EQ(variantId(names, none), "foo");
  EXPECT_EQ(variantId(names, empty), "foo=");
  EXPECT_EQ(variantId(names, one), "foo=1");
  EXPECT_NE(variantId(names, one), variantId(names, two));
  EXPECT_EQ(variantId(names, repeated), variantId(names, combined));
}

TEST(Vary, VariantIdsAreUrlSafeAndUnambiguous) {
  HeaderView a;
  a.add("x", "a&y=b");
  HeaderView b;
  b.add("x", "a");
  b.add("y", "b");
  const std::vector<std::string> names = {"x", "y"};
  EXPECT_NE(variantId(names, a), variantId(names, b));
  HeaderView odd;
  odd.add("x", "/ü?#%");
  const std::string id = variantId(names, odd);
  EXPECT_EQ(id.find_first_of("/?#"), std::string::npos) << id;
}

}  // namespace
}  // namespace freshet
