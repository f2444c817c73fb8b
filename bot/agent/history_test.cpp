#include "bot/agent/history.h"

#include <gtest/gtest.h>

#include "bot/core/utf8.h"

namespace picbot::agent {
namespace {

TEST(HistoryTest, InlineImagesBecomePlaceholders) {
  EXPECT_EQ(strip_inline_images("look data:image/png;base64,iVBORw0KGgo+/== here"), "look [图片] here");
  EXPECT_EQ(strip_inline_images("base64://AAAABBBB=="), "[图片]");
  EXPECT_EQ(strip_inline_images("DATA:image/jpeg;charset=x;BASE64,abc"), "[图片]");
  EXPECT_EQ(strip_inline_images("no images, data: is fine; base64 too"),
            "no images, data: is fine; base64 too");
  const std::string huge = "x data:image/png;base64," + std::string(5 * 1024 * 1024, 'A') + " y";
  EXPECT_EQ(strip_inline_images(huge), "x [图片] y");
}

TEST(HistoryTest, UserTurnHasNameAndImagePlaceholder) {
  onebot::MessageEvent event;
  event.user_id = 42;
  event.group_id = 777;
  event.sender.nickname = "阿橘";
  event.message = {onebot::Text{"看这张"}, onebot::Image{.file = "base64://QUJD"}};
  Wake wake;
  wake.text = "看这张";
  EXPECT_EQ(user_turn_text(event, wake), "阿橘: 看这张 [图片]");
  event.sender.card = "群名片";
  EXPECT_EQ(user_turn_text(event, wake), "群名片: 看这张 [图片]");
  event.group_id = 0;
  EXPECT_EQ(user_turn_text(event, wake), "看这张 [图片]");
  event.message.clear();
  wake.text.clear();
  EXPECT_EQ(user_turn_text(event, wake), "");
}

std::vector<Turn> conversation(int pairs, std::size_t chars_each) {
  std::vector<Turn> turns;
  for (int i = 0; i < pairs; ++i) {
    turns.push_back({"user", std::to_string(i) + std::string(chars_each - 1, 'u')});
    turns.push_back({"assistant", std::to_string(i) + std::string(chars_each - 1, 'a')});
  }
  return turns;
}

TEST(HistoryTest, TrimsByTurns) {
  const auto kept = trim_history(conversation(10, 5), {3, 100000});
  ASSERT_EQ(kept.size(), 6u);
  EXPECT_EQ(kept.front().role, "user");
  EXPECT_EQ(kept.front().content[0], '7');
  EXPECT_EQ(kept.back().content[0], '9');
}

TEST(HistoryTest, TrimsByCharsAndStartsWithUser) {
  // 10 chars each: 35 chars keep the last 3 messages, then the leading
  // assistant message goes too.
  const auto kept = trim_history(conversation(5, 10), {20, 35});
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0], (Turn{"user", "4uuuuuuuuu"}));
  EXPECT_EQ(kept[1].role, "assistant");
  // Code points, not bytes.
  EXPECT_EQ(trim_history({{"user", "一二三"}, {"assistant", "四五"}}, {20, 5}).size(), 2u);
  EXPECT_TRUE(trim_history(conversation(2, 10), {20, 5}).empty());
}

TEST(HistoryTest, SplitsLongReplies) {
  EXPECT_TRUE(split_reply("").empty());
  EXPECT_EQ(split_reply("short"), std::vector<std::string>{"short"});
  std::string text;
  for (int i = 0; i < 100; ++i) text += std::string(39, 'x') + "\n";  // 4000 chars in lines
  const auto pieces = split_reply(text, 1500);
  ASSERT_EQ(pieces.size(), 3u);
  std::size_t total = 0;
  for (const auto& piece : pieces) {
    EXPECT_LE(count_code_points(piece), 1500u);
    EXPECT_EQ(piece.back(), 'x') << "cut at a newline";
    total += piece.size();
  }
  EXPECT_EQ(total, 4000u - 3);
  const auto chinese = split_reply(std::string(3000 * 3 / 3, 'a') + "中文中文", 1000);
  EXPECT_EQ(chinese.size(), 4u);
  EXPECT_EQ(chinese.back(), "中文中文");
}

}  // namespace
}  // namespace picbot::agent
