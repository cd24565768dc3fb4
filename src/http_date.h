// HTTP-date parsing (RFC 9110 section 5.6.7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace freshet {

// Seconds since the Unix epoch, UTC.
using UnixSeconds = int64_t;

// Parses an HTTP-date in any of the three formats a recipient MUST accept
// (RFC 9110 section 5.6.7): IMF-fixdate, the obsolete RFC 850 form and
// ANSI C asctime(). Returns nullopt for anything else; callers treat an
// invalid date as described by the field that carries it (for Expires: "in
// the past", RFC 9111 section 5.3).
std::optional<UnixSeconds> parseHttpDate(std::string_view text);

// Formats as IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string formatHttpDate(UnixSeconds t);

}  // namespace freshet
