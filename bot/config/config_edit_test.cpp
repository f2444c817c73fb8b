#include "bot/config/config_edit.h"

#include <gtest/gtest.h>

#include "bot/core/secret.h"

namespace picbot::config {
namespace {
using nlohmann::json;

Schema test_schema() {
  Schema schema({
      needs_restart(string_field("data_dir", "data", "zh", "en")),
      object_field("web", {secret_field("password", "zh", "en"), string_field("listen", "", "zh", "en")},
                   "zh", "en"),
      list_field("keys", FieldType::kSecret, json::array(), "zh", "en"),
  });
  return schema;
}

TEST(ConfigEditTest, UneditedMasksGetTheirSecretsBack) {
  const Schema schema = test_schema();
  const json current{{"web", {{"password", "hunter2-long-secret"}, {"listen", "a"}}},
                     {"keys", {"sk-or-v1-aaaaaaaaaaaa1111", "sk-or-v1-bbbbbbbbbbbb2222"}}};
  json submitted = schema.masked(current);
  submitted["web"]["listen"] = "b";
  // Reordered list: masks still find their secrets; a new key stays as typed.
  submitted["keys"] = {mask_secret("sk-or-v1-bbbbbbbbbbbb2222"), mask_secret("sk-or-v1-aaaaaaaaaaaa1111"),
                       "sk-new-cccccccccccccc"};
  const json restored = restore_masked_secrets(schema, submitted, current);
  EXPECT_EQ(restored["web"]["password"], "hunter2-long-secret");
  EXPECT_EQ(restored["web"]["listen"], "b");
  EXPECT_EQ(restored["keys"],
            json({"sk-or-v1-bbbbbbbbbbbb2222", "sk-or-v1-aaaaaaaaaaaa1111", "sk-new-cccccccccccccc"}));

  json edited = schema.masked(current);
  edited["web"]["password"] = "a-new-password";
  EXPECT_EQ(restore_masked_secrets(schema, edited, current)["web"]["password"], "a-new-password");
  edited["web"]["password"] = "";
  EXPECT_EQ(restore_masked_secrets(schema, edited, current)["web"]["password"], "");
}

TEST(ConfigEditTest, APartialDocumentChangesOnlyWhatItNames) {
  Schema schema = test_schema();
  schema.add_plugin("draw", {secret_field("api_key", "zh", "en"), string_field("model", "m", "zh", "en")});
  const json current{{"data_dir", "a"},
                     {"web", {{"password", "hunter2-long-secret"}, {"listen", "x"}}},
                     {"keys", json::array({"k1", "k2"})},
                     {"plugins", {{"draw", {{"api_key", "sk-draw-secret-1"}, {"model", "m1"}}}}}};
  auto merged = merge_submitted(schema, current, {{"web", {{"listen", "y"}}}, {"keys", json::array({"k3"})}});
  ASSERT_TRUE(merged.ok());
  json expected = current;
  expected["web"]["listen"] = "y";
  expected["keys"] = json::array({"k3"});  // a list is replaced as a whole
  EXPECT_EQ(*merged, expected);

  // An explicit "" empties a secret; null is refused for a secret or an object holding one.
  merged = merge_submitted(schema, current, {{"web", {{"password", ""}}}});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ((*merged)["web"]["password"], "");
  for (const json& submitted :
       {json{{"web", {{"password", nullptr}}}}, json{{"web", nullptr}}, json{{"keys", nullptr}}}) {
    auto refused = merge_submitted(schema, current, submitted);
    ASSERT_FALSE(refused.ok()) << submitted.dump();
    EXPECT_EQ(refused.error().code, "secret_needs_value");
  }
  EXPECT_EQ(merge_submitted(schema, current, {{"web", nullptr}}).error().message, "web");

  // null resets any other key (it takes its default) and switches a plugin off.
  merged = merge_submitted(schema, current, {{"data_dir", nullptr}, {"plugins", {{"draw", nullptr}}}});
  ASSERT_TRUE(merged.ok());
  EXPECT_FALSE(merged->contains("data_dir"));
  EXPECT_EQ((*merged)["plugins"], json::object());
}

TEST(ConfigEditTest, ChangedPathsAndRestart) {
  const Schema schema = test_schema();
  const json before{{"data_dir", "a"}, {"web", {{"listen", "x"}, {"password", ""}}}, {"keys", json::array()}};
  json after = before;
  after["data_dir"] = "b";
  after["web"]["listen"] = "y";
  after["keys"] = {"k"};
  const auto changed = changed_paths(before, after);
  EXPECT_EQ(changed, (std::vector<std::string>{"data_dir", "keys", "web.listen"}));
  EXPECT_EQ(restart_required_paths(schema, changed), std::vector<std::string>{"data_dir"});
}

}  // namespace
}  // namespace picbot::config
