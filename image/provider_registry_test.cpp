#include "image/provider_registry.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/provider_test_rig.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/fakes/openrouter/fake_openrouter.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using nlohmann::json;
using testing::FakeOpenRouter;

const std::string kKey = "sk-or-v1-registrykeyregistrykey0000";

boost::asio::awaitable<void> generate_into(Provider& provider, ImageRequest request,
                                           std::optional<Result<ImageResult, llm::ProviderError>>& out) {
  out.emplace(co_await provider.generate(std::move(request)));
}

class ProviderRegistryTest : public ::testing::Test {
 protected:
  ProviderConfig openrouter_config() {
    ProviderConfig config;
    config.name = "openrouter";
    config.type = "openrouter";
    config.section = {{"openrouter_api_keys", {kKey}},
                      {"custom_api_base", fake_.api_base()},
                      {"backoff_initial_seconds", 0.001},
                      {"backoff_max_seconds", 0.002},
                      {"request_timeout_seconds", 20}};
    config.allow_private_download_addresses = true;
    return config;
  }

  std::unique_ptr<Provider> provider() {
    auto created = create_provider(rig_.deps, openrouter_config());
    EXPECT_TRUE(created.ok()) << created.error().message;
    return std::move(created).value();
  }

  FakeOpenRouter fake_;
  ProviderTestRig rig_;
};

TEST_F(ProviderRegistryTest, FindsTheLinkedTypesAndRefusesUnknownOnes) {
  ASSERT_NE(find_provider_type("openrouter"), nullptr);
  EXPECT_EQ(find_provider_type("nope"), nullptr);
  ProviderConfig config = openrouter_config();
  config.type = "nope";
  Status checked = check_provider_config(config);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, "bad_config");
  EXPECT_NE(checked.error().message.find("openrouter"), std::string::npos) << checked.error().message;
  EXPECT_FALSE(create_provider(rig_.deps, config).ok());
}

TEST_F(ProviderRegistryTest, ChecksTheSectionWithTheTypesOwnRules) {
  ProviderConfig config = openrouter_config();
  config.section["max_retry_attempts"] = "three";
  Status checked = check_provider_config(config);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().message.find("max_retry_attempts"), std::string::npos);
  EXPECT_TRUE(check_provider_config(openrouter_config()).ok());
}

TEST_F(ProviderRegistryTest, OpenRouterDrawsThroughTheInterface) {
  auto drawer = provider();
  EXPECT_EQ(drawer->name(), "openrouter");
  EXPECT_EQ(drawer->type(), "openrouter");
  EXPECT_EQ(drawer->model(), "google/gemini-2.5-flash-image");
  EXPECT_TRUE(drawer->capabilities().image_to_image);
  EXPECT_EQ(drawer->deadline(), std::chrono::seconds(20));
  ASSERT_EQ(drawer->key_states().size(), 1u);

  ImageRequest request;
  request.prompt = "a red fox";
  request.size = "1920x1080";  // mapped to the nearest aspect ratio
  request.model = "google/gemini-3-pro-image-preview";
  request.references.push_back({testing::make_jpeg(), ""});
  auto result =
      testing::run_coroutine(rig_.io, drawer->generate(std::move(request)), std::chrono::seconds(30));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  ASSERT_EQ(result->images.size(), 1u);
  EXPECT_EQ(result->images[0].bytes, fake_.served_images().at(0));
  EXPECT_EQ(result->images[0].mime, "image/png");
  EXPECT_EQ(result->text, "Here is your picture.");
  EXPECT_EQ(result->provider, "openrouter");
  EXPECT_EQ(result->model, "google/gemini-3-pro-image-preview");
  EXPECT_EQ(result->attempts.size(), 1u);
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].body["model"], "google/gemini-3-pro-image-preview");
  EXPECT_EQ(calls[0].body["image_config"]["aspect_ratio"], "16:9");
}

TEST_F(ProviderRegistryTest, ALargeAnswerIsParsedOffTheEventLoop) {
  // 3 MB of image: the answer is far above the 64 KB the event loop parses itself.
  fake_.set_default(FakeOpenRouter::Script::kPng, FakeOpenRouter::Options{.image_size = 3 * 1024 * 1024});
  auto drawer = provider();
  ImageRequest request;
  request.prompt = "a big fox";
  auto result =
      testing::run_coroutine(rig_.io, drawer->generate(std::move(request)), std::chrono::seconds(30));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_GE(result->images.at(0).bytes.size(), 3u * 1024 * 1024);
  EXPECT_EQ(result->images[0].bytes, fake_.served_images().at(0));
}

TEST_F(ProviderRegistryTest, TheCancellationSignalEndsAHangingCall) {
  fake_.set_default(FakeOpenRouter::Script::kHang);
  auto drawer = provider();
  boost::asio::cancellation_signal cancel;
  ImageRequest request;
  request.prompt = "a fox that never comes";
  request.cancel = cancel.slot();
  std::optional<Result<ImageResult, llm::ProviderError>> result;
  boost::asio::co_spawn(rig_.io, generate_into(*drawer, std::move(request), result), boost::asio::detached);
  std::thread loop([this] { rig_.io.run(); });
  ASSERT_TRUE(fake_.wait_for_calls(1, std::chrono::seconds(10)));
  boost::asio::post(rig_.io, [&cancel] { cancel.emit(boost::asio::cancellation_type::terminal); });
  loop.join();  // returns once the call has ended: nothing else runs on rig_.io
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().cls, FailureClass::kCancelled) << result->error().to_string();
}

}  // namespace
}  // namespace picbot::image
