// The image gateway's console page in a real browser, on a phone viewport:
// Debian's chromium driven by playwright-core (tests/browser/gateway_page_e2e.mjs)
// against the real picbot, the gateway on the web server. This side checks
// that the created key never reached the log and is gone from the config file
// after the page revoked it.
// `scripts/install-deps.sh --test` installs chromium and runs `npm ci` here.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "tests/browser/browser_script.h"
#include "tests/integration/picbot_runner.h"

namespace picbot::testing {
namespace {

constexpr char kPassword[] = "gateway-browser-pass-1";
constexpr char kFileKey[] = "sk-gw-browser-key-aaaa1111";

TEST(GatewayBrowserTest, KeysRequestsAndClientSettingsOnAPhone) {
  PicbotRunner bot(browser_console_config(kPassword) + "plugins:\n  image_gateway:\n    api_keys:\n" +
                   "      - {name: webui, key: \"" + kFileKey + "\"}\n");
  ASSERT_TRUE(bot.start());
  ASSERT_TRUE(run_browser_script(bot, "gateway_page_e2e.mjs", kPassword));
  EXPECT_TRUE(bot.wait_for_log("gateway key phone created in the console \\(pg-…")) << bot.process().output();
  EXPECT_TRUE(bot.wait_for_log("gateway key phone revoked in the console")) << bot.process().output();
  std::ifstream file(bot.config_path());
  const std::string config((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(config.find("pg-"), std::string::npos) << config;
  EXPECT_NE(config.find(kFileKey), std::string::npos);
}

}  // namespace
}  // namespace picbot::testing
