// Conditional requests answered by the cache (RFC 9111 section 4.3.2):
// If-None-Match with weak comparison (RFC 9110 13.1.2, 8.8.3.2), else
// If-Modified-Since against the stored Last-Modified, Date or time of
// receipt (RFC 9110 13.1.3). If-Match, If-Unmodified-Since and If-Range
// are for the origin server (4.3.2), not evaluated here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "decision.h"
#include "headers.h"
#include "http_date.h"

namespace freshet {

// What the cache keeps of the stored response to evaluate preconditions.
struct StoredValidators {
  std::string_view etag;           // ETag field value, empty if none
  std::string_view last_modified;  // Last-Modified field value, empty if none
  std::string_view date;           // Date field value, empty if none
  UnixSeconds received = 0;        // when the response was received
};

// `method` is the request method: only GET and HEAD are answered with 304.
ConditionalDecision evaluateConditional(std::string_view method, const HeaderView& request,
                                        const StoredValidators& stored);

// Weak comparison of two entity-tags (RFC 9110 8.8.3.2), lenient with
// senders: the opaque tags compare equal with or without the W/ prefix,
// with or without the double quotes the grammar requires.
bool weakEtagMatch(std::string_view a, std::string_view b);

}  // namespace freshet
