#include "image/providers/openrouter/openrouter_image_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "bot/core/secret.h"
#include "bot/onebot/base64.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/support/run_coroutine.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using std::chrono::milliseconds;
using testing::FakeOpenRouter;
using Script = FakeOpenRouter::Script;
using SteadyClock = std::chrono::steady_clock;

const std::string kKey0 = "sk-or-v1-key0key0key0key0key0aaaa";
const std::string kKey1 = "sk-or-v1-key1key1key1key1key1bbbb";
const std::string kKey2 = "sk-or-v1-key2key2key2key2key2cccc";

class OpenRouterImageClientTest : public ::testing::Test {
 protected:
  OpenRouterSettings settings(std::vector<std::string> keys = {kKey0, kKey1, kKey2}) {
    OpenRouterSettings s;
    s.api_keys = std::move(keys);
    s.custom_api_base = fake_.api_base();
    s.backoff_initial_seconds = 0.001;
    s.backoff_max_seconds = 0.002;
    s.request_timeout_seconds = 20;
    s.allow_private_download_addresses = true;
    return s;
  }

  OpenRouterImageClient& client(OpenRouterSettings s) {
    client_ = std::make_unique<OpenRouterImageClient>(http_, clock_, std::move(s));
    return *client_;
  }
  OpenRouterImageClient& client() { return client_ ? *client_ : client(settings()); }

  static ImageRequest request(std::string prompt, std::optional<std::string> aspect_ratio = std::nullopt,
                              std::vector<ReferenceImage> references = {}) {
    ImageRequest r;
    r.prompt = std::move(prompt);
    r.aspect_ratio = std::move(aspect_ratio);
    r.references = std::move(references);
    return r;
  }

  llm::CallResult<GeneratedImage> generate(
      ImageRequest request = OpenRouterImageClientTest::request("a red fox")) {
    return testing::run_coroutine(io_, client().generate_with_attempts(std::move(request)),
                                  std::chrono::seconds(60));
  }

  std::vector<std::string> keys_used() { return fake_.keys_used(); }

  FakeOpenRouter fake_;
  ManualClock clock_;
  boost::asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  std::unique_ptr<OpenRouterImageClient> client_;
};

TEST_F(OpenRouterImageClientTest, RequestShapeAndImage) {
  const std::string reference_png = testing::make_png("reference");
  const std::string reference_jpeg = testing::make_jpeg();
  auto r = generate(request("a red fox", "16:9", {{reference_png, ""}, {reference_jpeg, "image/jpeg"}}));
  ASSERT_TRUE(r.result.ok()) << r.result.error().to_string();
  ASSERT_EQ(fake_.served_images().size(), 1u);
  EXPECT_EQ(r.result->bytes, fake_.served_images()[0]);
  EXPECT_EQ(r.result->mime, "image/png");
  EXPECT_EQ(r.result->extension, "png");
  EXPECT_EQ(r.result->model_text, "Here is your picture.");

  ASSERT_EQ(fake_.call_count(), 1u);
  const auto call = fake_.calls()[0];
  EXPECT_EQ(call.target, "/api/v1/chat/completions");
  EXPECT_EQ(call.key, kKey0);
  EXPECT_EQ(call.headers.at("authorization"), "Bearer " + kKey0);
  EXPECT_EQ(call.headers.at("content-type"), "application/json");
  EXPECT_EQ(call.headers.at("http-referer"), "https://github.com/picbot");
  EXPECT_EQ(call.headers.at("x-openrouter-title"), "picbot");
  const auto& body = call.body;
  EXPECT_EQ(body["model"], "google/gemini-2.5-flash-image");
  EXPECT_EQ(body["modalities"], nlohmann::json({"image", "text"}));
  EXPECT_EQ(body["image_config"]["aspect_ratio"], "16:9");
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  const auto& content = body["messages"][0]["content"];
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0], nlohmann::json({{"type", "text"}, {"text", "a red fox"}}));
  EXPECT_EQ(content[1]["type"], "image_url");
  EXPECT_EQ(content[1]["image_url"]["url"], testing::make_data_url("image/png", reference_png));
  EXPECT_EQ(content[2]["image_url"]["url"], testing::make_data_url("image/jpeg", reference_jpeg));
}

