#include "image/providers/seedream/seedream_provider.h"

#include <gtest/gtest.h>

#include "bot/onebot/base64.h"
#include "image/provider_test_rig.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/fakes/seedream/fake_seedream.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using nlohmann::json;
using testing::FakeSeedream;
using Script = FakeSeedream::Script;

const std::string kKey0 = "ark-key0key0key0-0000-aaaa-bbbbccccdddd";
const std::string kKey1 = "ark-key1key1key1-1111-aaaa-bbbbccccdddd";

class SeedreamProviderTest : public KeyedProviderTest<SeedreamProvider, FakeSeedream> {
 protected:
  SeedreamProviderTest() : KeyedProviderTest("ark", {kKey0, kKey1}, std::string(kSeedreamModel)) {}
};

TEST(SeedreamUrl, TakesTheVersionedBaseABareHostOrATrailingSlash) {
  EXPECT_EQ(seedream_generations_url(""), "https://ark.cn-beijing.volces.com/api/v3/images/generations");
  EXPECT_EQ(seedream_generations_url("https://ark.ap-southeast.bytepluses.com"),
            "https://ark.ap-southeast.bytepluses.com/api/v3/images/generations");
  EXPECT_EQ(seedream_generations_url("https://ark.cn-beijing.volces.com/api/v3/"),
            "https://ark.cn-beijing.volces.com/api/v3/images/generations");
}

TEST(SeedreamMinPixels, TheFourZeroModelsHaveTheLowerFloor) {
  EXPECT_EQ(seedream_min_pixels("doubao-seedream-4-0-250828"), 1280 * 720);
  EXPECT_EQ(seedream_min_pixels("doubao-seedream-4-5-251128"), 2560 * 1440);
  EXPECT_EQ(seedream_min_pixels("ep-20250101-abcde"), 2560 * 1440);
}

TEST_F(SeedreamProviderTest, SendsTheJsonBodyAndDownloadsTheResultUrl) {
  ImageRequest r = request("a lighthouse");
  r.aspect_ratio = "16:9";
  auto result = generate(std::move(r));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->images.at(0).bytes, fake_.served_images().at(0));
  EXPECT_EQ(result->images[0].mime, "image/png");
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].key, kKey0);
  EXPECT_EQ(calls[0].path, "/api/v3/images/generations");
  const json& body = calls[0].body;
  EXPECT_EQ(body["model"], "doubao-seedream-4-5-251128");
  EXPECT_EQ(body["prompt"], "a lighthouse");
  EXPECT_EQ(body["size"], "2560x1440");
  EXPECT_EQ(body["response_format"], "url");
  EXPECT_EQ(body["sequential_image_generation"], "disabled");
  EXPECT_FALSE(body.contains("image"));
}

TEST_F(SeedreamProviderTest, ASizeBelowTheFloorIsScaledUpKeepingItsRatio) {
  ImageRequest r = request("a lighthouse");
  r.size = "1024x1024";
  ASSERT_TRUE(generate(std::move(r)).ok());
  r = request("a lighthouse");
  r.size = "1280x960";  // 4:3
  ASSERT_TRUE(generate(std::move(r)).ok());
  r = request("a lighthouse");
  r.size = "4096x2048";  // above the floor: kept
  ASSERT_TRUE(generate(std::move(r)).ok());
  provider(settings("doubao-seedream-4-0-250828"));
  r = request("a lighthouse");
  r.size = "640x360";
  ASSERT_TRUE(generate(std::move(r)).ok());
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].body["size"], "1920x1920");
  const auto four_three = *parse_size_wish(calls[1].body["size"].get<std::string>());
  EXPECT_GE(std::int64_t{four_three.width} * four_three.height, 2560 * 1440);
  EXPECT_NEAR(static_cast<double>(four_three.width) / four_three.height, 4.0 / 3.0, 0.01);
  EXPECT_EQ(calls[2].body["size"], "4096x2048");
  EXPECT_EQ(calls[3].body["size"], "1280x720") << "the 4.0 floor is 1280x720";
}

TEST_F(SeedreamProviderTest, ReferencesGoAsDataUrlsAndExtraIsMergedLast) {
  InstanceSettings s = settings();
  s.extra = {{"watermark", false}, {"response_format", "b64_json"}, {"seed", 7}};
  provider(std::move(s));
  fake_.set_default(Script::kB64);
  const std::string png = testing::make_png("reference", 64);
  const std::string jpeg = testing::make_jpeg();
  auto result = generate(request("make it night", {{png, "image/png"}, {jpeg, ""}}));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->images.at(0).bytes, fake_.served_images().at(0));
  const auto calls = fake_.calls();
  const json& body = calls.at(0).body;
  ASSERT_TRUE(body["image"].is_array());
  ASSERT_EQ(body["image"].size(), 2u);
  EXPECT_EQ(body["image"][0], "data:image/png;base64," + onebot::base64_encode(png));
  EXPECT_EQ(body["image"][1], "data:image/jpeg;base64," + onebot::base64_encode(jpeg));
  EXPECT_EQ(body["watermark"], false);
  EXPECT_EQ(body["response_format"], "b64_json");
  EXPECT_EQ(body["seed"], 7);
  EXPECT_FALSE(body.contains("size")) << "no size asked: the model's default";
}

