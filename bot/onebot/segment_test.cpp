#include "bot/onebot/segment.h"

#include <gtest/gtest.h>

namespace picbot::onebot {
namespace {

using nlohmann::json;

Segment parse_ok(const json& j) {
  auto segment = segment_from_json(j);
  EXPECT_TRUE(segment.ok()) << j.dump() << ": " << (segment.ok() ? "" : segment.error().to_string());
  return segment.ok() ? *segment : Segment(Text{"<parse failed>"});
}

// Every canonical segment survives json -> Segment -> json unchanged.
TEST(Segment, CanonicalFormsRoundTrip) {
  const json cases[] = {
      {{"type", "text"}, {"data", {{"text", "hello [world] & more"}}}},
      {{"type", "image"},
       {"data",
        {{"file", "ABCD.jpg"},
         {"url", "https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=x&rkey=y"},
         {"summary", "[动画表情]"},
         {"sub_type", 1},
         {"file_size", 12345}}}},
      {{"type", "at"}, {"data", {{"qq", "123456"}, {"name", "Alice"}}}},
      {{"type", "at"}, {"data", {{"qq", "all"}}}},
      {{"type", "reply"}, {"data", {{"id", "-2147483000"}}}},
      {{"type", "face"}, {"data", {{"id", "14"}}}},
      {{"type", "record"}, {"data", {{"file", "a.amr"}, {"url", "http://x/a"}, {"file_size", 10}}}},
      {{"type", "video"}, {"data", {{"file", "v.mp4"}, {"name", "v.mp4"}, {"file_size", 2048}}}},
      {{"type", "file"}, {"data", {{"file", "doc.pdf"}, {"name", "doc.pdf"}}}},
      {{"type", "forward"}, {"data", {{"id", "7391245"}}}},
      {{"type", "json"}, {"data", {{"data", "{\"app\":\"com.tencent.miniapp\"}"}}}},
      {{"type", "poke"}, {"data", {{"type", "126"}, {"id", "2003"}}}},
  };
  for (const json& j : cases) {
    EXPECT_EQ(segment_to_json(parse_ok(j)), j) << j.dump();
  }
}

// NapCat's OB11MessageReplySchema (packages/napcat-onebot/types/message.ts)
// makes id and seq optional: a seq-only reply used to drop the whole message.
TEST(Segment, AReplyMayNameItsQuoteBySeqOnly) {
  EXPECT_EQ(parse_ok({{"type", "reply"}, {"data", {{"seq", 77}}}}), Segment(Reply{.seq = 77}));
  EXPECT_EQ(parse_ok({{"type", "reply"}, {"data", {{"seq", "77"}}}}), Segment(Reply{.seq = 77}));
  EXPECT_EQ(parse_ok({{"type", "reply"}, {"data", {{"id", "5"}, {"seq", 77}}}}),
            Segment(Reply{.id = "5", .seq = 77}));
  EXPECT_EQ(segment_to_json(Reply{.seq = 77}), (json{{"type", "reply"}, {"data", {{"seq", 77}}}}));
  EXPECT_EQ(segment_to_json(Reply{.id = "5"}), (json{{"type", "reply"}, {"data", {{"id", "5"}}}}));
}

TEST(Segment, ParsesTypedFields) {
  EXPECT_EQ(parse_ok({{"type", "text"}, {"data", {{"text", "hi"}}}}), Segment(Text{"hi"}));
  EXPECT_EQ(parse_ok({{"type", "at"}, {"data", {{"qq", "10001"}}}}), Segment(At{"10001", ""}));
  EXPECT_EQ(parse_ok({{"type", "reply"}, {"data", {{"id", "5"}}}}), Segment(Reply{"5"}));
  EXPECT_EQ(parse_ok({{"type", "face"}, {"data", {{"id", "14"}}}}), Segment(Face{"14"}));
  EXPECT_EQ(parse_ok({{"type", "forward"}, {"data", {{"id", "f1"}}}}), Segment(Forward{"f1"}));
  EXPECT_EQ(parse_ok({{"type", "record"}, {"data", {{"file", "a"}, {"url", "u"}, {"name", "n"}}}}),
            Segment(Record{"a", "u", "n", std::nullopt}));
  EXPECT_EQ(parse_ok({{"type", "video"}, {"data", {{"file", "v"}, {"file_size", "77"}}}}),
            Segment(Video{"v", "", "", 77}));
  EXPECT_EQ(parse_ok({{"type", "file"}, {"data", {{"file", "f"}, {"file_size", 5}}}}),
            Segment(File{"f", "", "", 5}));
}

TEST(Segment, ImageAcceptsNumbersOrStrings) {
  const Segment from_numbers =
      parse_ok({{"type", "image"}, {"data", {{"file", "a.jpg"}, {"sub_type", 1}, {"file_size", 4096}}}});
  const Segment from_strings =
      parse_ok({{"type", "image"}, {"data", {{"file", "a.jpg"}, {"sub_type", "1"}, {"file_size", "4096"}}}});
  const Image expected{.file = "a.jpg", .sub_type = 1, .file_size = 4096};
  EXPECT_EQ(from_numbers, Segment(expected));
  EXPECT_EQ(from_strings, Segment(expected));
  // Written back, NapCat's numeric fields are numbers.
  const json out = segment_to_json(from_strings);
  EXPECT_TRUE(out["data"]["sub_type"].is_number());
  EXPECT_TRUE(out["data"]["file_size"].is_number());

  const Segment no_size =
      parse_ok({{"type", "image"}, {"data", {{"file", "b.jpg"}, {"file_size", "unknown"}}}});
  EXPECT_FALSE(std::get<Image>(no_size).file_size.has_value());
}

TEST(Segment, NumericValuesBecomeStrings) {
  EXPECT_EQ(parse_ok({{"type", "at"}, {"data", {{"qq", 123456}}}}), Segment(At{"123456", ""}));
  EXPECT_EQ(parse_ok({{"type", "reply"}, {"data", {{"id", -42}}}}), Segment(Reply{"-42"}));
  EXPECT_EQ(parse_ok({{"type", "face"}, {"data", {{"id", 14}}}}), Segment(Face{"14"}));
  EXPECT_EQ(segment_to_json(Face{"14"})["data"]["id"], "14");
}

TEST(Segment, UnknownTypesAreKeptRaw) {
  const json poke = {{"type", "poke"}, {"data", {{"type", 126}, {"nested", {{"a", json::array({1, 2})}}}}}};
  const Segment segment = parse_ok(poke);
  const auto* unknown = std::get_if<Unknown>(&segment);
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->type, "poke");
  EXPECT_EQ(unknown->data, poke["data"]);
  EXPECT_EQ(segment_type(segment), "poke");
  EXPECT_EQ(segment_to_json(segment), poke);

