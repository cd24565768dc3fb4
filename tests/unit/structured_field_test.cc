// RFC 8941 Dictionaries (src/structured_field.cc) and the targeted cache
// fields read through them (RFC 9213 2.1, parseTargetedCacheControl).
#include "structured_field.h"

#include <gtest/gtest.h>

#include "cache_control.h"
#include "text.h"

namespace freshet {
namespace {

using sf::ParseError;
using sf::Type;

TEST(SfDictionary, ParsesEveryBareItemType) {
  const auto d = sf::parseDictionary(
      "i=42, n=-7, dec=1.5, neg=-0.25, s=\"a \\\"q\\\" \\\\ b\", t=foo/bar:1, "
      "b=:aGVsbG8=:, yes=?1, no=?0, flag");
  ASSERT_TRUE(d.ok()) << sf::errorName(d.error);
  ASSERT_EQ(d.members.size(), 10u);
  EXPECT_EQ(d.find("i")->item.value.type, Type::kInteger);
  EXPECT_EQ(d.find("i")->item.value.number, 42);
  EXPECT_EQ(d.find("n")->item.value.number, -7);
  EXPECT_EQ(d.find("dec")->item.value.type, Type::kDecimal);
  EXPECT_EQ(d.find("dec")->item.value.number, 1500);  // thousandths
  EXPECT_EQ(d.find("neg")->item.value.number, -250);
  EXPECT_EQ(d.find("s")->item.value.type, Type::kString);
  EXPECT_EQ(d.find("s")->item.value.text, "a \\\"q\\\" \\\\ b");
  EXPECT_EQ(d.find("s")->item.value.unescaped(), "a \"q\" \\ b");
  EXPECT_EQ(d.find("t")->item.value.unescaped(), "foo/bar:1");
  EXPECT_EQ(d.find("t")->item.value.type, Type::kToken);
  EXPECT_EQ(d.find("t")->item.value.text, "foo/bar:1");
  EXPECT_EQ(d.find("b")->item.value.type, Type::kByteSequence);
  EXPECT_EQ(d.find("b")->item.value.text, "aGVsbG8=");
  EXPECT_TRUE(d.find("yes")->item.value.isTrue());
  EXPECT_EQ(d.find("no")->item.value.type, Type::kBoolean);
  EXPECT_FALSE(d.find("no")->item.value.isTrue());
  // 4.2.2: a member without "=" is Boolean true.
  EXPECT_TRUE(d.find("flag")->item.value.isTrue());
  EXPECT_EQ(d.find("absent"), nullptr);
}

TEST(SfDictionary, ParametersAndInnerLists) {
  const auto d = sf::parseDictionary("a=1;x=2;y, b=(1 \"two\" three;p=?0);q=4, c;z=:AA==:");
  ASSERT_TRUE(d.ok()) << sf::errorName(d.error);
  const auto* a = d.find("a");
  ASSERT_EQ(a->item.params.size(), 2u);
  EXPECT_EQ(a->item.params[0].key, "x");
  EXPECT_EQ(a->item.params[0].value.number, 2);
  EXPECT_TRUE(a->item.params[1].value.isTrue());
  const auto* b = d.find("b");
  ASSERT_TRUE(b->is_inner_list);
  ASSERT_EQ(b->inner_list.size(), 3u);
  EXPECT_EQ(b->inner_list[1].value.text, "two");
  EXPECT_EQ(b->inner_list[2].params[0].key, "p");
  ASSERT_EQ(b->list_params.size(), 1u);
  EXPECT_EQ(b->list_params[0].value.number, 4);
  EXPECT_EQ(d.find("c")->item.params[0].value.type, Type::kByteSequence);
  EXPECT_TRUE(sf::parseDictionary("e=()").ok());
  EXPECT_TRUE(sf::parseDictionary("e=(  1  2  )").ok());
}

TEST(SfDictionary, WhitespaceAndEmptyInput) {
  // 4.2: leading and trailing SP are discarded; OWS around commas (4.2.2).
  EXPECT_TRUE(sf::parseDictionary("").ok());
  EXPECT_TRUE(sf::parseDictionary("").members.empty());
  EXPECT_TRUE(sf::parseDictionary("   ").ok());
  const auto d = sf::parseDictionary("  a=1 ,\tb=2  ");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.members.size(), 2u);
  // A leading tab is not SP.
  EXPECT_EQ(sf::parseDictionary("\ta=1").error, ParseError::kKey);
}

TEST(SfDictionary, RepeatedKeysKeepTheFirstPlaceAndTheLastValue) {
  const auto d = sf::parseDictionary("a=1, b=2, a=3");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.members.size(), 2u);
  EXPECT_EQ(d.members[0].key, "a");
  EXPECT_EQ(d.members[0].item.value.number, 3);
  const auto p = sf::parseDictionary("a;x=1;x=2");
  ASSERT_EQ(p.find("a")->item.params.size(), 1u);
  EXPECT_EQ(p.find("a")->item.params[0].value.number, 2);
}

