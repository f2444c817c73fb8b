#include "plugins/image_gateway/openai_requests.h"

#include <gtest/gtest.h>

#include "bot/onebot/base64.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "plugins/image_gateway/gateway_messages.h"

namespace picbot::gateway {
namespace {
using nlohmann::json;

const std::string kPng = picbot::testing::make_png("edit");

int status_of(const Parsed& parsed) { return parsed ? 200 : parsed.error().status; }
std::string param_of(const Parsed& parsed) {
  return json::parse(parsed.error().body)["error"]["param"].is_string()
             ? json::parse(parsed.error().body)["error"]["param"].get<std::string>()
             : "";
}

class OpenAiRequests : public ::testing::Test {
 protected:
  void SetUp() override { register_gateway_messages(); }
};

TEST_F(OpenAiRequests, AGenerationTakesOpenAisFields) {
  auto parsed = parse_generation(
      R"({"model":"m","prompt":"a cat","n":2,"size":"1024x1536","quality":"hd","response_format":"b64_json","style":"vivid"})",
      "en");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->model, "m");
  EXPECT_EQ(parsed->n, 2);
  EXPECT_EQ(parsed->size, "1024x1536");
  EXPECT_EQ(parsed->response_format, "b64_json");
  EXPECT_FALSE(parse_generation(R"({"model":"m","prompt":"a","size":"auto"})", "en")->size);
}

TEST_F(OpenAiRequests, EveryRefusalIsA400NamingTheParameter) {
  for (const auto& [body, param] : std::vector<std::pair<std::string, std::string>>{
           {R"({"prompt":"a"})", "model"},
           {R"({"model":"m"})", "prompt"},
           {R"({"model":"m","prompt":"a","n":5})", "n"},
           {R"({"model":"m","prompt":"a","n":"2"})", "n"},
           {R"({"model":"m","prompt":"a","size":"big"})", "size"},
           {R"({"model":"m","prompt":"a","quality":"ultra"})", "quality"},
           {R"({"model":"m","prompt":"a","response_format":"png"})", "response_format"},
       }) {
    auto parsed = parse_generation(body, "en");
    EXPECT_EQ(status_of(parsed), 400) << body;
    if (!parsed) EXPECT_EQ(param_of(parsed), param) << body;
  }
  auto not_json = parse_generation("{nope", "zh-CN");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(json::parse(not_json.error().body)["error"]["type"], "invalid_request_error");
}

TEST_F(OpenAiRequests, AMultipartEditTakesRepeatedImageFilesAndTextFields) {
  std::vector<web::MultipartPart> parts = {{"image[]", "a.png", "image/png", kPng},
                                           {"image[]", "b.png", "image/png", kPng},
                                           {"mask", "m.png", "image/png", kPng},
                                           {"prompt", "", "", "add a hat"},
                                           {"model", "", "", "m"},
                                           {"n", "", "", "3"},
                                           {"background", "", "", "transparent"}};
  auto parsed = parse_edit_form(parts, "en");
  ASSERT_TRUE(parsed) << parsed.error().body;
  EXPECT_EQ(parsed->images.size(), 2u);
  EXPECT_EQ(parsed->images[1].image.mime, "image/png");
  EXPECT_TRUE(parsed->mask);
  EXPECT_EQ(parsed->n, 3);
  parts[0].data = "not an image";
  EXPECT_EQ(param_of(parse_edit_form(parts, "en")), "image[0]");
  EXPECT_EQ(param_of(parse_edit_form({{"prompt", "", "", "x"}, {"model", "", "", "m"}}, "en")), "image");
}

TEST_F(OpenAiRequests, AJsonEditTakesDataUrlsBase64AndLinks) {
  const std::string b64 = onebot::base64_encode(kPng);
  auto parsed = parse_edit_json(
      json{{"model", "m"},
           {"prompt", "p"},
           {"image", json::array({"data:image/png;base64," + b64, b64, "https://example.com/a.png"})}}
          .dump(),
      "en");
  ASSERT_TRUE(parsed) << parsed.error().body;
  ASSERT_EQ(parsed->images.size(), 3u);
  EXPECT_EQ(parsed->images[0].image.bytes, kPng);
  EXPECT_EQ(parsed->images[1].image.bytes, kPng);
  EXPECT_EQ(parsed->images[2].url, "https://example.com/a.png");
  EXPECT_EQ(param_of(parse_edit_json(json{{"model", "m"}, {"prompt", "p"}, {"image", "!!"}}.dump(), "en")),
            "image");
}

}  // namespace
}  // namespace picbot::gateway
