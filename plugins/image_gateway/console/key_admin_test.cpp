#include "plugins/image_gateway/console/key_admin.h"

#include <gtest/gtest.h>

#include <set>

#include "bot/core/secret.h"

namespace picbot::gateway {
namespace {

TEST(KeyAdmin, ACreatedKeyIsPrefixedRandomAndMaskedToItsPrefixAndLastFour) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto key = generate_gateway_key();
    ASSERT_TRUE(key) << key.error().message;
    ASSERT_EQ(key->size(), kCreatedKeyPrefix.size() + kCreatedKeyRandomChars);
    EXPECT_TRUE(key->starts_with("pg-"));
    for (char c : key->substr(kCreatedKeyPrefix.size()))
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << *key;
    EXPECT_TRUE(seen.insert(*key).second) << "a repeated key";
    const std::string masked = mask_secret(*key);
    EXPECT_EQ(masked, "pg-…" + key->substr(key->size() - 4));
    EXPECT_EQ(masked.find(key->substr(kCreatedKeyPrefix.size(), 8)), std::string::npos);
  }
}

TEST(KeyAdmin, ANewNameIsShortPlainAndUnused) {
  const std::vector<ApiKey> keys = {{"webui", "sk-1", KeySource::kFile},
                                    {"lobe", "pg-2", KeySource::kConsole}};
  EXPECT_EQ(key_name_problem("phone-1", keys), std::nullopt);
  EXPECT_EQ(key_name_problem("a.b_c-D9", keys), std::nullopt);
  EXPECT_EQ(key_name_problem("", keys), "gateway.console.name_empty");
  EXPECT_EQ(key_name_problem(std::string(kMaxKeyNameLength, 'a'), keys), std::nullopt);
  EXPECT_EQ(key_name_problem(std::string(kMaxKeyNameLength + 1, 'a'), keys), "gateway.console.name_too_long");
  EXPECT_EQ(key_name_problem("has space", keys), "gateway.console.name_chars");
  EXPECT_EQ(key_name_problem("gateway:x", keys), "gateway.console.name_chars") << "the bucket separator";
  EXPECT_EQ(key_name_problem("名字", keys), "gateway.console.name_chars");
  EXPECT_EQ(key_name_problem("webui", keys), "gateway.console.name_taken");
  EXPECT_EQ(key_name_problem("lobe", keys), "gateway.console.name_taken");
  EXPECT_EQ(key_name_problem("local", keys), "gateway.console.name_taken") << "the keyless caller's name";
}

TEST(KeyAdmin, FindsAKeyByName) {
  const std::vector<ApiKey> keys = {{"webui", "sk-1", KeySource::kEnvironment}};
  ASSERT_NE(find_key(keys, "webui"), nullptr);
  EXPECT_EQ(find_key(keys, "webui")->source, KeySource::kEnvironment);
  EXPECT_EQ(find_key(keys, "web"), nullptr);
}

}  // namespace
}  // namespace picbot::gateway