TEST_F(SeedreamProviderTest, AReferenceThatIsNoImageIsRefusedBeforeSending) {
  auto result = generate(request("make it night", {{"GIF89a....", "image/gif"}}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kBadRequest);
  EXPECT_EQ(fake_.call_count(), 0u);
}

TEST_F(SeedreamProviderTest, TheFourZeroModelsTakeAtMostTenReferences) {
  provider(settings("doubao-seedream-4-0-250828"));
  const std::string png = testing::make_png("reference", 64);
  auto refused = generate(request("collage", std::vector<ReferenceImage>(11, {png, ""})));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().cls, FailureClass::kBadRequest);
  EXPECT_EQ(fake_.call_count(), 0u);
  ASSERT_TRUE(generate(request("collage", std::vector<ReferenceImage>(10, {png, ""}))).ok());
  EXPECT_EQ(fake_.calls().at(0).body["image"].size(), 10u);
}

TEST_F(SeedreamProviderTest, ModerationCodesAreTheContentFilterClassAndNotRetried) {
  for (Script script : {Script::kSensitiveInput, Script::kSensitiveOutput, Script::kFilteredInData}) {
    fake_.set_default(script);  // whichever key the pool picks
    auto result = generate(request("something"));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().cls, FailureClass::kContentFiltered) << result.error().to_string();
    EXPECT_TRUE(result.error().message.empty()) << "the user is told the model declined";
  }
  EXPECT_EQ(fake_.call_count(), 3u);
}

TEST_F(SeedreamProviderTest, InvalidParameterIsARefusedRequestNotRetried) {
  fake_.push(kKey0, Script::kInvalidParameter);
  auto result = generate(request("a lighthouse"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kBadRequest);
  EXPECT_NE(result.error().message.find("size"), std::string::npos) << result.error().message;
  EXPECT_EQ(fake_.call_count(), 1u);
}

TEST_F(SeedreamProviderTest, AnAuthenticationErrorDisablesTheKeyAndTheNextKeyDraws) {
  fake_.push(kKey0, Script::kInvalidKey);
  auto result = generate(request("a lighthouse"));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].key, kKey1);
  EXPECT_EQ(provider_->key_states().at(0).status, llm::KeyState::Status::kDisabled);
}

TEST_F(SeedreamProviderTest, RateLimitAndQuotaCoolTheKeyDown) {
  for (Script script : {Script::kRateLimited, Script::kQuotaExceeded}) {
    provider(settings());
    fake_.push(kKey0, script);
    auto result = generate(request("a lighthouse"));
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    EXPECT_EQ(provider_->key_states().at(0).status, llm::KeyState::Status::kCoolingDown);
  }
  std::vector<std::string> keys;
  for (const auto& call : fake_.calls()) keys.push_back(call.key);
  EXPECT_EQ(keys, (std::vector<std::string>{kKey0, kKey1, kKey0, kKey1}));
}

TEST_F(SeedreamProviderTest, A5xxIsRetriedWithTheSameKey) {
  fake_.push(kKey0, Script::k500);
  auto result = generate(request("a lighthouse"));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].key, calls[1].key);
}

TEST(SeedreamAnswer, MalformedOrImagelessAnswersAreBadResponses) {
  EXPECT_EQ(parse_seedream_answer("not json", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(parse_seedream_answer("{}", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(parse_seedream_answer(R"({"data":[{"size":"2048x2048"}]})", 200).error().cls,
            FailureClass::kBadResponse);
  EXPECT_EQ(parse_seedream_answer(R"({"data":[{"url":"file:///etc/passwd"}]})", 200).error().cls,
            FailureClass::kBadResponse);
  EXPECT_EQ(parse_seedream_answer(R"({"data":[{"b64_json":"AAAA"}]})", 200).error().cls,
            FailureClass::kBadResponse);
  const auto in_body =
      parse_seedream_answer(R"({"error":{"code":"InternalServiceError","message":"x"}})", 200);
  EXPECT_EQ(in_body.error().cls, FailureClass::kTransient);
  const auto url =
      parse_seedream_answer(R"({"data":[{"url":"https://ark.example/a.jpeg","size":"1x1"}]})", 200);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->url, "https://ark.example/a.jpeg");
}

}  // namespace
}  // namespace picbot::image
