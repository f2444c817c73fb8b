#include "tests/browser/browser_script.h"

#include <chrono>
#include <filesystem>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/paths.h"

namespace picbot::testing {

std::string browser_console_config(const std::string& password, const std::string& web_listen) {
  return "data_dir: \"{data_dir}\"\n"
         "onebot:\n  mode: reverse\n  listen: \"127.0.0.1:0\"\n  access_token: \"browser-token-0123456789\"\n"
         "web:\n  listen: \"" +
         web_listen + "\"\n  password: \"" + password + "\"\n";
}

::testing::AssertionResult run_browser_script(PicbotRunner& bot, const std::string& script,
                                              const std::string& password,
                                              const std::map<std::string, std::string>& env,
                                              const std::vector<ScriptAction>& actions) {
  const auto browser_dir = source_dir() / "tests" / "browser";
  if (!std::filesystem::exists(browser_dir / "node_modules" / "playwright-core")) {
    return ::testing::AssertionFailure()
           << "run `npm ci` in " << browser_dir << " (scripts/install-deps.sh --test does)";
  }
  if (!std::filesystem::exists("/usr/bin/chromium")) {
    return ::testing::AssertionFailure() << "apt-get install chromium (scripts/install-deps.sh --test)";
  }
  auto script_env = env;
  script_env["CONSOLE_URL"] = "http://127.0.0.1:" + std::to_string(bot.web_port());
  script_env["CONSOLE_PASSWORD"] = password;
  script_env["SCREENSHOT_DIR"] = std::filesystem::current_path().string();
  script_env["CHROMIUM"] = "/usr/bin/chromium";
  auto node =
      ChildProcess::start({"node", (browser_dir / script).string()}, std::move(script_env), browser_dir);
  if (!node.ok()) return ::testing::AssertionFailure() << node.error().message;
  for (const auto& action : actions) {
    // Returns early when the script ends without asking (it failed).
    if (!(*node)->wait_for_line(std::regex("^@@picbot " + action.name + "$"), std::chrono::seconds(180)))
      break;
    if (!action.run()) {
      (*node)->kill9();
      return ::testing::AssertionFailure() << "action \"" << action.name << "\" failed; the script said:\n"
                                           << (*node)->output() << "\n--- picbot ---\n"
                                           << bot.process().output();
    }
  }
  const auto code = (*node)->wait_exit(std::chrono::seconds(180));
  if (!code.has_value()) {
    return ::testing::AssertionFailure() << "the browser test did not finish:\n" << (*node)->output();
  }
  if (*code != 0) {
    return ::testing::AssertionFailure() << (*node)->output() << "\n--- picbot ---\n"
                                         << bot.process().output();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace picbot::testing
