#include "bot/core/secret.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

TEST(MaskSecret, KeepsVendorPrefixAndLastFour) {
  EXPECT_EQ(mask_secret("sk-or-v1-0123456789abcdefa1b2"), "sk-or-…a1b2");
  EXPECT_EQ(mask_secret("abcdefghijklmnop"), "…mnop");
  EXPECT_EQ(mask_secret("short"), "••••");
}

// A 12-character secret used to show 8 of its characters ("abcd-…ijkl").
TEST(MaskSecret, SecretsUnderSixteenCharactersShowNothingOfThemselves) {
  EXPECT_EQ(mask_secret("abcd-efghijkl"), "••••");
  EXPECT_EQ(mask_secret("0123456789abcde"), "••••");
  EXPECT_EQ(mask_secret("0123456789abcdef"), "…cdef");
  EXPECT_EQ(mask_secret(""), "••••");
}

TEST(SecretRegistry, RedactsEveryOccurrence) {
  auto& registry = SecretRegistry::instance();
  registry.set({"sk-or-v1-secretsecretsecret1234", "tok", "pass-word-1"});
  const std::string text =
      "key=sk-or-v1-secretsecretsecret1234 again sk-or-v1-secretsecretsecret1234 tok pass-word-1";
  const std::string clean = registry.redact(text);
  EXPECT_EQ(clean, "key=sk-or-…1234 again sk-or-…1234 tok ••••");  // "tok" is too short to register
  EXPECT_TRUE(registry.is_clean(clean));
  EXPECT_FALSE(registry.is_clean(text));
  registry.set({});
}

}  // namespace
}  // namespace picbot
