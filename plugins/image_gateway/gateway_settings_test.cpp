#include "plugins/image_gateway/gateway_settings.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace picbot::gateway {
namespace {
using nlohmann::json;

TEST(GatewaySettings, AnOutsideListenerWithoutAKeyIsRefused) {
  auto open = GatewaySettings::from_config(json{{"listen", "0.0.0.0:8000"}});
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("api_keys"), std::string::npos);
  EXPECT_TRUE(GatewaySettings::from_config(json{{"listen", "127.0.0.1:8000"}}));
  EXPECT_TRUE(GatewaySettings::from_config(
      json{{"listen", "0.0.0.0:8000"}, {"api_keys", json::array({{{"name", "a"}, {"key", "k"}}})}}));
  EXPECT_FALSE(GatewaySettings::from_config(json{{"listen", "example.com:8000"}}));
}

TEST(GatewaySettings, AliasesNameConfiguredInstancesOnly) {
  const json providers = {{"oa", {{"type", "openai"}, {"api_keys", json::array({"sk-1"})}}}};
  const json section = {
      {"models", json::array({{{"id", "gpt-image-1"}, {"provider", "oa"}, {"model", ""}}})}};
  auto settings = GatewaySettings::from_config(section, providers);
  ASSERT_TRUE(settings) << settings.error().message;
  ASSERT_NE(settings->alias("gpt-image-1"), nullptr);
  EXPECT_EQ(settings->alias("gpt-image-1")->provider, "oa");
  EXPECT_EQ(settings->alias("dall-e-3"), nullptr);
  const auto oa = std::find_if(settings->instances.begin(), settings->instances.end(),
                               [](const image::ProviderConfig& c) { return c.name == "oa"; });
  ASSERT_NE(oa, settings->instances.end());
  EXPECT_EQ(oa->type, "openai");
  const json unknown = {{"models", json::array({{{"id", "x"}, {"provider", "nope"}}})}};
  EXPECT_FALSE(GatewaySettings::from_config(unknown, providers));
  const json twice = {
      {"models", json::array({{{"id", "x"}, {"provider", "oa"}}, {{"id", "x"}, {"provider", "oa"}}})}};
  EXPECT_FALSE(GatewaySettings::from_config(twice, providers));
}

TEST(GatewaySettings, ConsoleKeysApplyWithTheListedKeysAndKnowWhereEachCameFrom) {
  const json section = {{"api_keys", json::array({{{"name", "webui"}, {"key", "sk-a"}}})},
                        {"console_keys", json::array({{{"name", "phone"}, {"key", "pg-b"}}})}};
  auto from_file = GatewaySettings::from_config(section);
  ASSERT_TRUE(from_file) << from_file.error().message;
  ASSERT_EQ(from_file->api_keys.size(), 2u);
  EXPECT_EQ(from_file->api_keys[0].source, KeySource::kFile);
  EXPECT_EQ(from_file->api_keys[1].source, KeySource::kConsole);
  EXPECT_EQ(from_file->keys_json(KeySource::kConsole), json::array({{{"name", "phone"}, {"key", "pg-b"}}}));
  auto from_environment = GatewaySettings::from_config(section, nullptr, true);
  ASSERT_TRUE(from_environment);
  EXPECT_EQ(from_environment->api_keys[0].source, KeySource::kEnvironment);
  EXPECT_EQ(from_environment->api_keys[1].source, KeySource::kConsole);
  // One name in both lists would share one quota bucket: refused.
  const json twice = {{"api_keys", json::array({{{"name", "a"}, {"key", "sk-a"}}})},
                      {"console_keys", json::array({{{"name", "a"}, {"key", "pg-b"}}})}};
  EXPECT_FALSE(GatewaySettings::from_config(twice));
  // A console key alone is a key: an outside listener may open.
  EXPECT_TRUE(GatewaySettings::from_config(
      json{{"listen", "0.0.0.0:8000"}, {"console_keys", json::array({{{"name", "a"}, {"key", "pg-b"}}})}}));
}

}  // namespace
}  // namespace picbot::gateway
