#include "plugins/gemini_pic_gen/provider_lineup.h"

#include <gtest/gtest.h>

#include "image/provider_test_rig.h"

namespace picbot::gemini {
namespace {

using nlohmann::json;

// Two named instances (an OpenAI one and an OpenRouter one) besides the
// implicit openrouter of the flat keys; providers names the chain.
PluginSettings settings(const json& providers, const std::string& second_type = "openrouter") {
  const json section = {{"openrouter_api_keys", {"sk-or-v1-flat-key-000000000000"}},
                        {"providers", providers}};
  const json image_providers = {
      {"painter",
       {{"type", "openai"}, {"api_keys", {"sk-painter-key-0000000000"}}, {"model", "gpt-image-1"}}},
      {"router", {{"type", second_type}, {"api_keys", {"sk-or-v1-router-key-00000000"}}}}};
  auto parsed = PluginSettings::from_config(section, image_providers);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return std::move(parsed).value();
}

class ProviderLineupTest : public ::testing::Test {
 protected:
  image::ProviderTestRig rig_;
  ProviderLineup lineup_{rig_.deps, {}};
};

TEST_F(ProviderLineupTest, ListsEveryConfiguredInstanceWithItsPlaceInTheChain) {
  ASSERT_TRUE(lineup_.apply(settings({"router", "painter"})).ok());
  EXPECT_EQ(lineup_.chain_names(), (std::vector<std::string>{"router", "painter"}));
  const auto instances = lineup_.instances();
  ASSERT_EQ(instances.size(), 3u);
  EXPECT_EQ(instances[0].name, "openrouter");  // the flat keys' instance
  EXPECT_FALSE(instances[0].position.has_value());
  EXPECT_EQ(instances[1].name, "painter");
  EXPECT_EQ(instances[1].type, "openai");
  EXPECT_EQ(instances[1].model, "gpt-image-1");
  EXPECT_EQ(instances[1].position, 1u);
  EXPECT_EQ(instances[2].name, "router");
  EXPECT_EQ(instances[2].position, 0u);
}

TEST_F(ProviderLineupTest, AnInstanceMovedFirstIsFollowedByTheOthersInTheirConfiguredOrder) {
  ASSERT_TRUE(lineup_.apply(settings({"router", "painter"})).ok());
  ASSERT_TRUE(lineup_.make_first("painter").ok());
  EXPECT_EQ(lineup_.chain_names(), (std::vector<std::string>{"painter", "router"}));
  EXPECT_EQ(lineup_.chain()->name(), "painter");
  // One that is configured but not in the chain goes in front of it.
  ASSERT_TRUE(lineup_.make_first("openrouter").ok());
  EXPECT_EQ(lineup_.chain_names(), (std::vector<std::string>{"openrouter", "router", "painter"}));

  const Status unknown = lineup_.make_first("nobody");
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(unknown.error().is_not_found());
  EXPECT_NE(unknown.error().message.find("openrouter, painter, router"), std::string::npos);

  // Until the next reload.
  ASSERT_TRUE(lineup_.apply(settings({"router", "painter"})).ok());
  EXPECT_EQ(lineup_.chain_names(), (std::vector<std::string>{"router", "painter"}));
}

TEST_F(ProviderLineupTest, FindsAnInstanceByNameInOrOutOfTheChain) {
  ASSERT_TRUE(lineup_.apply(settings({"router"})).ok());
  const std::shared_ptr<image::Provider> painter = lineup_.instance("painter");
  ASSERT_NE(painter, nullptr) << "configured, though not in the chain";
  EXPECT_EQ(painter->name(), "painter");
  EXPECT_EQ(painter->type(), "openai");
  ASSERT_NE(lineup_.instance("router"), nullptr);
  EXPECT_EQ(lineup_.instance("router"), lineup_.chain()->members().front());
  EXPECT_EQ(lineup_.instance("nobody"), nullptr);
}

TEST_F(ProviderLineupTest, AReloadBuildsTheNewChainWhileAChainInFlightKeepsItsMembers) {
  ASSERT_TRUE(lineup_.apply(settings({"router"})).ok());
  const std::shared_ptr<image::FallbackChain> in_flight = lineup_.chain();
  const image::Provider* router = in_flight->members().front().get();

  // Same name and type: the same instance, reconfigured (its keys' states survive).
  ASSERT_TRUE(lineup_.apply(settings({"router", "painter"})).ok());
  EXPECT_EQ(lineup_.chain()->members().front().get(), router);
  EXPECT_NE(lineup_.chain(), in_flight);

  // Another type under the same name: a new instance; the old chain still holds the old one.
  ASSERT_TRUE(lineup_.apply(settings({"router"}, "openai")).ok());
  EXPECT_EQ(lineup_.chain()->type(), "openai");
  EXPECT_NE(lineup_.chain()->members().front().get(), router);
  EXPECT_EQ(in_flight->members().front().get(), router);
  EXPECT_EQ(in_flight->type(), "openrouter");
}

TEST(PluginSettingsProviders, OpenrouterNamesTheFlatKeysInstanceUnlessTheMapDefinesIt) {
  const PluginSettings s = settings({"painter", "openrouter"});
  ASSERT_EQ(s.providers.size(), 2u);
  EXPECT_EQ(s.providers[1].name, "openrouter");
  EXPECT_EQ(s.providers[1].type, "openrouter");
  EXPECT_TRUE(s.providers[1].section.contains("openrouter_api_keys"));
}

}  // namespace
}  // namespace picbot::gemini
