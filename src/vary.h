// Vary (RFC 9110 section 12.5.5, RFC 9111 section 4.1): the engine keeps
// variants itself, because the platform Cache API ignores Vary. A response
// with Vary is stored under its URL's key plus a variant id computed from
// the request's selecting header fields; the key URL itself holds a small
// marker naming the fields (docs/architecture.md "Variants").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "headers.h"

namespace freshet {

struct VarySpec {
  bool star = false;               // "*": never matches (RFC 9111 4.1)
  std::vector<std::string> names;  // lower case, sorted, without duplicates
};

// Parses the (combined) Vary field value. Empty members are ignored.
VarySpec parseVary(std::string_view value);

// The names joined with "," (the marker's canonical form).
std::string joinVaryNames(const std::vector<std::string>& names);

// Normalises one selecting field value (RFC 9111 4.1 allows normalising
// values that are semantically the same): list members are trimmed and
// rejoined with ",", so "1, 2", " 1 ,2" and two field lines "1" + "2"
// match. In Accept-Language, Accept-Encoding, Accept and Accept-Charset,
// case and optional whitespace are folded and members are ordered by their
// "q" weight; members of equal weight keep their order, which may carry a
// preference ("en, fr" is not "fr, en"; "fr;q=0.5, en" is "en, fr;q=0.5").
std::string normalizeSelecting(std::string_view name, std::string_view value);

// A URL-safe id of the request's values for `names`, unambiguous: a field
// that is absent differs from one that is present but empty. Two requests
// select the same stored variant iff their ids are equal.
std::string variantId(const std::vector<std::string>& names, const HeaderView& request);

}  // namespace freshet
