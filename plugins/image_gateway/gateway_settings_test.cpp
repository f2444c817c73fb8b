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

}  // namespace
}  // namespace picbot::gateway
