#include "bot/config/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace picbot::config {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

Schema schema_with_plugin() {
  Schema schema = Schema::with_host_sections();
  schema.add_plugin(
      "gemini_pic_gen",
      {secret_field("api_key", "密钥", "API key", "PICBOT_PIC_KEY"),
       object_list_field("presets",
                         {string_field("name", "", "名称", "Name"), secret_field("token", "令牌", "Token")},
                         "预设", "Presets")});
  return schema;
}

TEST(SchemaTest, HostSectionsHaveDescriptionsInBothLanguages) {
  Schema schema = Schema::with_host_sections();
  std::vector<const Field*> pending{&schema.root()};
  int checked = 0;
  while (!pending.empty()) {
    const Field* field = pending.back();
    pending.pop_back();
    for (const Field& child : field->children) {
      EXPECT_FALSE(child.description_zh.empty()) << child.key;
      EXPECT_FALSE(child.description_en.empty()) << child.key;
      pending.push_back(&child);
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(SchemaTest, FindsNestedFieldsAndIgnoresListIndices) {
  Schema schema = Schema::with_host_sections();
  ASSERT_NE(schema.find("llm.context.max_turns"), nullptr);
  EXPECT_EQ(schema.find("llm.context.max_turns")->default_value, 20);
  const Field* scope = schema.find("llm.session_scope_overrides[3].scope");
  ASSERT_NE(scope, nullptr);
  EXPECT_EQ(scope->type, FieldType::kEnum);
  EXPECT_EQ(schema.find("onebot.max_message_bytes")->default_value, 64 * 1024 * 1024);
  EXPECT_EQ(schema.find("llm.nope"), nullptr);
  EXPECT_EQ(schema.find("web.listen")->restart_required, true);
  EXPECT_EQ(schema.find("onebot.url")->restart_required, false);
  EXPECT_EQ(&schema.root(), schema.find(""));
}

TEST(SchemaTest, FindResolvesMapEntries) {
  Field presets = map_field("presets", FieldType::kObject, nlohmann::json::object(), "预设", "Presets");
  presets.children.push_back(string_field("prompt", "", "提示词", "Prompt"));
  Schema schema({presets});
  EXPECT_EQ(schema.find("presets.cat"), &schema.root().children[0]);
  ASSERT_NE(schema.find("presets.cat.prompt"), nullptr);
  EXPECT_EQ(schema.find("presets.cat.prompt")->key, "prompt");
}

TEST(SchemaTest, AddPluginPutsEnabledFirstAndReplacesDuplicates) {
  Schema schema = schema_with_plugin();
  const Field* section = schema.find("plugins.gemini_pic_gen");
  ASSERT_NE(section, nullptr);
  EXPECT_TRUE(section->only_when_present);
  ASSERT_GE(section->children.size(), 2u);
  EXPECT_EQ(section->children[0].key, "enabled");
  EXPECT_EQ(section->children[0].default_value, true);

  schema.add_plugin("gemini_pic_gen", {int_field("n", 1, "数", "N")});
  EXPECT_EQ(schema.find("plugins.gemini_pic_gen")->children.size(), 2u);
  EXPECT_EQ(schema.find("plugins.gemini_pic_gen.api_key"), nullptr);
}

TEST(SchemaTest, SecretPathsCoverListsAndObjectLists) {
  EXPECT_THAT(
      schema_with_plugin().secret_paths(),
      UnorderedElementsAre("onebot.access_token", "llm.api_keys", "web.password", "web.metrics_token",
                           "image_providers.*.api_keys", "storage.s3.secret_access_key", "database.url",
                           "plugins.gemini_pic_gen.api_key", "plugins.gemini_pic_gen.presets[*].token"));
}

TEST(SchemaTest, SecretValuesAndMasking) {
  Schema schema = schema_with_plugin();
  nlohmann::json values = schema.defaults(true);
  values["llm"]["api_keys"] = {"sk-or-v1-0123456789abcd", "sk-or-v1-zzzzzzzzzzzz9999"};
  values["plugins"]["gemini_pic_gen"]["presets"] = {{{"name", "a"}, {"token", "token-abcdef-1234"}}};
  EXPECT_THAT(
      schema.secret_values(values),
      UnorderedElementsAre("sk-or-v1-0123456789abcd", "sk-or-v1-zzzzzzzzzzzz9999", "token-abcdef-1234"));
  nlohmann::json masked = schema.masked(values);
  EXPECT_EQ(masked["llm"]["api_keys"][0], "sk-or-…abcd");
  EXPECT_EQ(masked["plugins"]["gemini_pic_gen"]["presets"][0]["token"], "token-…1234");
  EXPECT_EQ(masked["plugins"]["gemini_pic_gen"]["presets"][0]["name"], "a");
  EXPECT_EQ(masked["web"]["password"], "");
}

TEST(SchemaTest, ToJsonDescribesFieldsForTheWebForm) {
  nlohmann::json form = schema_with_plugin().to_json();
  EXPECT_EQ(form["type"], "object");
  const nlohmann::json* onebot = nullptr;
  for (const auto& child : form["children"]) {
    if (child["key"] == "onebot") onebot = &child;
  }
  ASSERT_NE(onebot, nullptr);
  const nlohmann::json& mode = (*onebot)["children"][0];
  EXPECT_EQ(mode["key"], "mode");
  EXPECT_EQ(mode["type"], "enum");
  EXPECT_THAT(mode["enum"].get<std::vector<std::string>>(), ElementsAre("forward", "reverse"));
  EXPECT_EQ(mode["default"], "reverse");
  EXPECT_FALSE(mode["description"]["zh"].get<std::string>().empty());
  EXPECT_FALSE(mode["description"]["en"].get<std::string>().empty());
  for (const auto& child : (*onebot)["children"]) {
    if (child["key"] == "access_token") {
      EXPECT_TRUE(child["secret"].get<bool>());
      EXPECT_EQ(child["env"], "PICBOT_ONEBOT_TOKEN");
      EXPECT_TRUE(child["default"].is_null());
    }
    if (child["key"] == "max_connections") {
      EXPECT_EQ(child["min"], 1);
      EXPECT_EQ(child["max"], 1024);
    }
  }
}

TEST(SchemaTest, DefaultsLeaveOptionalSectionsOutUnlessAsked) {
  Schema schema = schema_with_plugin();
  EXPECT_EQ(schema.defaults(false)["plugins"], nlohmann::json::object());
  EXPECT_EQ(schema.defaults(true)["plugins"]["gemini_pic_gen"]["enabled"], true);
  EXPECT_EQ(schema.defaults(false)["bot"]["command_prefixes"], nlohmann::json::array({"/"}));
}

// The settings form shows words, not keys: every host field has a short
// label in both languages, and to_json hands it to the console.
TEST(SchemaTest, EveryHostFieldHasALabelInBothLanguages) {
  std::vector<std::string> unlabelled;
  auto walk = [&](auto& self, const Field& field, const std::string& path) -> void {
    for (const Field& child : field.children) {
      const std::string child_path = path.empty() ? child.key : path + "." + child.key;
      if (child.label_zh.empty() || child.label_en.empty()) unlabelled.push_back(child_path);
      self(self, child, child_path);
    }
  };
  const Schema schema = Schema::with_host_sections();
  walk(walk, schema.root(), "");
  EXPECT_TRUE(unlabelled.empty()) << ::testing::PrintToString(unlabelled);
  EXPECT_EQ(schema.to_json()["children"][1]["label"],
            (nlohmann::json{{"zh", "日志级别"}, {"en", "Log level"}}));
}

TEST(SchemaTest, SetLabelsReportsPathsThatNameNoField) {
  std::vector<Field> fields = {object_field("a", {int_field("b", 1, "", "")}, "", "")};
  EXPECT_EQ(set_labels(fields, {{"a.b", "乙", "B"}, {"a.c", "丙", "C"}}), 1u);
  EXPECT_EQ(fields[0].children[0].label_en, "B");
}

}  // namespace
}  // namespace picbot::config
