// Device class from the User-Agent, for keys that split by device.
#pragma once

#include <string_view>

namespace freshet {

enum class DeviceClass { kDesktop, kMobile, kTablet };

// A coarse, documented classification (docs/manifest.md "Keys"): tablets
// first (iPad, Android without "Mobile", Kindle/Silk, "Tablet"), then phones
// ("Mobi", iPhone, iPod, Android, Windows Phone, BlackBerry, Opera Mini),
// else desktop. Case-insensitive.
DeviceClass classifyDevice(std::string_view user_agent);

std::string_view deviceClassName(DeviceClass d);

}  // namespace freshet
