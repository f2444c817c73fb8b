#include "bot/config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace picbot::config {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

Schema test_schema() {
  Schema schema = Schema::with_host_sections();
  schema.add_plugin(
      "gemini_pic_gen",
      {
          string_field("model", "google/gemini-2.5-flash-image", "模型", "Model"),
          with_env(int_field("workers", 2, "并发", "Workers", 1, 16), "PICBOT_PIC_WORKERS"),
          object_field("rate_limit",
                       {object_list_field("group_limits",
                                          {mark_required(int_field("group_id", 0, "群号", "Group", 1)),
                                           int_field("limit", 10, "次数", "Limit", 1, 1000)},
                                          "按群限额", "Per-group limits")},
                       "限流", "Rate limit"),
          with_env(object_list_field("api_keys",
                                     {mark_required(string_field("name", "", "名称", "Name")),
                                      mark_required(secret_field("key", "密钥", "Key"))},
                                     "密钥", "Keys"),
                   "PICBOT_GATEWAY_API_KEYS"),
      });
  return schema;
}

// Parses and validates; the YAML must be well-formed.
Result<LoadedConfig, std::vector<ConfigIssue>> load(std::string_view yaml, const Environment& env = {}) {
  auto raw = parse_yaml(yaml, "en");
  EXPECT_TRUE(raw.ok()) << format_issue(raw.error().front(), "en");
  return validate_config(test_schema(), raw.ok() ? *raw : nlohmann::json(), env, "en");
}

std::vector<std::string> messages(const std::vector<ConfigIssue>& issues, std::string_view language = "en") {
  std::vector<std::string> out;
  for (const auto& issue : issues) out.push_back(format_issue(issue, language));
  return out;
}

TEST(ConfigLoaderTest, EmptyFileGivesEveryDefaultAndNoPlugins) {
  auto loaded = load("");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->values, test_schema().defaults(false));
  EXPECT_EQ(loaded->values["onebot"]["mode"], "reverse");
  EXPECT_EQ(loaded->values["llm"]["context"]["max_turns"], 20);
  EXPECT_EQ(loaded->values["plugins"], nlohmann::json::object());
  EXPECT_TRUE(loaded->warnings.empty());
}

TEST(ConfigLoaderTest, FillsMissingKeysNextToGivenOnes) {
  auto loaded = load("onebot:\n  mode: forward\nllm:\n  context:\n    max_turns: 5\n");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->values["onebot"]["mode"], "forward");
  EXPECT_EQ(loaded->values["onebot"]["url"], "ws://127.0.0.1:3001/");
  EXPECT_EQ(loaded->values["llm"]["context"]["max_turns"], 5);
  EXPECT_EQ(loaded->values["llm"]["context"]["max_chars"], 8000);
  EXPECT_TRUE(loaded->values["onebot"]["api_timeout_seconds"].is_number_float());
}

TEST(ConfigLoaderTest, BadTypeNamesThePathWithListIndexAndTheExpectedType) {
  auto loaded = load(
      "plugins:\n"
      "  gemini_pic_gen:\n"
      "    rate_limit:\n"
      "      group_limits:\n"
      "        - {group_id: 1, limit: 2}\n"
      "        - {group_id: 2, limit: three}\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(
      messages(loaded.error()),
      ElementsAre(
          "plugins.gemini_pic_gen.rate_limit.group_limits[1].limit: expected integer, got \"three\""));
}

TEST(ConfigLoaderTest, QuotedNumbersAndBooleansAreAccepted) {
  auto loaded = load(
      "llm:\n  enabled: \"yes\"\n  temperature: \"0.5\"\n  max_tool_steps: \"3\"\n"
      "bot:\n  admins: [\"10001\", 10002]\n");
  ASSERT_TRUE(loaded.ok()) << messages(loaded.error()).front();
  EXPECT_EQ(loaded->values["llm"]["enabled"], true);
  EXPECT_DOUBLE_EQ(loaded->values["llm"]["temperature"].get<double>(), 0.5);
  EXPECT_EQ(loaded->values["llm"]["max_tool_steps"], 3);
  EXPECT_EQ(loaded->values["bot"]["admins"], nlohmann::json::array({10001, 10002}));
}

