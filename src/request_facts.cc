#include "request_facts.h"

#include "field_index.h"

namespace freshet {
namespace {

enum RequestField : size_t {
  kCacheControl,
  kPragma,
  kAuthorization,
  kTransferEncoding,
  kContentLength,
  kOtherRequestField
};
constexpr std::array<std::string_view, 5> kRequestFields = {
    "cache-control", "pragma", "authorization", "transfer-encoding", "content-length"};

size_t classifyRequestField(std::string_view n) {
  auto is = [n](RequestField f) { return equalsIgnoreCase(n, kRequestFields[f]); };
  switch (n.size()) {
    case 6: return is(kPragma) ? kPragma : kOtherRequestField;
    case 13:
      return is(kCacheControl)    ? kCacheControl
             : is(kAuthorization) ? kAuthorization
                                  : kOtherRequestField;
    case 14: return is(kContentLength) ? kContentLength : kOtherRequestField;
    case 17: return is(kTransferEncoding) ? kTransferEncoding : kOtherRequestField;
    default: return kOtherRequestField;
  }
}

}  // namespace

RequestFacts readRequestFacts(std::string_view method, std::string_view url,
                              const HeaderView& headers) {
  RequestFacts r;
  r.method = method;
  r.url = url;
  r.headers = &headers;
  const FieldIndex fields(headers, kRequestFields, classifyRequestField);
  std::string buf;  // only for a field given more than once
  if (fields.has(kCacheControl)) {
    r.cc = parseRequestCacheControl(fields.joined(kCacheControl, buf));
  } else {
    // RFC 9111 5.4 (deprecated Pragma): without Cache-Control, a request's
    // "Pragma: no-cache" has the effect of "Cache-Control: no-cache".
    forEachListElement(fields.joined(kPragma, buf), [&](std::string_view el) {
      if (equalsIgnoreCase(el, "no-cache")) r.cc.no_cache = true;
    });
  }
  r.has_authorization = fields.has(kAuthorization);
  r.has_transfer_encoding = fields.has(kTransferEncoding);
  r.content_length = fields.find(kContentLength);
  return r;
}

std::optional<std::string_view> findCookie(const HeaderView& headers, std::string_view name) {
  for (const auto& f : headers.fields()) {
    if (!equalsIgnoreCase(f.name, "cookie")) continue;
    std::string_view v = f.value;
    size_t start = 0;
    for (size_t i = 0; i <= v.size(); ++i) {
      if (i == v.size() || v[i] == ';') {
        const std::string_view pair = trimOws(v.substr(start, i - start));
        const size_t eq = pair.find('=');
        if (trimOws(pair.substr(0, eq)) == name) {
          return eq == std::string_view::npos ? std::string_view{} : trimOws(pair.substr(eq + 1));
        }
        start = i + 1;
      }
    }
  }
  return std::nullopt;
}

bool hasCookie(const HeaderView& headers, std::string_view name) {
  return findCookie(headers, name).has_value();
}

}  // namespace freshet
