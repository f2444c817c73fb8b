// The plugin in-process: its LLM tool called with JSON arguments, against a
// recording OneBot API and the fake OpenRouter.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "bot/net/http_client.h"
#include "bot/plugin/plugin_context.h"
#include "image/storage/local_image_store.h"
#include "tests/fakes/napcat/in_process_bot_api.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::gemini {
std::unique_ptr<Plugin> make_plugin();

namespace {
namespace asio = boost::asio;
using nlohmann::json;
using picbot::testing::FakeOpenRouter;

std::size_t images_sent(const std::vector<picbot::testing::ApiCall>& calls) {
  std::size_t n = 0;
  for (const auto& call : calls) {
    for (const auto& seg : call.params.value("message", json::array())) n += seg.value("type", "") == "image";
  }
  return n;
}

class ToolTest : public ::testing::Test {
 protected:
  ToolTest() {
    services.executor = io.get_executor();
    services.api = &api;
    services.http = &http;
    services.workers = &workers;
    services.clock = &Clock::system();
    services.data_dir = dir.path();
    services.image_store = &images;
    services.bot_settings = [this] { return settings; };
    services.save_config_value = [](std::string, json) -> asio::awaitable<Status> { co_return Status(); };
    context.set_config(json{{"openrouter_api_keys", {"sk-or-v1-tool-test-key-0001"}},
                            {"custom_api_base", openrouter.api_base()},
                            {"max_retry_attempts", 1},
                            {"backoff_initial_seconds", 0.01},
                            {"acknowledge", false}});
    EXPECT_TRUE(plugin->start(context));
    tool = registry.find_tool("gemini-pic-gen");
  }
  ~ToolTest() override { plugin->stop(); }

  ToolResult call_tool(json args) {
    onebot::MessageEvent event;
    event.self_id = 10001;
    event.user_id = 42;
    event.group_id = 777;
    event.message_type = "group";
    event.message = {onebot::Reply{"5"}, onebot::Text{"画只猫"}};
    MessageContext ctx(std::make_shared<const onebot::MessageEvent>(event), api, settings);
    return picbot::testing::run_coroutine(io, tool->handler(ctx, args));
  }

  std::size_t get_msg_calls() const {
    return std::count_if(api.calls.begin(), api.calls.end(),
                         [](const auto& c) { return c.action == "get_msg"; });
  }

  asio::io_context io;
  picbot::testing::TempDir dir;
  FakeOpenRouter openrouter;
  picbot::testing::InProcessBotApi api;
  net::HttpClient http{io.get_executor()};
  WorkerPool workers{1};
  image::LocalImageStore images{io.get_executor(), workers, Clock::system(), {.dir = dir.path() / "images"}};
  std::shared_ptr<const BotSettings> settings = std::make_shared<const BotSettings>();
  HostServices services;
  CommandRegistry registry;
  PluginContext context{"gemini_pic_gen", services, registry};
  std::unique_ptr<Plugin> plugin = make_plugin();
  CommandRegistry::ToolPtr tool;
};

TEST_F(ToolTest, DeclaresItsParameters) {
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->parameters["required"], json::array({"image_description"}));
  EXPECT_TRUE(tool->parameters["properties"].contains("use_reference_images"));
  EXPECT_TRUE(tool->parameters["properties"].contains("aspect_ratio"));
  EXPECT_NE(tool->description.find("English"), std::string::npos);
}

TEST_F(ToolTest, DrawsAndSendsTheImage) {
  ToolResult result =
      call_tool({{"image_description", "an orange cat wearing sunglasses"}, {"aspect_ratio", "1:1"}});
  EXPECT_TRUE(result.ok) << result.content;
  EXPECT_EQ(images_sent(api.calls), 1u);
  ASSERT_EQ(openrouter.call_count(), 1u);
  EXPECT_EQ(openrouter.calls()[0].body["messages"][0]["content"][0]["text"],
            "an orange cat wearing sunglasses");
  EXPECT_EQ(get_msg_calls(), 1u) << "the quoted message is looked up for references";
}

TEST_F(ToolTest, UseReferenceImagesAcceptsStrings) {
  for (const char* no : {"false", "0", "no", "n"}) {
    api.calls.clear();
    EXPECT_TRUE(call_tool({{"image_description", "x"}, {"use_reference_images", no}}).ok);
    EXPECT_EQ(get_msg_calls(), 0u) << no;
  }
  for (const char* yes : {"true", "1", "yes", "y"}) {
    api.calls.clear();
    EXPECT_TRUE(call_tool({{"image_description", "x"}, {"use_reference_images", yes}}).ok);
    EXPECT_EQ(get_msg_calls(), 1u) << yes;
  }
}

TEST_F(ToolTest, BadArgumentsAreReportedToTheModel) {
  EXPECT_FALSE(call_tool(json::object()).ok);
  EXPECT_FALSE(call_tool({{"image_description", ""}}).ok);
  EXPECT_FALSE(call_tool({{"image_description", "x"}, {"aspect_ratio", "7:3"}}).ok);
  EXPECT_EQ(openrouter.call_count(), 0u);
}

TEST_F(ToolTest, UpstreamFailureIsReturnedNotSpoken) {
  openrouter.push("sk-or-v1-tool-test-key-0001", FakeOpenRouter::Script::kContentFilter);
  ToolResult result = call_tool({{"image_description", "x"}});
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.content.find("Tell the user"), std::string::npos);
  EXPECT_EQ(images_sent(api.calls), 0u);
  for (const auto& call : api.calls) EXPECT_NE(call.action, "send_group_msg") << "the agent relays failures";
}

}  // namespace
}  // namespace picbot::gemini
