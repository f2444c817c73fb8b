#include "bot/core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace picbot {
namespace {

TEST(Utf8Test, AcceptsWellFormedRejectsTheRest) {
  EXPECT_TRUE(is_clean_utf8("/data/猫.png"));
  EXPECT_TRUE(is_clean_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_clean_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_clean_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_clean_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(is_clean_utf8("\xe7\x8c"));          // truncated
  EXPECT_FALSE(is_clean_utf8("a\nb"));
  EXPECT_FALSE(is_clean_utf8(std::string("a\0b", 3)));
}

TEST(Utf8Test, SequenceLengthCountsTheBytesOfOneCharacter) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("猫", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);
}

TEST(Utf8Test, PrefixNeverEndsInsideACharacter) {
  EXPECT_EQ(utf8_prefix("猫猫", 6), "猫猫");
  EXPECT_EQ(utf8_prefix("猫猫", 5), "猫");
  EXPECT_EQ(utf8_prefix("猫猫", 2), "");
  EXPECT_EQ(utf8_prefix("abc", 2), "ab");
}

TEST(Utf8Test, ShortenAppendsAnEllipsisOnlyWhenItCuts) {
  EXPECT_EQ(utf8_shorten("abc", 3), "abc");
  EXPECT_EQ(utf8_shorten("abcd", 3), "abc…");
  EXPECT_EQ(utf8_shorten("a猫", 3), "a…");
}

TEST(Utf8Test, CountsAndCutsByCodePoint) {
  EXPECT_EQ(count_code_points("a猫\xf0\x9f\x98\x80"), 3u);
  EXPECT_EQ(code_point_prefix("a猫b", 2), "a猫");
  EXPECT_EQ(code_point_prefix("a猫b", 9), "a猫b");
  EXPECT_EQ(code_point_prefix("a猫b", 0), "");
}

}  // namespace
}  // namespace picbot
