#include "plugins/gemini_pic_gen/plugin_settings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace picbot::gemini {
namespace {

// The settings form shows words, not keys: every field of the plugin has a
// short label in both languages.
TEST(PluginSettingsTest, EveryFieldHasALabelInBothLanguages) {
  std::vector<std::string> unlabelled;
  auto walk = [&](auto& self, const std::vector<config::Field>& fields, const std::string& path) -> void {
    for (const config::Field& field : fields) {
      const std::string field_path = path.empty() ? field.key : path + "." + field.key;
      if (field.label_zh.empty() || field.label_en.empty()) unlabelled.push_back(field_path);
      self(self, field.children, field_path);
    }
  };
  walk(walk, plugin_schema(), "");
  EXPECT_TRUE(unlabelled.empty()) << ::testing::PrintToString(unlabelled);
}

}  // namespace
}  // namespace picbot::gemini
