// A client's preconditions against a stored response (RFC 9111 4.3.2).
#include "conditional.h"
#include "engine.h"

namespace freshet {

ConditionalDecision Engine::decideConditional(const RequestFacts& req, std::string_view etag,
                                              std::string_view last_modified, std::string_view date,
                                              std::string_view meta) const {
  StoredValidators v;
  v.etag = etag;
  v.last_modified = last_modified;
  v.date = date;
  // RFC 9110 13.1.3: without Last-Modified or Date, the time of receipt.
  if (const auto entry = decodeEntryMeta(meta)) v.received = entry->response_time_ms / 1000;
  return evaluateConditional(req.method, *req.headers, v);
}

}  // namespace freshet