TEST(ConfigLoaderTest, WrongScalarsAreErrors) {
  auto loaded =
      load("llm:\n  enabled: maybe\n  max_tool_steps: 2.5\n  api_keys: []\nbot:\n  admins: [1, x]\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(messages(loaded.error()),
              ElementsAre("bot.admins[1]: expected integer, got \"x\"",
                          "llm.enabled: expected boolean (true/false), got \"maybe\"",
                          "llm.max_tool_steps: expected integer, got 2.5"));
}

TEST(ConfigLoaderTest, EnumValuesAreChecked) {
  auto loaded = load("onebot:\n  mode: sideways\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(messages(loaded.error()),
              ElementsAre("onebot.mode: expected one of [forward, reverse], got \"sideways\""));
}

TEST(ConfigLoaderTest, MinAndMaxAreChecked) {
  auto loaded = load("llm:\n  temperature: 2.5\nonebot:\n  max_connections: 0\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(messages(loaded.error()),
              ElementsAre("onebot.max_connections: expected integer in [1, 1024], got 0",
                          "llm.temperature: expected number in [0, 2], got 2.5"));
}

TEST(ConfigLoaderTest, StructureMismatchesAreErrors) {
  auto loaded = load("onebot: reverse\nbot:\n  nicknames: bot\n");
  ASSERT_FALSE(loaded.ok());
  // onebot holds a secret, so what was found in its place is masked too.
  EXPECT_THAT(messages(loaded.error()), ElementsAre("onebot: expected mapping, got ••••",
                                                    "bot.nicknames: expected list of string, got \"bot\""));
  auto top = validate_config(test_schema(), nlohmann::json::array({1}), {}, "en");
  ASSERT_FALSE(top.ok());
  EXPECT_THAT(top.error().front().message, HasSubstr("top level"));
}

// The validator's own errors come from the message table: the same config
// reads in Chinese by default and in English with "en".
TEST(ConfigLoaderTest, TypeErrorsAreInTheChosenLanguage) {
  const std::string yaml =
      "llm:\n  max_tool_steps: many\n  temperature: 2.5\n  session_scope_overrides:\n"
      "    - scope: per_group\nonebot:\n  mode: sideways\nbot:\n  nicknames: bot\n";
  auto raw = parse_yaml(yaml, "en");
  ASSERT_TRUE(raw.ok());
  auto zh = validate_config(test_schema(), *raw, {});
  ASSERT_FALSE(zh.ok());
  EXPECT_THAT(messages(zh.error()),
              UnorderedElementsAre("llm.max_tool_steps: 应为整数，实际是 \"many\"",
                                   "llm.temperature: 应为 0 到 2 之间的数字，实际是 2.5",
                                   "llm.session_scope_overrides[0].group_id: 缺少必填项（整数）",
                                   "onebot.mode: 应为以下之一 [forward, reverse]，实际是 \"sideways\"",
                                   "bot.nicknames: 应为列表（每项为字符串），实际是 \"bot\""));
  auto en = validate_config(test_schema(), *raw, {}, "en");
  ASSERT_FALSE(en.ok());
  EXPECT_THAT(messages(en.error()),
              UnorderedElementsAre("llm.max_tool_steps: expected integer, got \"many\"",
                                   "llm.temperature: expected number in [0, 2], got 2.5",
                                   "llm.session_scope_overrides[0].group_id: required integer is missing",
                                   "onebot.mode: expected one of [forward, reverse], got \"sideways\"",
                                   "bot.nicknames: expected list of string, got \"bot\""));

  auto duplicate = parse_yaml("web:\n  listen: a\n  listen: b\n");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(format_issue(duplicate.error()[0], "zh-CN"), "web.listen: 重复的键（第 3 行第 3 列）");
}

TEST(ConfigLoaderTest, RequiredKeysInListItems) {
  auto loaded = load("llm:\n  session_scope_overrides:\n    - scope: per_group\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(messages(loaded.error()),
              ElementsAre("llm.session_scope_overrides[0].group_id: required integer is missing"));

  auto ok = load("llm:\n  session_scope_overrides:\n    - group_id: 42\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->values["llm"]["session_scope_overrides"],
            nlohmann::json::parse(R"([{"group_id": 42, "scope": "per_member"}])"));
}

