// image_providers: named provider instances picked by
// plugins.gemini_pic_gen.providers, through the real binary against the fake
// OpenRouter, the fake OpenAI Images API, the fake Gemini API and the fake
// Volcengine Ark (seedream).
#include <gtest/gtest.h>

#include "bot/onebot/base64.h"
#include "tests/fakes/gemini/fake_gemini.h"
#include "tests/fakes/http/fake_http_server.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openai/fake_openai.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/fakes/seedream/fake_seedream.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kFlatKey[] = "sk-or-v1-flat-key-aaaaaaaaaaaa1111";
constexpr char kNamedKey[] = "sk-or-v1-named-key-bbbbbbbbbbb2222";
constexpr char kEnvKey[] = "sk-or-v1-env-key-cccccccccccccc3333";

// The flat keys point at `flat` and the instance my-router at `named`.
std::string config(const FakeOpenRouter& flat, const FakeOpenRouter& named, const std::string& providers,
                   const std::string& instance_keys) {
  return reverse_config(kTestToken) +
         "image_providers:\n"
         "  my-router:\n"
         "    type: openrouter\n"
         "    api_base: \"" +
         named.api_base() + "\"\n" + instance_keys +
         "    model: test/named-model\n"
         "    max_retry_attempts: 1\n"
         "    extra:\n"
         "      seed: 42\n"
         "      provider: '{\"sort\": \"price\"}'\n"
         "      user: picbot-test\n" +
         gemini_plugin_section({kFlatKey}, flat.api_base(),
                               "    allow_private_network: true\n"
                               "    providers: " +
                                   providers + "\n");
}

// Runs picbot on yaml until it exits (a config it refuses); its output.
std::string refused_start_output(const std::string& yaml) {
  TempDir dir;
  const auto path = dir.write_file("picbot.yaml", yaml);
  auto child = ChildProcess::start({picbot_binary().string(), "--config", path.string(), "--lang", "en"});
  EXPECT_TRUE(child.ok());
  if (!child.ok()) return {};
  const auto code = (*child)->wait_exit(10s);
  EXPECT_TRUE(code.has_value() && *code != 0) << (*child)->output();
  EXPECT_EQ((*child)->output().find("picbot ready"), std::string::npos) << (*child)->output();
  return (*child)->output();
}

class ImageProvidersTest : public ::testing::Test {
 protected:
  void start(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    bot = std::make_unique<PicbotRunner>(yaml, std::move(env));
    ASSERT_TRUE(bot->start()) << bot->process().output();
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  std::optional<ApiCall> draw(const std::string& text) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, 42, text);
    return napcat.wait_for_call(
        [](const ApiCall& c) {
          return c.action == "send_group_msg" && image_bytes_of(message_of(c)).has_value();
        },
        10s, skip);
  }

  // Posts reference (served by a fake CDN) in the group, then /draw `text`
  // quoting it; the bot's image reply, or nullopt.
  std::optional<ApiCall> draw_quoting(const std::string& reference, const std::string& text) {
    FakeHttpServer cdn;
    cdn.on("GET", "/ref.png", [&](const FakeHttpRequest&) {
      return FakeHttpResponse{200, {{"Content-Type", "image/png"}}, reference};
    });
    const json message = quote_of_posted_image(napcat, conn, cdn.base_url() + "/ref.png", text);
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, 42, message);
    return napcat.wait_for_call(
        [](const ApiCall& c) {
          return c.action == "send_group_msg" && image_bytes_of(message_of(c)).has_value();
        },
        10s, skip);
  }

  FakeOpenRouter flat;
  FakeOpenRouter named;
  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