TEST_F(OpenRouterImageClientTest, NoAspectRatioMeansNoImageConfig) {
  ASSERT_TRUE(generate().result.ok());
  EXPECT_FALSE(fake_.calls()[0].body.contains("image_config"));
  auto s = settings();
  s.aspect_ratio = "3:4";
  client(s);
  ASSERT_TRUE(generate().result.ok());
  EXPECT_EQ(fake_.calls()[1].body["image_config"]["aspect_ratio"], "3:4");
}

TEST_F(OpenRouterImageClientTest, EveryImageFormatAndPlace) {
  const std::pair<Script, const char*> cases[] = {{Script::kJpeg, "image/jpeg"},
                                                  {Script::kWebp, "image/webp"},
                                                  {Script::kPngInContent, "image/png"},
                                                  {Script::kDataUrl, "image/png"},
                                                  {Script::kSlow, "image/png"}};
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    fake_.set_default(cases[i].first);
    auto r = generate();
    ASSERT_TRUE(r.result.ok()) << i << ": " << r.result.error().to_string();
    EXPECT_EQ(r.result->mime, cases[i].second);
    EXPECT_EQ(r.result->bytes, fake_.served_images().back()) << i;
  }
  EXPECT_EQ(fake_.served_images().size(), std::size(cases));
}

TEST_F(OpenRouterImageClientTest, DownloadIsCappedAndBlockedByDefault) {
  FakeOpenRouter::Options big;
  big.image_size = 50'000;
  fake_.set_default(Script::kDataUrl, big);
  auto s = settings({kKey0});
  s.max_image_bytes = 20'000;
  s.max_retry_attempts = 1;
  client(s);
  auto r = generate();
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().cls, FailureClass::kBadResponse);
  EXPECT_NE(r.result.error().message.find("download"), std::string::npos);

  s.max_image_bytes = 32 * 1024 * 1024;
  s.allow_private_download_addresses = false;
  client(s);
  auto blocked = generate();
  ASSERT_FALSE(blocked.result.ok());
  EXPECT_EQ(blocked.result.error().cls, FailureClass::kBadResponse);
}

TEST_F(OpenRouterImageClientTest, LargeInlineImage) {
  FakeOpenRouter::Options big;
  big.image_size = 3 * 1024 * 1024;
  fake_.set_default(Script::kPng, big);
  auto r = generate();
  ASSERT_TRUE(r.result.ok()) << r.result.error().to_string();
  EXPECT_EQ(r.result->bytes.size(), 3u * 1024 * 1024);
  EXPECT_EQ(r.result->bytes, fake_.served_images()[0]);
}

TEST_F(OpenRouterImageClientTest, InvalidKeysAreDisabledAndSkipped) {
  for (Script script : {Script::k401, Script::k403}) {
    client(settings());
    fake_.push(kKey0, script);
    auto r = generate();
    ASSERT_TRUE(r.result.ok());
    EXPECT_EQ(r.attempts.size(), 2u);
    EXPECT_EQ(r.attempts[0].failure, FailureClass::kInvalidKey);
    auto states = client().key_states();
    EXPECT_EQ(states[0].status, llm::KeyState::Status::kDisabled);
    EXPECT_EQ(states[0].masked_key, mask_secret(kKey0));
    EXPECT_EQ(states[0].reason.find("key0key0"), std::string::npos);
    // The next calls go on with key 2, then key 1; key 0 stays out.
    ASSERT_TRUE(generate().result.ok());
    ASSERT_TRUE(generate().result.ok());
  }
  EXPECT_EQ(keys_used(), (std::vector<std::string>{kKey0, kKey1, kKey2, kKey1, kKey0, kKey1, kKey2, kKey1}));
}

