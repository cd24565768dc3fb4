#include "device_class.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

struct UaCase {
  std::string name;
  std::string ua;
  DeviceClass expected;
};

class DeviceClassTest : public testing::TestWithParam<UaCase> {};

TEST_P(DeviceClassTest, Classifies) {
  EXPECT_EQ(deviceClassName(classifyDevice(GetParam().ua)), deviceClassName(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    UserAgents, DeviceClassTest,
    testing::Values(
        UaCase{"iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
               DeviceClass::kMobile},
        UaCase{"android_phone", "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36",
               DeviceClass::kMobile},
        UaCase{"ipad", "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", DeviceClass::kTablet},
        UaCase{"android_tablet", "Mozilla/5.0 (Linux; Android 14; SM-X910) Safari/537.36",
               DeviceClass::kTablet},
        UaCase{"kindle", "Mozilla/5.0 (Linux; U; en-us; KFTHWI) Silk/3.68", DeviceClass::kTablet},
        UaCase{"desktop_chrome", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36",
               DeviceClass::kDesktop},
        UaCase{"empty", "", DeviceClass::kDesktop},
        UaCase{"curl", "curl/8.0", DeviceClass::kDesktop}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace freshet