TEST(ConfigLoaderTest, UnknownKeysWarnAndAreDropped) {
  auto loaded = load("bot:\n  nicknams: [x]\nplugins:\n  nope: {}\nextra: 1\n");
  ASSERT_TRUE(loaded.ok());
  EXPECT_THAT(messages(loaded->warnings),
              ElementsAre("bot.nicknams: unknown key, ignored (did you mean `nicknames`?)",
                          "plugins.nope: unknown key, ignored", "extra: unknown key, ignored"));
  EXPECT_FALSE(loaded->values["bot"].contains("nicknams"));
  EXPECT_FALSE(loaded->values.contains("extra"));
  EXPECT_EQ(loaded->values["plugins"], nlohmann::json::object());
}

// A misspelt access_token used to be a warning, and the bot ran with no token.
TEST(ConfigLoaderTest, UnknownKeyInOnebotOrWebIsAnErrorWithASuggestion) {
  auto token = load("onebot:\n  acess_token: secret-token-123\n");
  ASSERT_FALSE(token.ok());
  EXPECT_THAT(messages(token.error()), ElementsAre(AllOf(HasSubstr("onebot.acess_token: unknown key"),
                                                         HasSubstr("(did you mean `access_token`?)"))));
  EXPECT_THAT(format_issue(token.error()[0], "en"), Not(HasSubstr("secret-token-123")));

  auto password = load("web:\n  pasword: hunter22hunter\n  colour: red\n");
  ASSERT_FALSE(password.ok());
  EXPECT_THAT(messages(password.error()),  // in key order
              ElementsAre(AllOf(HasSubstr("web.colour: unknown key"), Not(HasSubstr("did you mean"))),
                          AllOf(HasSubstr("web.pasword: unknown key: this section accepts no unknown keys"),
                                HasSubstr("(did you mean `password`?)"))));
}

TEST(ConfigLoaderTest, UnknownKeyMessagesAreChineseByDefault) {
  auto raw = parse_yaml("onebot:\n  acess_token: x\n");
  ASSERT_TRUE(raw.ok());
  auto loaded = validate_config(test_schema(), *raw, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(format_issue(loaded.error()[0], "zh-CN"),
            "onebot.acess_token: 未知的键：此节不接受未知的键（这里写错一个键名可能会悄悄关掉安全设置）"
            "（是不是想写 `access_token`？）");
}

TEST(ConfigLoaderTest, ErrorsAreFollowedByWarnings) {
  auto loaded = load("onebot:\n  modle: forward\n  mode: x\n");
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.error().size(), 2u);
  EXPECT_EQ(loaded.error()[1].path, "onebot.modle");
}

TEST(ConfigLoaderTest, PluginSectionPresentButEmptyGetsDefaults) {
  auto loaded = load("plugins:\n  gemini_pic_gen:\n");
  ASSERT_TRUE(loaded.ok());
  const auto& section = loaded->values["plugins"]["gemini_pic_gen"];
  ASSERT_TRUE(section.is_object());
  EXPECT_EQ(section["enabled"], true);
  EXPECT_EQ(section["workers"], 2);
  EXPECT_EQ(section["rate_limit"]["group_limits"], nlohmann::json::array());
}

TEST(ConfigLoaderTest, AbsentPluginSectionStaysAbsent) {
  auto loaded = load("plugins:\n", {{"PICBOT_PIC_WORKERS", "4"}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->values["plugins"].contains("gemini_pic_gen"));
  EXPECT_TRUE(loaded->env_overrides.empty());
}

TEST(ConfigLoaderTest, EnvironmentOverridesFileValues) {
  Environment env{{"PICBOT_LLM_API_KEYS", " sk-or-v1-aaaaaaaa1111, sk-or-v1-bbbbbbbb2222 ,,"},
                  {"PICBOT_ONEBOT_TOKEN", "token-from-env-1234"},
                  {"PICBOT_WEB_PASSWORD", ""},
                  {"PICBOT_PIC_WORKERS", "4"}};
  auto loaded = load(
      "llm:\n  api_keys: [sk-or-v1-file00000000]\nweb:\n  password: file-password-1\n"
      "plugins:\n  gemini_pic_gen: {}\n",
      env);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->values["llm"]["api_keys"],
            nlohmann::json::array({"sk-or-v1-aaaaaaaa1111", "sk-or-v1-bbbbbbbb2222"}));
  EXPECT_EQ(loaded->values["onebot"]["access_token"], "token-from-env-1234");
  EXPECT_EQ(loaded->values["web"]["password"], "file-password-1");  // empty variable: not set
  EXPECT_EQ(loaded->values["plugins"]["gemini_pic_gen"]["workers"], 4);

  // file_values is what saving writes back: no secret from the environment.
  EXPECT_EQ(loaded->file_values["llm"]["api_keys"], nlohmann::json::array({"sk-or-v1-file00000000"}));
  EXPECT_EQ(loaded->file_values["onebot"]["access_token"], "");
  EXPECT_EQ(loaded->file_values["plugins"]["gemini_pic_gen"]["workers"], 2);
  std::vector<std::string> paths;
  for (const auto& o : loaded->env_overrides) paths.push_back(o.path + "=" + o.env);
  EXPECT_THAT(paths,
              ElementsAre("onebot.access_token=PICBOT_ONEBOT_TOKEN", "llm.api_keys=PICBOT_LLM_API_KEYS",
                          "plugins.gemini_pic_gen.workers=PICBOT_PIC_WORKERS"));
}