TEST_F(OpenRouterImageClientTest, ReconfigureReenablesDisabledKeys) {
  fake_.push(kKey0, Script::k401);
  auto s = settings({kKey0});
  client(s);
  ASSERT_FALSE(generate().result.ok());
  auto none = generate();
  ASSERT_FALSE(none.result.ok());
  EXPECT_EQ(none.result.error().cls, FailureClass::kInvalidKey);
  EXPECT_TRUE(none.attempts.empty());
  client().reconfigure(s);
  ASSERT_TRUE(generate().result.ok());
  EXPECT_EQ(fake_.call_count(), 2u);
}

TEST_F(OpenRouterImageClientTest, NoCreditsCoolsDownAnHour) {
  fake_.push(kKey0, Script::k402);
  auto r = generate();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(keys_used(), (std::vector<std::string>{kKey0, kKey1}));
  auto state = client().key_states()[0];
  EXPECT_EQ(state.status, llm::KeyState::Status::kCoolingDown);
  EXPECT_EQ(*state.available_at, clock_.now() + std::chrono::hours(1));
  ASSERT_TRUE(generate().result.ok());
  ASSERT_TRUE(generate().result.ok());
  EXPECT_EQ(keys_used(), (std::vector<std::string>{kKey0, kKey1, kKey2, kKey1}));
  clock_.advance(std::chrono::hours(1));
  ASSERT_TRUE(generate().result.ok());
  EXPECT_EQ(keys_used().back(), kKey2);
  ASSERT_TRUE(generate().result.ok());
  EXPECT_EQ(keys_used().back(), kKey0);
}

TEST_F(OpenRouterImageClientTest, RateLimitHonoursRetryAfter) {
  FakeOpenRouter::Options retry_after;
  retry_after.retry_after_seconds = 7;
  fake_.push(kKey0, Script::k429, retry_after);
  auto r = generate();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(keys_used(), (std::vector<std::string>{kKey0, kKey1}));
  EXPECT_EQ(r.attempts[1].delay_before, milliseconds(0));
  EXPECT_EQ(*client().key_states()[0].available_at, clock_.now() + std::chrono::seconds(7));
}

TEST_F(OpenRouterImageClientTest, RetryableFailuresRetrySameKey) {
  const std::pair<Script, FailureClass> cases[] = {{Script::k408, FailureClass::kTransient},
                                                   {Script::k500, FailureClass::kTransient},
                                                   {Script::k502, FailureClass::kTransient},
                                                   {Script::k503, FailureClass::kTransient},
                                                   {Script::kErrorIn200, FailureClass::kTransient},
                                                   {Script::kMalformedJson, FailureClass::kBadResponse},
                                                   {Script::kTruncatedBase64, FailureClass::kBadResponse},
                                                   {Script::kInvalidBase64, FailureClass::kBadResponse}};
  for (const auto& [script, cls] : cases) {
    client(settings({kKey0, kKey1}));
    const std::size_t before = fake_.call_count();
    fake_.push(kKey0, script);
    auto r = generate();
    ASSERT_TRUE(r.result.ok()) << static_cast<int>(script);
    ASSERT_EQ(r.attempts.size(), 2u) << static_cast<int>(script);
    EXPECT_EQ(r.attempts[0].failure, cls) << static_cast<int>(script);
    EXPECT_EQ(r.attempts[0].key_index, 0u);
    EXPECT_EQ(r.attempts[1].key_index, 0u);
    EXPECT_EQ(fake_.call_count(), before + 2);
  }
}

// On a fresh connection (curl itself retries a request once when a reused
// connection turns out dead), a reset is a transient failure of our attempt.
TEST_F(OpenRouterImageClientTest, ConnectionResetIsRetriedOnSameKey) {
  fake_.push(kKey0, Script::kReset);
  auto r = generate();
  ASSERT_TRUE(r.result.ok()) << r.result.error().to_string();
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].failure, FailureClass::kTransient);
  EXPECT_EQ(keys_used(), (std::vector<std::string>{kKey0, kKey0}));
}

