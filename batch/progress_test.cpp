#include "batch/progress.h"

#include <gtest/gtest.h>

#include <sstream>

#include "batch/batch_messages.h"

namespace picbot::batch {
namespace {
using namespace std::chrono_literals;

class ProgressTest : public ::testing::Test {
 protected:
  void SetUp() override { register_batch_messages(); }
  ManualClock clock_;
  std::ostringstream out_;
};

TEST_F(ProgressTest, WithoutATerminalALineEveryTenSeconds) {
  Progress progress(Progress::Mode::kLines, out_, clock_, "en");
  const auto lines = [this] {
    const std::string text = out_.str();
    return std::count(text.begin(), text.end(), '\n');
  };
  ProgressState state{.done = 3, .failed = 1, .running = 2, .queued = 4, .images_per_minute = 12};
  progress.update(state);
  progress.update(state);
  clock_.advance(9s);
  progress.update(state);
  EXPECT_EQ(lines(), 1);
  clock_.advance(1s);
  progress.update(state);
  EXPECT_EQ(lines(), 2);
  EXPECT_NE(out_.str().find("done 3 / failed 1 / running 2 / queued 4 · 12.0 img/min · ETA 30 s"),
            std::string::npos)
      << out_.str();
}

TEST_F(ProgressTest, OnATerminalOneLiveLineWithTheRetryWaits) {
  Progress progress(Progress::Mode::kTerminal, out_, clock_, "en");
  ProgressState state{.done = 1, .running = 1, .waits = {10s}};
  progress.update(state);
  progress.update(state);
  EXPECT_EQ(out_.str().find('\n'), std::string::npos);
  EXPECT_NE(out_.str().find("retry waits 10 s"), std::string::npos) << out_.str();
  progress.finish();
  EXPECT_EQ(out_.str().back(), '\n');
}

TEST_F(ProgressTest, JsonModeWritesOneObjectPerEventAndNoText) {
  Progress progress(Progress::Mode::kJson, out_, clock_, "en");
  progress.say("hidden");
  progress.event("image_done", {{"image", "a.png"}});
  std::istringstream lines(out_.str());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  const auto event = nlohmann::json::parse(line);
  EXPECT_EQ(event["event"], "image_done");
  EXPECT_EQ(event["image"], "a.png");
  EXPECT_FALSE(std::getline(lines, line));
}

}  // namespace
}  // namespace picbot::batch
