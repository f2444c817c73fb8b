#include "plugins/gemini_pic_gen/draw_stats.h"

#include <gtest/gtest.h>

namespace picbot::gemini {
namespace {

using namespace std::chrono_literals;

TEST(DrawStats, CountsGenerationsByResult) {
  DrawStats stats;
  stats.generation_finished("success", 3s);
  stats.generation_finished("success", 4s);
  stats.generation_finished("no_credits", 1s);
  stats.quota_denied();
  stats.image_delivered();
  stats.delivery_failed();
  const auto& s = stats.snapshot();
  EXPECT_EQ(s.generations,
            (std::map<std::string, std::uint64_t, std::less<>>{{"success", 2}, {"no_credits", 1}}));
  EXPECT_EQ(s.quota_denials, 1u);
  EXPECT_EQ(s.images_delivered, 1u);
  EXPECT_EQ(s.delivery_failures, 1u);
}

TEST(DrawStats, CountsEachProvidersResultsApartAndInTheMetrics) {
  Metrics metrics;
  DrawStats stats;
  stats.set_metrics(&metrics);
  stats.provider_finished("primary", "no_credits");
  stats.provider_finished("backup", "success");
  stats.provider_finished("primary", "no_credits");
  using Counts = std::map<std::string, std::uint64_t, std::less<>>;
  const auto& providers = stats.snapshot().providers;
  ASSERT_EQ(providers.size(), 2u);
  EXPECT_EQ(providers.at("primary"), (Counts{{"no_credits", 2}}));
  EXPECT_EQ(providers.at("backup"), (Counts{{"success", 1}}));
  EXPECT_TRUE(stats.snapshot().generations.empty())
      << "a drawing's own result is counted by generation_finished";
  const std::string text = metrics.render();
  EXPECT_NE(text.find("picbot_provider_results_total{provider=\"primary\",result=\"no_credits\"} 2"),
            std::string::npos)
      << text;
}

TEST(DrawStats, LatencyBucketsIncludeTheirUpperBound) {
  DrawStats stats;
  stats.generation_finished("success", 1s);      // <= 1
  stats.generation_finished("success", 1001ms);  // <= 2.5
  stats.generation_finished("transient", 300s);  // <= 300
  stats.generation_finished("deadline", 301s);   // +Inf
  stats.generation_finished("success", -1s);     // a clock step back counts as 0
  const auto& latency = stats.snapshot().latency;
  EXPECT_EQ(latency.count, 5u);
  EXPECT_DOUBLE_EQ(latency.sum_seconds, 1 + 1.001 + 300 + 301);
  EXPECT_EQ(latency.counts[0], 2u);
  EXPECT_EQ(latency.counts[1], 1u);
  EXPECT_EQ(latency.counts[DrawStats::kLatencyBounds.size() - 1], 1u);
  EXPECT_EQ(latency.counts.back(), 1u);
}

TEST(DrawStats, CountsInTheMetricsRegistry) {
  Metrics metrics;
  DrawStats stats;
  stats.set_metrics(&metrics);
  std::string text = metrics.render();
  EXPECT_NE(text.find("picbot_generations_total{result=\"success\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_quota_denials_total 0"), std::string::npos) << text;

  stats.generation_finished("success", 12s);
  stats.generation_finished("content_filtered", 3s);
  stats.quota_denied();
  stats.image_delivered();
  stats.delivery_failed();
  text = metrics.render();
  for (const char* line :
       {"picbot_generations_total{result=\"success\"} 1",
        "picbot_generations_total{result=\"content_filtered\"} 1", "picbot_quota_denials_total 1",
        "picbot_images_delivered_total 1", "picbot_image_delivery_failures_total 1",
        "picbot_generation_duration_seconds_bucket{result=\"content_filtered\",le=\"5\"} 1",
        "picbot_generation_duration_seconds_bucket{result=\"success\",le=\"10\"} 0",
        "picbot_generation_duration_seconds_bucket{result=\"success\",le=\"15\"} 1",
        "picbot_generation_duration_seconds_bucket{result=\"success\",le=\"+Inf\"} 1",
        "picbot_generation_duration_seconds_count{result=\"success\"} 1"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST(DrawStats, KeepsTheLastDayInHourBuckets) {
  ManualClock clock;  // starts on a whole hour
  DrawStats stats(clock);
  stats.generation_finished("success", 3s);
  stats.generation_finished("rate_limited", 1s);
  clock.advance(2h + 10min);
  stats.generation_finished("success", 4s);
  stats.generation_finished("success", 5s);
  const auto day = stats.last_day();
  ASSERT_EQ(day.size(), DrawStats::kHours);
  EXPECT_EQ(day.back().start, std::chrono::floor<std::chrono::hours>(clock.now()));
  EXPECT_EQ(day.back().successes, 2u);
  EXPECT_EQ(day[day.size() - 3].successes, 1u);
  EXPECT_EQ(day[day.size() - 3].failures.at("rate_limited"), 1u);
  EXPECT_EQ(day[day.size() - 2].successes, 0u);
  EXPECT_TRUE(day[day.size() - 2].failures.empty());
  for (std::size_t i = 1; i < day.size(); ++i) EXPECT_EQ(day[i].start - day[i - 1].start, 1h);
}

TEST(DrawStats, ForgetsHoursOlderThanADay) {
  ManualClock clock;
  DrawStats stats(clock);
  stats.generation_finished("success", 3s);
  clock.advance(24h);  // the same ring slot, a day later
  stats.generation_finished("transient", 3s);
  const auto day = stats.last_day();
  EXPECT_EQ(day.back().successes, 0u);
  EXPECT_EQ(day.back().failures.at("transient"), 1u);
  for (const auto& hour : day) EXPECT_LE(hour.successes, 0u);
  EXPECT_EQ(stats.latency_percentiles().count, 1u);           // the old call is out of the window too
  EXPECT_EQ(stats.snapshot().generations.at("success"), 1u);  // totals since start stay
}

TEST(DrawStats, LatencyPercentilesAreNearestRank) {
  ManualClock clock;
  DrawStats stats(clock);
  EXPECT_EQ(stats.latency_percentiles().count, 0u);
  EXPECT_FALSE(stats.latency_percentiles().p50_seconds);
  for (int s = 1; s <= 20; ++s) stats.generation_finished("success", std::chrono::seconds(s));
  const auto p = stats.latency_percentiles();
  EXPECT_EQ(p.count, 20u);
  EXPECT_DOUBLE_EQ(*p.p50_seconds, 10);
  EXPECT_DOUBLE_EQ(*p.p95_seconds, 19);
}

TEST(DrawStats, LatencyMemoryIsBounded) {
  ManualClock clock;
  DrawStats stats(clock);
  for (std::size_t i = 0; i < DrawStats::kMaxRecentLatencies + 500; ++i) {
    stats.generation_finished("success", i < 500 ? 100s : 1s);
  }
  const auto p = stats.latency_percentiles();
  EXPECT_EQ(p.count, DrawStats::kMaxRecentLatencies);
  EXPECT_DOUBLE_EQ(*p.p95_seconds, 1);  // the 500 slow ones were the oldest, and are gone
}

}  // namespace
}  // namespace picbot::gemini
