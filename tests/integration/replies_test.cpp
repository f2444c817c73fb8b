// The host's replies say what is true: /help lists only commands that work
// now, and a wake-up nobody handles gets bot.disabled_reply's hint instead of
// silence (unless the operator emptied it). Real picbot, fake NapCat.
#include <gtest/gtest.h>

#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::int64_t kSelf = 10001;
constexpr std::int64_t kGroup = 777;

class RepliesTest : public ::testing::Test {
 protected:
  // extra continues the bot section of reverse_config() (indent keys by two).
  void start(const std::string& extra) {
    bot = std::make_unique<PicbotRunner>(reverse_config(kTestToken, extra));
    ASSERT_TRUE(bot->start());
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", kSelf, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }
  // Sends message in the group and returns the text of the bot's first reply
  // there, or nullopt if none came within the timeout.
  std::optional<std::string> reply_to(json message, std::chrono::milliseconds timeout = 5s) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, kGroup, 42, std::move(message));
    auto call = napcat.wait_for_call(
        [](const ApiCall& c) {
          return c.action == "send_group_msg" && c.params.value("group_id", json()) == kGroup;
        },
        timeout, skip);
    if (!call) return std::nullopt;
    // A group reply mentions the sender first (an at segment, then " text").
    std::string text = text_of(message_of(*call));
    text.erase(0, text.find_first_not_of(' '));
    return text;
  }
  static json at_bot(const std::string& text) {
    return json::array({{{"type", "at"}, {"data", {{"qq", std::to_string(kSelf)}}}},
                        {{"type", "text"}, {"data", {{"text", text}}}}});
  }

  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

TEST_F(RepliesTest, HelpListsNewOnlyWhileTheAgentIsOn) {
  start("");
  auto off = reply_to("/help");
  ASSERT_TRUE(off) << bot->process().output();
  EXPECT_NE(off->find("/ping"), std::string::npos) << *off;
  EXPECT_EQ(off->find("/new"), std::string::npos) << "the agent is off:\n" << *off;

  bot->rewrite_config(reverse_config(kTestToken) +
                      "llm:\n  enabled: true\n  api_base: \"http://127.0.0.1:9/v1\"\n"
                      "  api_keys: [\"sk-test-agent-key-0123456789\"]\n");
  ASSERT_TRUE(bot->wait_for_log("config reloaded", 10s)) << bot->process().output();
  auto on = reply_to("/help");
  ASSERT_TRUE(on) << bot->process().output();
  EXPECT_NE(on->find("/new"), std::string::npos) << *on;
}

// With the agent off, a nickname or @ used to get silence.
TEST_F(RepliesTest, AWakeUpWithTheAgentOffGetsTheDrawHint) {
  start("  nicknames: [\"小P\"]\n");
  auto by_at = reply_to(at_bot(" 你好"));
  ASSERT_TRUE(by_at) << bot->process().output();
  EXPECT_EQ(*by_at, "画图请用 /draw <描述>");
  auto by_name = reply_to("小P，画一只猫");
  ASSERT_TRUE(by_name) << bot->process().output();
  EXPECT_EQ(*by_name, "画图请用 /draw <描述>");
}

TEST_F(RepliesTest, AnEmptyDisabledReplyKeepsTheBotQuiet) {
  start("  nicknames: [\"小P\"]\n  disabled_reply: \"\"\n");
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(conn, kGroup, 42, at_bot(" 你好"));
  napcat.send_group_message(conn, kGroup, 42, "小P，画一只猫");
  // Events are handled in order: once /ping is answered, the two before it were handled.
  auto pong = reply_to("/ping");
  ASSERT_TRUE(pong) << bot->process().output();
  EXPECT_EQ(*pong, "pong");
  for (std::size_t i = skip; i < napcat.calls().size(); ++i) {
    EXPECT_EQ(text_of(message_of(napcat.calls()[i])).find("/draw"), std::string::npos);
  }
}

}  // namespace
}  // namespace picbot::testing
