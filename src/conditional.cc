#include "conditional.h"

#include "text.h"

namespace freshet {
namespace {

// The opaque-tag of an entity-tag without its weakness indicator and
// quotes; lenient: "w/" and a missing "/" or quotes are accepted.
std::string_view opaqueTag(std::string_view tag) {
  tag = trimOws(tag);
  if (tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && (tag[1] == '/' || tag[1] == '\\')) {
    tag.remove_prefix(2);
  } else if (tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '"') {
    tag.remove_prefix(1);
  }
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
    tag = tag.substr(1, tag.size() - 2);
  return tag;
}

}  // namespace

bool weakEtagMatch(std::string_view a, std::string_view b) {
  if (trimOws(a) == trimOws(b)) return !trimOws(a).empty();
  const std::string_view oa = opaqueTag(a), ob = opaqueTag(b);
  return !oa.empty() && oa == ob;
}

ConditionalDecision evaluateConditional(std::string_view method, const HeaderView& request,
                                        const StoredValidators& stored) {
  ConditionalDecision d;
  if (method != "GET" && method != "HEAD") return d;
  // RFC 9110 13.2.2 step 3: If-None-Match takes precedence; a recipient
  // ignores If-Modified-Since when If-None-Match is present (13.1.3).
  if (request.has("if-none-match")) {
    std::string buf;
    const std::string_view inm = request.joined("if-none-match", buf);
    bool match = false;
    forEachListElement(inm, [&](std::string_view tag) {
      if (tag == "*" || (!stored.etag.empty() && weakEtagMatch(tag, stored.etag))) match = true;
    });
    d.action = match ? ConditionalAction::kNotModified : ConditionalAction::kFull;
    d.reason = match ? Reason::kNotModified : Reason::kPreconditionFailed;
    return d;
  }
  if (const auto* ims_text = request.find("if-modified-since")) {
    const auto ims = parseHttpDate(*ims_text);
    if (!ims) return d;  // an invalid date: the field is ignored (13.1.3)
    // RFC 9111 4.3.2: Last-Modified, else Date, else the time of receipt.
    std::optional<UnixSeconds> modified;
    if (!stored.last_modified.empty()) modified = parseHttpDate(stored.last_modified);
    if (!modified && !stored.date.empty()) modified = parseHttpDate(stored.date);
    if (!modified) modified = stored.received;
    const bool not_modified = *modified <= *ims;
    d.action = not_modified ? ConditionalAction::kNotModified : ConditionalAction::kFull;
    d.reason = not_modified ? Reason::kNotModified : Reason::kPreconditionFailed;
  }
  return d;
}

}  // namespace freshet
