#include "bot/config/config_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/config/config_loader.h"

namespace picbot::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Schema test_schema() {
  Schema schema = Schema::with_host_sections();
  Field presets = map_field("presets", FieldType::kObject, nlohmann::json::object(), "预设", "Presets");
  presets.children = {string_field("prompt", "", "提示词", "Prompt"),
                      float_field("strength", 1, "强度", "Strength")};
  schema.add_plugin(
      "gemini_pic_gen",
      {
          with_env(secret_field("api_key", "密钥", "API key"), "PICBOT_PIC_KEY"),
          map_field("aliases", FieldType::kString, nlohmann::json::object(), "别名", "Aliases"),
          presets,
          object_field(
              "rate_limit",
              {object_list_field(
                  "group_limits",
                  {int_field("group_id", 0, "群号", "Group"), int_field("limit", 10, "次数", "Limit"),
                   list_field("tags", FieldType::kString, nlohmann::json::array(), "标签", "Tags")},
                  "按群限额", "Per-group limits")},
              "限流", "Rate limit"),
      });
  schema.add_plugin("other", {});
  return schema;
}

nlohmann::json validated(const Schema& schema, std::string_view yaml) {
  auto raw = parse_yaml(yaml);
  EXPECT_TRUE(raw.ok()) << (raw.ok() ? "" : format_issue(raw.error().front(), "en")) << "\n" << yaml;
  if (!raw.ok()) return nullptr;
  auto loaded = validate_config(schema, *raw, {});
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : format_issue(loaded.error().front(), "en")) << "\n" << yaml;
  if (!loaded.ok()) return nullptr;
  EXPECT_TRUE(loaded->warnings.empty()) << format_issue(loaded->warnings.front(), "en");
  return loaded->values;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConfigWriterTest, RoundTripsDefaults) {
  Schema schema = test_schema();
  nlohmann::json defaults = validated(schema, "");
  EXPECT_EQ(validated(schema, render_yaml(schema, defaults)), defaults);
  EXPECT_EQ(validated(schema, render_yaml(schema, defaults, "en")), defaults);
}

TEST(ConfigWriterTest, RoundTripsAwkwardValues) {
  Schema schema = test_schema();
  nlohmann::json values = validated(schema, "plugins:\n  gemini_pic_gen:\n");
  values["data_dir"] = "C:\\data \"quoted\" # not a comment: {x}";
  values["log_level"] = "debug";
  values["bot"]["command_prefixes"] = {"/", "#", "- ", "", "'", "true", "null", "中文"};
  values["bot"]["nicknames"] = {"小图", "yes"};
  values["bot"]["admins"] = {10001, 9007199254740993LL};
  values["bot"]["disabled_reply"] = "line1\nline2\ttab\n";
  values["llm"]["system_prompt"] = "  leading space\nsecond";
  values["llm"]["temperature"] = 1.25;
  values["llm"]["api_keys"] = {"sk-or-v1-abc:def#x", "0123"};
  values["llm"]["session_scope_overrides"] = {{{"group_id", 1}, {"scope", "per_group"}},
                                              {{"group_id", 2}, {"scope", "per_member"}}};
  values["web"]["password"] = "p@ss: word\r\n\x01";
  values["web"]["public_base_url"] = "1.10";
  auto& plugin = values["plugins"]["gemini_pic_gen"];
  plugin["enabled"] = false;
  plugin["api_key"] = "key-123456789";
  plugin["aliases"] = {{"cat", "猫"}, {"a.b: c", "x\ny"}};
  plugin["presets"]["anime"] = {{"prompt", "画成动漫风格\n保持构图\n"}, {"strength", 0.5}};
  plugin["presets"]["plain"] = {{"prompt", ""}, {"strength", 1.0}};
  plugin["rate_limit"]["group_limits"] = {{{"group_id", 5}, {"limit", 3}, {"tags", {"a", "b"}}},
                                          {{"group_id", 6}, {"limit", 4}, {"tags", nlohmann::json::array()}}};

  for (const char* language : {"zh-CN", "en"}) {
    std::string yaml = render_yaml(schema, values, language);
    EXPECT_EQ(validated(schema, yaml), values) << yaml;
  }
}