TEST(ConfigLoaderTest, AListOfPairsComesFromTheEnvironmentAsNameColonValue) {
  auto loaded = load("plugins:\n  gemini_pic_gen: {api_keys: [{name: file, key: sk-file-key-00001111}]}\n",
                     {{"PICBOT_GATEWAY_API_KEYS", " webui:sk-gw-aaaa1111bbbb, lobe : sk-gw-cccc2222dddd ,"}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->values["plugins"]["gemini_pic_gen"]["api_keys"],
            nlohmann::json::parse(R"([{"name":"webui","key":"sk-gw-aaaa1111bbbb"},)"
                                  R"({"name":"lobe","key":"sk-gw-cccc2222dddd"}])"));
  EXPECT_EQ(loaded->file_values["plugins"]["gemini_pic_gen"]["api_keys"][0]["name"], "file");
  auto missing_key = load("plugins:\n  gemini_pic_gen: {}\n", {{"PICBOT_GATEWAY_API_KEYS", "only-a-name"}});
  EXPECT_FALSE(missing_key.ok()) << "a pair without its key is refused like an empty key in the file";
}

TEST(ConfigLoaderTest, ImageProviderEntriesTakeTheirKeysFromTheirOwnVariable) {
  Environment env{{"PICBOT_MY_OPENAI_API_KEYS", "sk-env-aaaaaaaa1111,sk-env-bbbbbbbb2222"},
                  {"PICBOT_<NAME>_API_KEYS", "sk-literal-placeholder-0000"}};
  auto loaded = load(
      "image_providers:\n"
      "  my-openai: {type: openai, api_keys: [sk-file-cccccccc3333]}\n"
      "  second: {type: openrouter, api_keys: [sk-file-dddddddd4444]}\n",
      env);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->values["image_providers"]["my-openai"]["api_keys"],
            nlohmann::json::array({"sk-env-aaaaaaaa1111", "sk-env-bbbbbbbb2222"}));
  EXPECT_EQ(loaded->values["image_providers"]["second"]["api_keys"],
            nlohmann::json::array({"sk-file-dddddddd4444"}));
  // Saving writes back the file's keys, never the environment's.
  EXPECT_EQ(loaded->file_values["image_providers"]["my-openai"]["api_keys"],
            nlohmann::json::array({"sk-file-cccccccc3333"}));
  std::vector<std::string> paths;
  for (const auto& o : loaded->env_overrides) paths.push_back(o.path + "=" + o.env);
  EXPECT_THAT(paths, ElementsAre("image_providers.my-openai.api_keys=PICBOT_MY_OPENAI_API_KEYS"));
  // Defaults fill each entry; the keys are secrets.
  EXPECT_EQ(loaded->values["image_providers"]["second"]["request_timeout_seconds"], 180);
  const auto masked = Schema::with_host_sections().masked(loaded->values);
  EXPECT_EQ(masked.dump().find("sk-file-dddddddd4444"), std::string::npos) << masked.dump();
}

TEST(ConfigLoaderTest, AMisspeltImageProviderKeyGetsADidYouMean) {
  auto loaded = load("image_providers:\n  x: {type: openai, api_keyz: [a]}\n");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_EQ(loaded->warnings[0].path, "image_providers.x.api_keyz");
  EXPECT_THAT(loaded->warnings[0].message, HasSubstr("api_keys"));
}

