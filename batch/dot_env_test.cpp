#include "batch/dot_env.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace picbot::batch {
namespace {

TEST(DotEnv, ReadsTheBatchProcessorsFile) {
  const DotEnv env = parse_dot_env(
      "# the batch processor's .env\n"
      "GEMINI_API_KEY=your_gemini_api_key_here\n"
      "MAX_CONCURRENT_REQUESTS=5\n"
      "export MAX_RETRIES = \"8\"\n"
      "OUTPUT_DIR='./out put' # a comment in quotes' shadow\n"
      "\n"
      "PLAIN=value # comment\n");
  EXPECT_EQ(env.values.at("GEMINI_API_KEY"), "your_gemini_api_key_here");
  EXPECT_EQ(env.values.at("MAX_CONCURRENT_REQUESTS"), "5");
  EXPECT_EQ(env.values.at("MAX_RETRIES"), "8");
  EXPECT_EQ(env.values.at("OUTPUT_DIR"), "./out put");
  EXPECT_EQ(env.values.at("PLAIN"), "value");
  EXPECT_TRUE(env.ignored_lines.empty());
}

TEST(DotEnv, LinesThatAreNotAssignmentsAreReportedNotFatal) {
  const DotEnv env = parse_dot_env("just words\n=nokey\nBAD KEY=1\nOK=1\n");
  EXPECT_EQ(env.values.size(), 1u);
  EXPECT_EQ(env.ignored_lines, (std::vector<int>{1, 2, 3}));
}

TEST(DotEnv, StopsAtTheLineLimit) {
  std::string text;
  for (std::size_t i = 0; i < kMaxDotEnvLines + 10; ++i) text += "K" + std::to_string(i) + "=v\n";
  const DotEnv env = parse_dot_env(text);
  EXPECT_EQ(env.values.size(), kMaxDotEnvLines);
  ASSERT_EQ(env.ignored_lines.size(), 1u);
}

TEST(DotEnv, AMissingFileIsEmptyAndAnOversizedOneRefused) {
  testing::TempDir dir;
  auto missing = read_dot_env(dir.path() / ".env");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->values.empty());
  const auto big = dir.write_file(".env", std::string(kMaxDotEnvBytes + 1, '#'));
  auto refused = read_dot_env(big);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "bad_env_file");
}

}  // namespace
}  // namespace picbot::batch
