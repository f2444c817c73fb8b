#include "bot/app/command_line.h"

#include <gtest/gtest.h>

#include "batch/batch_messages.h"
#include "bot/app/host_messages.h"

namespace picbot {
namespace {

class CommandLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_host_messages();
    batch::register_batch_messages();
  }
};

TEST_F(CommandLineTest, TheHostFlagsKeepTheirMeaning) {
  auto line = parse_command_line({"--config", "x.yaml", "--check-config", "--lang", "en"});
  ASSERT_TRUE(line.ok()) << line.error();
  EXPECT_EQ(line->config_path, "x.yaml");
  EXPECT_TRUE(line->config_given);
  EXPECT_TRUE(line->check_only);
  EXPECT_EQ(line->language, "en");
  EXPECT_TRUE(line->language_given);
  EXPECT_FALSE(line->batch);

  auto defaults = parse_command_line({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->config_path, "config/picbot.yaml");
  EXPECT_EQ(defaults->language, "zh-CN");
  EXPECT_FALSE(defaults->language_given);
}

TEST_F(CommandLineTest, UsageErrorsAreExplainedInTheLanguageOfLang) {
  auto unknown = parse_command_line({"--colour", "--lang", "en"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().find("unknown argument '--colour'"), std::string::npos) << unknown.error();
  EXPECT_NE(unknown.error().find("usage: picbot"), std::string::npos);

  auto missing = parse_command_line({"--lang", "en", "--config"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("--config needs a value"), std::string::npos) << missing.error();

  auto language = parse_command_line({"--lang", "fr"});
  ASSERT_FALSE(language.ok());
  EXPECT_NE(language.error().find("zh-CN"), std::string::npos) << language.error();
}

TEST_F(CommandLineTest, BatchTakesTheBatchProcessorsFlags) {
  auto line = parse_command_line({"batch", "--input-dir", "/in", "--prompt", "动漫风格", "--output-dir", "./results",
                                  "--max-concurrent", "10", "--max-retries", "8", "--enable-prompt-optimization",
                                  "--archive-format", "zip", "--recursive", "--resume", "--json", "--dry-run",
                                  "--ar", "16:9", "--provider", "gemini", "--config", "c.yaml", "--lang", "en"});
  ASSERT_TRUE(line.ok()) << line.error();
  ASSERT_TRUE(line->batch);
  const batch::BatchOptions& b = *line->batch;
  EXPECT_EQ(b.input_dir, "/in");
  EXPECT_EQ(b.prompt, "动漫风格");
  EXPECT_EQ(b.output_dir, "./results");
  EXPECT_EQ(b.max_concurrent, 10);
  EXPECT_EQ(b.max_retries, 8);
  EXPECT_TRUE(b.prompt_optimization && b.recursive && b.resume && b.json && b.dry_run);
  EXPECT_EQ(b.archive_format, "zip");
  EXPECT_EQ(b.aspect_ratio, "16:9");
  EXPECT_EQ(b.provider, "gemini");
  EXPECT_EQ(line->config_path, "c.yaml");
  EXPECT_EQ(line->language, "en");

  auto unset = parse_command_line({"batch", "--input-dir", "in", "--prompt", "p"});
  ASSERT_TRUE(unset.ok());
  EXPECT_FALSE(unset->batch->output_dir);  // left to OUTPUT_DIR or the default
  EXPECT_FALSE(unset->batch->max_concurrent);
}

TEST_F(CommandLineTest, BatchUsageErrors) {
  auto both = parse_command_line({"--lang", "en", "batch", "--size", "1024x1024", "--ar", "1:1"});
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().find("--size and --ar cannot be used together"), std::string::npos) << both.error();
  EXPECT_NE(both.error().find("usage: picbot batch"), std::string::npos) << both.error();

  auto typo = parse_command_line({"batch", "--input", "x", "--lang", "en"});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().find("unknown argument '--input'"), std::string::npos) << typo.error();

  auto not_a_number = parse_command_line({"batch", "--max-concurrent", "many"});
  ASSERT_FALSE(not_a_number.ok());
}

TEST_F(CommandLineTest, HelpOfBatchListsEveryFlag) {
  auto line = parse_command_line({"batch", "--help", "--lang", "en"});
  ASSERT_TRUE(line.ok()) << line.error();
  for (const char* flag : {"--input-dir", "--prompt", "--output-dir", "--max-concurrent", "--max-retries",
                           "--enable-prompt-optimization", "--archive-format zip|tar|none", "--dry-run",
                           "--provider", "--size WxH | --ar W:H", "--recursive", "--resume", "--config PATH",
                           "--json"}) {
    EXPECT_NE(line->help.find(flag), std::string::npos) << flag;
  }
  auto host = parse_command_line({"-h"});
  ASSERT_TRUE(host.ok());
  EXPECT_NE(host->help.find("batch"), std::string::npos);
}

}  // namespace
}  // namespace picbot
