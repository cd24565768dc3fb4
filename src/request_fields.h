// The request fields the engine reads under a manifest: a request record
// may carry only these (docs/abi.md "Input records"), which keeps the
// per-request copy into wasm small. Vary can name any other field, so a
// record meant for a Vary decision carries every field.
#pragma once

#include <string>
#include <vector>

#include "manifest.h"

namespace freshet {

// Lower-case names, sorted, without duplicates. Pseudo-fields (":key-part",
// ":body-size", ":body-sha256") are always read and are not listed.
std::vector<std::string> requestFieldNames(const Manifest& m);

}  // namespace freshet
