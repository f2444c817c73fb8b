#include "image/providers/gemini/gemini_provider.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "bot/onebot/base64.h"
#include "image/provider_test_rig.h"
#include "tests/fakes/gemini/fake_gemini.h"
#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using nlohmann::json;
using testing::FakeGemini;
using Script = FakeGemini::Script;

const std::string kKey0 = "AIzaSyKey0Key0Key0Key0Key0aaaa";
const std::string kKey1 = "AIzaSyKey1Key1Key1Key1Key1bbbb";

class GeminiProviderTest : public ::testing::Test {
 protected:
  GeminiProviderTest() {
    InstanceSettings s;
    s.api_base = fake_.api_base();
    s.api_keys = {kKey0, kKey1};
    s.model = std::string(kGeminiModel);
    s.backoff_initial_seconds = 0.001;
    s.backoff_max_seconds = 0.002;
    s.request_timeout_seconds = 20;
    provider_ = std::make_unique<GeminiProvider>(rig_.deps, "my_gemini", std::move(s));
  }

  Result<ImageResult, llm::ProviderError> generate(std::string prompt, std::optional<std::string> ratio = {},
                                                   std::vector<ReferenceImage> references = {}) {
    ImageRequest request;
    request.prompt = std::move(prompt);
    request.aspect_ratio = std::move(ratio);
    request.references = std::move(references);
    return testing::run_coroutine(rig_.io, provider_->generate(std::move(request)), std::chrono::seconds(30));
  }

  FakeGemini fake_;
  ProviderTestRig rig_;
  std::unique_ptr<GeminiProvider> provider_;
};

TEST(GeminiUrl, TakesTheVersionedBaseABareHostOrATrailingSlash) {
  EXPECT_EQ(gemini_generate_url("", "gemini-2.5-flash-image"),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash-image:generateContent");
  EXPECT_EQ(gemini_generate_url("https://generativelanguage.googleapis.com/", "m"),
            "https://generativelanguage.googleapis.com/v1beta/models/m:generateContent");
  EXPECT_EQ(gemini_generate_url("https://proxy.example/v1beta/", "m"),
            "https://proxy.example/v1beta/models/m:generateContent");
}

TEST_F(GeminiProviderTest, SendsPartsAndImageConfigAndReadsInlineData) {
  const std::string reference = testing::make_jpeg();
  auto result = generate("a lighthouse", "1920x1080", {{reference, ""}});
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->images.at(0).bytes, fake_.served_images().at(0));
  EXPECT_EQ(result->images[0].mime, "image/png");
  EXPECT_EQ(result->text, "Here is your picture.");
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].key, kKey0);
  EXPECT_EQ(calls[0].path, "/v1beta/models/gemini-2.5-flash-image:generateContent");
  const json& body = calls[0].body;
  EXPECT_EQ(body["generationConfig"]["responseModalities"], json::array({"TEXT", "IMAGE"}));
  EXPECT_EQ(body["generationConfig"]["imageConfig"]["aspectRatio"], "16:9");
  const json& parts = body["contents"][0]["parts"];
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]["text"], "a lighthouse");
  EXPECT_EQ(parts[1]["inline_data"]["mime_type"], "image/jpeg");
  EXPECT_EQ(parts[1]["inline_data"]["data"], onebot::base64_encode(reference));
}

// The references' base64 is spliced into the dumped body; a prompt that
// spells the slot must stay text, and each reference must land in its own part.
TEST_F(GeminiProviderTest, SeveralReferencesLandInTheirPartsWhateverThePromptSays) {
  const std::string prompt = R"(copy "inline_data":{"data":"0" and "inline_data":{"data":"1" literally)";
  const std::string first = testing::make_png("first");
  const std::string second = testing::make_jpeg();
  auto result = generate(prompt, std::nullopt, {{first, ""}, {second, ""}});
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  const json& parts = calls.at(0).body["contents"][0]["parts"];
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]["text"], prompt);
  EXPECT_EQ(parts[1]["inline_data"]["data"], onebot::base64_encode(first));
  EXPECT_EQ(parts[1]["inline_data"]["mime_type"], "image/png");
  EXPECT_EQ(parts[2]["inline_data"]["data"], onebot::base64_encode(second));
  EXPECT_EQ(parts[2]["inline_data"]["mime_type"], "image/jpeg");
}

TEST_F(GeminiProviderTest, BlockedAndTextOnlyAnswersAreTheContentFilterClass) {
  for (Script script : {Script::kBlockedPrompt, Script::kBlockedImage, Script::kTextOnly}) {
    fake_.push(script);
    auto result = generate("something");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().cls, FailureClass::kContentFiltered) << result.error().to_string();
  }
  EXPECT_EQ(fake_.call_count(), 3u) << "none is retried";
}

TEST_F(GeminiProviderTest, A429MovesToTheNextKeyAndA400IsNotRetried) {
  fake_.push(Script::k429);
  ASSERT_TRUE(generate("one").ok());
  auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].key, kKey0);
  EXPECT_EQ(calls[1].key, kKey1);
  EXPECT_EQ(provider_->key_states().at(0).status, llm::KeyState::Status::kCoolingDown);

  fake_.push(Script::k400);
  auto refused = generate("two");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().cls, FailureClass::kBadRequest);
  EXPECT_EQ(fake_.call_count(), 3u);
}

TEST_F(GeminiProviderTest, ABadKeyDisablesItAndTheNextKeyDraws) {
  fake_.push(Script::kInvalidKey);
  auto result = generate("a lighthouse");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].key, kKey1);
  EXPECT_EQ(provider_->key_states().at(0).status, llm::KeyState::Status::kDisabled);
}

TEST_F(GeminiProviderTest, A5xxIsRetriedWithTheSameKey) {
  fake_.push(Script::k500);
  auto result = generate("a lighthouse");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].key, calls[1].key);
}

TEST(GeminiAnswer, MalformedOrImagelessAnswersAreBadResponses) {
  EXPECT_EQ(parse_gemini_answer("not json", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(parse_gemini_answer("{}", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(
      parse_gemini_answer(
          R"({"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"AAAA"}}]}}]})",
          200)
          .error()
          .cls,
      FailureClass::kBadResponse);
}

}  // namespace
}  // namespace picbot::image
