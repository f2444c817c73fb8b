#include "bot/core/logging.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "bot/core/secret.h"
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

// The console's logs page filters by level and searches the ring of recent
// lines; the ring stays bounded and its lines are redacted.
TEST(Logging, RecentLinesFilterByLevelAndTextAndTheRingIsBounded) {
  const auto logger = get("ring_test");
  logger->info("ring-test routine line");
  logger->warn("ring-test WARNING line");
  SecretRegistry::instance().add("sk-ring-test-secret-0042");
  logger->error("ring-test broken line, key sk-ring-test-secret-0042");

  auto all = recent_lines(1000, {.contains = "ring-test"});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].level, spdlog::level::info);
  EXPECT_NE(all[0].text.find("ring-test routine line"), std::string::npos);
  EXPECT_EQ(all[2].level, spdlog::level::err);
  EXPECT_EQ(all[2].text.find("sk-ring-test-secret-0042"), std::string::npos) << all[2].text;

  auto problems = recent_lines(1000, {.min_level = spdlog::level::warn, .contains = "ring-test"});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].text.find("WARNING line"), std::string::npos);

  // Case-insensitive; only the last max_lines matches are returned, oldest first.
  auto searched = recent_lines(1, {.contains = "RING-TEST"});
  ASSERT_EQ(searched.size(), 1u);
  EXPECT_NE(searched[0].text.find("broken line"), std::string::npos);
  EXPECT_TRUE(recent_lines(10, {.contains = "no such text anywhere"}).empty());

  for (int i = 0; i < 1200; ++i) logger->info("ring-test filler {}", i);
  auto bounded = recent_lines(5000);
  EXPECT_EQ(bounded.size(), 1000u);
  EXPECT_NE(bounded.back().text.find("ring-test filler 1199"), std::string::npos);
  EXPECT_TRUE(recent_lines(5000, {.contains = "ring-test routine"}).empty());  // pushed out
}

TEST(Logging, TruncateNeverCutsInsideACharacter) {
  EXPECT_EQ(truncate("short", 10), "short");
  // "画图" is 6 bytes; a 4-byte budget keeps only the first character.
  EXPECT_EQ(truncate("画图画图", 4), "画…(12 bytes)");
  EXPECT_EQ(truncate("ab画", 3), "ab…(5 bytes)");
}

}  // namespace
}  // namespace picbot::log
