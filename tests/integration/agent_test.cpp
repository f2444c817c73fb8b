// End to end: fake NapCat -> the real picbot -> the LLM agent against a fake
// chat server -> the gemini-pic-gen tool against the fake OpenRouter -> the
// image and the model's text back at the fake NapCat. Also sessions across a
// restart, /new, session scopes, bad tool arguments, the step cap, and /draw
// prompt translation.
#include <gtest/gtest.h>

#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kChatKey[] = "sk-chat-integration-key-0000aaaa";
constexpr char kImageKey[] = "sk-or-v1-integration-key-1111bbbb";
constexpr std::int64_t kSelf = 10001;

json at_bot(const std::string& text) { return at_self(kSelf, text); }

class AgentIntegrationTest : public ::testing::Test {
 protected:
  // llm_extra and plugin_extra are added to the llm and gemini_pic_gen sections.
  void start(const std::string& llm_extra = "", const std::string& plugin_extra = "") {
    const std::string extra = std::string("  nicknames: [\"小P\"]\n") +
                              "llm:\n"
                              "  enabled: " +
                              (agent_enabled ? std::string("true") : std::string("false")) +
                              "\n"
                              "  api_base: \"" +
                              chat.api_base() +
                              "\"\n"
                              "  api_keys: [\"" +
                              kChatKey +
                              "\"]\n"
                              "  model: \"test/chat-model\"\n"
                              "  system_prompt: \"你是测试助手。\"\n"
                              "  max_retry_attempts: 1\n"
                              "  backoff_initial_seconds: 0.01\n"
                              "  backoff_max_seconds: 0.02\n"
                              "  session_scope: per_group\n"
                              "  session_scope_overrides:\n"
                              "    - group_id: 778\n"
                              "      scope: per_member\n" +
                              llm_extra +
                              gemini_plugin_section({kImageKey}, openrouter.api_base(),
                                                    "    max_retry_attempts: 1\n"
                                                    "    backoff_initial_seconds: 0.01\n"
                                                    "    backoff_max_seconds: 0.02\n" +
                                                        plugin_extra);
    bot = std::make_unique<PicbotRunner>(reverse_config(kTestToken, extra));
    ASSERT_TRUE(bot->start());
    connect();
  }
  void connect() {
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", kSelf, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }
  void restart() {
    ASSERT_EQ(bot->stop(), 0);
    ASSERT_TRUE(bot->start());
    connect();
  }

  // Sends a group message and waits for a reply to that group whose text
  // contains needle, looking only at calls made after this message.
  std::optional<ApiCall> say(std::int64_t group, std::int64_t user, json message, const std::string& needle,
                             const std::string& nickname = "tester") {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, group, user, std::move(message), nickname);
    return napcat.wait_for_call(
        [&](const ApiCall& c) {
          return c.action == "send_group_msg" && c.params.value("group_id", json()) == group &&
                 text_of(message_of(c)).find(needle) != std::string::npos;
        },
        20s, skip);
  }

  FakeChatServer chat;
  FakeOpenRouter openrouter;
  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
  bool agent_enabled = true;
};

TEST_F(AgentIntegrationTest, DrawsThroughTheToolThenAnswers) {
  start();
  chat.push(ChatScript::tool_call("gemini-pic-gen",
                                  json{{"image_description", "an orange cat wearing sunglasses"}}));
  chat.push(ChatScript::reply("画好啦，一只酷酷的橘猫！"));
  const std::size_t skip = napcat.calls().size();
  auto reply = say(777, 42, at_bot("帮我画一只戴墨镜的橘猫"), "画好啦");
  ASSERT_TRUE(reply) << bot->process().output();

  // The tool got the model's English arguments.
  ASSERT_EQ(openrouter.call_count(), 1u);
  EXPECT_EQ(openrouter.calls()[0].body["messages"][0]["content"][0]["text"],
            "an orange cat wearing sunglasses");
  // The image reached the chat before the model's text, which @s the sender.
  const auto calls = napcat.calls();
  std::optional<std::size_t> image_at, text_at;
  for (std::size_t i = skip; i < calls.size(); ++i) {
    if (calls[i].action != "send_group_msg") continue;
    if (!image_at && has_image(message_of(calls[i]))) image_at = i;
    if (!text_at && text_of(message_of(calls[i])).find("画好啦") != std::string::npos) text_at = i;
  }
  ASSERT_TRUE(image_at && text_at);
  EXPECT_LT(*image_at, *text_at);
  EXPECT_EQ(reply->params["message"][0]["type"], "at");

  const auto requests = chat.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].key, kChatKey);
  EXPECT_EQ(requests[0].body["model"], "test/chat-model");
  EXPECT_EQ(requests[0].tool_names(), std::vector<std::string>{"gemini-pic-gen"});
  EXPECT_EQ(requests[0].contents("system"), std::vector<std::string>{"你是测试助手。"});
  EXPECT_EQ(requests[0].contents("user"), std::vector<std::string>{"tester: 帮我画一只戴墨镜的橘猫"});
  const auto tool_results = requests[1].contents("tool");
  ASSERT_EQ(tool_results.size(), 1u);
  EXPECT_NE(tool_results[0].find("sent to the chat"), std::string::npos) << tool_results[0];
  // Keys never reach the log.
  EXPECT_EQ(bot->process().output().find(kChatKey), std::string::npos);
}

