// Structured Field Values for HTTP (RFC 8941): the parsing algorithms of
// section 4.2 for a Dictionary (4.2.2) with its Items (4.2.3), Inner Lists
// (4.2.1.2) and Parameters (4.2.3.2). Strict, as the RFC requires: any
// deviation fails the whole field (4.2: "fail parsing"), and the caller
// then ignores the field. Never reads past the input; no exceptions.
// Keys and texts are views into the input (no copies): a result must not
// outlive the string it was parsed from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace freshet::sf {

// The bare item types of RFC 8941 section 3.3.
enum class Type : uint8_t {
  kInteger,       // 3.3.1: at most 15 digits
  kDecimal,       // 3.3.2: at most 12 integer and 3 fractional digits
  kString,        // 3.3.3
  kToken,         // 3.3.4
  kByteSequence,  // 3.3.5
  kBoolean,       // 3.3.6
};

struct BareItem {
  Type type = Type::kBoolean;
  // kInteger: the value; kDecimal: the value in thousandths (exact: at most
  // three fractional digits); kBoolean: 0 or 1.
  int64_t number = 1;
  // kString: the characters between the quotes, still escaped (see
  // unescaped()); kToken: the token; kByteSequence: the base64 text between
  // the colons, not decoded (no caller needs the bytes; the alphabet is
  // checked, 4.2.7).
  std::string_view text;

  bool isTrue() const { return type == Type::kBoolean && number == 1; }
  // kString: the value with its escapes (backslash-quote, backslash-backslash) resolved; other
  // types: the text as it is.
  std::string unescaped() const;
};

struct Parameter {
  std::string_view key;
  BareItem value;  // Boolean true when the parameter has no value
};
using Parameters = std::vector<Parameter>;

struct Item {
  BareItem value;
  Parameters params;
};

struct Member {
  std::string_view key;
  bool is_inner_list = false;
  Item item;                     // the member's value when !is_inner_list
  std::vector<Item> inner_list;  // the items when is_inner_list
  Parameters list_params;        // the inner list's own parameters
};

// Why parsing failed (the first problem met).
enum class ParseError : uint32_t {
  kNone = 0,
  kKey,                 // a key not starting with lcalpha or "*" (3.1.2)
  kNumber,              // 4.2.4
  kString,              // 4.2.5
  kByteSequence,        // 4.2.7
  kBoolean,             // 4.2.8
  kItem,                // no bare item starts with this character (4.2.3.1)
  kInnerList,           // 4.2.1.2
  kExpectedComma,       // members are separated by "," (4.2.2)
  kTrailingComma,       // "," with no member after it (4.2.2)
  kTrailingCharacters,  // input left after the value (4.2)
};

struct DictionaryResult {
  // In order of first appearance; a repeated key keeps its first position
  // and takes the last value (4.2.2: "overwrite its value").
  std::vector<Member> members;
  ParseError error = ParseError::kNone;
  size_t offset = 0;  // where the error was met

  bool ok() const { return error == ParseError::kNone; }
  const Member* find(std::string_view key) const;
};

// 4.2 with 4.2.2: an empty input is a valid, empty Dictionary.
DictionaryResult parseDictionary(std::string_view input);

// True when all of `input` is a valid Parameters production (4.2.3.2),
// e.g. ";a=1;b".
bool isParameters(std::string_view input);

// A short name for an error ("key", "trailing-comma", ...).
std::string_view errorName(ParseError e);

}  // namespace freshet::sf
