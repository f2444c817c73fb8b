#include "bot/core/logging.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace picbot::log {
namespace {
using namespace std::chrono_literals;

std::string read_log(const std::filesystem::path& directory) {
  std::ifstream in(directory / "picbot.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A logger made after init() used to miss flush_on(warn): its warnings sat in
// the file sink's buffer until exit, and a crash lost them.
TEST(Logging, AWarningOfAnyLoggerIsInTheFileAtOnce) {
  testing::TempDir dir;
  const auto early = get("made_before_init");
  init({.level = "info", .directory = dir.path().string()});
  const auto late = get("made_after_init");
  late->warn("late warning {}", 1);
  EXPECT_NE(read_log(dir.path()).find("late warning 1"), std::string::npos);
  early->error("early error {}", 2);
  EXPECT_NE(read_log(dir.path()).find("early error 2"), std::string::npos);
  // Lower levels are flushed by the timer.
  late->info("an info line");
  EXPECT_TRUE(testing::wait_until(
      [&] { return read_log(dir.path()).find("an info line") != std::string::npos; }, 3s));
}

}  // namespace
}  // namespace picbot::log
