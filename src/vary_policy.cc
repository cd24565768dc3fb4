// Vary (RFC 9111 section 4.1): which variant a request selects.
#include "engine.h"
#include "vary.h"

namespace freshet {

void Engine::decideVary(const RequestFacts& req, std::string_view vary, VaryDecision& out) const {
  out.names.clear();
  out.variant_id.clear();
  out.reason = Reason::kNone;
  const VarySpec spec = parseVary(vary);
  if (spec.star) {
    // RFC 9110 12.5.5: "*" never matches a later request.
    out.action = VaryAction::kStar;
    out.reason = Reason::kVaryStar;
  } else if (spec.names.empty()) {
    out.action = VaryAction::kNone;
  } else {
    out.action = VaryAction::kSelect;
    out.names = joinVaryNames(spec.names);
    out.variant_id = variantId(spec.names, *req.headers);
  }
}

}  // namespace freshet