TEST_F(AgentIntegrationTest, ContextSurvivesARestartAndNewClearsIt) {
  start();
  chat.push(ChatScript::reply("记住了，你叫小明"));
  ASSERT_TRUE(say(777, 42, at_bot("我叫小明"), "记住了")) << bot->process().output();
  restart();
  chat.push(ChatScript::reply("你叫小明"));
  ASSERT_TRUE(say(777, 42, json("小P，我叫什么？"), "你叫小明")) << bot->process().output();
  auto last = chat.requests().back();
  EXPECT_EQ(last.contents("user"), (std::vector<std::string>{"tester: 我叫小明", "tester: 我叫什么？"}));
  EXPECT_EQ(last.contents("assistant"), std::vector<std::string>{"记住了，你叫小明"});

  ASSERT_TRUE(say(777, 42, json("/new"), "对话已清空")) << bot->process().output();
  chat.push(ChatScript::reply("你好呀"));
  ASSERT_TRUE(say(777, 42, at_bot("你好"), "你好呀"));
  EXPECT_EQ(chat.requests().back().contents("user"), std::vector<std::string>{"tester: 你好"});
}

TEST_F(AgentIntegrationTest, PerGroupAndPerMemberSessions) {
  start();
  // Group 777 shares one session; names tell the speakers apart.
  ASSERT_TRUE(say(777, 42, at_bot("A"), "好的", "alice")) << bot->process().output();
  ASSERT_TRUE(say(777, 43, at_bot("B"), "好的", "bob"));
  EXPECT_EQ(chat.requests().back().contents("user"), (std::vector<std::string>{"alice: A", "bob: B"}));
  // Group 778 is per_member by override.
  ASSERT_TRUE(say(778, 42, at_bot("C"), "好的", "alice"));
  ASSERT_TRUE(say(778, 43, at_bot("D"), "好的", "bob"));
  EXPECT_EQ(chat.requests().back().contents("user"), std::vector<std::string>{"bob: D"});
  ASSERT_TRUE(say(778, 42, at_bot("E"), "好的", "alice"));
  EXPECT_EQ(chat.requests().back().contents("user"), (std::vector<std::string>{"alice: C", "alice: E"}));
}

TEST_F(AgentIntegrationTest, InvalidToolArgumentsBecomeAToolError) {
  start();
  chat.push(ChatScript::tool_call_raw("gemini-pic-gen", "{image_description: oops"));
  chat.push(ChatScript::reply("参数写错了，抱歉"));
  ASSERT_TRUE(say(777, 42, at_bot("画猫"), "参数写错了")) << bot->process().output();
  const auto tool_results = chat.requests().at(1).contents("tool");
  ASSERT_EQ(tool_results.size(), 1u);
  EXPECT_NE(tool_results[0].find("not valid JSON"), std::string::npos) << tool_results[0];
  EXPECT_EQ(openrouter.call_count(), 0u);
}

TEST_F(AgentIntegrationTest, StepCapEndsTheLoop) {
  start("  max_tool_steps: 2\n");
  chat.set_default(ChatScript::tool_call("gemini-pic-gen", json::object()));
  ASSERT_TRUE(say(777, 42, at_bot("一直调用工具"), "步骤太多")) << bot->process().output();
  EXPECT_EQ(chat.request_count(), 3u);
  EXPECT_EQ(openrouter.call_count(), 0u) << "no image_description, no drawing";
}

TEST_F(AgentIntegrationTest, DrawTranslatesThePrompt) {
  start("", "    translate_prompt: true\n");
  chat.push(ChatScript::reply("an orange cat wearing sunglasses"));
  ASSERT_TRUE(say(777, 42, json("/draw 一只戴墨镜的橘猫"), "")) << bot->process().output();
  ASSERT_TRUE(openrouter.wait_for_calls(1, 20s)) << bot->process().output();
  EXPECT_EQ(openrouter.calls()[0].body["messages"][0]["content"][0]["text"],
            "an orange cat wearing sunglasses");
  ASSERT_EQ(chat.request_count(), 1u);
  EXPECT_EQ(chat.requests()[0].contents("user"), std::vector<std::string>{"一只戴墨镜的橘猫"});
  EXPECT_TRUE(chat.requests()[0].tool_names().empty());
  // ASCII prompts are not translated.
  ASSERT_TRUE(say(777, 43, json("/draw a red fox"), ""));
  ASSERT_TRUE(openrouter.wait_for_calls(2, 20s));
  EXPECT_EQ(openrouter.calls()[1].body["messages"][0]["content"][0]["text"], "a red fox");
  EXPECT_EQ(chat.request_count(), 1u);
}

TEST_F(AgentIntegrationTest, DrawKeepsThePromptWhenTranslationFails) {
  start("", "    translate_prompt: true\n");
  chat.set_default(ChatScript::error(500));
  ASSERT_TRUE(say(777, 42, json("/draw 一只戴墨镜的橘猫"), ""));
  ASSERT_TRUE(openrouter.wait_for_calls(1, 20s)) << bot->process().output();
  EXPECT_EQ(openrouter.calls()[0].body["messages"][0]["content"][0]["text"], "一只戴墨镜的橘猫");
  EXPECT_GE(chat.request_count(), 1u);
}

TEST_F(AgentIntegrationTest, DisabledAgentStaysQuietAndDoesNotTranslate) {
  agent_enabled = false;
  start("", "    translate_prompt: true\n");
  napcat.send_group_message(conn, 777, 42, at_bot("你好"));
  ASSERT_TRUE(say(777, 42, json("/draw 一只橘猫"), ""));
  ASSERT_TRUE(openrouter.wait_for_calls(1, 20s)) << bot->process().output();
  EXPECT_EQ(openrouter.calls()[0].body["messages"][0]["content"][0]["text"], "一只橘猫");
  EXPECT_EQ(chat.request_count(), 0u);
}

}  // namespace
}  // namespace picbot::testing
