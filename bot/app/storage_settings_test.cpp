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

json s3_section() {
  return json{{"backend", "s3"},
              {"s3",
               {{"endpoint", "http://127.0.0.1:9000"},
                {"region", "us-east-1"},
                {"bucket", "picbot-images"},
                {"access_key_id", "AKIDEXAMPLE"},
                {"secret_access_key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                {"public_base_url", "https://img.example.com"},
                {"key_prefix", "bot1"},
                {"path_style", true},
                {"presign_seconds", 600},
                {"max_parallel_uploads", 8}}}};
}

TEST(StorageSettings, ReadsTheBucketSection) {
  const StorageSettings s = storage_settings(json{{"storage", s3_section()}});
  EXPECT_EQ(s.backend, "s3");
  EXPECT_EQ(s.s3.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(s.s3.region, "us-east-1");
  EXPECT_EQ(s.s3.bucket, "picbot-images");
  EXPECT_EQ(s.s3.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(s.s3.public_base_url, "https://img.example.com");
  EXPECT_EQ(s.s3.key_prefix, "bot1");
  EXPECT_EQ(s.s3.presign_seconds, 600);
  EXPECT_EQ(s.s3.max_parallel_uploads, 8);
  EXPECT_TRUE(storage_problems(json{{"storage", s3_section()}}).empty());
}

TEST(StorageSettings, AnUnusableBucketSectionIsRefusedAtItsField) {
  EXPECT_TRUE(storage_problems(json::object()).empty());
  json no_bucket = s3_section();
  no_bucket["s3"]["bucket"] = "";
  auto problems = storage_problems(json{{"storage", no_bucket}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "storage.s3.bucket");

  json no_secret = s3_section();
  no_secret["s3"]["secret_access_key"] = "";
  problems = storage_problems(json{{"storage", no_secret}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "storage.s3.secret_access_key");

  json local = no_bucket;
  local["backend"] = "local";
  EXPECT_TRUE(storage_problems(json{{"storage", local}}).empty()) << "the bucket section is read for s3 only";
}

}  // namespace
}  // namespace picbot
