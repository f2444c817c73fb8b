#include "image/providers/openai/openai_provider.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "bot/onebot/base64.h"
#include "image/provider_test_rig.h"
#include "tests/fakes/openai/fake_openai.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/wait.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using nlohmann::json;
using testing::FakeOpenAi;
using Script = FakeOpenAi::Script;

const std::string kKey0 = "sk-proj-key0key0key0key0key0aaaa";
const std::string kKey1 = "sk-proj-key1key1key1key1key1bbbb";

class OpenAiProviderTest : public KeyedProviderTest<OpenAiProvider, FakeOpenAi> {
 protected:
  OpenAiProviderTest() : KeyedProviderTest("my_openai", {kKey0, kKey1}, "gpt-image-1") {}
};

TEST(OpenAiImagesUrl, TakesTheVersionedBaseABareHostOrATrailingSlash) {
  EXPECT_EQ(openai_images_url("https://api.openai.com/v1", "generations"),
            "https://api.openai.com/v1/images/generations");
  EXPECT_EQ(openai_images_url("https://api.openai.com/v1/", "edits"),
            "https://api.openai.com/v1/images/edits");
  EXPECT_EQ(openai_images_url("https://api.openai.com", "edits"), "https://api.openai.com/v1/images/edits");
  EXPECT_EQ(openai_images_url("", "generations"), "https://api.openai.com/v1/images/generations");
  EXPECT_EQ(openai_images_url("https://gw.example/openai/v1", "generations"),
            "https://gw.example/openai/v1/images/generations");
}

TEST_F(OpenAiProviderTest, GenerationSendsJsonAndDecodesB64Json) {
  ImageRequest r = request("a lighthouse");
  r.aspect_ratio = "16:9";
  auto result = generate(std::move(r));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  ASSERT_EQ(result->images.size(), 1u);
  EXPECT_EQ(result->images[0].bytes, fake_.served_images().at(0));
  EXPECT_EQ(result->images[0].mime, "image/png");
  EXPECT_EQ(result->provider, "my_openai");
  EXPECT_EQ(result->model, "gpt-image-1");
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/v1/images/generations");
  EXPECT_EQ(calls[0].key, kKey0);
  EXPECT_EQ(calls[0].body,
            json({{"model", "gpt-image-1"}, {"prompt", "a lighthouse"}, {"n", 1}, {"size", "1536x1024"}}));
}

// Before: only data[0] was read, so n = 3 paid for three images and returned one.
TEST_F(OpenAiProviderTest, NImagesAskedForAreAllReturnedInOrder) {
  ImageRequest r = request("a lighthouse");
  r.n = 3;
  auto result = generate(std::move(r));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(fake_.calls().at(0).body["n"], 3);
  const auto served = fake_.served_images();
  ASSERT_EQ(served.size(), 3u);
  ASSERT_EQ(result->images.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(result->images[i].bytes, served[i]) << i;

  ImageRequest edit = request("make it night", {{testing::make_png("ref"), ""}});
  edit.n = 2;
  auto edited = generate(std::move(edit));
  ASSERT_TRUE(edited.ok()) << edited.error().to_string();
  EXPECT_EQ(fake_.calls().at(1).body["n"], "2");
  EXPECT_EQ(edited->images.size(), 2u);
}

TEST(ParseOpenAiAnswer, AnEntryWithoutAnImageIsABadResponseNamingIt) {
  const std::string png = testing::make_png("one");
  const json body = {
      {"data", json::array({{{"b64_json", onebot::base64_encode(png)}}, {{"revised_prompt", "x"}}})}};
  auto parsed = parse_openai_answer(body.dump(), 200);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().cls, llm::FailureClass::kBadResponse);
  EXPECT_NE(parsed.error().message.find("data[1]"), std::string::npos) << parsed.error().message;
}

TEST_F(OpenAiProviderTest, ReferencesGoToEditsAsMultipartImageArray) {
  const std::string png = testing::make_png("ref");
  const std::string jpeg = testing::make_jpeg();
  auto result = generate(request("make it night", {{png, ""}, {jpeg, "image/jpeg"}}));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/v1/images/edits");
  EXPECT_EQ(calls[0].content_type.rfind("multipart/form-data; boundary=", 0), 0u) << calls[0].content_type;
  EXPECT_EQ(calls[0].body["model"], "gpt-image-1");
  EXPECT_EQ(calls[0].body["prompt"], "make it night");
  ASSERT_EQ(calls[0].files.size(), 2u);
  EXPECT_EQ(calls[0].files[0].field, "image[]");
  EXPECT_EQ(calls[0].files[0].content_type, "image/png");
  EXPECT_EQ(calls[0].files[0].bytes, png);
  EXPECT_EQ(calls[0].files[1].field, "image[]");
  EXPECT_EQ(calls[0].files[1].content_type, "image/jpeg");
  EXPECT_EQ(calls[0].files[1].bytes, jpeg);
}