TEST_F(OpenRouterImageClientTest, SpecificMessagesForBadImages) {
  auto s = settings({kKey0});
  s.max_retry_attempts = 1;
  client(s);
  fake_.push(kKey0, Script::kTruncatedBase64);
  auto truncated = generate();
  ASSERT_FALSE(truncated.result.ok());
  EXPECT_NE(truncated.result.error().message.find("truncated base64"), std::string::npos);
  fake_.push(kKey0, Script::kInvalidBase64);
  auto invalid = generate();
  ASSERT_FALSE(invalid.result.ok());
  EXPECT_NE(invalid.result.error().message.find("invalid base64"), std::string::npos);
}

TEST_F(OpenRouterImageClientTest, BackoffTiming) {
  auto s = settings({kKey0});
  s.max_retry_attempts = 4;
  s.backoff_initial_seconds = 0.01;
  s.backoff_max_seconds = 0.04;
  client(s);
  for (int i = 0; i < 3; ++i) fake_.push(kKey0, Script::k503);
  const auto started = SteadyClock::now();
  auto r = generate();
  const auto elapsed = SteadyClock::now() - started;
  ASSERT_TRUE(r.result.ok());
  ASSERT_EQ(r.attempts.size(), 4u);
  EXPECT_EQ(r.attempts[1].delay_before, milliseconds(10));
  EXPECT_EQ(r.attempts[2].delay_before, milliseconds(20));
  EXPECT_EQ(r.attempts[3].delay_before, milliseconds(40));
  EXPECT_GE(elapsed, milliseconds(70));
  EXPECT_LT(elapsed, milliseconds(5000));
  const auto calls = fake_.calls();
  EXPECT_GE(calls[3].at - calls[0].at, milliseconds(70));
}

TEST_F(OpenRouterImageClientTest, AttemptsNeverExceedKeysTimesMax) {
  fake_.set_default(Script::k500);
  auto r = generate();
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().cls, FailureClass::kTransient);
  EXPECT_EQ(r.attempts.size(), 9u);
  EXPECT_EQ(keys_used(),
            (std::vector<std::string>{kKey0, kKey0, kKey0, kKey1, kKey1, kKey1, kKey2, kKey2, kKey2}));
}

TEST_F(OpenRouterImageClientTest, TerminalFailuresStopAtOnce) {
  const std::pair<Script, FailureClass> cases[] = {{Script::k400, FailureClass::kBadRequest},
                                                   {Script::k404Model, FailureClass::kModelNotFound},
                                                   {Script::kTextOnly, FailureClass::kContentFiltered},
                                                   {Script::kContentFilter, FailureClass::kContentFiltered}};
  for (const auto& [script, cls] : cases) {
    const std::size_t before = fake_.call_count();
    FakeOpenRouter::Options refusal;
    refusal.text = "I cannot draw that.";
    fake_.set_default(script, refusal);
    auto r = generate();
    ASSERT_FALSE(r.result.ok());
    EXPECT_EQ(r.result.error().cls, cls) << r.result.error().to_string();
    EXPECT_EQ(fake_.call_count(), before + 1) << static_cast<int>(script);
    if (script == Script::k404Model) {
      EXPECT_NE(r.result.error().message.find("google/gemini-2.5-flash-image"), std::string::npos);
    }
    if (script == Script::kTextOnly) {
      EXPECT_EQ(r.result.error().message, "I cannot draw that.");
    }
  }
}

TEST_F(OpenRouterImageClientTest, NoEndpointsRetriedOnceWithoutImageConfig) {
  fake_.push(kKey0, Script::k404NoEndpoints);
  auto r = generate(request("wide", "21:9"));
  ASSERT_TRUE(r.result.ok()) << r.result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].body["image_config"]["aspect_ratio"], "21:9");
  EXPECT_FALSE(calls[1].body.contains("image_config"));
  EXPECT_EQ(calls[1].key, kKey0);
  EXPECT_EQ(calls[1].body["modalities"], calls[0].body["modalities"]);
  EXPECT_EQ(r.attempts.size(), 1u);

  // Twice in a row, or without image_config to drop: the model cannot do images.
  fake_.set_default(Script::k404NoEndpoints);
  auto twice = generate(request("wide", "21:9"));
  ASSERT_FALSE(twice.result.ok());
  EXPECT_EQ(twice.result.error().cls, FailureClass::kNoEndpointForModalities);
  EXPECT_EQ(fake_.call_count(), 4u);
  auto plain = generate();
  EXPECT_EQ(plain.result.error().cls, FailureClass::kNoEndpointForModalities);
  EXPECT_EQ(fake_.call_count(), 5u);
}

