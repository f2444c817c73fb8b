#include "bot/core/log_throttle.h"

#include <gtest/gtest.h>

#include "bot/core/logging.h"
#include "bot/core/throttled_log.h"

namespace picbot {
namespace {
using namespace std::chrono_literals;

TEST(LogThrottle, LogsTheBurstThenCountsTheRest) {
  ManualClock clock;
  LogThrottle throttle(clock, {.burst = 3, .window = 60s});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(throttle.admit("1.2.3.4").log) << i;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(throttle.admit("1.2.3.4").log) << i;
  EXPECT_TRUE(throttle.admit("5.6.7.8").log) << "another key has its own budget";
}

TEST(LogThrottle, TheFirstEventOfTheNextWindowReportsWhatWasNotLogged) {
  ManualClock clock;
  LogThrottle throttle(clock, {.burst = 1, .window = 60s});
  EXPECT_EQ(throttle.admit("k").suppressed, 0u);
  for (int i = 0; i < 41; ++i) throttle.admit("k");
  clock.advance(59s);
  EXPECT_FALSE(throttle.admit("k").log) << "still the same window";
  clock.advance(1s);
  const auto next = throttle.admit("k");
  EXPECT_TRUE(next.log);
  EXPECT_EQ(next.suppressed, 42u);
  EXPECT_EQ(throttle.admit("k").suppressed, 0u) << "reported once";
}

TEST(LogThrottle, AClockSetBackStartsANewWindow) {
  ManualClock clock;
  LogThrottle throttle(clock, {.burst = 1, .window = 60s});
  throttle.admit("k");
  EXPECT_FALSE(throttle.admit("k").log);
  clock.advance(-3600s);
  EXPECT_TRUE(throttle.admit("k").log);
}

TEST(LogThrottle, MemoryIsBoundedByMaxKeys) {
  ManualClock clock;
  LogThrottle throttle(clock, {.burst = 1, .window = 60s, .max_keys = 16});
  for (int i = 0; i < 10'000; ++i) {
    EXPECT_TRUE(throttle.admit("peer-" + std::to_string(i)).log);
    clock.advance(1ms);
  }
  EXPECT_LE(throttle.keys(), 16u);
  // Expired keys go first: after a window, the table refills from scratch.
  clock.advance(61s);
  throttle.admit("fresh");
  EXPECT_EQ(throttle.keys(), 1u);
}

std::size_t lines_with(const std::string& needle) {
  std::size_t n = 0;
  for (const auto& line : log::recent(1000)) n += line.find(needle) != std::string::npos;
  return n;
}

TEST(ThrottledLog, AFloodFromOnePeerLeavesABurstAndOneSummary) {
  log::set_language("en");
  ManualClock clock;
  ThrottledLog warnings(log::get("test"), "refused upgrades", clock, {.burst = 2, .window = 60s});
  for (int i = 0; i < 1000; ++i)
    warnings.warn("198.51.100.9", [&] { return fmt::format("flood-test: refused 198.51.100.9 (#{})", i); });
  warnings.warn("203.0.113.1", [] { return std::string("flood-test: refused 203.0.113.1"); });
  EXPECT_EQ(lines_with("flood-test: refused 198.51.100.9"), 2u);
  EXPECT_EQ(lines_with("flood-test: refused 203.0.113.1"), 1u) << "another peer is not silenced";
  clock.advance(60s);
  warnings.warn("198.51.100.9", [] { return std::string("flood-test: refused 198.51.100.9 again"); });
  EXPECT_EQ(lines_with("998 more refused upgrades from 198.51.100.9 in the last minute"), 1u);
  EXPECT_EQ(lines_with("flood-test: refused 198.51.100.9 again"), 1u);
  log::set_language("zh-CN");
}

// The summary is in the log language, its event name from the message table.
TEST(ThrottledLog, TheSummaryIsInTheLogLanguage) {
  log::set_language("zh-CN");
  ManualClock clock;
  ThrottledLog warnings(log::get("test"), "log.what_refused_connections", clock, {.burst = 1, .window = 60s});
  int made = 0;
  for (int i = 0; i < 5; ++i) warnings.warn("192.0.2.7", [&] { return "zh-test " + std::to_string(++made); });
  EXPECT_EQ(made, 1) << "a dropped line is not even formatted";
  clock.advance(60s);
  warnings.warn("192.0.2.7", [] { return std::string("zh-test again"); });
  EXPECT_EQ(lines_with("过去一分钟内来自 192.0.2.7 的被拒绝的连接还有 4 次（未记录）"), 1u);
}

}  // namespace
}  // namespace picbot
