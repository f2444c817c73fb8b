#include "bot/config/yaml_text_edit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/config/config_loader.h"

namespace picbot::config {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

Schema test_schema() {
  Schema schema = Schema::with_host_sections();
  Field presets = map_field("presets", FieldType::kObject, json::object(), "预设", "Presets");
  presets.children = {string_field("prompt", "", "提示词", "Prompt"),
                      float_field("strength", 1, "强度", "Strength")};
  schema.add_plugin("gemini_pic_gen",
                    {
                        secret_field("api_key", "密钥", "API key"),
                        int_field("daily_limit", 10, "每日次数", "Daily limit"),
                        presets,
                        object_field("rate_limit",
                                     {object_list_field("group_limits",
                                                        {int_field("group_id", 0, "群号", "Group"),
                                                         int_field("limit", 10, "次数", "Limit")},
                                                        "按群限额", "Per-group limits")},
                                     "限流", "Rate limit"),
                    });
  return schema;
}

json parsed(std::string_view text) {
  auto raw = parse_yaml(text);
  EXPECT_TRUE(raw.ok());
  return raw.ok() ? *raw : json();
}

// Applies `change` to the parsed text and edits the text accordingly.
template <class Change>
Result<std::string> edit(std::string_view text, Change change) {
  const json before = parsed(text);
  json after = before;
  change(after);
  return apply_changes(text, before, after, test_schema());
}

constexpr std::string_view kCommented =
    "# my bot\n"
    "log_level: info   # keep it quiet\n"
    "\n"
    "bot:\n"
    "  # who may command it\n"
    "  admins: [1, 2]\n"
    "  language: 'zh-CN'\n"
    "llm:\n"
    "  enabled: true\n"
    "  context:\n"
    "    max_turns: 20  # turns\n"
    "    max_chars: 8000\n"
    "  model: \"google/gemini-2.5-flash\"\n"
    "# the end\n";

TEST(YamlTextEdit, AChangedScalarIsReplacedInPlaceKeepingItsComment) {
  auto text = edit(kCommented, [](json& v) { v["log_level"] = "debug"; });
  ASSERT_TRUE(text.ok()) << text.error().message;
  std::string expected(kCommented);
  expected.replace(expected.find("info   #"), 4, "debug");
  EXPECT_EQ(*text, expected);
}

TEST(YamlTextEdit, NestedKeysChangeAloneAndEverythingElseStaysByteForByte) {
  auto text = edit(kCommented, [](json& v) {
    v["llm"]["context"]["max_turns"] = 30;
    v["bot"]["language"] = "en";
  });
  ASSERT_TRUE(text.ok()) << text.error().message;
  std::string expected(kCommented);
  expected.replace(expected.find("20  # turns"), 2, "30");
  expected.replace(expected.find("'zh-CN'"), 7, "en");
  EXPECT_EQ(*text, expected);
}

TEST(YamlTextEdit, AChangedListIsReplacedAtTheSameIndentation) {
  auto text = edit(kCommented, [](json& v) { v["bot"]["admins"] = {1, 2, 3}; });
  ASSERT_TRUE(text.ok()) << text.error().message;
  std::string expected(kCommented);
  expected.replace(expected.find("[1, 2]"), 6, "[1, 2, 3]");
  EXPECT_EQ(*text, expected);
}

TEST(YamlTextEdit, ABlockListOfMapsIsReplacedAsABlock) {
  const std::string text =
      "plugins:\n"
      "  gemini_pic_gen:\n"
      "    rate_limit:\n"
      "      group_limits:   # per group\n"
      "      - group_id: 1\n"
      "        limit: 5\n"
      "      # second\n"
      "      - group_id: 2\n"
      "        limit: 6\n"
      "    daily_limit: 3\n";
  auto edited = edit(text, [](json& v) {
    v["plugins"]["gemini_pic_gen"]["rate_limit"]["group_limits"] =
        json::array({{{"group_id", 7}, {"limit", 1}}});
  });
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(*edited,
            "plugins:\n"
            "  gemini_pic_gen:\n"
            "    rate_limit:\n"
            "      group_limits:   # per group\n"
            "        - group_id: 7\n"
            "          limit: 1\n"
            "    daily_limit: 3\n");
}

TEST(YamlTextEdit, ANewKeyGoesAtTheEndOfItsMappingWithTheWritersComment) {
  auto text = edit(kCommented, [](json& v) {
    v["llm"]["context"]["max_chars"] = 100;
    v["llm"]["temperature"] = 0.5;
  });
  ASSERT_TRUE(text.ok()) << text.error().message;
  std::string expected(kCommented);
  expected.replace(expected.find("8000"), 4, "100");
  const std::string model = "  model: \"google/gemini-2.5-flash\"\n";
  expected.insert(expected.find(model) + model.size(),
                  "  # 采样温度，越高越随机。\n  # 默认: 0.7 | 范围: 0 ~ 2\n  temperature: 0.5\n");
  EXPECT_EQ(*text, expected);
}

TEST(YamlTextEdit, AKeyAddedToAnEmptySectionIsWrittenBelowIt) {
  const std::string text = "bot:\n# nothing here yet\nlog_level: info\n";
  auto edited = edit(text, [](json& v) { v["bot"] = {{"language", "en"}}; });
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(*edited, "bot:\n  language: en\n# nothing here yet\nlog_level: info\n");
}

TEST(YamlTextEdit, ANewSectionGoesAtTheEndOfTheFile) {
  const std::string text = "log_level: info\n# trailing note\n";
  auto edited = edit(text, [](json& v) { v["plugins"] = {{"gemini_pic_gen", {{"daily_limit", 4}}}}; });
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_THAT(*edited, ::testing::StartsWith("log_level: info\n\n# "));
  EXPECT_THAT(*edited, HasSubstr("plugins:\n"));
  EXPECT_THAT(*edited, HasSubstr("  gemini_pic_gen:\n    # 每日次数\n    # 默认: 10\n    daily_limit: 4\n"));
  EXPECT_THAT(*edited, ::testing::EndsWith("# trailing note\n"));
}

TEST(YamlTextEdit, ARemovedKeyLosesItsLinesOnly) {
  const std::string text =
      "log_level: info\n"
      "plugins:\n"
      "  # the painter\n"
      "  gemini_pic_gen:\n"
      "    daily_limit: 3\n"
      "    presets:\n"
      "      cat: {prompt: a cat}\n"
      "  other: {}\n"
      "  # after\n"
      "data_dir: data\n";
  auto edited = edit(text, [](json& v) { v["plugins"].erase("gemini_pic_gen"); });
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(*edited, "log_level: info\nplugins:\n  # the painter\n  other: {}\n  # after\ndata_dir: data\n");
  // A mapping left empty is written as {} (its key alone would read as null).
  auto emptied = edit(*edited, [](json& v) { v["plugins"].erase("other"); });
  ASSERT_TRUE(emptied.ok()) << emptied.error().message;
  EXPECT_EQ(*emptied, "log_level: info\nplugins: {}\n  # after\ndata_dir: data\n");
}

TEST(YamlTextEdit, AMapEntryChangesInsideAFlowMapByReplacingIt) {
  const std::string text =
      "plugins:\n"
      "  gemini_pic_gen:\n"
      "    presets:\n"
      "      cat: {prompt: a cat}   # mine\n"
      "      dog: {prompt: a dog}\n";
  auto edited =
      edit(text, [](json& v) { v["plugins"]["gemini_pic_gen"]["presets"]["cat"]["prompt"] = "a big cat"; });
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(*edited,
            "plugins:\n"
            "  gemini_pic_gen:\n"
            "    presets:\n"
            "      cat:   # mine\n"
            "        prompt: \"a big cat\"\n"
            "      dog: {prompt: a dog}\n");
}

TEST(YamlTextEdit, AMultiLineTextIsReplacedAsALiteralBlock) {
  const std::string text = "llm:\n  system_prompt: |\n    line one\n    # not a comment\n  model: m\n";
  auto edited = edit(text, [](json& v) { v["llm"]["system_prompt"] = "new\nlines\n"; });
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(*edited, "llm:\n  system_prompt: |\n    new\n    lines\n  model: m\n");
}

TEST(YamlTextEdit, CrlfFilesKeepTheirLineEndings) {
  const std::string text = "# hi\r\nlog_level: info\r\nbot:\r\n  language: en\r\n";
  auto edited = edit(text, [](json& v) { v["bot"]["language"] = "zh-CN"; });
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(*edited, "# hi\r\nlog_level: info\r\nbot:\r\n  language: zh-CN\r\n");
}

TEST(YamlTextEdit, OddIndentationIsKept) {
  const std::string text = "bot:\n   language: en\n   admins:\n   - 1\nlog_level: info\n";
  auto edited = edit(text, [](json& v) {
    v["bot"]["admins"] = {5};
    v["bot"]["nicknames"] = {"pic"};
  });
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_THAT(*edited, ::testing::StartsWith("bot:\n   language: en\n   admins: [5]\n"));
  EXPECT_THAT(*edited, HasSubstr("   nicknames: [\"pic\"]\nlog_level: info\n"));
}

TEST(YamlTextEdit, TabsInTheIndentationAreRefused) {
  const std::string text = "bot:\n  language: en\n  admins:\n  -\t1\n";
  auto edited = apply_changes("bot:\n\t# x\n  language: en\n", parsed(text), json::object(), test_schema());
  ASSERT_FALSE(edited.ok());
  EXPECT_EQ(edited.error().code, "edit_refused");
  EXPECT_THAT(edited.error().message, HasSubstr("TAB"));
}

TEST(YamlTextEdit, AnchorsAndAliasesAreRefused) {
  const std::string text = "bot: &b\n  language: en\nweb: *b\n";
  auto edited = edit(text, [](json& v) { v["bot"]["language"] = "zh-CN"; });
  ASSERT_FALSE(edited.ok());
  EXPECT_THAT(edited.error().message, HasSubstr("anchors"));
}

TEST(YamlTextEdit, MixedLineEndingsAndFlowRootsAreRefused) {
  EXPECT_FALSE(edit("log_level: info\r\ndata_dir: d\n", [](json& v) { v["log_level"] = "debug"; }).ok());
  EXPECT_FALSE(edit("{log_level: info}\n", [](json& v) { v["log_level"] = "debug"; }).ok());
  EXPECT_FALSE(edit("# only a comment\n", [](json& v) { v = {{"log_level", "debug"}}; }).ok());
}

// yaml-cpp's event parser reported documents for ever on this input, and the
// loop that counted them never ended.
TEST(YamlTextEdit, InputThatYieldsEndlessDocumentsIsRefused) {
  const std::string text = ",-v inin]:! [0]\r\nable";
  auto raw = parse_yaml(text);
  ASSERT_TRUE(raw.ok());
  auto edited = apply_changes(text, *raw, json{{"log_level", "debug"}}, test_schema());
  EXPECT_FALSE(edited.ok());
}

TEST(YamlTextEdit, RawAfterChangesKeepsUntouchedRawValuesAndDropsUnknownKeys) {
  const json raw = {{"bot", {{"language", "en"}, {"langauge", "x"}}}, {"typo", 1}, {"web", nullptr}};
  const json before = {{"bot", {{"language", "en"}, {"admins", json::array()}}},
                       {"web", {{"enabled", true}, {"listen", "a"}}}};
  json after = before;
  after["web"]["listen"] = "b";
  const Schema schema = test_schema();
  EXPECT_EQ(raw_after_changes(schema, raw, before, after),
            (json{{"bot", {{"language", "en"}}}, {"web", {{"listen", "b"}}}}));
}

// A map's default is the whole map: adding an entry to a default map the
// file lacks must write the default entries too, or they would be lost.
TEST(YamlTextEdit, AMapTheFileLacksIsWrittenWhole) {
  const Schema schema = test_schema();
  const json presets_before = {{"figurine", {{"prompt", "p"}, {"strength", 1}}}};
  json presets_after = presets_before;
  presets_after["cat"] = {{"prompt", "a cat"}, {"strength", 1}};
  const json before = {{"plugins", {{"gemini_pic_gen", {{"presets", presets_before}, {"daily_limit", 10}}}}}};
  json after = before;
  after["plugins"]["gemini_pic_gen"]["presets"] = presets_after;
  const json raw = {{"plugins", {{"gemini_pic_gen", {{"daily_limit", 10}}}}}};
  EXPECT_EQ(raw_after_changes(schema, raw, before, after)["plugins"]["gemini_pic_gen"]["presets"],
            presets_after);
  // The file has the map: untouched entries keep the file's own form.
  json raw_with = raw;
  raw_with["plugins"]["gemini_pic_gen"]["presets"] = {{"figurine", {{"prompt", "p"}}}};
  EXPECT_EQ(raw_after_changes(schema, raw_with, before, after)["plugins"]["gemini_pic_gen"]["presets"],
            (json{{"figurine", {{"prompt", "p"}}}, {"cat", {{"prompt", "a cat"}, {"strength", 1}}}}));
}

// Before: saving image_providers.x.model wrote every default of x
// (proxy, burst, extra, ...) into the operator's entry.
TEST(YamlTextEdit, AChangedEntryOfAMapOfObjectsIsEditedKeyByKey) {
  const Schema schema = test_schema();
  const std::string text =
      "image_providers:\n  x:\n    type: openai # mine\n    api_keys: [k]\n  y:\n    type: gemini\n";
  auto loaded = validate_config(schema, parsed(text), Environment{});
  ASSERT_TRUE(loaded.ok());
  json after = loaded->values;
  after["image_providers"]["x"]["model"] = "gpt-image-1";
  ConfigText edited = config_text_for(text, schema, after, "en");
  EXPECT_EQ(edited.fallback_reason, "");
  EXPECT_THAT(edited.text, HasSubstr("    type: openai # mine\n    api_keys: [k]\n"));
  EXPECT_THAT(edited.text, HasSubstr("model: \"gpt-image-1\""));
  EXPECT_THAT(edited.text, ::testing::Not(HasSubstr("burst")));
  EXPECT_THAT(edited.text, ::testing::EndsWith("  y:\n    type: gemini\n"));
}

TEST(YamlTextEdit, ConfigTextForEditsTheFileOrFallsBackToTheFullRender) {
  const Schema schema = test_schema();
  const std::string text = "# mine\nlog_level: info # quiet\n";
  auto values = validate_config(schema, parsed(text), Environment{});
  ASSERT_TRUE(values.ok());
  json after = values->values;
  after["log_level"] = "warn";
  ConfigText edited = config_text_for(text, schema, after, "zh-CN");
  EXPECT_EQ(edited.text, "# mine\nlog_level: warn # quiet\n");
  EXPECT_EQ(edited.fallback_reason, "");

  ConfigText tabbed = config_text_for("log_level: info\nbot:\n\tlanguage: en\n", schema, after, "zh-CN");
  EXPECT_FALSE(tabbed.fallback_reason.empty());
  ConfigText empty = config_text_for("", schema, after, "zh-CN");
  EXPECT_EQ(empty.fallback_reason, "the file is empty");
  EXPECT_EQ(parsed(empty.text)["log_level"], "warn");
}

}  // namespace
}  // namespace picbot::config
