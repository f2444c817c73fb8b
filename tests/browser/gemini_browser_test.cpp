// gemini_pic_gen's Quotas and Gallery pages in a real browser, on a phone
// viewport: Debian's chromium driven by playwright-core
// (tests/browser/gemini_pages_e2e.mjs) against the real picbot with the
// sandbox chat and the fake OpenRouter. This side checks that the image and
// its sidecar are gone after the page deleted them.
// `scripts/install-deps.sh --test` installs chromium and runs `npm ci` here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/browser/browser_script.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;

constexpr char kPassword[] = "gemini-browser-pass-1";
constexpr char kKey[] = "sk-or-v1-gemini-browser-key-aaaa1111";

TEST(GeminiBrowserTest, QuotasAndGalleryPagesOnAPhone) {
  FakeOpenRouter openrouter;
  PicbotRunner bot(browser_console_config(kPassword) +
                   gemini_plugin_section({kKey}, openrouter.api_base(),
                                         "    max_retry_attempts: 1\n"
                                         "    rate_limit:\n      enabled: true\n      default_limit: 3\n") +
                   "storage:\n  local:\n    max_cache_mb: 1\n");
  ASSERT_TRUE(bot.start());
  ASSERT_TRUE(run_browser_script(bot, "gemini_pages_e2e.mjs", kPassword));

  ASSERT_EQ(openrouter.served_images().size(), 1u);
  // The page deleted the image (and its emptied shard folder).
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(bot.dir() / "data" / "images")) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_TRUE(left.empty()) << left.front();
  EXPECT_TRUE(bot.wait_for_log("web console reset user 10001")) << bot.process().output();
  EXPECT_EQ(bot.process().output().find(kKey), std::string::npos);
}

// The dashboard (chart, re-enable) and the sandbox (attach, quote, @bot,
// scroll) in a browser: tests/browser/dashboard_e2e.mjs. Here: what reached
// the fake OpenRouter.
TEST(GeminiBrowserTest, DashboardAndSandboxOnAPhoneAndADesktop) {
  FakeOpenRouter openrouter;
  openrouter.push(kKey, FakeOpenRouter::Script::k401);
  PicbotRunner bot(browser_console_config(kPassword) +
                   gemini_plugin_section({kKey}, openrouter.api_base(), "    max_retry_attempts: 1\n"));
  ASSERT_TRUE(bot.start());
  ASSERT_TRUE(run_browser_script(bot, "dashboard_e2e.mjs", kPassword));

  const auto calls = openrouter.calls();
  ASSERT_EQ(calls.size(), 3u) << bot.process().output();
  EXPECT_EQ(calls[0].script, FakeOpenRouter::Script::k401);
  // The attached 1x1 PNG went with the second drawing ...
  const nlohmann::json attached = calls[1].body["messages"][0]["content"];
  ASSERT_EQ(attached.size(), 2u) << attached.dump().substr(0, 300);
  EXPECT_TRUE(attached[1]["image_url"]["url"].get<std::string>().starts_with("data:image/png;base64,iVBOR"));
  // ... and the quoted drawn image with the third.
  const nlohmann::json quoted = calls[2].body["messages"][0]["content"];
  ASSERT_EQ(quoted.size(), 2u) << quoted.dump().substr(0, 300);
  EXPECT_EQ(quoted[1]["type"], "image_url");
  EXPECT_EQ(bot.process().output().find(kKey), std::string::npos);
}

// Issue 17 item 6: image_providers in the settings form
// (tests/browser/providers_e2e.mjs): an instance added, edited and put first
// from a phone shows on the status page; from a desktop the old one is
// removed. Here: what the file holds after both saves.
TEST(GeminiBrowserTest, ImageProvidersAreAddedOrderedAndRemovedFromTheSettingsForm) {
  constexpr char kNewKey[] = "sk-or-v1-browser-added-key-bbbb2222";
  FakeOpenRouter openrouter;
  FakeOpenRouter added;
  PicbotRunner bot(browser_console_config(kPassword) +
                   "image_providers:\n  my-router:\n    type: openrouter\n" + "    api_base: \"" +
                   openrouter.api_base() + "\"\n    api_keys: [\"" + kKey + "\"]\n" +
                   gemini_plugin_section({kKey}, openrouter.api_base(),
                                         "    max_retry_attempts: 1\n    providers: [my-router]\n"));
  ASSERT_TRUE(bot.start());
  ASSERT_TRUE(run_browser_script(bot, "providers_e2e.mjs", kPassword,
                                 {{"SECRET", kKey}, {"NEW_KEY", kNewKey}, {"NEW_BASE", added.api_base()}}));
  std::ifstream in(bot.config_path());
  const std::string saved((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(saved.find("  added:\n"), std::string::npos) << saved;
  EXPECT_NE(saved.find(kNewKey), std::string::npos) << saved;  // written in clear to the file only
  EXPECT_NE(saved.find("acme/browser-1"), std::string::npos) << saved;
  EXPECT_EQ(saved.find("my-router"), std::string::npos) << saved;
  EXPECT_EQ(bot.process().output().find(kNewKey), std::string::npos);
}

}  // namespace
}  // namespace picbot::testing