TEST_F(OpenRouterImageClientTest, DeadlineStopsHangingRequest) {
  fake_.set_default(Script::kHang);
  auto s = settings();
  s.request_timeout_seconds = 1;
  client(s);
  const auto started = SteadyClock::now();
  auto r = generate();
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().cls, FailureClass::kDeadline);
  EXPECT_GE(SteadyClock::now() - started, milliseconds(900));
  EXPECT_LT(SteadyClock::now() - started, milliseconds(10'000));
  EXPECT_EQ(fake_.call_count(), 1u);
}

TEST_F(OpenRouterImageClientTest, DeadlineCutsBackoffShort) {
  fake_.set_default(Script::k503);
  auto s = settings({kKey0});
  s.backoff_initial_seconds = 5;
  s.backoff_max_seconds = 5;
  s.request_timeout_seconds = 1;
  client(s);
  const auto started = SteadyClock::now();
  auto r = generate();
  EXPECT_EQ(r.result.error().cls, FailureClass::kDeadline);
  EXPECT_LT(SteadyClock::now() - started, milliseconds(3000));
  EXPECT_EQ(fake_.call_count(), 1u);
}

TEST_F(OpenRouterImageClientTest, RotationPersistsAcrossCalls) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(generate().result.ok());
  EXPECT_EQ(keys_used(), (std::vector<std::string>{kKey0, kKey1, kKey2, kKey0}));
}

TEST_F(OpenRouterImageClientTest, BadInputNeverReachesTheProvider) {
  EXPECT_EQ(generate(request("")).result.error().cls, FailureClass::kBadRequest);
  EXPECT_EQ(generate(request("x", std::nullopt, {{"not an image", ""}})).result.error().cls,
            FailureClass::kBadRequest);
  EXPECT_EQ(generate(request("x", "7:1")).result.error().cls, FailureClass::kBadRequest);
  client(settings({}));
  auto none = generate();
  EXPECT_EQ(none.result.error().cls, FailureClass::kInvalidKey);
  EXPECT_EQ(none.result.error().message, "no API key configured");
  EXPECT_EQ(fake_.call_count(), 0u);
}

TEST_F(OpenRouterImageClientTest, ApiBaseVariantsReachTheSameEndpoint) {
  const std::string root = fake_.server().base_url();
  for (const std::string& base : {root + "/api", root + "/api/v1", root + "/api/v1/"}) {
    auto s = settings();
    s.custom_api_base = base;
    client(s);
    ASSERT_TRUE(generate().result.ok()) << base;
  }
  for (const auto& call : fake_.calls()) EXPECT_EQ(call.target, "/api/v1/chat/completions");
}

TEST_F(OpenRouterImageClientTest, ProxyIsUsed) {
  testing::FakeHttpServer proxy;
  proxy.set_forward_proxy(true);
  auto s = settings();
  s.proxy = proxy.base_url();
  client(s);
  auto r = generate();
  ASSERT_TRUE(r.result.ok()) << r.result.error().to_string();
  ASSERT_EQ(proxy.request_count(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, fake_.api_base() + "/chat/completions");
  EXPECT_EQ(fake_.call_count(), 1u);
}

TEST_F(OpenRouterImageClientTest, ErrorsNeverHoldKeys) {
  fake_.set_default(Script::k401);
  auto r = generate();
  ASSERT_FALSE(r.result.ok());
  for (const std::string& key : {kKey0, kKey1, kKey2}) {
    EXPECT_EQ(r.result.error().message.find(key), std::string::npos);
    for (const auto& state : client().key_states()) EXPECT_EQ(state.reason.find(key), std::string::npos);
  }
}

}  // namespace
}  // namespace picbot::image