TEST_F(ImageProvidersTest, TheNamedInstanceDrawsWithItsOwnKeysModelAndExtraFields) {
  start(config(flat, named, "[my-router]", "    api_keys: [\"" + std::string(kNamedKey) + "\"]\n"));
  auto reply = draw("/draw a lighthouse --ar 16:9");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), named.served_images().at(0));
  EXPECT_EQ(flat.call_count(), 0u) << "the flat keys' upstream is not used";

  const auto calls = named.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].headers.at("authorization"), std::string("Bearer ") + kNamedKey);
  const json& body = calls[0].body;
  EXPECT_EQ(body["model"], "test/named-model");
  EXPECT_EQ(body["image_config"]["aspect_ratio"], "16:9");
  EXPECT_EQ(body["seed"], 42);                             // read as JSON
  EXPECT_EQ(body["provider"], json({{"sort", "price"}}));  // an object
  EXPECT_EQ(body["user"], "picbot-test");                  // not JSON: kept as text
  EXPECT_EQ(bot->process().output().find(kNamedKey), std::string::npos);
}

TEST_F(ImageProvidersTest, TheEnvironmentSuppliesTheInstancesKeys) {
  start(config(flat, named, "[my-router]", "    api_keys: [\"" + std::string(kNamedKey) + "\"]\n"),
        {{"PICBOT_MY_ROUTER_API_KEYS", kEnvKey}});
  ASSERT_TRUE(draw("/draw a lighthouse")) << bot->process().output();
  const auto calls = named.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].headers.at("authorization"), std::string("Bearer ") + kEnvKey);
  EXPECT_EQ(bot->process().output().find(kEnvKey), std::string::npos);
}

TEST_F(ImageProvidersTest, WithoutProvidersTheFlatKeysStillDraw) {
  start(config(flat, named, "[]", ""));
  ASSERT_TRUE(draw("/draw a lighthouse")) << bot->process().output();
  EXPECT_EQ(named.call_count(), 0u);
  const auto calls = flat.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].headers.at("authorization"), std::string("Bearer ") + kFlatKey);
  EXPECT_EQ(calls[0].body["model"], "google/gemini-2.5-flash-image");
  EXPECT_FALSE(calls[0].body.contains("seed"));
}

TEST_F(ImageProvidersTest, AnUnknownProviderNameStopsTheStartAndSaysWhich) {
  const std::string output = refused_start_output(config(flat, named, "[nope]", ""));
  EXPECT_NE(output.find("no image_providers.nope in the config"), std::string::npos) << output;
}

TEST_F(ImageProvidersTest, AnUnknownTypeStopsTheStartAndNamesTheKnownOnes) {
  std::string yaml = config(flat, named, "[my-router]", "");
  yaml.replace(yaml.find("type: openrouter"), 16, "type: dall-e-ish");
  const std::string output = refused_start_output(yaml);
  const std::size_t at = output.find("unknown type \"dall-e-ish\" (known: ");
  ASSERT_NE(at, std::string::npos) << output;
  const std::string known = output.substr(at, output.find(')', at) - at);
  EXPECT_NE(known.find("openrouter"), std::string::npos) << output;
  EXPECT_NE(known.find("openai"), std::string::npos) << output;
}

constexpr char kOpenAiKeyA[] = "sk-proj-openai-key-aaaaaaaa1111";
constexpr char kOpenAiKeyB[] = "sk-proj-openai-key-bbbbbbbb2222";

class OpenAiDrawTest : public ImageProvidersTest {
 protected:
  void start_openai(const std::string& model = "gpt-image-1") {
    start(reverse_config(kTestToken) +
          "image_providers:\n"
          "  my_openai:\n"
          "    type: openai\n"
          "    api_base: \"" +
          openai.api_base() + "\"\n    api_keys: [\"" + kOpenAiKeyA + "\", \"" + kOpenAiKeyB +
          "\"]\n"
          "    model: " +
          model +
          "\n"
          "    max_retry_attempts: 2\n" +
          gemini_plugin_section({kFlatKey}, flat.api_base(),
                                "    allow_private_network: true\n"
                                "    backoff_initial_seconds: 0.01\n"
                                "    providers: [my_openai]\n"));
  }

  // Sends text in group 777 and waits for a text reply holding needle.
  std::optional<ApiCall> say_expect_text(const std::string& text, const std::string& needle) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, 42, text);
    return napcat.wait_for_call(
        [&](const ApiCall& c) {
          return c.action == "send_group_msg" && text_of(message_of(c)).find(needle) != std::string::npos;
        },
        10s, skip);
  }

  FakeOpenAi openai;
};

