// Runs one of the console's browser scripts (tests/browser/*.mjs, node +
// playwright-core + Debian's chromium) against a running picbot, and builds
// the console config those tests start picbot with.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/picbot_runner.h"

namespace picbot::testing {

// data_dir, a reverse onebot section on 127.0.0.1:0 and a web section with
// the password on web_listen; further sections follow.
std::string browser_console_config(const std::string& password,
                                   const std::string& web_listen = "127.0.0.1:0");

// Something the script asks this side to do while it runs: when the script
// prints the line "@@picbot <name>", run() is called (e.g. stop or start
// picbot); it returns false when it failed.
struct ScriptAction {
  std::string name;
  std::function<bool()> run;
};

// Runs `node script` in tests/browser with CONSOLE_URL (bot's web port),
// CONSOLE_PASSWORD, SCREENSHOT_DIR (the current directory), CHROMIUM and env.
// Success when the script exits 0 within 180 s; otherwise the failure holds
// the script's output (and picbot's). Fails first when npm ci was not run or
// chromium is missing. actions run in order, each when the script asks for
// it; the script fails when one does.
::testing::AssertionResult run_browser_script(PicbotRunner& bot, const std::string& script,
                                              const std::string& password,
                                              const std::map<std::string, std::string>& env = {},
                                              const std::vector<ScriptAction>& actions = {});

}  // namespace picbot::testing