TEST(ConfigWriterTest, DocumentsEveryKeyInTheChosenLanguage) {
  Schema schema = test_schema();
  std::string zh = render_yaml(schema, validated(schema, ""));
  EXPECT_THAT(zh, HasSubstr("# 连接方式"));
  EXPECT_THAT(zh, HasSubstr("# 默认: reverse | 可选: forward, reverse\n  mode: reverse\n"));
  EXPECT_THAT(zh, HasSubstr("环境变量: PICBOT_ONEBOT_TOKEN"));
  EXPECT_THAT(zh, HasSubstr("范围: 1 ~ 1024"));
  EXPECT_THAT(zh, HasSubstr("修改后需重启"));
  EXPECT_THAT(zh, HasSubstr("  system_prompt: |-\n    你是"));
  EXPECT_THAT(zh, HasSubstr("  command_prefixes: [\"/\"]\n"));
  EXPECT_THAT(zh, HasSubstr("  session_scope_overrides: []\n"));
  EXPECT_THAT(zh, HasSubstr("#   group_id: 群号。"));
  EXPECT_THAT(zh, HasSubstr("\nplugins: {}\n"));

  std::string en = render_yaml(schema, validated(schema, ""), "en-US");
  EXPECT_THAT(en, HasSubstr("# Connection mode"));
  EXPECT_THAT(en, HasSubstr("# default: reverse | one of: forward, reverse\n"));
  EXPECT_THAT(en, HasSubstr("env: PICBOT_LLM_API_KEYS"));
  EXPECT_THAT(en, Not(HasSubstr("连接方式")));
}

TEST(ConfigWriterTest, RendersOnlyPresentPluginSections) {
  Schema schema = test_schema();
  std::string yaml = render_yaml(schema, validated(schema, "plugins:\n  other:\n"));
  EXPECT_THAT(yaml, HasSubstr("  other:\n"));
  EXPECT_THAT(yaml, Not(HasSubstr("\n  gemini_pic_gen:")));
  nlohmann::json back = validated(schema, yaml);
  EXPECT_TRUE(back["plugins"].contains("other"));
  EXPECT_FALSE(back["plugins"].contains("gemini_pic_gen"));
}

TEST(ConfigWriterTest, ExampleHasEveryPluginSection) {
  Schema schema = test_schema();
  std::string yaml = render_example_yaml(schema);
  nlohmann::json values = validated(schema, yaml);
  EXPECT_EQ(values, schema.defaults(true));
  EXPECT_EQ(values["plugins"]["gemini_pic_gen"]["enabled"], true);
  EXPECT_EQ(values["plugins"]["other"]["enabled"], true);
}

TEST(ConfigWriterTest, CommittedExampleConfigLoads) {
  const std::filesystem::path source_dir = PICBOT_CONFIG_SOURCE_DIR;
  Schema schema = Schema::with_host_sections();
  schema.add_plugin("gemini_pic_gen", {});
  auto loaded = load_config_file(schema, source_dir / "config/picbot.example.yaml", {});
  ASSERT_TRUE(loaded.ok()) << format_issue(loaded.error().front(), "en");
  EXPECT_TRUE(loaded->values["plugins"].contains("gemini_pic_gen"));
}

class SaveConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::path(::testing::TempDir()) /
        ("save_config_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> dir_entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_))
      names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::filesystem::path dir_;
};

