#include "bot/core/text.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

TEST(TextTrim, RemovesAsciiWhitespaceFromBothEnds) {
  EXPECT_EQ(trim(" \t\r\n value \v\f\n"), "value");
  EXPECT_EQ(trim("a b"), "a b");
}

TEST(TextTrim, ReturnsEmptyForBlankText) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\n"), "");
}

TEST(TextTrim, StripsOnlyTheGivenCharacters) { EXPECT_EQ(trim(" \tvalue\r\n", " \t"), "value\r\n"); }

TEST(TextTrim, KeepsNonAsciiBytes) { EXPECT_EQ(trim(" 你好 "), "你好"); }

TEST(TextToLower, LowersAsciiLettersOnly) {
  EXPECT_EQ(to_lower("Content-Type: ABC xyz 123"), "content-type: abc xyz 123");
  EXPECT_EQ(to_lower("ÄÖ 你好"), "ÄÖ 你好");
}

}  // namespace
}  // namespace picbot
