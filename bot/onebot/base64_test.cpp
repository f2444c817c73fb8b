#include "bot/onebot/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace picbot::onebot {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, EncodeAppendKeepsPrefix) {
  std::string out = "base64://";
  base64_encode_append("foo", out);
  EXPECT_EQ(out, "base64://Zm9v");
}

TEST(Base64, DecodesRfc4648Vectors) {
  for (const std::string plain : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto decoded = base64_decode(base64_encode(plain));
    ASSERT_TRUE(decoded.ok()) << plain << ": " << decoded.error().to_string();
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256 * 3 + 1; ++i) bytes += static_cast<char>(i * 7);
  auto decoded = base64_decode(base64_encode(bytes));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, bytes);
}

TEST(Base64, SkipsWhitespaceAndNewlines) {
  auto decoded = base64_decode(" Zm9v\r\nYmFy\n\tZm8=\n");
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  EXPECT_EQ(*decoded, "foobarfo");
  // Whitespace inside padding is tolerated too (MIME line breaks can fall there).
  auto split_padding = base64_decode("Zg=\n=");
  ASSERT_TRUE(split_padding.ok());
  EXPECT_EQ(*split_padding, "f");
}

TEST(Base64, LongInputWithBreaksAnywhereMatchesTheUnbrokenDecode) {
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes.push_back(static_cast<char>(i * 7 + i / 256));
  const std::string encoded = base64_encode(bytes);
  for (std::size_t step : {1, 3, 5, 64, 76}) {
    std::string broken;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      broken.push_back(encoded[i]);
      if ((i + 1) % step == 0) broken += "\r\n";
    }
    auto decoded = base64_decode(broken);
    ASSERT_TRUE(decoded.ok()) << step << ": " << decoded.error().to_string();
    EXPECT_EQ(*decoded, bytes) << step;
  }
  auto bad_late = base64_decode(encoded.substr(0, 400) + "!" + encoded.substr(401));
  ASSERT_FALSE(bad_late.ok());
  EXPECT_NE(bad_late.error().message.find("offset 400"), std::string::npos) << bad_late.error().message;
}

TEST(Base64, RejectsTruncatedInput) {
  for (const char* truncated : {"Zm9vYmF", "Zm9vY", "Zm9vYg", "Zm9vYg=", "Z", "Zm9vYmFy\nZm"}) {
    auto decoded = base64_decode(truncated);
    ASSERT_FALSE(decoded.ok()) << truncated;
    EXPECT_EQ(decoded.error().code, "bad_base64");
    EXPECT_NE(decoded.error().message.find("truncated"), std::string::npos) << decoded.error().message;
  }
}

TEST(Base64, RejectsInvalidCharacters) {
  auto decoded = base64_decode("Zm9v!mFy");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, "bad_base64");
  EXPECT_NE(decoded.error().message.find("0x21 at offset 4"), std::string::npos) << decoded.error().message;
  EXPECT_FALSE(base64_decode("Zm9v-_==").ok());  // URL-safe alphabet is not accepted
  EXPECT_FALSE(base64_decode(std::string("Zm\0v", 4)).ok());
  EXPECT_FALSE(base64_decode("Zm9v\xff").ok());
}

TEST(Base64, RejectsMisplacedPaddingAndDataAfterPadding) {
  auto early = base64_decode("Z===");
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().message.find("misplaced"), std::string::npos);
  EXPECT_FALSE(base64_decode("====").ok());
  EXPECT_FALSE(base64_decode("Zg===").ok());
  auto after = base64_decode("Zg==Zm9v");
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.error().message.find("after padding"), std::string::npos);
  EXPECT_FALSE(base64_decode("Zm8=Zm8=").ok());
}

}  // namespace
}  // namespace picbot::onebot
