#include "image/format.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace picbot::image {
namespace {

TEST(FormatTest, AspectRatios) {
  for (const char* ratio : {"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"}) {
    EXPECT_TRUE(is_supported_aspect_ratio(ratio)) << ratio;
  }
  EXPECT_FALSE(is_supported_aspect_ratio("1:2"));
  EXPECT_FALSE(is_supported_aspect_ratio(""));
}

TEST(FormatTest, SniffsTheFormatFromMagicBytesAndNotFromTheName) {
  EXPECT_EQ(sniff_image_format(std::string_view("\x89PNG\r\n\x1A\n....", 12)), ImageFormat::kPng);
  EXPECT_EQ(sniff_image_format("\xFF\xD8\xFF\xE0"), ImageFormat::kJpeg);
  EXPECT_EQ(sniff_image_format(std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16)), ImageFormat::kWebp);
  EXPECT_EQ(sniff_image_format("GIF89a"), std::nullopt);
  EXPECT_EQ(sniff_image_format(""), std::nullopt);
}

TEST(FormatTest, ParsesRatiosAndPixelSizes) {
  auto ratio = parse_size_wish("16:9");
  ASSERT_TRUE(ratio.ok());
  EXPECT_TRUE(ratio->is_ratio);
  EXPECT_EQ(ratio->width, 16);
  EXPECT_EQ(ratio->height, 9);
  auto size = parse_size_wish(" 1024X768 ");
  ASSERT_TRUE(size.ok());
  EXPECT_FALSE(size->is_ratio);
  EXPECT_EQ(size->width, 1024);
  EXPECT_EQ(size->height, 768);
  EXPECT_TRUE(parse_size_wish("1328*1328").ok());
  for (const char* bad : {"", "16", "16:0", "0x10", "a:b", "1024x", "99999x10", "1:2:3", "-1:2"}) {
    EXPECT_FALSE(parse_size_wish(bad).ok()) << bad;
  }
}

TEST(FormatTest, MapsAWishToTheNearestListedAspectRatio) {
  EXPECT_EQ(to_aspect_ratio(*parse_size_wish("16:9")), "16:9");
  EXPECT_EQ(to_aspect_ratio(*parse_size_wish("1920x1080")), "16:9");
  EXPECT_EQ(to_aspect_ratio(*parse_size_wish("1024x1024")), "1:1");
  EXPECT_EQ(to_aspect_ratio(*parse_size_wish("1:2")), "9:16");
  EXPECT_EQ(to_aspect_ratio(*parse_size_wish("3:1")), "21:9");
}

TEST(FormatTest, MapsAWishToOpenAisAllowedSizes) {
  EXPECT_EQ(to_openai_size(*parse_size_wish("1:1"), OpenAiSizeRule::kGptImage), "1024x1024");
  EXPECT_EQ(to_openai_size(*parse_size_wish("16:9"), OpenAiSizeRule::kGptImage), "1536x1024");
  EXPECT_EQ(to_openai_size(*parse_size_wish("9:16"), OpenAiSizeRule::kGptImage), "1024x1536");
  EXPECT_EQ(to_openai_size(*parse_size_wish("16:9"), OpenAiSizeRule::kDallE3), "1792x1024");
  EXPECT_EQ(to_openai_size(*parse_size_wish("800x1200"), OpenAiSizeRule::kDallE3), "1024x1792");
}

TEST(FormatTest, SeedreamSizesReachTheMinimumPixelCountKeepingTheShape) {
  constexpr std::int64_t kMin = 2560 * 1440;
  EXPECT_EQ(to_seedream_size(*parse_size_wish("16:9"), kMin), "2560x1440");
  EXPECT_EQ(to_seedream_size(*parse_size_wish("1024x1024"), kMin), "1920x1920");
  EXPECT_EQ(to_seedream_size(*parse_size_wish("4096x2048"), kMin), "4096x2048");
  const auto wish = *parse_size_wish("3:4");
  const std::string size = to_seedream_size(wish, kMin);
  const auto scaled = *parse_size_wish(size);
  EXPECT_GE(std::int64_t{scaled.width} * scaled.height, kMin);
  EXPECT_NEAR(static_cast<double>(scaled.width) / scaled.height, 0.75, 0.01);
}

TEST(FormatTest, DashScopeSizesUseAStarAndStayWithinTheSides) {
  EXPECT_EQ(to_dashscope_size(*parse_size_wish("1:1"), 512, 1440), "1024*1024");
  EXPECT_EQ(to_dashscope_size(*parse_size_wish("1664x928"), 512, 1440), "1440*928");
  EXPECT_EQ(to_dashscope_size(*parse_size_wish("100x100"), 512, 1440), "512*512");
}

TEST(FormatTest, ModelScopeSizesAreDashScopesWrittenWithAnX) {
  EXPECT_EQ(to_modelscope_size(*parse_size_wish("1:1"), 512, 1440), "1024x1024");
  EXPECT_EQ(to_modelscope_size(*parse_size_wish("1664*928"), 512, 1440), "1440x928");
  EXPECT_EQ(to_modelscope_size(*parse_size_wish("100x100"), 512, 1440), "512x512");
  const auto wish = *parse_size_wish("16:9");
  std::string star = to_dashscope_size(wish, 64, 2048);
  std::replace(star.begin(), star.end(), '*', 'x');
  EXPECT_EQ(to_modelscope_size(wish, 64, 2048), star);
}

}  // namespace
}  // namespace picbot::image
