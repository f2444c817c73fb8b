// gemini_pic_gen's Quotas and Gallery pages in a real browser, on a phone
// viewport: Debian's chromium driven by playwright-core
// (tests/browser/gemini_pages_e2e.mjs) against the real picbot with the
// sandbox chat and the fake OpenRouter. This side checks that the image and
// its sidecar are gone after the page deleted them.
// `scripts/install-deps.sh --test` installs chromium and runs `npm ci` here.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/paths.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;

constexpr char kPassword[] = "gemini-browser-pass-1";
constexpr char kKey[] = "sk-or-v1-gemini-browser-key-aaaa1111";

TEST(GeminiBrowserTest, QuotasAndGalleryPagesOnAPhone) {
  const auto browser_dir = source_dir() / "tests" / "browser";
  ASSERT_TRUE(std::filesystem::exists(browser_dir / "node_modules" / "playwright-core"))
      << "run `npm ci` in " << browser_dir << " (scripts/install-deps.sh --test does)";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
      << "apt-get install chromium (scripts/install-deps.sh --test)";

  FakeOpenRouter openrouter;
  PicbotRunner bot(
      std::string("data_dir: \"{data_dir}\"\n") +
      "onebot:\n  mode: reverse\n  listen: \"127.0.0.1:0\"\n  access_token: \"browser-token-0123456789\"\n"
      "web:\n  listen: \"127.0.0.1:0\"\n  password: \"" +
      kPassword + "\"\n" + "plugins:\n  gemini_pic_gen:\n    openrouter_api_keys: [\"" + kKey + "\"]\n" +
      "    custom_api_base: \"" + openrouter.api_base() + "\"\n    max_retry_attempts: 1\n" +
      "    rate_limit:\n      enabled: true\n      default_limit: 3\n");
  ASSERT_TRUE(bot.start());
  auto node = ChildProcess::start({"node", (browser_dir / "gemini_pages_e2e.mjs").string()},
                                  {{"CONSOLE_URL", "http://127.0.0.1:" + std::to_string(bot.web_port())},
                                   {"CONSOLE_PASSWORD", kPassword},
                                   {"SCREENSHOT_DIR", std::filesystem::current_path().string()},
                                   {"CHROMIUM", "/usr/bin/chromium"}},
                                  browser_dir);
  ASSERT_TRUE(node.ok()) << node.error().message;
  const auto code = (*node)->wait_exit(180s);
  ASSERT_TRUE(code.has_value()) << "the browser test did not finish:\n" << (*node)->output();
  ASSERT_EQ(*code, 0) << (*node)->output() << "\n--- picbot ---\n" << bot.process().output();

  ASSERT_EQ(openrouter.served_images().size(), 1u);
  // The page deleted the image and its sidecar.
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(bot.dir() / "data" / "images")) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_TRUE(left.empty()) << left.front();
  EXPECT_TRUE(bot.wait_for_log("web console reset user 10001")) << bot.process().output();
  EXPECT_EQ(bot.process().output().find(kKey), std::string::npos);
}

}  // namespace
}  // namespace picbot::testing
