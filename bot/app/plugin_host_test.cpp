#include "bot/app/plugin_host.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace picbot {
namespace {
using nlohmann::json;

// What the fake plugins did, in order ("alpha.start", "beta.reconfigure").
std::vector<std::string> calls;

template <const char* kName, bool kRefusesStart = false>
class FakePlugin final : public Plugin {
 public:
  static std::unique_ptr<Plugin> make() { return std::make_unique<FakePlugin>(); }
  std::string_view name() const override { return kName; }
  std::vector<config::Field> config_schema() const override { return {}; }
  Status start(PluginContext& ctx) override {
    calls.push_back(std::string(kName) + ".start " + ctx.config().dump());
    if (kRefusesStart) return Error::make("bad_config", "no key");
    return ctx.add_command(
        Command{.declaration = std::string(kName) + " [what:text]",
                .handler = [](CommandContext&) -> boost::asio::awaitable<void> { co_return; }});
  }
  Status reconfigure(PluginContext& ctx) override {
    calls.push_back(std::string(kName) + ".reconfigure " + ctx.config().dump());
    return Error::make("bad_config", "refused");  // a refusal is logged, the plugin keeps running
  }
  void stop() override { calls.push_back(std::string(kName) + ".stop"); }
};

constexpr char kAlpha[] = "alpha";
constexpr char kBeta[] = "beta";
constexpr char kGamma[] = "gamma";
const PluginFactory kFactories[] = {{kAlpha, &FakePlugin<kAlpha>::make},
                                    {kBeta, &FakePlugin<kBeta>::make},
                                    {kGamma, &FakePlugin<kGamma>::make}};

class PluginHostTest : public ::testing::Test {
 protected:
  void SetUp() override { calls.clear(); }
  CommandRegistry registry;
};

TEST_F(PluginHostTest, StartsOnlyThePluginsWithAnEnabledSectionInFactoryOrder) {
  PluginHost host(kFactories, registry);
  const json config = {
      {"plugins", {{"gamma", {{"enabled", true}}}, {"alpha", {{"x", 1}}}, {"beta", {{"enabled", false}}}}}};
  ASSERT_TRUE(host.start(HostServices{}, config));
  EXPECT_EQ(calls, (std::vector<std::string>{"alpha.start {\"x\":1}", "gamma.start {\"enabled\":true}"}));
}

TEST_F(PluginHostTest, ReconfigureCallsEachRunningPluginOnceWithItsNewSection) {
  PluginHost host(kFactories, registry);
  ASSERT_TRUE(
      host.start(HostServices{}, {{"plugins", {{"alpha", json::object()}, {"beta", json::object()}}}}));
  calls.clear();
  host.reconfigure({{"plugins", {{"alpha", {{"x", 2}}}, {"beta", {{"y", 3}}}, {"gamma", json::object()}}}});
  EXPECT_EQ(calls, (std::vector<std::string>{"alpha.reconfigure {\"x\":2}", "beta.reconfigure {\"y\":3}"}));
}

TEST_F(PluginHostTest, ReconfigureSkipsAPluginWhoseSectionWasRemoved) {
  PluginHost host(kFactories, registry);
  ASSERT_TRUE(
      host.start(HostServices{}, {{"plugins", {{"alpha", json::object()}, {"beta", json::object()}}}}));
  calls.clear();
  host.reconfigure({{"plugins", {{"beta", json::object()}}}});
  host.reconfigure(json::object());
  EXPECT_EQ(calls, (std::vector<std::string>{"beta.reconfigure {}"}));
}

TEST_F(PluginHostTest, APluginThatRefusesToStartFailsStartAndTheRestDoNotStart) {
  constexpr static char kBroken[] = "broken";
  const PluginFactory factories[] = {{kBroken, &FakePlugin<kBroken, true>::make},
                                     {kAlpha, &FakePlugin<kAlpha>::make}};
  PluginHost host(factories, registry);
  Status started =
      host.start(HostServices{}, {{"plugins", {{"broken", json::object()}, {"alpha", json::object()}}}});
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, "plugin_failed");
  EXPECT_EQ(started.error().message, "plugin broken: no key");
  EXPECT_EQ(calls, (std::vector<std::string>{"broken.start {}"}));
}

TEST_F(PluginHostTest, StopStopsEveryRunningPluginInStartOrder) {
  PluginHost host(kFactories, registry);
  ASSERT_TRUE(
      host.start(HostServices{}, {{"plugins", {{"beta", json::object()}, {"alpha", json::object()}}}}));
  calls.clear();
  ASSERT_NE(registry.find_command("alpha"), nullptr);
  host.stop();
  EXPECT_EQ(calls, (std::vector<std::string>{"alpha.stop", "beta.stop"}));
  EXPECT_EQ(registry.find_command("alpha"), nullptr);  // taken back
  EXPECT_TRUE(registry.commands().empty());
  EXPECT_TRUE(registry.tools().empty());
  EXPECT_TRUE(registry.hooks()->empty());
}

}  // namespace
}  // namespace picbot
