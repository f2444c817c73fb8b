#include "bot/app/storage_settings.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(StorageSettings, DefaultsAreTodaysLocalStore) {
  const StorageSettings s = storage_settings(json::object());
  EXPECT_EQ(s.backend, "local");
  EXPECT_EQ(s.ttl, 15min);
  EXPECT_EQ(s.max_cache_bytes, 0u);
  EXPECT_EQ(s.metadata_retention, 365 * 24h);
  EXPECT_FALSE(s.delete_remote_on_expiry);
  EXPECT_FALSE(s.ttl_alias);
}

TEST(StorageSettings, ReadsTheSection) {
  const StorageSettings s = storage_settings(json{{"storage",
                                                   {{"local", {{"ttl_minutes", 60}, {"max_cache_mb", 2}}},
                                                    {"metadata_retention_days", 30},
                                                    {"delete_remote_on_expiry", true}}}});
  EXPECT_EQ(s.ttl, 60min);
  EXPECT_EQ(s.max_cache_bytes, 2u * 1024 * 1024);
  EXPECT_EQ(s.metadata_retention, 30 * 24h);
  EXPECT_TRUE(s.delete_remote_on_expiry);
}

TEST(StorageSettings, TheOldPluginKeyIsADeprecatedAlias) {
  const json old = {{"plugins", {{"gemini_pic_gen", {{"image_ttl_minutes", 30}}}}}};
  StorageSettings s = storage_settings(old);
  EXPECT_EQ(s.ttl, 30min);
  EXPECT_EQ(s.ttl_alias, "plugins.gemini_pic_gen.image_ttl_minutes");

  json both = old;
  both["storage"]["local"]["ttl_minutes"] = 90;
  s = storage_settings(both);
  EXPECT_EQ(s.ttl, 90min) << "the new key, once set, wins";
  EXPECT_FALSE(s.ttl_alias);

  json unset = old;
  unset["plugins"]["gemini_pic_gen"]["image_ttl_minutes"] = nullptr;
  EXPECT_EQ(storage_settings(unset).ttl, 15min);
}

TEST(StorageSettings, TheS3BackendIsRefusedUntilTheUploadQueueLands) {
  EXPECT_TRUE(storage_problems(json::object(), "en").empty());
  const auto problems = storage_problems(json{{"storage", {{"backend", "s3"}}}}, "en");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "storage.backend");
  EXPECT_NE(problems[0].message.find("not available yet"), std::string::npos) << problems[0].message;
  const auto zh = storage_problems(json{{"storage", {{"backend", "s3"}}}}, "zh-CN");
  EXPECT_NE(zh[0].message.find("尚不可用"), std::string::npos) << zh[0].message;
}

}  // namespace
}  // namespace picbot
