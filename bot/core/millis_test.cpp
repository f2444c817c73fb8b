#include "bot/core/millis.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

TEST(EpochMs, CountsWholeMillisecondsSinceTheEpoch) {
  EXPECT_EQ(to_epoch_ms(Clock::time_point{}), 0);
  EXPECT_EQ(to_epoch_ms(Clock::time_point(std::chrono::seconds(1)) + std::chrono::microseconds(999)), 1000);
}

TEST(EpochMs, FromEpochMsIsItsInverse) {
  const Clock::time_point t = Clock::time_point(std::chrono::milliseconds(1'765'000'000'123));
  EXPECT_EQ(from_epoch_ms(to_epoch_ms(t)), t);
  EXPECT_EQ(to_epoch_ms(from_epoch_ms(-5)), -5);
}

TEST(SecondsToMs, TruncatesToWholeMilliseconds) {
  EXPECT_EQ(seconds_to_ms(1.5), std::chrono::milliseconds(1500));
  EXPECT_EQ(seconds_to_ms(0.0019), std::chrono::milliseconds(1));
  EXPECT_EQ(seconds_to_ms(0), std::chrono::milliseconds(0));
}

}  // namespace
}  // namespace picbot
