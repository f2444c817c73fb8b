#include "image/providers/openrouter/openrouter_response.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bot/onebot/base64.h"
#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using nlohmann::json;
using testing::make_data_url;
using testing::make_jpeg;
using testing::make_png;
using testing::make_webp;

json completion(json message, std::string finish_reason = "stop") {
  return {{"choices", json::array({{{"finish_reason", finish_reason}, {"message", std::move(message)}}})}};
}

json with_images(std::vector<std::string> urls, json content = "") {
  json images = json::array();
  for (auto& url : urls) images.push_back({{"type", "image_url"}, {"image_url", {{"url", url}}}});
  return completion({{"role", "assistant"}, {"content", std::move(content)}, {"images", images}});
}

Result<ParsedImageResponse, llm::ProviderError> parse(const json& body) {
  return parse_image_response(body.dump());
}

void expect_error(const Result<ParsedImageResponse, llm::ProviderError>& result, FailureClass cls,
                  std::string_view message_part = "") {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, cls) << result.error().to_string();
  EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
}

TEST(OpenRouterResponseTest, ImagesArrayInEveryFormat) {
  const struct {
    std::string bytes;
    const char* mime;
    const char* extension;
  } cases[] = {{make_png("a"), "image/png", "png"},
               {make_jpeg(), "image/jpeg", "jpg"},
               {make_webp(), "image/webp", "webp"}};
  for (const auto& c : cases) {
    auto result = parse(with_images({make_data_url(c.mime, c.bytes)}, "A cat."));
    ASSERT_TRUE(result.ok()) << c.mime << ": " << result.error().to_string();
    EXPECT_EQ(result->image.bytes, c.bytes);
    EXPECT_EQ(result->image.mime, c.mime);
    EXPECT_EQ(result->image.extension, c.extension);
    EXPECT_EQ(result->image.model_text, "A cat.");
    EXPECT_TRUE(result->download_url.empty());
  }
}

TEST(OpenRouterResponseTest, FirstDecodableImageWins) {
  const std::string second = make_png("second");
  auto result = parse(with_images({"data:image/png;base64,!!!!", make_data_url("image/png", second)}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->image.bytes, second);
}

TEST(OpenRouterResponseTest, ImagesArrayComesBeforeContent) {
  const std::string in_images = make_png("images");
  const std::string in_content = make_png("content");
  auto result = parse(with_images({make_data_url("image/png", in_images)},
                                  "see ![x](" + make_data_url("image/png", in_content) + ")"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->image.bytes, in_images);
}

TEST(OpenRouterResponseTest, DataUrlInContentString) {
  const std::string png = make_png("content");
  auto result = parse(
      completion({{"role", "assistant"},
                  {"content", "Here you go:\n![image](" + make_data_url("image/png", png) + ")\nEnjoy"}}));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->image.bytes, png);
  EXPECT_EQ(result->image.model_text, "Here you go:\n\nEnjoy");

  auto bare = parse(completion({{"content", make_data_url("image/jpeg", make_jpeg())}}));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->image.mime, "image/jpeg");
  EXPECT_EQ(bare->image.model_text, "");
}