TEST_F(SaveConfigTest, NewFileIsPrivateAndHasNoBackup) {
  auto path = dir_ / "picbot.yaml";
  ASSERT_TRUE(save_config_file(path, "log_level: info\n").ok());
  EXPECT_EQ(read_file(path), "log_level: info\n");
  EXPECT_EQ(dir_entries(), std::vector<std::string>{"picbot.yaml"});
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(SaveConfigTest, ReplacingKeepsBackupModeAndLeavesNoTemporaryFiles) {
  auto path = dir_ / "picbot.yaml";
  { std::ofstream(path) << "old: 1\n"; }
  ::chmod(path.c_str(), 0640);
  ASSERT_TRUE(save_config_file(path, "new: 2\n").ok());
  EXPECT_EQ(read_file(path), "new: 2\n");
  EXPECT_EQ(read_file(dir_ / "picbot.yaml.bak"), "old: 1\n");
  EXPECT_EQ(dir_entries(), (std::vector<std::string>{"picbot.yaml", "picbot.yaml.bak"}));
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);

  ASSERT_TRUE(save_config_file(path, "newer: 3\n").ok());
  EXPECT_EQ(read_file(path), "newer: 3\n");
  EXPECT_EQ(read_file(dir_ / "picbot.yaml.bak"), "new: 2\n");
}

TEST_F(SaveConfigTest, FailedReplaceLeavesTargetUntouchedAndNoTemporaryFile) {
  // A non-empty directory where the file should be: rename fails after the
  // temporary file was fully written.
  auto path = dir_ / "picbot.yaml";
  std::filesystem::create_directories(path / "inside");
  Status saved = save_config_file(path, "x: 1\n");
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, "io");
  EXPECT_THAT(saved.error().message, HasSubstr("picbot.yaml"));
  EXPECT_EQ(dir_entries(), std::vector<std::string>{"picbot.yaml"});
  EXPECT_TRUE(std::filesystem::is_directory(path / "inside"));
}

TEST_F(SaveConfigTest, StaleTemporaryFilesOfThisConfigAreRemoved) {
  auto path = dir_ / "picbot.yaml";
  { std::ofstream(path) << "x: 1\n"; }
  { std::ofstream(dir_ / ".picbot.yaml.tmp-a1B2c3") << "half"; }
  { std::ofstream(dir_ / ".picbot.yaml.bak.tmp-Zz9900") << "half"; }
  { std::ofstream(dir_ / ".other.yaml.tmp-a1B2c3") << "not ours"; }
  { std::ofstream(dir_ / ".picbot.yaml.tmp-toolongname") << "not ours"; }
  auto removed = remove_stale_temp_files(path);
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{".picbot.yaml.bak.tmp-Zz9900", ".picbot.yaml.tmp-a1B2c3"}));
  EXPECT_EQ(dir_entries(), (std::vector<std::string>{".other.yaml.tmp-a1B2c3", ".picbot.yaml.tmp-toolongname",
                                                     "picbot.yaml"}));
  EXPECT_EQ(read_file(path), "x: 1\n");
}

TEST_F(SaveConfigTest, MissingDirectoryIsAnError) {
  Status saved = save_config_file(dir_ / "nope" / "picbot.yaml", "x: 1\n");
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(dir_entries(), std::vector<std::string>{});
}

TEST_F(SaveConfigTest, FollowsSymlinks) {
  auto real = dir_ / "real.yaml";
  { std::ofstream(real) << "old: 1\n"; }
  std::filesystem::create_symlink(real, dir_ / "link.yaml");
  ASSERT_TRUE(save_config_file(dir_ / "link.yaml", "new: 2\n").ok());
  EXPECT_TRUE(std::filesystem::is_symlink(dir_ / "link.yaml"));
  EXPECT_EQ(read_file(real), "new: 2\n");
  EXPECT_EQ(read_file(dir_ / "real.yaml.bak"), "old: 1\n");
}

TEST_F(SaveConfigTest, SavedRenderLoadsBack) {
  Schema schema = test_schema();
  nlohmann::json values = validated(schema, "plugins:\n  gemini_pic_gen:\n    api_key: key-abcdef123\n");
  auto path = dir_ / "picbot.yaml";
  ASSERT_TRUE(save_config_file(path, render_yaml(schema, values)).ok());
  auto loaded = load_config_file(schema, path, {});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->values, values);
}

}  // namespace
}  // namespace picbot::config
