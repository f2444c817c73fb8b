#include "batch/run_report.h"

#include <gtest/gtest.h>

#include "batch/batch_messages.h"

namespace picbot::batch {
namespace {
using namespace std::chrono_literals;

TEST(RunReport, CountsRatesAndClassesFollowTheClock) {
  register_batch_messages();
  ManualClock clock;
  RunReport report(clock, {{"prompt", "anime"}}, "en");
  report.set_totals(4, 1, 0);
  report.record_failure("a.png", ErrorClass::kRateLimited, "429: slow down");
  report.record_success("a.png", "gemini", 2, 3s);
  report.record_success("b.png", "gemini", 1, 1s);
  report.record_failure("c.png", ErrorClass::kBadRequest, "400: no");
  report.record_gave_up("c.png", ErrorClass::kBadRequest, 1, 1s);
  clock.advance(30s);
  EXPECT_DOUBLE_EQ(report.images_per_minute(), 6.0);

  const auto stats = report.processing_stats();
  EXPECT_EQ(stats["successful"], 2);
  EXPECT_EQ(stats["failed"], 1);
  EXPECT_EQ(stats["pending"], 1);
  EXPECT_EQ(stats["skipped"], 1);
  EXPECT_EQ(stats["requests"], 4);
  EXPECT_EQ(stats["failures_by_class"]["rate_limited"], 1);
  EXPECT_EQ(stats["provider_use"]["gemini"], 2);
  EXPECT_DOUBLE_EQ(stats["elapsed_seconds"].get<double>(), 30.0);

  const auto analysis = report.error_analysis();
  EXPECT_EQ(analysis["classes"]["bad_request"]["failed_images"], 1);
  EXPECT_EQ(analysis["classes"]["bad_request"]["examples"][0]["image"], "c.png");
  EXPECT_FALSE(analysis["classes"]["rate_limited"]["advice"].get<std::string>().empty());
}

TEST(RunReport, PromptEvolutionKeepsEveryVersionAndOutcome) {
  ManualClock clock;
  RunReport report(clock, {{"prompt", "anime"}}, "en");
  report.record_prompt("a.png", 1, "anime", "original", "content_filtered");
  report.record_prompt("a.png", 1, "anime", "original", "no_image");
  report.record_prompt("a.png", 2, "simple anime line art", "optimized", "success");
  const auto evolution = report.prompt_evolution();
  EXPECT_EQ(evolution["original_prompt"], "anime");
  const auto& versions = evolution["images"]["a.png"];
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]["outcomes"], nlohmann::json::array({"content_filtered", "no_image"}));
  EXPECT_EQ(versions[1]["prompt"], "simple anime line art");
  EXPECT_EQ(versions[1]["source"], "optimized");
  EXPECT_EQ(versions[1]["outcomes"], nlohmann::json::array({"success"}));
}

}  // namespace
}  // namespace picbot::batch
