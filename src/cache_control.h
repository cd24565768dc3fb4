// Typed Cache-Control (RFC 9111 section 5.2) and the targeted variants
// CDN-Cache-Control (RFC 9213) and Surrogate-Control.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace freshet {

// Request directives, RFC 9111 section 5.2.1.
struct RequestCacheControl {
  std::optional<int64_t> max_age;          // 5.2.1.1
  bool max_stale = false;                  // 5.2.1.2 present
  std::optional<int64_t> max_stale_value;  // 5.2.1.2; absent value = any staleness
  std::optional<int64_t> min_fresh;        // 5.2.1.3
  bool no_cache = false;                   // 5.2.1.4
  bool no_store = false;                   // 5.2.1.5
  bool only_if_cached = false;             // 5.2.1.7

  bool operator==(const RequestCacheControl&) const = default;
};

// Response directives, RFC 9111 section 5.2.2, plus RFC 5861 and RFC 8246.
struct ResponseCacheControl {
  std::optional<int64_t> max_age;                 // 5.2.2.1
  std::optional<int64_t> s_maxage;                // 5.2.2.10
  bool must_revalidate = false;                   // 5.2.2.2
  bool proxy_revalidate = false;                  // 5.2.2.8
  bool must_understand = false;                   // 5.2.2.3
  bool no_cache = false;                          // 5.2.2.4 (unqualified)
  std::vector<std::string> no_cache_fields;       // 5.2.2.4 qualified form
  bool no_store = false;                          // 5.2.2.5
  bool no_transform = false;                      // 5.2.2.6
  bool is_public = false;                         // 5.2.2.9
  bool is_private = false;                        // 5.2.2.7 (unqualified)
  std::vector<std::string> private_fields;        // 5.2.2.7 qualified form
  std::optional<int64_t> stale_while_revalidate;  // RFC 5861 section 3
  std::optional<int64_t> stale_if_error;          // RFC 5861 section 4
  bool immutable = false;                         // RFC 8246

  bool operator==(const ResponseCacheControl&) const = default;
};

// Lenient parsing (RFC 9111 section 5.2): unknown directives are ignored; a
// directive whose argument is malformed is treated as if absent, except that
// a malformed max-age / s-maxage means "stale" (RFC 9111 section 4.2.1:
// "invalid ... SHOULD be considered stale"), represented as 0. When max-age
// or s-maxage repeats, the first occurrence is used (4.2.1); for the other
// durations the most restrictive (smallest) wins.
RequestCacheControl parseRequestCacheControl(std::string_view value);
ResponseCacheControl parseResponseCacheControl(std::string_view value);

// A targeted field (RFC 9213: CDN-Cache-Control, Freshet-Cache-Control) and
// whether it may be used.
enum class TargetedStatus : uint32_t {
  kValid = 0,
  kEmpty = 1,              // 2.1: an empty field is ignored
  kInvalidDictionary = 2,  // 2.1: not an RFC 8941 Dictionary, ignored whole
  kWrongType = 3,          // 2.1: a known directive's value of the wrong type, ignored whole
};

struct TargetedCacheControl {
  TargetedStatus status = TargetedStatus::kValid;
  ResponseCacheControl cc;  // the directives; empty unless kValid

  bool valid() const { return status == TargetedStatus::kValid; }
};

// RFC 9213 section 2.1: a targeted field is a Structured Field Dictionary
// (RFC 8941 3.2) whose members are cache directives: argument-less ones are
// Boolean true, durations Integers (non-negative), and no-cache / private
// Boolean true or a String listing field names. Parameters and unknown
// directives are ignored. Invalid syntax, or a known directive of another
// type (max-age="60", no-store=?0), makes the whole field invalid, and the
// cache behaves as if it were absent. Unlike Cache-Control, a repeated
// directive takes the last value (RFC 8941 4.2.2).
TargetedCacheControl parseTargetedCacheControl(std::string_view value);

// The name freshet gives itself in Surrogate-Capability (Edge Architecture
// Specification 1.0); directives targeted ";freshet" are ours.
inline constexpr std::string_view kSurrogateDevice = "freshet";

// The Surrogate-Control directives that apply to `device`: untargeted ones
// and those with a ";device" suffix (suffix removed); others are dropped.
std::string surrogateDirectivesFor(std::string_view value, std::string_view device);

}  // namespace freshet