TEST(OpenRouterResponseTest, DataUrlInContentParts) {
  const std::string webp = make_webp();
  json parts =
      json::array({{{"type", "text"}, {"text", "Done."}},
                   {{"type", "image_url"}, {"image_url", {{"url", make_data_url("image/webp", webp)}}}}});
  auto result = parse(completion({{"content", parts}}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->image.bytes, webp);
  EXPECT_EQ(result->image.model_text, "Done.");
}

TEST(OpenRouterResponseTest, DataB64Json) {
  const std::string png = make_png("b64");
  auto result = parse(json{{"data", json::array({{{"b64_json", onebot::base64_encode(png)}}})}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->image.bytes, png);
  EXPECT_EQ(result->image.mime, "image/png");
}

TEST(OpenRouterResponseTest, WrappedBase64DecodesToTheSameImage) {
  const std::string png = make_png("wrapped", 5000);
  std::string wrapped = onebot::base64_encode(png);
  for (std::size_t at = 76; at < wrapped.size(); at += 77) wrapped.insert(at, "\n");
  auto result = parse(with_images({"data:image/png;base64," + wrapped}));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->image.bytes, png);
}

TEST(OpenRouterResponseTest, TooDeeplyNestedJsonIsABadResponse) {
  const std::string deep = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
  expect_error(parse_image_response(deep), FailureClass::kBadResponse, "malformed JSON");
}

TEST(OpenRouterResponseTest, DataUrlToDownload) {
  auto result = parse(json{{"data", json::array({{{"url", "https://cdn.example.com/i.png"}}})}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->download_url, "https://cdn.example.com/i.png");
  EXPECT_TRUE(result->image.bytes.empty());
  expect_error(parse(json{{"data", json::array({{{"url", "ftp://x/y.png"}}})}}), FailureClass::kBadResponse,
               "unsupported image URL");
}

TEST(OpenRouterResponseTest, ErrorInside200) {
  expect_error(parse(json{{"error", {{"code", 502}, {"message", "Upstream error"}}}}),
               FailureClass::kTransient, "Upstream error");
  expect_error(parse(json{{"error", {{"code", 429}, {"message", "slow"}}}}), FailureClass::kRateLimited);
}

TEST(OpenRouterResponseTest, MalformedJson) {
  expect_error(parse_image_response(R"({"choices":[{"message":)"), FailureClass::kBadResponse,
               "malformed JSON");
  expect_error(parse_image_response(""), FailureClass::kBadResponse, "malformed JSON");
  expect_error(parse_image_response("[1,2]"), FailureClass::kBadResponse, "malformed JSON");
}

TEST(OpenRouterResponseTest, TextOnlyIsContentFilteredWithShortenedText) {
  const std::string refusal(300, 'r');
  auto result = parse(completion({{"role", "assistant"}, {"content", "I can't " + refusal}}));
  expect_error(result, FailureClass::kContentFiltered, "I can't rrr");
  EXPECT_LE(result.error().message.size(), 125u);

  expect_error(parse(completion({{"refusal", "No."}, {"content", nullptr}})), FailureClass::kContentFiltered,
               "No.");
}

TEST(OpenRouterResponseTest, ContentFilterFinishReason) {
  expect_error(parse(completion({{"content", nullptr}}, "content_filter")), FailureClass::kContentFiltered,
               "content filter");
  json choice = completion({{"content", ""}});
  choice["choices"][0]["native_finish_reason"] = "IMAGE_SAFETY";
  expect_error(parse(choice), FailureClass::kContentFiltered);
}

TEST(OpenRouterResponseTest, NoImageAtAll) {
  expect_error(parse(completion({{"content", ""}})), FailureClass::kBadResponse, "no image");
  expect_error(parse(json{{"id", "x"}}), FailureClass::kBadResponse, "neither choices nor data");
}

TEST(OpenRouterResponseTest, TruncatedAndInvalidBase64) {
  std::string truncated = make_data_url("image/png", make_png("t"));
  truncated.resize(truncated.size() - 5);
  expect_error(parse(with_images({truncated})), FailureClass::kBadResponse, "truncated base64");

  std::string invalid = make_data_url("image/png", make_png("i"));
  invalid.replace(invalid.size() - 12, 4, "!*@#");
  expect_error(parse(with_images({invalid})), FailureClass::kBadResponse, "invalid base64");
}

TEST(OpenRouterResponseTest, WrongMagicAndMismatchedType) {
  expect_error(parse(with_images({make_data_url("image/png", "this is not an image at all")})),
               FailureClass::kBadResponse, "not PNG, JPEG or WEBP");
  expect_error(parse(with_images({make_data_url("image/png", make_jpeg())})), FailureClass::kBadResponse,
               "declared image/png but the data is JPEG");
  expect_error(parse(with_images({make_data_url("image/gif", "GIF89a....")})), FailureClass::kBadResponse,
               "unsupported image type");
  expect_error(parse(with_images({"data:image/png,rawbytes"})), FailureClass::kBadResponse, "not base64");
}

TEST(OpenRouterResponseTest, ImageCutAtAGroupBoundaryIsCaught) {
  const std::string png = make_png("cut", 200);
  const std::string cut = onebot::base64_encode(std::string_view(png).substr(0, 150));
  expect_error(parse(with_images({"data:image/png;base64," + cut})), FailureClass::kBadResponse, "truncated");
  std::string jpeg = make_jpeg();
  jpeg.resize(jpeg.size() - 2);
  EXPECT_FALSE(verify_image(jpeg).ok());
  std::string webp = make_webp();
  webp.resize(webp.size() - 4);
  EXPECT_FALSE(verify_image(webp).ok());
}

TEST(OpenRouterResponseTest, FakeImagesAreValid) {
  EXPECT_EQ(verify_image(make_png()).value(), ImageFormat::kPng);
  EXPECT_EQ(verify_image(make_jpeg()).value(), ImageFormat::kJpeg);
  EXPECT_EQ(verify_image(make_webp()).value(), ImageFormat::kWebp);
  EXPECT_EQ(make_png("x", 5000).size(), 5000u);
  EXPECT_EQ(verify_image(make_png("x", 5000)).value(), ImageFormat::kPng);
}

TEST(OpenRouterResponseTest, GarbageNeverCrashes) {
  const std::string inputs[] = {"null",
                                "{}",
                                R"({"choices":null})",
                                R"({"choices":[null]})",
                                R"({"choices":[{"message":{"images":[1,"x",{"image_url":5}]}}]})",
                                R"({"choices":[{"message":{"content":[1,{"type":"image_url"}]}}]})",
                                R"({"data":[{"b64_json":7},{"url":null}]})",
                                R"({"error":"oops"})",
                                R"({"choices":[{"message":{"content":"data:image/png;base64,"}}]})"};
  for (const auto& input : inputs) {
    auto result = parse_image_response(input);
    EXPECT_FALSE(result.ok()) << input;
  }
}

}  // namespace
}  // namespace picbot::image