TEST(SfDictionary, NumberLimits) {
  // 4.2.4: at most 15 integer digits; a Decimal at most 12.3 digits.
  EXPECT_TRUE(sf::parseDictionary("a=999999999999999").ok());
  EXPECT_EQ(sf::parseDictionary("a=9999999999999999").error, ParseError::kNumber);
  EXPECT_TRUE(sf::parseDictionary("a=-999999999999.999").ok());
  EXPECT_EQ(sf::parseDictionary("a=9999999999999.1").error, ParseError::kNumber);
  EXPECT_EQ(sf::parseDictionary("a=1.2345").error, ParseError::kNumber);
  EXPECT_EQ(sf::parseDictionary("a=1.").error, ParseError::kNumber);
  EXPECT_EQ(sf::parseDictionary("a=-").error, ParseError::kNumber);
  EXPECT_EQ(sf::parseDictionary("a=-x").error, ParseError::kNumber);
  EXPECT_EQ(sf::parseDictionary("a=1.2.3").error, ParseError::kExpectedComma);
}

struct Bad {
  const char* input;
  ParseError error;
};

TEST(SfDictionary, InvalidInputFailsWhole) {
  for (const Bad& b : {
           Bad{"max-age=10000, &&&&&", ParseError::kKey},
           Bad{"Max-Age=1", ParseError::kKey},  // keys are lower case (3.1.2)
           Bad{"1a=1", ParseError::kKey},
           Bad{"a=1,", ParseError::kTrailingComma},
           Bad{"a=1, ", ParseError::kTrailingComma},
           Bad{"a=1 b=2", ParseError::kExpectedComma},
           Bad{"max-age =100", ParseError::kExpectedComma},
           Bad{"max-age= 100", ParseError::kItem},
           Bad{"a=\"open", ParseError::kString},
           Bad{"a=\"bad\\escape\"", ParseError::kString},
           Bad{"a=\"tab\there\"", ParseError::kString},
           Bad{"a=\"\xc3\xa9\"", ParseError::kString},
           Bad{"a=:not base64!:", ParseError::kByteSequence},
           Bad{"a=:open", ParseError::kByteSequence},
           Bad{"a=?2", ParseError::kBoolean},
           Bad{"a=?", ParseError::kBoolean},
           Bad{"a=(1 2", ParseError::kInnerList},
           Bad{"a=(1,2)", ParseError::kInnerList},
           Bad{"a=@1", ParseError::kItem},  // an RFC 9651 Date is not RFC 8941
           Bad{"a;=1", ParseError::kKey},
           Bad{",a=1", ParseError::kKey},
       }) {
    const auto d = sf::parseDictionary(b.input);
    EXPECT_FALSE(d.ok()) << b.input;
    EXPECT_EQ(d.error, b.error) << b.input << ": " << sf::errorName(d.error);
    EXPECT_TRUE(d.members.empty()) << b.input;
    EXPECT_LE(d.offset, std::string_view(b.input).size()) << b.input;
  }
}

TEST(SfDictionary, EveryPrefixIsSafe) {
  // Truncated input at every length: parses or fails, never reads past it.
  const std::string full = "a=1;x=\"y\", b=(1.5 :AA==: ?1 tok);z, c=\"\\\\\"";
  for (size_t n = 0; n <= full.size(); ++n) {
    const auto d = sf::parseDictionary(std::string_view(full).substr(0, n));
    if (!d.ok()) {
      EXPECT_LE(d.offset, n);
    }
  }
}

