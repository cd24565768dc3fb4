// Conditional requests answered by the cache (RFC 9111 4.3.2).
#include <gtest/gtest.h>

#include "conditional.h"

namespace freshet {
namespace {

constexpr const char* kLm = "Sun, 06 Nov 1994 08:49:37 GMT";
constexpr const char* kBefore = "Sun, 06 Nov 1994 08:00:00 GMT";
constexpr const char* kAfter = "Mon, 07 Nov 1994 08:00:00 GMT";

ConditionalAction run(std::string_view method, std::vector<std::pair<const char*, const char*>> req,
                      StoredValidators stored) {
  HeaderView h;
  for (const auto& [n, v] : req) h.add(n, v);
  return evaluateConditional(method, h, stored).action;
}

TEST(Conditional, WeakComparison) {
  EXPECT_TRUE(weakEtagMatch("\"a\"", "\"a\""));
  EXPECT_TRUE(weakEtagMatch("W/\"a\"", "\"a\""));
  EXPECT_TRUE(weakEtagMatch("\"a\"", "W/\"a\""));
  EXPECT_FALSE(weakEtagMatch("\"a\"", "\"b\""));
  EXPECT_TRUE(weakEtagMatch("a", "\"a\""));  // lenient: unquoted
  EXPECT_TRUE(weakEtagMatch("w/\"a\"", "w/\"a\""));
  EXPECT_FALSE(weakEtagMatch("", ""));
}

TEST(Conditional, IfNoneMatch) {
  const StoredValidators s{"\"abc\"", "", "", 0};
  EXPECT_EQ(run("GET", {{"if-none-match", "\"abc\""}}, s), ConditionalAction::kNotModified);
  EXPECT_EQ(run("HEAD", {{"if-none-match", "\"x\", W/\"abc\""}}, s),
            ConditionalAction::kNotModified);
  EXPECT_EQ(run("GET", {{"if-none-match", "*"}}, s), ConditionalAction::kNotModified);
  EXPECT_EQ(run("GET", {{"if-none-match", "\"x\""}}, s), ConditionalAction::kFull);
  EXPECT_EQ(run("POST", {{"if-none-match", "\"abc\""}}, s), ConditionalAction::kFull);
  EXPECT_EQ(run("GET", {}, s), ConditionalAction::kFull);
}

TEST(Conditional, IfNoneMatchTakesPrecedenceOverIfModifiedSince) {
  const StoredValidators s{"\"abc\"", kLm, "", 0};
  EXPECT_EQ(run("GET", {{"if-none-match", "\"abc\""}, {"if-modified-since", kBefore}}, s),
            ConditionalAction::kNotModified);
  EXPECT_EQ(run("GET", {{"if-none-match", "\"x\""}, {"if-modified-since", kAfter}}, s),
            ConditionalAction::kFull);
}

TEST(Conditional, IfModifiedSinceUsesLastModifiedThenDateThenReceipt) {
  EXPECT_EQ(run("GET", {{"if-modified-since", kLm}}, {"", kLm, "", 0}),
            ConditionalAction::kNotModified);
  EXPECT_EQ(run("GET", {{"if-modified-since", kAfter}}, {"", kLm, "", 0}),
            ConditionalAction::kNotModified);
  EXPECT_EQ(run("GET", {{"if-modified-since", kBefore}}, {"", kLm, "", 0}),
            ConditionalAction::kFull);
  EXPECT_EQ(run("GET", {{"if-modified-since", kAfter}}, {"", "", kLm, 0}),
            ConditionalAction::kNotModified);
  EXPECT_EQ(run("GET", {{"if-modified-since", kBefore}}, {"", "", "", 784111777}),
            ConditionalAction::kFull);
  EXPECT_EQ(run("GET", {{"if-modified-since", "yesterday"}}, {"", kLm, "", 0}),
            ConditionalAction::kFull);
}

}  // namespace
}  // namespace freshet
