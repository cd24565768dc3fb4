#include "device_class.h"

#include "text.h"

namespace freshet {
namespace {

bool contains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (equalsIgnoreCase(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

}  // namespace

DeviceClass classifyDevice(std::string_view ua) {
  const bool android = contains(ua, "android");
  const bool mobile_token = contains(ua, "mobi");
  if (contains(ua, "ipad") || contains(ua, "tablet") || contains(ua, "kindle") ||
      contains(ua, "silk/") || (android && !mobile_token)) {
    return DeviceClass::kTablet;
  }
  if (mobile_token || android || contains(ua, "iphone") || contains(ua, "ipod") ||
      contains(ua, "windows phone") || contains(ua, "blackberry") || contains(ua, "opera mini")) {
    return DeviceClass::kMobile;
  }
  return DeviceClass::kDesktop;
}

std::string_view deviceClassName(DeviceClass d) {
  switch (d) {
    case DeviceClass::kMobile: return "mobile";
    case DeviceClass::kTablet: return "tablet";
    case DeviceClass::kDesktop: return "desktop";
  }
  return "desktop";
}

}  // namespace freshet