TEST_F(OpenAiDrawTest, DrawGeneratesThroughTheImagesApi) {
  start_openai();
  auto reply = draw("/draw a lighthouse --ar 16:9");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), openai.served_images().at(0));
  const auto calls = openai.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/v1/images/generations");
  EXPECT_EQ(calls[0].key, kOpenAiKeyA);
  EXPECT_EQ(calls[0].body["model"], "gpt-image-1");
  EXPECT_EQ(calls[0].body["prompt"], "a lighthouse");
  EXPECT_EQ(calls[0].body["size"], "1536x1024");
  EXPECT_EQ(flat.call_count(), 0u);
  EXPECT_EQ(bot->process().output().find(kOpenAiKeyA), std::string::npos);
}

TEST_F(OpenAiDrawTest, AQuotedImageIsSentToEditsAsMultipartImageArray) {
  start_openai();
  const std::string reference = make_png("reference", 64);
  auto reply = draw_quoting(reference, "/draw make it night");
  ASSERT_TRUE(reply) << bot->process().output();
  const auto calls = openai.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/v1/images/edits");
  EXPECT_EQ(calls[0].body["prompt"], "make it night");
  ASSERT_EQ(calls[0].files.size(), 1u);
  EXPECT_EQ(calls[0].files[0].field, "image[]");
  EXPECT_EQ(calls[0].files[0].content_type, "image/png");
  EXPECT_EQ(calls[0].files[0].bytes, reference);
}

TEST_F(OpenAiDrawTest, DallE3LinksAreDownloaded) {
  openai.set_default(FakeOpenAi::Script::kUrl);
  start_openai("dall-e-3");
  auto reply = draw("/draw a lighthouse");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), openai.served_images().at(0));
}

TEST_F(OpenAiDrawTest, A401DisablesTheKeyAndA429CoolsItDownTheOtherKeyDraws) {
  openai.push(kOpenAiKeyA, FakeOpenAi::Script::k401);
  start_openai();
  ASSERT_TRUE(draw("/draw one")) << bot->process().output();
  openai.push(kOpenAiKeyB, FakeOpenAi::Script::k429);
  // Key A is disabled: key B answers 429 and no key is left for this drawing.
  ASSERT_TRUE(say_expect_text("/draw two", "图片服务正忙")) << bot->process().output();
  std::vector<std::string> keys;
  for (const auto& call : openai.calls()) keys.push_back(call.key);
  EXPECT_EQ(keys, (std::vector<std::string>{kOpenAiKeyA, kOpenAiKeyB, kOpenAiKeyB}));
}

TEST_F(OpenAiDrawTest, A400TellsTheUserWhyAndIsNotRetried) {
  openai.set_default(FakeOpenAi::Script::k400);
  start_openai();
  ASSERT_TRUE(say_expect_text("/draw a lighthouse", "图片服务拒绝了这次请求")) << bot->process().output();
  EXPECT_EQ(openai.call_count(), 1u);
}

TEST_F(OpenAiDrawTest, A5xxIsRetriedAndTheImageStillArrives) {
  openai.push(kOpenAiKeyA, FakeOpenAi::Script::k500);
  start_openai();
  ASSERT_TRUE(draw("/draw a lighthouse")) << bot->process().output();
  const auto calls = openai.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].key, kOpenAiKeyA);
}

