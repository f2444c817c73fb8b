// image_providers: named provider instances picked by
// plugins.gemini_pic_gen.providers, through the real binary against the fake
// OpenRouter (the only provider type so far).
#include <gtest/gtest.h>

#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
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
  EXPECT_NE(output.find("unknown type \"dall-e-ish\" (known: openrouter"), std::string::npos) << output;
}

}  // namespace
}  // namespace picbot::testing
