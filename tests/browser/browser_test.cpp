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

#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/paths.h"

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
      kPassword +
      "\"\n"
      "bot:\n  admins: [1]\n"
      "plugins:\n  gemini_pic_gen:\n    openrouter_api_keys: [\"" +
      kKey +
      "\"]\n"
      "    custom_api_base: \"" +
      openrouter.api_base() + "\"\n    max_retry_attempts: 1\n");
  ASSERT_TRUE(bot.start());
  const std::string model = "test/browser-model";
  auto node = ChildProcess::start({"node", (browser_dir / "console_e2e.mjs").string()},
                                  {{"CONSOLE_URL", "http://127.0.0.1:" + std::to_string(bot.web_port())},
                                   {"CONSOLE_PASSWORD", kPassword},
                                   {"MODEL_NAME", model},
                                   {"QUOTA_LIMIT", "7"},
                                   {"SCREENSHOT_DIR", std::filesystem::current_path().string()},
                                   {"CHROMIUM", "/usr/bin/chromium"}},
                                  browser_dir);
  ASSERT_TRUE(node.ok()) << node.error().message;
  const auto code = (*node)->wait_exit(180s);
  ASSERT_TRUE(code.has_value()) << "the browser test did not finish:\n" << (*node)->output();
  ASSERT_EQ(*code, 0) << (*node)->output() << "\n--- picbot ---\n" << bot.process().output();

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

}  // namespace
}  // namespace picbot::testing