TEST_F(ImageProvidersTest, AGeminiInstanceDrawsAndEditsThroughGenerateContent) {
  FakeGemini gemini;
  const std::string key = "AIzaSyIntegrationKey000000aaaa";
  start(reverse_config(kTestToken) + "image_providers:\n  my_gemini:\n    type: gemini\n    api_base: \"" +
        gemini.api_base() + "\"\n    api_keys: [\"" + key + "\"]\n" +
        gemini_plugin_section({kFlatKey}, flat.api_base(),
                              "    allow_private_network: true\n    providers: [my_gemini]\n"));
  auto reply = draw("/draw a lighthouse --ar 21:9");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), gemini.served_images().at(0));

  const std::string reference = make_png("reference", 64);
  ASSERT_TRUE(draw_quoting(reference, "/draw make it night")) << bot->process().output();

  const auto calls = gemini.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].key, key);
  EXPECT_EQ(calls[0].path, "/v1beta/models/gemini-2.5-flash-image:generateContent");
  EXPECT_EQ(calls[0].body["generationConfig"]["imageConfig"]["aspectRatio"], "21:9");
  const json& parts = calls[1].body["contents"][0]["parts"];
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1]["inline_data"]["data"], onebot::base64_encode(reference));
  EXPECT_EQ(bot->process().output().find(key), std::string::npos);
}

// providers: [my-router, backup]: my-router's fake is `named`, backup's is `flat`.
std::string chain_config(const FakeOpenRouter& primary, const FakeOpenRouter& backup) {
  return reverse_config(kTestToken) +
         "image_providers:\n  my-router:\n    type: openrouter\n    api_base: \"" + primary.api_base() +
         "\"\n    api_keys: [\"" + kNamedKey +
         "\"]\n    max_retry_attempts: 1\n  backup:\n    type: openrouter\n    api_base: \"" +
         backup.api_base() + "\"\n    api_keys: [\"" + kEnvKey + "\"]\n" +
         gemini_plugin_section({kFlatKey}, "http://127.0.0.1:9/",
                               "    allow_private_network: true\n    providers: [my-router, backup]\n");
}

TEST_F(ImageProvidersTest, WhenThePrimaryCannotServeTheBackupDraws) {
  named.set_default(FakeOpenRouter::Script::k401);
  start(chain_config(named, flat));
  auto reply = draw("/draw a lighthouse");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), flat.served_images().at(0));
  EXPECT_EQ(named.call_count(), 1u);
  ASSERT_EQ(flat.call_count(), 1u);
  EXPECT_EQ(flat.calls()[0].key, kEnvKey);
  EXPECT_TRUE(bot->wait_for_log("image provider my-router could not serve .*falling back to backup"))
      << bot->process().output();
}

TEST_F(ImageProvidersTest, ARefusedRequestIsNotSentToTheBackup) {
  named.set_default(FakeOpenRouter::Script::k400);
  start(chain_config(named, flat));
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(conn, 777, 42, "/draw a lighthouse");
  ASSERT_TRUE(napcat.wait_for_call(
      [](const ApiCall& c) {
        return c.action == "send_group_msg" &&
               text_of(message_of(c)).find("图片服务拒绝了这次请求") != std::string::npos;
      },
      10s, skip))
      << bot->process().output();
  EXPECT_EQ(flat.call_count(), 0u);
}

constexpr char kArkKeyA[] = "ark-integration-key-aaaa-0000-1111";
constexpr char kArkKeyB[] = "ark-integration-key-bbbb-2222-3333";

// image_providers: {ark: {type: seedream, ...}} picked by providers: [ark].
class SeedreamDrawTest : public OpenAiDrawTest {
 protected:
  void start_seedream() {
    start(reverse_config(kTestToken) +
          "image_providers:\n"
          "  ark:\n"
          "    type: seedream\n"
          "    api_base: \"" +
          ark.api_base() + "\"\n    api_keys: [\"" + kArkKeyA + "\", \"" + kArkKeyB +
          "\"]\n"
          "    model: doubao-seedream-4-5-251128\n"
          "    max_retry_attempts: 2\n"
          "    extra:\n"
          "      watermark: false\n" +
          gemini_plugin_section({kFlatKey}, flat.api_base(),
                                "    allow_private_network: true\n"
                                "    backoff_initial_seconds: 0.01\n"
                                "    providers: [ark]\n"));
  }

  FakeSeedream ark;
};

