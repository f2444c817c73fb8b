#include "file_receiver/file_naming.h"

#include <gtest/gtest.h>

#include "bot/core/utf8.h"

namespace picbot::filesend {
namespace {

TEST(SanitizeBasenameTest, KeepsOnlyASafeBasename) {
  EXPECT_EQ(sanitize_basename("cat.png"), "cat.png");
  EXPECT_EQ(sanitize_basename("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitize_basename("a/b\\c"), "c");
  EXPECT_EQ(sanitize_basename("C:\\Users\\x\\shot.jpg"), "shot.jpg");
  EXPECT_EQ(sanitize_basename(".bashrc"), "bashrc");
  EXPECT_EQ(sanitize_basename("..."), "file");
  EXPECT_EQ(sanitize_basename(".."), "file");
  EXPECT_EQ(sanitize_basename(""), "file");
  EXPECT_EQ(sanitize_basename("dir/"), "file");
  EXPECT_EQ(sanitize_basename(" . hidden "), "hidden");
  EXPECT_EQ(sanitize_basename("trailing..."), "trailing");
  EXPECT_EQ(sanitize_basename("猫 图.png"), "猫 图.png");
}

TEST(SanitizeBasenameTest, ReplacesControlAndUnsafeBytes) {
  EXPECT_EQ(sanitize_basename(std::string("a\0b\n\x7f.txt", 9)), "a_b__.txt");
  EXPECT_EQ(sanitize_basename("what?<x>:\"|*.png"), "what__x_____.png");
  EXPECT_EQ(sanitize_basename("bad\xff\xfeutf8.png"), "bad__utf8.png");
  EXPECT_EQ(sanitize_basename("\xe7\x8c"), "__");  // cut multi-byte sequence
}

TEST(SanitizeBasenameTest, DropsBidiControlsThatDisguiseAnExtension) {
  // "invoice\u202Egnp.exe" displays as "invoiceexe.png".
  EXPECT_EQ(sanitize_basename("invoice\u202Egnp.exe"), "invoicegnp.exe");
  for (const char* control : {"\u061C", "\u200E", "\u200F", "\u202A", "\u202B", "\u202C", "\u202D", "\u202E",
                              "\u2066", "\u2067", "\u2068", "\u2069"}) {
    EXPECT_EQ(sanitize_basename(std::string("a") + control + "b.txt"), "ab.txt") << control;
  }
  EXPECT_EQ(sanitize_basename("\u202E\u2066"), "file");
  // Neighbours of the ranges are kept.
  for (const char* kept : {"\u200D", "\u2029", "\u202F", "\u2065", "\u206A", "\u061B"}) {
    EXPECT_EQ(sanitize_basename(std::string("a") + kept + "b"), std::string("a") + kept + "b") << kept;
  }
}

TEST(SanitizeBasenameTest, CapsLengthKeepingExtensionAndCharacters) {
  const std::string long_ascii = std::string(10 * 1024, 'a') + ".png";
  const std::string capped = sanitize_basename(long_ascii);
  EXPECT_EQ(capped.size(), kMaxSanitizedNameBytes);
  EXPECT_TRUE(capped.ends_with(".png"));

  std::string long_cjk;
  for (int i = 0; i < 100; ++i) long_cjk += "猫";
  const std::string cjk = sanitize_basename(long_cjk + ".jpg");
  EXPECT_LE(cjk.size(), kMaxSanitizedNameBytes);
  EXPECT_TRUE(is_clean_utf8(cjk));
  EXPECT_TRUE(cjk.ends_with(".jpg"));

  EXPECT_LE(sanitize_basename(std::string(500, 'z') + "." + std::string(100, 'e')).size(),
            kMaxSanitizedNameBytes);
}

TEST(StoredNameTest, RecognisesOnlyGeneratedNames) {
  const auto when = std::chrono::sys_days{std::chrono::year{2024} / 3 / 9} + std::chrono::hours(13) +
                    std::chrono::minutes(5) + std::chrono::seconds(7);
  const std::string name = make_stored_name("cat.png", when, 0xabcdef01);
  EXPECT_EQ(name, "picbot-20240309-130507-abcdef01-cat.png");
  EXPECT_TRUE(is_stored_name(name));
  for (const char* other : {"cat.png", "picbot-", "picbot-20240309-130507-abcdef01-",
                            "picbot-2024030-130507-abcdef01-x", "picbot-20240309-130507-ABCDEF01-x",
                            "xpicbot-20240309-130507-abcdef01-x", "picbot-20240309_130507-abcdef01-x"}) {
    EXPECT_FALSE(is_stored_name(other)) << other;
  }
}

TEST(SpoolNameTest, RoundTrips) {
  const std::string name = make_spool_name(0x1234);
  EXPECT_EQ(name, ".picbot-part-0000000000001234");
  EXPECT_TRUE(is_spool_name(name));
  EXPECT_FALSE(is_spool_name(".picbot-part-123"));
  EXPECT_FALSE(is_spool_name(".picbot-part-000000000000123g"));
  EXPECT_NE(random_nonce(), random_nonce());
}

}  // namespace
}  // namespace picbot::filesend
