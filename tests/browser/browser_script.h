// Runs one of the console's browser scripts (tests/browser/*.mjs, node +
// playwright-core + Debian's chromium) against a running picbot, and builds
// the console config those tests start picbot with.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/integration/picbot_runner.h"

namespace picbot::testing {

// data_dir, a reverse onebot section and a web section with the password,
// all on 127.0.0.1:0; further sections follow.
std::string browser_console_config(const std::string& password);

// Runs `node script` in tests/browser with CONSOLE_URL (bot's web port),
// CONSOLE_PASSWORD, SCREENSHOT_DIR (the current directory), CHROMIUM and env.
// Success when the script exits 0 within 180 s; otherwise the failure holds
// the script's output (and picbot's). Fails first when npm ci was not run or
// chromium is missing.
::testing::AssertionResult run_browser_script(PicbotRunner& bot, const std::string& script,
                                              const std::string& password,
                                              const std::map<std::string, std::string>& env = {});

}  // namespace picbot::testing