TEST(ConfigLoaderTest, BadEnvironmentValueNamesTheVariable) {
  auto loaded = load("plugins:\n  gemini_pic_gen:\n", {{"PICBOT_PIC_WORKERS", "many"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(messages(loaded.error()),
              ElementsAre("plugins.gemini_pic_gen.workers: expected integer, got \"many\" "
                          "(from environment variable PICBOT_PIC_WORKERS)"));
}

TEST(ConfigLoaderTest, YamlSyntaxErrorReportsLineAndColumn) {
  auto raw = parse_yaml("onebot:\n  mode: reverse\nbot:\n  admins: [1, 2\nweb: {}\n", "en");
  ASSERT_FALSE(raw.ok());
  ASSERT_EQ(raw.error().size(), 1u);
  EXPECT_THAT(raw.error()[0].message, HasSubstr("YAML syntax error at line "));
  EXPECT_THAT(raw.error()[0].message, HasSubstr("column"));

  EXPECT_THAT(raw.error()[0].message, HasSubstr("a list opened with '[' is not closed with ']'"));

  auto indent = parse_yaml("a:\n  b: 1\n c: 2\n", "en");
  ASSERT_FALSE(indent.ok());
  EXPECT_THAT(indent.error()[0].message, HasSubstr("line 3"));
  EXPECT_THAT(indent.error()[0].message, HasSubstr("indent"));
}

TEST(ConfigLoaderTest, YamlSyntaxErrorNamesATabInTheIndentation) {
  auto tabs = parse_yaml("onebot:\n  mode: reverse\n\taccess_token: x\n", "en");
  ASSERT_FALSE(tabs.ok());
  EXPECT_THAT(tabs.error()[0].message,
              HasSubstr("line 3 has a TAB character in its indentation; YAML indents with spaces only"));

  auto zh = parse_yaml("onebot:\n  mode: reverse\n\taccess_token: x\n");
  ASSERT_FALSE(zh.ok());
  EXPECT_THAT(zh.error()[0].message, HasSubstr("第 3 行的缩进里有 TAB 字符"));
}

TEST(ConfigLoaderTest, KeyPathIssuesCarryTheirLineInTheFile) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "config_loader_lines_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "picbot.yaml");
    out << "# comment\nlog_level: debug\nllm:\n  context:\n    max_turns: lots\n"
           "  session_scope_overrides:\n    - scope: per_group\nbot:\n  nicknams: [x]\n";
  }
  auto failed = load_config_file(test_schema(), dir / "picbot.yaml", {}, "en");
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(messages(failed.error()),
              ElementsAre("llm.context.max_turns (line 5): expected integer, got \"lots\"",
                          // a missing key is reported where its list item starts
                          "llm.session_scope_overrides[0].group_id (line 7): required integer is missing",
                          "bot.nicknams (line 9): unknown key, ignored (did you mean `nicknames`?)"));
  // The line number's words are in the issue's language too (a reload-refused
  // log line used to read "（line 5）" inside a Chinese line).
  auto zh = load_config_file(test_schema(), dir / "picbot.yaml", {}, "zh-CN");
  ASSERT_FALSE(zh.ok());
  EXPECT_EQ(messages(zh.error(), "zh-CN").front(),
            "llm.context.max_turns（第 5 行）：应为整数，实际是 \"lots\"");

  {
    std::ofstream out(dir / "picbot.yaml");
    out << "bot:\n\n  nicknams: [x]\n";
  }
  auto loaded = load_config_file(test_schema(), dir / "picbot.yaml", {}, "en");
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_EQ(loaded->warnings[0].line, 3);
  EXPECT_EQ(loaded->key_lines.at("bot"), 1);
  std::filesystem::remove_all(dir);
}

TEST(ConfigLoaderTest, AttachLinesFallsBackToTheNearestEnclosingKey) {
  std::vector<ConfigIssue> issues = {{"web.listen", "x"}, {"web", "y"},     {"a.b[2].c", "z"},
                                     {"", "w"},           {"nowhere", "v"}, {"web.listen", "kept", 9}};
  attach_lines(issues, {{"web", 4}, {"web.listen", 6}, {"a.b", 10}});
  EXPECT_EQ(issues[0].line, 6);
  EXPECT_EQ(issues[1].line, 4);
  EXPECT_EQ(issues[2].line, 10);
  EXPECT_EQ(issues[3].line, 0);
  EXPECT_EQ(issues[4].line, 0);
  EXPECT_EQ(issues[5].line, 9);
}

TEST(ConfigLoaderTest, DuplicateKeysAreErrors) {
  auto raw = parse_yaml("web:\n  listen: a\n  listen: b\n", "en");
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(format_issue(raw.error()[0], "en"), "web.listen: duplicate key (line 3, column 3)");
}

// Found by config_loader_fuzz: an alias inside its own anchor made the YAML
// graph cyclic and the conversion recursed until the stack overflowed.
TEST(ConfigLoaderTest, RecursiveAliasIsAnErrorNotACrash) {
  auto raw = parse_yaml("llm: &loop\n  context: *loop\n", "en");
  ASSERT_FALSE(raw.ok());
  ASSERT_EQ(raw.error().size(), 1u);
  EXPECT_THAT(raw.error()[0].message, HasSubstr("nested deeper than 64 levels"));
}

// Aliases that repeat aliases ("billion laughs") stop at the value budget
// instead of building a huge tree.
TEST(ConfigLoaderTest, ExponentialAliasesAreAnError) {
  std::string yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 6; ++level) {
    const std::string previous = "*l" + std::to_string(level - 1);
    yaml += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) yaml += (i ? ", " : "") + previous;
    yaml += "]\n";
  }
  auto raw = parse_yaml(yaml, "en");
  ASSERT_FALSE(raw.ok());
  EXPECT_THAT(raw.error()[0].message, HasSubstr("more than 100000 values"));

  auto nested = parse_yaml("a: &a [1, 2]\nb: [*a, *a]\n");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ((*nested)["b"], nlohmann::json::parse("[[1, 2], [1, 2]]"));
}

