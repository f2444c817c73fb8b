#include "bot/onebot/cq_codec.h"

#include <gtest/gtest.h>

namespace picbot::onebot {
namespace {

Message parse_ok(std::string_view text) {
  auto message = parse_cq(text);
  EXPECT_TRUE(message.ok()) << text;
  return message.ok() ? *message : Message{};
}

TEST(CqEscape, EscapesTextAndParams) {
  EXPECT_EQ(cq_escape("a&b[c]d,e", false), "a&amp;b&#91;c&#93;d,e");
  EXPECT_EQ(cq_escape("a&b[c]d,e", true), "a&amp;b&#91;c&#93;d&#44;e");
  EXPECT_EQ(cq_escape("plain", true), "plain");
}

TEST(CqUnescape, UnescapesAmpersandLast) {
  EXPECT_EQ(cq_unescape("a&amp;b&#91;c&#93;d&#44;e"), "a&b[c]d,e");
  // "&amp;#91;" is an escaped "&#91;", not "[".
  EXPECT_EQ(cq_unescape("&amp;#91;"), "&#91;");
  EXPECT_EQ(cq_unescape("&amp;amp;"), "&amp;");
  EXPECT_EQ(cq_unescape("&lt; & &#12; &"), "&lt; & &#12; &");
}

TEST(CqEscape, RoundTripsBothDirections) {
  for (const char* text : {"", "&", "&amp;", "&#91;", "[CQ:at,qq=1]", "a,b=c", "&&[[]],,", "中文 & [表情]"}) {
    EXPECT_EQ(cq_unescape(cq_escape(text, false)), text);
    EXPECT_EQ(cq_unescape(cq_escape(text, true)), text);
  }
  // Escaped text unescapes and escapes back to itself.
  for (const char* escaped : {"&amp;#91;", "x&#91;y&#93;z", "&amp;&amp;"}) {
    EXPECT_EQ(cq_escape(cq_unescape(escaped), false), escaped);
  }
}

TEST(ParseCq, ParsesTextAndCodes) {
  EXPECT_EQ(parse_ok("[CQ:reply,id=99][CQ:at,qq=10001] draw a cat[CQ:face,id=14]"),
            (Message{Reply{"99"}, At{"10001", ""}, Text{" draw a cat"}, Face{"14"}}));
  EXPECT_EQ(parse_ok("[CQ:reply,seq=77]/ping"), (Message{Reply{.seq = 77}, Text{"/ping"}}));
  EXPECT_EQ(parse_ok("just text"), Message{Text{"just text"}});
  EXPECT_TRUE(parse_ok("").empty());
}

TEST(ParseCq, UnescapesAmpersandInUrlParams) {
  // raw_message as NapCat sends it: & in the URL is escaped, as are , in values.
  const std::string raw =
      "[CQ:image,file=ABCD.jpg,sub_type=0,url=https://multimedia.nt.qq.com.cn/"
      "download?appid=1407&amp;fileid=x&amp;rkey=y,file_size=2048,summary=a&#44;b]";
  const Message message = parse_ok(raw);
  ASSERT_EQ(message.size(), 1u);
  const auto& image = std::get<Image>(message[0]);
  EXPECT_EQ(image.file, "ABCD.jpg");
  EXPECT_EQ(image.url, "https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=x&rkey=y");
  EXPECT_EQ(image.summary, "a,b");
  EXPECT_EQ(image.file_size, 2048);
  EXPECT_EQ(image.sub_type, 0);
}

TEST(ParseCq, UnescapesText) { EXPECT_EQ(parse_ok("a &#91;b&#93; &amp;#44;"), Message{Text{"a [b] &#44;"}}); }

TEST(ParseCq, KeepsUnknownCodesRaw) {
  const Message message = parse_ok("[CQ:poke,type=126,id=2003]");
  ASSERT_EQ(message.size(), 1u);
  const auto& unknown = std::get<Unknown>(message[0]);
  EXPECT_EQ(unknown.type, "poke");
  EXPECT_EQ(unknown.data, nlohmann::json({{"type", "126"}, {"id", "2003"}}));
}

TEST(ParseCq, MalformedCodesAreLiteralText) {
  EXPECT_EQ(parse_ok("hi [CQ:at,qq=1"), Message{Text{"hi [CQ:at,qq=1"}});
  EXPECT_EQ(parse_ok("[CQ:"), Message{Text{"[CQ:"}});
  EXPECT_EQ(parse_ok("[CQ:]"), Message{Text{"[CQ:]"}});
  EXPECT_EQ(parse_ok("[CQ:at,noequals] x"), Message{Text{"[CQ:at,noequals] x"}});
  EXPECT_EQ(parse_ok("[CQ:at,=1]"), Message{Text{"[CQ:at,=1]"}});
  EXPECT_EQ(parse_ok("[CQ:bad type,a=1]"), Message{Text{"[CQ:bad type,a=1]"}});
  EXPECT_EQ(parse_ok("[CQ:at,name=x]"), Message{Text{"[CQ:at,name=x]"}}) << "known type without its field";
  // An unterminated code followed by a good one: the good one still parses.
  EXPECT_EQ(parse_ok("a[CQ:at,qq=1 b[CQ:face,id=2]c"),
            (Message{Text{"a[CQ:at,qq=1 b"}, Face{"2"}, Text{"c"}}));
  EXPECT_EQ(parse_ok("[not cq] [CQ"), Message{Text{"[not cq] [CQ"}});
}

TEST(ParseCq, ToleratesEmptyParams) {
  EXPECT_EQ(parse_ok("[CQ:face,id=1,]"), (Message{Face{"1"}}));
  EXPECT_EQ(parse_ok("[CQ:at,qq=1,name=]"), (Message{At{"1", ""}}));
}

TEST(ToCq, WritesEscapedCodes) {
  const Message message{Reply{"5"}, At{"10001", "A,B"}, Text{" see [this] & that"},
                        Image{.file = "x.jpg", .url = "http://h/p?a=1&b=2", .file_size = 10}};
  EXPECT_EQ(to_cq(message),
            "[CQ:reply,id=5][CQ:at,name=A&#44;B,qq=10001] see &#91;this&#93; &amp; that"
            "[CQ:image,file=x.jpg,file_size=10,url=http://h/p?a=1&amp;b=2]");
}

TEST(ToCq, RoundTripsThroughParse) {
  const Message message{
      Text{"a&b [c], d"},
      At{"all", ""},
      Image{.file = "base64://QUJD",
            .url = "https://x/y?p=1&q=[2]",
            .summary = "s,t",
            .sub_type = 1,
            .file_size = 3},
      Record{"r.amr", "", "voice, 1", 9},
      Video{"v.mp4", "http://v", "", std::nullopt},
      File{"f.pdf", "", "f,g.pdf", 1},
      Forward{"fw1"},
      Unknown{"json", {{"data", "{\"a\":[1,2]}"}}},
      Text{"tail &amp;"},
  };
  const std::string cq = to_cq(message);
  EXPECT_EQ(parse_ok(cq), message) << cq;
  EXPECT_EQ(to_cq(parse_ok(cq)), cq);
}

}  // namespace
}  // namespace picbot::onebot
