#include "batch/batch_options.h"

#include <gtest/gtest.h>

#include "batch/batch_messages.h"

namespace picbot::batch {
namespace {

BatchOptions minimal() {
  BatchOptions options;
  options.input_dir = "in";
  options.prompt = "anime style";
  return options;
}

class BatchOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { register_batch_messages(); }
};

TEST_F(BatchOptionsTest, DefaultsAreTheBatchProcessors) {
  auto r = resolve_options(minimal(), {}, "en");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->output_dir, "./output");
  EXPECT_EQ(r->max_concurrent, 5);
  EXPECT_EQ(r->max_retries, 5);
  EXPECT_EQ(r->archive, ArchiveFormat::kNone);
  EXPECT_FALSE(r->prompt_optimization);
}

TEST_F(BatchOptionsTest, EnvironmentFillsWhatTheCommandLineLeavesOut) {
  const Environment env{{"MAX_CONCURRENT_REQUESTS", "9"},
                        {"MAX_RETRIES", "3"},
                        {"OUTPUT_DIR", "/tmp/results"},
                        {"GEMINI_API_KEY", "AIza-test-key"}};
  auto r = resolve_options(minimal(), env, "en");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->max_concurrent, 9);
  EXPECT_EQ(r->max_retries, 3);
  EXPECT_EQ(r->output_dir, "/tmp/results");
  EXPECT_EQ(r->gemini_api_key, "AIza-test-key");

  BatchOptions given = minimal();
  given.max_concurrent = 2;
  given.output_dir = "mine";
  auto wins = resolve_options(given, env, "en");
  ASSERT_TRUE(wins.ok());
  EXPECT_EQ(wins->max_concurrent, 2);
  EXPECT_EQ(wins->output_dir, "mine");
}

TEST_F(BatchOptionsTest, BadValuesAreNamed) {
  BatchOptions no_prompt = minimal();
  no_prompt.prompt.clear();
  EXPECT_NE(resolve_options(no_prompt, {}, "en").error().message.find("--prompt"), std::string::npos);
  BatchOptions zip7 = minimal();
  zip7.archive_format = "7z";
  EXPECT_NE(resolve_options(zip7, {}, "en").error().message.find("'7z'"), std::string::npos);
  EXPECT_NE(resolve_options(minimal(), {{"MAX_RETRIES", "many"}}, "en").error().message.find("MAX_RETRIES"),
            std::string::npos);
  BatchOptions zero = minimal();
  zero.max_concurrent = 0;
  EXPECT_FALSE(resolve_options(zero, {}, "en").ok());
  BatchOptions ratio_as_size = minimal();
  ratio_as_size.size = "16:9";
  EXPECT_FALSE(resolve_options(ratio_as_size, {}, "en").ok());
  BatchOptions size_as_ratio = minimal();
  size_as_ratio.aspect_ratio = "1024x1024";
  EXPECT_FALSE(resolve_options(size_as_ratio, {}, "zh-CN").ok());
}

}  // namespace
}  // namespace picbot::batch
