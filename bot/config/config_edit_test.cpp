#include "bot/config/config_edit.h"

#include <gtest/gtest.h>

#include "bot/core/secret.h"

namespace picbot::config {
namespace {
using nlohmann::json;

Schema test_schema() {
  Schema schema({
      needs_restart(string_field("data_dir", "data", "zh", "en")),
      object_field("web", {secret_field("password", "zh", "en"), string_field("listen", "", "zh", "en")}, "zh",
                   "en"),
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