TEST_F(SeedreamDrawTest, DrawGeneratesThroughArkAndDownloadsTheResultUrl) {
  start_seedream();
  auto reply = draw("/draw a lighthouse --ar 16:9");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), ark.served_images().at(0));
  const auto calls = ark.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/api/v3/images/generations");
  EXPECT_EQ(calls[0].key, kArkKeyA);
  const json& body = calls[0].body;
  EXPECT_EQ(body["model"], "doubao-seedream-4-5-251128");
  EXPECT_EQ(body["prompt"], "a lighthouse");
  EXPECT_EQ(body["size"], "2560x1440") << "16:9 at the 4.5 floor of 3,686,400 pixels";
  EXPECT_EQ(body["response_format"], "url");
  EXPECT_EQ(body["watermark"], false);
  EXPECT_FALSE(body.contains("image"));
  EXPECT_EQ(flat.call_count(), 0u);
  EXPECT_EQ(bot->process().output().find(kArkKeyA), std::string::npos);
}

TEST_F(SeedreamDrawTest, AQuotedImageIsSentAsADataUrl) {
  start_seedream();
  const std::string reference = make_png("reference", 64);
  auto reply = draw_quoting(reference, "/draw make it night");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), ark.served_images().at(0));
  const auto calls = ark.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].body["prompt"], "make it night");
  EXPECT_EQ(calls[0].body["image"],
            json::array({"data:image/png;base64," + onebot::base64_encode(reference)}));
}

TEST_F(SeedreamDrawTest, AnAuthenticationErrorDisablesTheKeyAndARateLimitCoolsItDown) {
  ark.push(kArkKeyA, FakeSeedream::Script::kInvalidKey);
  start_seedream();
  ASSERT_TRUE(draw("/draw one")) << bot->process().output();
  ark.push(kArkKeyB, FakeSeedream::Script::kRateLimited);
  // Key A is disabled: key B answers 429 and no key is left for this drawing.
  ASSERT_TRUE(say_expect_text("/draw two", "图片服务正忙")) << bot->process().output();
  std::vector<std::string> keys;
  for (const auto& call : ark.calls()) keys.push_back(call.key);
  EXPECT_EQ(keys, (std::vector<std::string>{kArkKeyA, kArkKeyB, kArkKeyB}));
}

TEST_F(SeedreamDrawTest, AnExhaustedQuotaCoolsTheKeyDownAndTheOtherKeyDraws) {
  ark.push(kArkKeyA, FakeSeedream::Script::kQuotaExceeded);
  start_seedream();
  ASSERT_TRUE(draw("/draw a lighthouse")) << bot->process().output();
  std::vector<std::string> keys;
  for (const auto& call : ark.calls()) keys.push_back(call.key);
  EXPECT_EQ(keys, (std::vector<std::string>{kArkKeyA, kArkKeyB}));
}

TEST_F(SeedreamDrawTest, SensitiveContentTellsTheUserTheModelDeclinedAndIsNotRetried) {
  ark.set_default(FakeSeedream::Script::kSensitiveInput);
  start_seedream();
  ASSERT_TRUE(say_expect_text("/draw something", "模型拒绝生成这张图片")) << bot->process().output();
  EXPECT_EQ(ark.call_count(), 1u);
  ark.set_default(FakeSeedream::Script::kFilteredInData);
  ASSERT_TRUE(say_expect_text("/draw something else", "模型拒绝生成这张图片")) << bot->process().output();
  EXPECT_EQ(ark.call_count(), 2u);
}

TEST_F(SeedreamDrawTest, AnInvalidParameterTellsTheUserWhyAndIsNotRetried) {
  ark.set_default(FakeSeedream::Script::kInvalidParameter);
  start_seedream();
  ASSERT_TRUE(say_expect_text("/draw a lighthouse", "图片服务拒绝了这次请求")) << bot->process().output();
  EXPECT_EQ(ark.call_count(), 1u);
}

TEST_F(SeedreamDrawTest, A5xxIsRetriedAndTheImageStillArrives) {
  ark.push(kArkKeyA, FakeSeedream::Script::k500);
  start_seedream();
  ASSERT_TRUE(draw("/draw a lighthouse")) << bot->process().output();
  const auto calls = ark.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].key, kArkKeyA);
}

}  // namespace
}  // namespace picbot::testing
