#include "bot/core/duration_text.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

using namespace std::chrono_literals;

TEST(DurationText, ReadsAsMinutesAndSecondsInEachLanguage) {
  EXPECT_EQ(format_duration("zh-CN", 272s), "4 分 32 秒");
  EXPECT_EQ(format_duration("en", 272s), "4 min 32 s");
}

TEST(DurationText, NamesOnlyTheUnitsThatAreNotZero) {
  EXPECT_EQ(format_duration("zh-CN", 3605s), "1 小时 5 秒");
  EXPECT_EQ(format_duration("en", 2h), "2 h");
  EXPECT_EQ(format_duration("zh-CN", 24h + 3h + 1min + 1s), "1 天 3 小时 1 分 1 秒");
  EXPECT_EQ(format_duration("en", 48h + 30min), "2 d 30 min");
}

TEST(DurationText, RoundsUpToWholeSecondsAndShowsZero) {
  EXPECT_EQ(format_duration("en", 1500ms), "2 s");
  EXPECT_EQ(format_duration("en", 1ms), "1 s");
  EXPECT_EQ(format_duration("zh-CN", 0ms), "0 秒");
  EXPECT_EQ(format_duration("en", -5s), "0 s");
}

}  // namespace
}  // namespace picbot
