#include "bot/plugin/plugin_context.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tests/support/run_coroutine.h"

namespace picbot {
namespace {
namespace asio = boost::asio;
using nlohmann::json;

// The host's save service recorded: which dotted paths a plugin wrote.
class PluginContextSaveTest : public ::testing::Test {
 protected:
  PluginContextSaveTest() {
    services.executor = io.get_executor();
    services.save_config_value = [this](std::string path, json value) -> asio::awaitable<Status> {
      saved.emplace_back(std::move(path), std::move(value));
      co_return Status();
    };
    context.set_image_providers(json{{"my-router", {{"type", "openrouter"}}}});
  }

  Status save_into(std::string instance, std::string key) {
    return picbot::testing::run_coroutine(io, context.save_image_provider_value(instance, key, "v"));
  }

  asio::io_context io;
  HostServices services;
  CommandRegistry registry;
  PluginContext context{"gemini_pic_gen", services, registry};
  std::vector<std::pair<std::string, json>> saved;
};

TEST_F(PluginContextSaveTest, APluginWritesAFieldOfAConfiguredInstance) {
  ASSERT_TRUE(save_into("my-router", "model"));
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].first, "image_providers.my-router.model");
  EXPECT_EQ(saved[0].second, "v");
}

TEST_F(PluginContextSaveTest, NothingOutsideAConfiguredInstancesFieldIsWritten) {
  for (const auto& [instance, key] : std::vector<std::pair<std::string, std::string>>{
           {"nobody", "model"},          // not configured
           {"", "model"},                // no name
           {"my-router", ""},            // no field
           {"my-router", "extra.seed"},  // deeper than one field
           {"my-router.type", "x"},      // a dot in the name
       }) {
    Status s = save_into(instance, key);
    EXPECT_FALSE(s) << instance << " " << key;
    if (!s) {
      EXPECT_EQ(s.error().code, "bad_request");
    }
  }
  EXPECT_TRUE(saved.empty());
}

TEST_F(PluginContextSaveTest, ThePluginsOwnSaveStaysUnderItsSection) {
  ASSERT_TRUE(picbot::testing::run_coroutine(io, context.save_config_value("model_name", "m")));
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].first, "plugins.gemini_pic_gen.model_name");
}

}  // namespace
}  // namespace picbot
