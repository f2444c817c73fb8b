#include "bot/dispatch/wake.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

onebot::MessageEvent group_event(onebot::Message message) {
  onebot::MessageEvent e;
  e.self_id = 10001;
  e.user_id = 42;
  e.group_id = 777;
  e.message_type = "group";
  e.message = std::move(message);
  return e;
}

BotSettings settings() {
  BotSettings s;
  s.command_prefixes = {"/"};
  s.nicknames = {"小P"};
  return s;
}

TEST(Wake, PrefixMakesACommand) {
  const Wake w = analyse_wake(group_event({onebot::Text{"/draw  a cat  "}}), settings());
  EXPECT_TRUE(w.woken);
  EXPECT_TRUE(w.is_command);
  EXPECT_EQ(w.command, "draw");
  EXPECT_EQ(w.args, "a cat");
}

TEST(Wake, AtBotWakesAndIsStripped) {
  const Wake w = analyse_wake(group_event({onebot::At{"10001", {}}, onebot::Text{" 你好"}}), settings());
  EXPECT_TRUE(w.woken);
  EXPECT_TRUE(w.at_bot);
  EXPECT_FALSE(w.is_command);
  EXPECT_EQ(w.text, "你好");
}

TEST(Wake, AtBotThenCommandAfterQuote) {
  const Wake w = analyse_wake(
      group_event({onebot::Reply{"5"}, onebot::At{"10001", {}}, onebot::Text{" /draw 猫"}}), settings());
  EXPECT_TRUE(w.is_command);
  EXPECT_EQ(w.command, "draw");
  EXPECT_EQ(w.args, "猫");
}

TEST(Wake, AtSomeoneElseDoesNotWake) {
  const Wake w = analyse_wake(group_event({onebot::At{"999", "bob"}, onebot::Text{" hi"}}), settings());
  EXPECT_FALSE(w.woken);
  EXPECT_EQ(w.text, "@bob hi");
}

TEST(Wake, NicknameAtStartWithPunctuation) {
  const Wake w = analyse_wake(group_event({onebot::Text{"小P，画一只猫"}}), settings());
  EXPECT_TRUE(w.woken);
  EXPECT_TRUE(w.nickname);
  EXPECT_EQ(w.text, "画一只猫");
  const Wake not_start = analyse_wake(group_event({onebot::Text{"我说小P"}}), settings());
  EXPECT_FALSE(not_start.woken);
}

TEST(Wake, NicknameThenCommand) {
  const Wake w = analyse_wake(group_event({onebot::Text{"小P /ping"}}), settings());
  EXPECT_TRUE(w.is_command);
  EXPECT_EQ(w.command, "ping");
}

TEST(Wake, PrivateChatAlwaysWakes) {
  onebot::MessageEvent e = group_event({onebot::Text{"hello"}});
  e.group_id = 0;
  e.message_type = "private";
  const Wake w = analyse_wake(e, settings());
  EXPECT_TRUE(w.woken);
  EXPECT_FALSE(w.is_command);
}

TEST(Wake, PlainGroupChatterDoesNotWake) {
  EXPECT_FALSE(analyse_wake(group_event({onebot::Text{"just talking"}}), settings()).woken);
  EXPECT_FALSE(analyse_wake(group_event({onebot::Text{"/"}}), settings()).is_command);
}

TEST(Wake, LongestPrefixWins) {
  BotSettings s = BotSettings::from_config({{"command_prefixes", {"/", "//"}}});
  const Wake w = analyse_wake(group_event({onebot::Text{"//ping"}}), s);
  EXPECT_EQ(w.command, "ping");
}

TEST(TrimChatText, HandlesFullWidthSpace) {
  EXPECT_EQ(trim_chat_text("\xE3\x80\x80 abc \xE3\x80\x80"), "abc");
}

}  // namespace
}  // namespace picbot