  const Segment no_data = parse_ok({{"type", "shake"}});
  EXPECT_EQ(segment_to_json(no_data), json({{"type", "shake"}, {"data", json::object()}}));
}

TEST(Segment, TypeNames) {
  EXPECT_EQ(segment_type(Text{}), "text");
  EXPECT_EQ(segment_type(Image{}), "image");
  EXPECT_EQ(segment_type(At{}), "at");
  EXPECT_EQ(segment_type(Reply{}), "reply");
  EXPECT_EQ(segment_type(Face{}), "face");
  EXPECT_EQ(segment_type(Record{}), "record");
  EXPECT_EQ(segment_type(Video{}), "video");
  EXPECT_EQ(segment_type(File{}), "file");
  EXPECT_EQ(segment_type(Forward{}), "forward");
  EXPECT_EQ(segment_type(Unknown{"xml", {}}), "xml");
}

TEST(Segment, OmitsEmptyOptionalFields) {
  EXPECT_EQ(segment_to_json(Image{.file = "base64://AAAA"}),
            json({{"type", "image"}, {"data", {{"file", "base64://AAAA"}}}}));
  EXPECT_EQ(segment_to_json(At{"all", ""}), json({{"type", "at"}, {"data", {{"qq", "all"}}}}));
}

TEST(Segment, RvalueSerialisationMovesContent) {
  Segment segment = Image{.file = "base64://" + std::string(1000, 'A')};
  const json out = segment_to_json(std::move(segment));
  EXPECT_EQ(out["data"]["file"].get_ref<const std::string&>().size(), 1009u);
}

TEST(Segment, RejectsMalformedSegments) {
  const std::pair<json, std::string> cases[] = {
      {json::array({1}), "not an object"},
      {json("text"), "not an object"},
      {{{"data", {{"text", "x"}}}}, "without a string type"},
      {{{"type", 5}, {"data", {{"text", "x"}}}}, "without a string type"},
      {{{"type", "text"}, {"data", "x"}}, "data is not an object"},
      {{{"type", "text"}, {"data", json::object()}}, "text segment without text"},
      {{{"type", "at"}, {"data", {{"name", "x"}}}}, "at segment without qq"},
      {{{"type", "reply"}, {"data", json::object()}}, "reply segment without id or seq"},
      {{{"type", "face"}}, "face segment without id"},
      {{{"type", "forward"}, {"data", {{"id", ""}}}}, "forward segment without id"},
  };
  for (const auto& [j, message] : cases) {
    auto segment = segment_from_json(j);
    ASSERT_FALSE(segment.ok()) << j.dump();
    EXPECT_EQ(segment.error().code, "bad_segment");
    EXPECT_NE(segment.error().message.find(message), std::string::npos) << segment.error().message;
  }
}

TEST(Segment, EmptyTextIsValid) {
  EXPECT_EQ(parse_ok({{"type", "text"}, {"data", {{"text", ""}}}}), Segment(Text{""}));
}

}  // namespace
}  // namespace picbot::onebot
