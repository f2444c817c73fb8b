#include "bot/onebot/message.h"

#include <gtest/gtest.h>

#include "bot/onebot/base64.h"

namespace picbot::onebot {
namespace {

using nlohmann::json;

TEST(ParseMessage, AcceptsSegmentArray) {
  const json array = json::parse(R"([
    {"type":"reply","data":{"id":"99"}},
    {"type":"at","data":{"qq":"10001"}},
    {"type":"text","data":{"text":" draw a cat"}}
  ])");
  auto message = parse_message(array);
  ASSERT_TRUE(message.ok()) << message.error().to_string();
  EXPECT_EQ(*message, (Message{Reply{"99"}, At{"10001", ""}, Text{" draw a cat"}}));
  EXPECT_EQ(message_to_json(*message), array);
}

TEST(ParseMessage, AcceptsCqString) {
  auto message = parse_message(json("[CQ:at,qq=10001] draw &amp; paint"));
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(*message, (Message{At{"10001", ""}, Text{" draw & paint"}}));
}

TEST(ParseMessage, AcceptsSingleSegmentObject) {
  auto message = parse_message(json::parse(R"({"type":"face","data":{"id":"14"}})"));
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(*message, Message{Face{"14"}});
}

TEST(ParseMessage, RvalueOverloadGivesTheSameResult) {
  json array =
      json::parse(R"([{"type":"text","data":{"text":"x"}},{"type":"image","data":{"file":"a.jpg"}}])");
  auto copied = parse_message(array);
  auto moved = parse_message(std::move(array));
  ASSERT_TRUE(copied.ok() && moved.ok());
  EXPECT_EQ(*copied, *moved);
}

TEST(ParseMessage, EmptyArrayIsAnEmptyMessage) {
  auto message = parse_message(json::array());
  ASSERT_TRUE(message.ok());
  EXPECT_TRUE(message->empty());
}

TEST(ParseMessage, RejectsOtherTypesAndNamesTheBadSegment) {
  for (const json& bad : {json(5), json(nullptr), json(true)}) {
    auto message = parse_message(bad);
    ASSERT_FALSE(message.ok()) << bad.dump();
    EXPECT_EQ(message.error().code, "bad_message");
  }
  auto message =
      parse_message(json::parse(R"([{"type":"text","data":{"text":"a"}},{"type":"at","data":{}}])"));
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().message, "segment 1: at segment without qq");
}

TEST(PlainText, ConcatenatesTextSegmentsOnly) {
  const Message message{Text{"draw "}, At{"1", ""}, Text{"a cat"}, Image{.file = "x.jpg"}};
  EXPECT_EQ(plain_text(message), "draw a cat");
  EXPECT_EQ(plain_text({}), "");
}

TEST(MessageBuilder, BuildsSegmentsInOrder) {
  MessageBuilder builder;
  const Message message =
      builder.reply(123).at(10001).at("all").face(14).text("done").image_file("file:///tmp/a.png").build();
  EXPECT_EQ(message, (Message{Reply{"123"}, At{"10001", ""}, At{"all", ""}, Face{"14"}, Text{"done"},
                              Image{.file = "file:///tmp/a.png"}}));
  EXPECT_TRUE(builder.build().empty()) << "build() leaves the builder empty";
}

TEST(MessageBuilder, ImageFileKeepsPathOrUrlAsGiven) {
  for (const char* file : {"http://example.com/a.png", "/data/out/a.png", "file:///data/out/a.png"}) {
    const Message message = MessageBuilder().image_file(file).build();
    EXPECT_EQ(std::get<Image>(message.at(0)).file, file);
  }
}

TEST(MessageBuilder, ImageBase64EncodesOnce) {
  const std::string png("\x89PNG\r\n\x1a\n\0\0", 10);
  const Message message = MessageBuilder().image_base64(png).build();
  const std::string& file = std::get<Image>(message.at(0)).file;
  ASSERT_TRUE(file.starts_with("base64://"));
  auto decoded = base64_decode(std::string_view(file).substr(9));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, png);
  EXPECT_EQ(message_to_json(message), json::parse(R"([{"type":"image","data":{"file":")" + file + R"("}}])"));
}

TEST(MessageBuilder, AcceptsAnySegment) {
  const Message message = MessageBuilder().segment(Unknown{"poke", {{"id", "1"}}}).build();
  EXPECT_EQ(message_to_json(message), json::parse(R"([{"type":"poke","data":{"id":"1"}}])"));
}

TEST(MessageToJson, RvalueOverloadMatchesCopy) {
  Message message = MessageBuilder().text("a").image_base64("abc").build();
  const json copied = message_to_json(message);
  EXPECT_EQ(message_to_json(std::move(message)), copied);
}

TEST(AppendMessageJson, ParsesToMessageToJson) {
  const Message message = MessageBuilder()
                              .reply(77)
                              .at(10001)
                              .text(" quote \" backslash \\ newline \n tab \t bell \x07 中文 ✓")
                              .segment(At{"all", "everyone"})
                              .image_file("https://x/y.png")
                              .segment(Image{.file = "a\"b.png", .url = "https://x/z", .summary = "[图片]",
                                             .sub_type = 1, .file_size = 1234})
                              .image_base64(std::string(3000, '\x7f'))
                              .segment(Unknown{"poke", {{"type", "1"}, {"id", "2"}}})
                              .build();
  std::string out = "prefix:";
  append_message_json(message, out);
  ASSERT_TRUE(out.starts_with("prefix:"));
  EXPECT_EQ(nlohmann::json::parse(out.substr(7)), message_to_json(message));
  std::string empty;
  append_message_json(Message{}, empty);
  EXPECT_EQ(empty, "[]");
}

TEST(AppendJsonString, ReplacesInvalidUtf8) {
  std::string out;
  append_json_string("a\xff\xc3(b\xe4\xb8\xad", out);
  EXPECT_EQ(nlohmann::json::parse(out), "a\xef\xbf\xbd\xef\xbf\xbd(b\xe4\xb8\xad");
}

}  // namespace
}  // namespace picbot::onebot