TEST(ConfigLoaderTest, ScalarsKeepTheirTextUnlessCanonical) {
  auto raw =
      parse_yaml("a: 3\nb: \"3\"\nc: 0123\nd: 1.10\ne: 0.5\nf: true\ng: True\nh: ~\ni: 'null'\nj: 1e5\n");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, nlohmann::json::parse(R"({"a": 3, "b": "3", "c": "0123", "d": "1.10", "e": 0.5, "f": true,
                                            "g": "True", "h": null, "i": "null", "j": "1e5"})"));

  auto loaded = load("web:\n  password: 0123456789\n  public_base_url: 1.10\nllm:\n  temperature: 1e-1\n");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->values["web"]["password"], "0123456789");
  EXPECT_EQ(loaded->values["web"]["public_base_url"], "1.10");
  EXPECT_DOUBLE_EQ(loaded->values["llm"]["temperature"].get<double>(), 0.1);
}

TEST(ConfigLoaderTest, SecretsNeverAppearInIssues) {
  const std::string secret = "sk-or-v1-verysecretvalue9876";
  auto loaded = load("llm:\n  api_keys: " + secret + "\nweb:\n  password: [" + secret + "]\n");
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.error().size(), 2u);
  for (const auto& issue : loaded.error()) {
    EXPECT_THAT(issue.message, Not(HasSubstr(secret)));
    EXPECT_THAT(issue.message, Not(HasSubstr("verysecret")));
  }
  EXPECT_EQ(format_issue(loaded.error()[0], "en"), "llm.api_keys: expected list of string, got sk-or-…9876");

  auto from_list = load("llm:\n  api_keys: [{k: " + secret + "}]\n");
  ASSERT_FALSE(from_list.ok());
  EXPECT_THAT(from_list.error()[0].message, Not(HasSubstr(secret)));
}

TEST(ConfigLoaderTest, LoadConfigFileReadsAndReportsMissingFiles) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "config_loader_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "picbot.yaml");
    out << "log_level: debug\n";
  }
  auto loaded = load_config_file(test_schema(), dir / "picbot.yaml", {});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->values["log_level"], "debug");

  auto missing = load_config_file(test_schema(), dir / "missing.yaml", {}, "en");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error()[0].message, HasSubstr("missing.yaml"));
  EXPECT_THAT(missing.error()[0].message,
              HasSubstr("picbot --print-example-config > " + (dir / "missing.yaml").string()));
  std::filesystem::remove_all(dir);
}

TEST(ConfigLoaderTest, ProcessEnvironmentSeesVariables) {
  ::setenv("PICBOT_CONFIG_TEST_VAR", "x=y", 1);
  EXPECT_EQ(process_environment()["PICBOT_CONFIG_TEST_VAR"], "x=y");
  ::unsetenv("PICBOT_CONFIG_TEST_VAR");
}

}  // namespace
}  // namespace picbot::config
