// The web console in a real browser: Debian's chromium driven by
// playwright-core (tests/browser/console_e2e.mjs) against the real picbot
// with its sandbox chat and the fake OpenRouter. The script logs in, changes
// model_name and a quota limit, saves, and runs /ping, /banana model and
// /draw in the sandbox; this side then checks the file and the running bot.
// `scripts/install-deps.sh --test` installs chromium and runs `npm ci` here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/browser/browser_script.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;

constexpr char kPassword[] = "browser-pass-123456";
constexpr char kKey[] = "sk-or-v1-browser-key-aaaaaaaa1111";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(BrowserTest, ConsoleEndToEndInChromium) {
  FakeOpenRouter openrouter;
  PicbotRunner bot(browser_console_config(kPassword) + "bot:\n  admins: [1]\n" +
                   gemini_plugin_section({kKey}, openrouter.api_base(), "    max_retry_attempts: 1\n"));
  ASSERT_TRUE(bot.start());
  const std::string model = "test/browser-model";
  ASSERT_TRUE(
      run_browser_script(bot, "console_e2e.mjs", kPassword, {{"MODEL_NAME", model}, {"QUOTA_LIMIT", "7"}}));

  // The file on disk and the running bot changed.
  const std::string saved = read_file(bot.config_path());
  EXPECT_NE(saved.find("model_name: \"" + model + "\""), std::string::npos) << saved;
  EXPECT_NE(saved.find("default_limit: 7"), std::string::npos) << saved;
  EXPECT_NE(saved.find(kKey), std::string::npos);  // the masked key was not written over the real one
  ASSERT_FALSE(openrouter.calls().empty());
  EXPECT_EQ(openrouter.calls().back().body["model"], model);
  EXPECT_EQ(bot.process().output().find(kKey), std::string::npos);
  EXPECT_EQ(bot.process().output().find(kPassword), std::string::npos);
}

// Issue 21 item 5: the settings page's tabs, search, plugin switch, presets
// table and the diff before a save; the file keeps what the form did not touch.
TEST(BrowserTest, SettingsTabsSearchPresetsAndDiffInChromium) {
  FakeOpenRouter openrouter;
  PicbotRunner bot(browser_console_config(kPassword) + "bot:\n  admins: [1]   # the owner\n" +
                   gemini_plugin_section({kKey}, openrouter.api_base(), "    max_retry_attempts: 1\n"));
  ASSERT_TRUE(bot.start());
  const std::string before = read_file(bot.config_path());
  ASSERT_TRUE(run_browser_script(bot, "settings_e2e.mjs", kPassword, {{"SECRET", kKey}}));
  const std::string saved = read_file(bot.config_path());
  EXPECT_NE(saved.find("a cat on a mat"), std::string::npos) << saved;
  EXPECT_NE(saved.find("手办化"), std::string::npos) << "the default preset is kept:\n" << saved;
  EXPECT_TRUE(saved.starts_with(before.substr(0, before.find("plugins:")))) << saved;
  EXPECT_NE(saved.find(kKey), std::string::npos);
}

// Issue 21 item 1: the page notices that picbot went away (banner, no stale
// status, Send and Settings say so) and, when picbot is back on the same port
// with its sessions gone, goes to the login page saying why
// (console_reconnect_e2e.mjs asks this side to stop and start picbot).
TEST(BrowserTest, TheConsoleNoticesWhenPicbotGoesAwayAndComesBack) {
  PicbotRunner bot(browser_console_config(kPassword));
  ASSERT_TRUE(bot.start());
  const std::string web_listen = "127.0.0.1:" + std::to_string(bot.web_port());
  const std::vector<ScriptAction> actions{
      {"stop",
       [&] {
         if (!bot.stop().has_value()) return false;
         // The new picbot must listen where the page is.
         bot.rewrite_config(browser_console_config(kPassword, web_listen));
         return true;
       }},
      {"start", [&] { return bot.start(); }},
  };
  ASSERT_TRUE(run_browser_script(bot, "console_reconnect_e2e.mjs", kPassword, {}, actions));
  EXPECT_EQ(bot.process().output().find(kPassword), std::string::npos);
}

}  // namespace
}  // namespace picbot::testing