TEST_F(OpenAiProviderTest, DallE3UrlsAreDownloadedAndItsSizesUsed) {
  fake_.set_default(Script::kUrl);
  provider(settings("dall-e-3"));
  ImageRequest r = request("a lighthouse");
  r.size = "1080x1920";
  r.n = 4;
  auto result = generate(std::move(r));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->images.at(0).bytes, fake_.served_images().at(0));
  EXPECT_EQ(result->text, "a revised prompt");
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].body["size"], "1024x1792");
  EXPECT_EQ(calls[0].body["n"], 1);
}

TEST_F(OpenAiProviderTest, A401DisablesTheKeyAndTheNextOneDraws) {
  fake_.push(kKey0, Script::k401);
  auto result = generate(request("a lighthouse"));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].key, kKey0);
  EXPECT_EQ(calls[1].key, kKey1);
  const auto states = provider_->key_states();
  EXPECT_EQ(states.at(0).status, llm::KeyState::Status::kDisabled);
  EXPECT_EQ(states.at(1).status, llm::KeyState::Status::kActive);
}

TEST_F(OpenAiProviderTest, A429CoolsTheKeyDownAndTheNextOneDraws) {
  fake_.push(kKey0, Script::k429);
  auto result = generate(request("a lighthouse"));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  ASSERT_EQ(fake_.call_count(), 2u);
  const auto states = provider_->key_states();
  EXPECT_EQ(states.at(0).status, llm::KeyState::Status::kCoolingDown);
  EXPECT_EQ(states.at(0).available_at, rig_.clock.now() + std::chrono::seconds(1));
}

TEST_F(OpenAiProviderTest, A400IsNotRetriedAndSaysWhy) {
  fake_.set_default(Script::k400);
  auto result = generate(request("a lighthouse"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kBadRequest);
  EXPECT_NE(result.error().message.find("Invalid size"), std::string::npos) << result.error().message;
  EXPECT_EQ(fake_.call_count(), 1u);
}

TEST_F(OpenAiProviderTest, ASafetyRefusalIsTheContentFilterClass) {
  fake_.set_default(Script::kContentPolicy);
  auto result = generate(request("a lighthouse"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kContentFiltered);
  EXPECT_EQ(fake_.call_count(), 1u);
}

TEST_F(OpenAiProviderTest, A5xxIsRetriedWithTheSameKey) {
  fake_.push(kKey0, Script::k500);
  auto result = generate(request("a lighthouse"));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].key, kKey0);
  EXPECT_EQ(calls[1].key, kKey0);
  EXPECT_EQ(result->attempts.size(), 2u);
}

TEST_F(OpenAiProviderTest, ExtraFieldsAreMergedIntoTheBodyAndTheForm) {
  InstanceSettings s = settings();
  s.extra = {{"quality", "high"}, {"output_compression", 80}};
  provider(std::move(s));
  ASSERT_TRUE(generate(request("a lighthouse")).ok());
  ASSERT_TRUE(generate(request("at night", {{testing::make_png("ref"), ""}})).ok());
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].body["quality"], "high");
  EXPECT_EQ(calls[0].body["output_compression"], 80);
  EXPECT_EQ(calls[1].body["quality"], "high");
  EXPECT_EQ(calls[1].body["output_compression"], "80");
}

boost::asio::awaitable<void> generate_into(Provider& provider, ImageRequest request,
                                           std::optional<Result<ImageResult, llm::ProviderError>>& out) {
  out.emplace(co_await provider.generate(std::move(request)));
}

TEST_F(OpenAiProviderTest, TheCancellationSignalEndsAHangingCall) {
  fake_.set_default(Script::kHang);
  provider(settings());
  boost::asio::cancellation_signal cancel;
  ImageRequest r = request("a lighthouse");
  r.cancel = cancel.slot();
  std::optional<Result<ImageResult, llm::ProviderError>> result;
  boost::asio::co_spawn(rig_.io, generate_into(*provider_, std::move(r), result), boost::asio::detached);
  std::thread loop([this] { rig_.io.run(); });
  ASSERT_TRUE(testing::wait_until([this] { return fake_.call_count() == 1; }, std::chrono::seconds(10)));
  boost::asio::post(rig_.io, [&cancel] { cancel.emit(boost::asio::cancellation_type::terminal); });
  loop.join();  // returns once the call has ended: nothing else runs on rig_.io
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().cls, FailureClass::kCancelled) << result->error().to_string();
}

}  // namespace
}  // namespace picbot::image
