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
            normalizeSelecting("accept-language", "De ,  EN"));
  EXPECT_EQ(normalizeSelecting("accept-encoding", "gzip;q=1.0, br"),
            normalizeSelecting("accept-encoding", "br, gzip; q=1.0"));
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
