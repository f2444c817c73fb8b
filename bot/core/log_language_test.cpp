#include "bot/core/log_language.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "bot/core/logging.h"

namespace picbot {
namespace {

// A reload calls follow_config with the new config: log_language, else
// bot.language. (pin_language, for --lang, is sticky for the process: the
// integration test HostLog.AReloadAppliesLogLanguage covers it.)
TEST(LogLanguage, FollowConfigTakesLogLanguageElseTheBotsLanguage) {
  log::follow_config("en", "zh-CN");
  EXPECT_EQ(log::language(), "en");
  log::follow_config("zh-CN", "en");
  EXPECT_EQ(log::language(), "zh-CN");
  log::follow_config("auto", "en");
  EXPECT_EQ(log::language(), "en");
  log::follow_config("", "zh-CN");
  EXPECT_EQ(log::language(), "zh-CN");
}

// The words around the numbers change with the language; the numbers, ids and
// addresses a script greps stay the same.
TEST(LogLanguage, TheHostsNewLinesReadInBothLanguages) {
  auto malformed = [] {
    return log::text("log.malformed_frame", fmt::arg("link", 7), fmt::arg("reason", "not JSON"),
                     fmt::arg("frame", "{x"));
  };
  log::set_language("en");
  EXPECT_EQ(malformed(), "link #7: malformed frame skipped (not JSON): {x");
  EXPECT_EQ(log::text("log.accept_failed", fmt::arg("listener", "web.listen"),
                      fmt::arg("reason", "Too many open files"),
                      fmt::arg("pause", log::text("log.accept_paused", fmt::arg("ms", 100))),
                      fmt::arg("suppressed", "")),
            "web.listen: accept failed: Too many open files; pausing accepts for 100 ms");
  log::set_language("zh-CN");
  EXPECT_EQ(malformed(), "连接 #7：跳过格式错误的帧（not JSON）：{x");
  EXPECT_EQ(log::text("log.heartbeat_clamped", fmt::arg("link", 3), fmt::arg("ms", 5), fmt::arg("min", 1000),
                      fmt::arg("max", 600000), fmt::arg("used", 1000)),
            "连接 #3：心跳间隔 5 毫秒不在 [1000, 600000] 毫秒之内；看门狗按 1000 毫秒计");
}

// A background task's failure names the task in the log language too.
TEST(LogLanguage, ABackgroundFailureNamesItsTaskInTheLogLanguage) {
  log::set_language("zh-CN");
  log::log_failure(log::get("test"),
                   "log.what_sandbox_handler")(std::make_exception_ptr(std::runtime_error("boom-zh")));
  std::size_t found = 0;
  for (const auto& line : log::recent(100))
    found += line.find("沙盒：消息处理 失败：boom-zh") != std::string::npos;
  EXPECT_EQ(found, 1u);
}

}  // namespace
}  // namespace picbot