TEST(SfParameters, WholeInput) {
  EXPECT_TRUE(sf::isParameters(""));
  EXPECT_TRUE(sf::isParameters(";foo=bar"));
  EXPECT_TRUE(sf::isParameters(";foo=111; b;c=\"s\""));
  EXPECT_FALSE(sf::isParameters(";"));
  EXPECT_FALSE(sf::isParameters(";Foo=1"));
  EXPECT_FALSE(sf::isParameters(";a=1 x"));
  EXPECT_FALSE(sf::isParameters("x"));
}

// RFC 9213 2.1 on top of the Dictionary.
TEST(TargetedCacheControl, MapsDirectivesByType) {
  const auto t = parseTargetedCacheControl(
      "max-age=60, s-maxage=120, stale-while-revalidate=30, stale-if-error=600, public, "
      "must-revalidate, proxy-revalidate, no-transform, immutable, must-understand, no-store");
  ASSERT_TRUE(t.valid());
  EXPECT_EQ(t.cc.max_age, 60);
  EXPECT_EQ(t.cc.s_maxage, 120);
  EXPECT_EQ(t.cc.stale_while_revalidate, 30);
  EXPECT_EQ(t.cc.stale_if_error, 600);
  EXPECT_TRUE(t.cc.is_public && t.cc.must_revalidate && t.cc.proxy_revalidate);
  EXPECT_TRUE(t.cc.no_transform && t.cc.immutable && t.cc.must_understand && t.cc.no_store);
}

TEST(TargetedCacheControl, FieldListsAreStrings) {
  const auto t = parseTargetedCacheControl("no-cache=\"Set-Cookie, X-A\", private");
  ASSERT_TRUE(t.valid());
  EXPECT_FALSE(t.cc.no_cache);
  EXPECT_EQ(t.cc.no_cache_fields, (std::vector<std::string>{"set-cookie", "x-a"}));
  EXPECT_TRUE(t.cc.is_private);
  EXPECT_TRUE(parseTargetedCacheControl("no-cache=\"\"").cc.no_cache);
}

TEST(TargetedCacheControl, ParametersAndUnknownDirectivesAreIgnored) {
  const auto t = parseTargetedCacheControl("foobar, max-age=60;x=1, ext=(a b), other=\"s\"");
  ASSERT_TRUE(t.valid());
  EXPECT_EQ(t.cc.max_age, 60);
}

TEST(TargetedCacheControl, RepeatedDirectiveTakesTheLastValue) {
  EXPECT_EQ(parseTargetedCacheControl("max-age=10, max-age=100").cc.max_age, 100);
}

TEST(TargetedCacheControl, LargeDurationsAreDeltaSeconds) {
  EXPECT_EQ(parseTargetedCacheControl("max-age=99999999999").cc.max_age, kDeltaSecondsMax);
  EXPECT_EQ(parseTargetedCacheControl("max-age=2147483648").cc.max_age, kDeltaSecondsMax);
}

TEST(TargetedCacheControl, InvalidFieldsAreIgnoredWhole) {
  using S = TargetedStatus;
  const std::pair<const char*, S> cases[] = {
      {"max-age=10000, &&&&&", S::kInvalidDictionary},
      {"MaX-aGe=3600", S::kInvalidDictionary},
      {"max-age =100", S::kInvalidDictionary},
      {"max-age= 100", S::kInvalidDictionary},
      {"max-age=60,", S::kInvalidDictionary},
      {"max-age=\"10000\"", S::kWrongType},
      {"max-age=-1", S::kWrongType},
      {"max-age=1.5", S::kWrongType},
      {"max-age=tok", S::kWrongType},
      {"max-age=(60)", S::kWrongType},
      {"no-store=?0", S::kWrongType},
      {"no-store=1", S::kWrongType},
      {"private=tok", S::kWrongType},
      {"", S::kEmpty},
      {"   ", S::kEmpty},
  };
  for (const auto& [in, status] : cases) {
    const auto t = parseTargetedCacheControl(in);
    EXPECT_EQ(t.status, status) << in;
    EXPECT_EQ(t.cc, ResponseCacheControl{}) << in;
  }
}

}  // namespace
}  // namespace freshet
