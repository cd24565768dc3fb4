// What the engine needs to know about a request, parsed once.
#pragma once

#include <optional>
#include <string_view>

#include "cache_control.h"
#include "headers.h"

namespace freshet {

struct RequestFacts {
  std::string_view method;
  std::string_view url;
  const HeaderView* headers = nullptr;
  RequestCacheControl cc;  // RFC 9111 5.2.1
  bool has_authorization = false;
  bool has_transfer_encoding = false;
  const std::string_view* content_length = nullptr;  // first value, in *headers
};

RequestFacts readRequestFacts(std::string_view method, std::string_view url,
                              const HeaderView& headers);

// The value of cookie `name` in the Cookie header (RFC 6265 section 5.4):
// "" for a cookie without '=', nullopt when absent.
std::optional<std::string_view> findCookie(const HeaderView& headers, std::string_view name);

// Whether the Cookie header carries a cookie `name`.
bool hasCookie(const HeaderView& headers, std::string_view name);

}  // namespace freshet
