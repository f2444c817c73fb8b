#include "bot/onebot/event.h"

#include <gtest/gtest.h>

#include "bot/core/json_limits.h"
#include "bot/onebot/cq_codec.h"

namespace picbot::onebot {
namespace {

using nlohmann::json;

Event event_ok(std::string_view text) {
  auto frame = parse_frame(text);
  EXPECT_TRUE(frame.ok()) << text << "\n" << (frame.ok() ? "" : frame.error().to_string());
  if (!frame.ok() || !std::holds_alternative<Event>(*frame)) return NoticeEvent{};
  return std::get<Event>(*frame);
}

Error frame_error(std::string_view text) {
  auto frame = parse_frame(text);
  EXPECT_FALSE(frame.ok()) << text;
  return frame.ok() ? Error{} : frame.error();
}

constexpr std::string_view kGroupMessage = R"({
  "self_id": 3000, "user_id": 10001, "time": 1718000000, "message_id": -2147480001,
  "message_seq": 55, "real_id": 55, "real_seq": "812", "message_type": "group",
  "sender": {"user_id": 10001, "nickname": "Alice", "card": "Al", "role": "admin"},
  "raw_message": "[CQ:reply,id=77][CQ:at,qq=3000] draw [CQ:image,file=A.jpg,sub_type=0,url=https://m.qq.com/d?appid=1407&amp;rkey=z,file_size=100]",
  "font": 14, "sub_type": "normal",
  "message": [
    {"type": "reply", "data": {"id": "77"}},
    {"type": "at", "data": {"qq": "3000"}},
    {"type": "text", "data": {"text": " draw "}},
    {"type": "image", "data": {"file": "A.jpg", "sub_type": 0, "url": "https://m.qq.com/d?appid=1407&rkey=z", "file_size": "100"}}
  ],
  "message_format": "array", "post_type": "message", "group_id": 20002, "group_name": "Artists"
})";

TEST(ParseFrame, GroupMessageEvent) {
  const Event event = event_ok(kGroupMessage);
  const auto* message = std::get_if<MessageEvent>(&event);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->time, 1718000000);
  EXPECT_EQ(message->self_id, 3000);
  EXPECT_EQ(message->message_id, -2147480001);
  EXPECT_EQ(message->user_id, 10001);
  EXPECT_EQ(message->group_id, 20002);
  EXPECT_TRUE(message->is_group());
  EXPECT_FALSE(message->self_sent);
  EXPECT_EQ(message->message_type, "group");
  EXPECT_EQ(message->sub_type, "normal");
  EXPECT_EQ(message->group_name, "Artists");
  EXPECT_EQ(message->sender.nickname, "Alice");
  EXPECT_EQ(message->sender.card, "Al");
  EXPECT_EQ(message->sender.role, "admin");
  EXPECT_EQ(message->sender.user_id, 10001);
  ASSERT_EQ(message->message.size(), 4u);
  EXPECT_EQ(message->message[0], Segment(Reply{"77"}));
  const auto& image = std::get<Image>(message->message[3]);
  EXPECT_EQ(image.url, "https://m.qq.com/d?appid=1407&rkey=z");
  EXPECT_EQ(image.file_size, 100);
  EXPECT_EQ(plain_text(message->message), " draw ");
  EXPECT_NE(message->raw_message.find("&amp;rkey"), std::string::npos) << "raw_message is kept escaped";
}

TEST(ParseFrame, RawMessageParsesToTheSameSegments) {
  const auto message = std::get<MessageEvent>(event_ok(kGroupMessage));
  auto from_raw = parse_cq(message.raw_message);
  ASSERT_TRUE(from_raw.ok());
  EXPECT_EQ(*from_raw, message.message);
}

TEST(ParseFrame, PrivateMessageWithStringIdsAndCqMessage) {
  const Event event = event_ok(R"({"post_type":"message","message_type":"private","sub_type":"friend",
    "time":"1718000000","self_id":"3000","user_id":"10001","message_id":"42",
    "message":"hello [CQ:face,id=14] &#91;x&#93;","raw_message":"hello [CQ:face,id=14] &#91;x&#93;",
    "sender":{"user_id":"10001","nickname":"Bob"}})");
  const auto& message = std::get<MessageEvent>(event);
  EXPECT_FALSE(message.is_group());
  EXPECT_EQ(message.group_id, 0);
  EXPECT_EQ(message.time, 1718000000);
  EXPECT_EQ(message.self_id, 3000);
  EXPECT_EQ(message.user_id, 10001);
  EXPECT_EQ(message.message_id, 42);
  EXPECT_EQ(message.sender.user_id, 10001);
  EXPECT_EQ(message.message, (Message{Text{"hello "}, Face{"14"}, Text{" [x]"}}));
}

// NapCat's handleTempGroupMessage (packages/napcat-onebot/api/msg.ts): a temp
// chat started from a group is message_type "private", sub_type "group", with
// the group's group_id and temp_source 0.
TEST(ParseFrame, ATempChatFromAGroupIsPrivateAndRemembersItsGroup) {
  const Event event = event_ok(R"({"self_id":3000,"user_id":10001,"time":1718000000,"message_id":42,
    "message_seq":42,"real_id":42,"real_seq":"77","message_type":"private",
    "sender":{"user_id":10001,"nickname":"临时会话","card":""},"raw_message":"/ping","font":14,
    "sub_type":"group","message":[{"type":"text","data":{"text":"/ping"}}],"message_format":"array",
    "post_type":"message","group_id":20002,"temp_source":0})");
  const auto& message = std::get<MessageEvent>(event);
  EXPECT_FALSE(message.is_group());
  EXPECT_EQ(message.group_id, 0);
  EXPECT_EQ(message.temp_group_id, 20002);
  EXPECT_EQ(message.sub_type, "group");

  const Event group = event_ok(R"({"post_type":"message","message_type":"group","sub_type":"normal",
    "user_id":10001,"group_id":20002,"message":"hi"})");
  EXPECT_EQ(std::get<MessageEvent>(group).group_id, 20002);
  EXPECT_EQ(std::get<MessageEvent>(group).temp_group_id, 0);
}

TEST(ParseFrame, MessageSentIsSelfSent) {
  const Event event = event_ok(R"({"post_type":"message_sent","message_type":"group","sub_type":"normal",
    "time":1,"self_id":3000,"user_id":3000,"group_id":20002,"message_id":7,
    "message":[{"type":"text","data":{"text":"done"}}],"raw_message":"done"})");
  const auto& message = std::get<MessageEvent>(event);
  EXPECT_TRUE(message.self_sent);
  EXPECT_EQ(message.user_id, 3000);
  EXPECT_EQ(message.sender.user_id, 3000) << "sender defaults to user_id when absent";
  EXPECT_EQ(plain_text(message.message), "done");
}

TEST(ParseFrame, MetaLifecycleAndHeartbeat) {
  const auto lifecycle = std::get<MetaEvent>(event_ok(
      R"({"time":1718000000,"self_id":3000,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"})"));
  EXPECT_EQ(lifecycle.meta_event_type, "lifecycle");
  EXPECT_EQ(lifecycle.sub_type, "connect");
  EXPECT_EQ(lifecycle.self_id, 3000);
  EXPECT_EQ(lifecycle.interval_ms, 0);
  EXPECT_TRUE(lifecycle.status.is_null());

  const auto heartbeat = std::get<MetaEvent>(event_ok(
      R"({"time":1718000030,"self_id":3000,"post_type":"meta_event","meta_event_type":"heartbeat","status":{"online":true,"good":true},"interval":30000})"));
  EXPECT_EQ(heartbeat.meta_event_type, "heartbeat");
  EXPECT_EQ(heartbeat.interval_ms, 30000);
  EXPECT_EQ(heartbeat.status, json({{"online", true}, {"good", true}}));
}

TEST(ParseFrame, NoticeAndRequestKeepRawObject) {
  const auto notice = std::get<NoticeEvent>(event_ok(
      R"({"time":1,"self_id":3000,"post_type":"notice","notice_type":"notify","sub_type":"poke","group_id":20002,"user_id":10001,"target_id":3000})"));
  EXPECT_EQ(notice.notice_type, "notify");
  EXPECT_EQ(notice.sub_type, "poke");
  EXPECT_EQ(notice.raw["target_id"], 3000);
  EXPECT_EQ(notice.raw["post_type"], "notice");

  const auto request = std::get<RequestEvent>(event_ok(
      R"({"time":1,"self_id":3000,"post_type":"request","request_type":"friend","user_id":10001,"comment":"hi","flag":"f1"})"));
  EXPECT_EQ(request.request_type, "friend");
  EXPECT_EQ(request.raw["flag"], "f1");
}

TEST(ParseFrame, ApiResponses) {
  auto ok = parse_frame(
      R"({"status":"ok","retcode":0,"data":{"message_id":123},"message":"","wording":"","echo":"req-1","stream":"normal-action"})");
  ASSERT_TRUE(ok.ok());
  const auto& response = std::get<ApiResponse>(*ok);
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.data["message_id"], 123);
  EXPECT_EQ(response.echo, "req-1");
  EXPECT_EQ(response.stream, "normal-action");

  auto failed = parse_frame(
      R"({"status":"failed","retcode":1200,"data":null,"message":"消息不存在","wording":"消息不存在","echo":{"id":7}})");
  ASSERT_TRUE(failed.ok());
  const auto& failure = std::get<ApiResponse>(*failed);
  EXPECT_FALSE(failure.ok());
  EXPECT_EQ(failure.retcode, 1200);
  EXPECT_EQ(failure.message, "消息不存在");
  EXPECT_EQ(failure.echo, json({{"id", 7}}));
  EXPECT_TRUE(failure.stream.empty());

  // A stream chunk, and a bad-token answer that carries no echo at all.
  auto chunk = parse_frame(
      R"({"status":"ok","retcode":0,"data":{"type":"stream","status":"chunk_received","received_chunks":1,"total_chunks":3},"echo":9,"stream":"stream-action"})");
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(std::get<ApiResponse>(*chunk).stream, "stream-action");
  EXPECT_EQ(std::get<ApiResponse>(*chunk).data["received_chunks"], 1);
  auto bad_token = parse_frame(R"({"status":"failed","retcode":"1403","message":"token验证失败"})");
  ASSERT_TRUE(bad_token.ok());
  EXPECT_EQ(std::get<ApiResponse>(*bad_token).retcode, 1403);
  EXPECT_TRUE(std::get<ApiResponse>(*bad_token).echo.is_null());
}

TEST(ParseFrame, MalformedFramesGetSpecificErrors) {
  const std::pair<std::string_view, std::string> cases[] = {
      {"", "not JSON: "},
      {"{\"post_type\":", "not JSON: "},
      {"hello", "not JSON: "},
      {"[1,2]", "frame is not a JSON object but array"},
      {"42", "frame is not a JSON object but number"},
      {"{}", "frame has neither post_type nor echo/retcode"},
      {R"({"post_type":"mystery"})", "unknown post_type 'mystery'"},
      {R"({"post_type":5})", "event without post_type"},
      {R"({"post_type":"message","message_type":"group","group_id":1,"message":[]})",
       "message event without user_id"},
      {R"({"post_type":"message","message_type":"private","user_id":"abc","message":[]})",
       "message event without user_id"},
      {R"({"post_type":"message","user_id":1,"message":[]})", "message event without message_type"},
      {R"({"post_type":"message","message_type":"group","user_id":1,"message":[]})",
       "group message event without group_id"},
      {R"({"post_type":"message","message_type":"private","user_id":1})", "message event without message"},
      {R"({"post_type":"message","message_type":"private","user_id":1,"message":[{"type":"reply","data":{}}]})",
       "message event: segment 0: reply segment without id"},
      {R"({"post_type":"message","message_type":"private","user_id":1,"message":42})",
       "message event: message is not an array, string or object but number"},
      {R"({"post_type":"notice"})", "notice event without notice_type"},
      {R"({"post_type":"request"})", "request event without request_type"},
      {R"({"post_type":"meta_event"})", "meta_event without meta_event_type"},
  };
  for (const auto& [text, expected] : cases) {
    const Error error = frame_error(text);
    EXPECT_TRUE(error.message.starts_with(expected)) << text << "\n  got: " << error.message;
  }
  EXPECT_EQ(frame_error("nope").code, "bad_frame");
  EXPECT_EQ(frame_error(R"({"post_type":"mystery"})").code, "bad_event");
}

// Issue 15, defect 1: a frame nested 100,000 deep (in a text field, the sender
// or an answer's echo) crashed picbot by recursion; it is refused while parsing.
TEST(ParseFrame, RefusesFramesNestedDeeperThanTheLimit) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string frames[] = {
      R"({"post_type":"message","message_type":"private","user_id":1,"message":[{"type":"text","data":{"text":)" +
          deep + "}}]}",
      R"({"post_type":"message","message_type":"private","user_id":1,"message":[],"sender":{"nickname":)" +
          deep + "}}",
      R"({"status":"ok","retcode":0,"data":null,"echo":)" + deep + "}",
      // Broken after the nesting: refused as too deep, not re-parsed unbounded.
      R"({"status":"ok","retcode":0,"echo":)" + std::string(100'000, '['),
      // Deep objects, and exactly one level past the limit.
      R"({"post_type":"notice","notice_type":"x","raw":)" +
          [] {
            std::string text;
            for (int i = 0; i < 100'000; ++i) text += R"({"a":)";
            return text + "1" + std::string(100'000, '}');
          }() +
          "}",
      R"({"status":"ok","retcode":0,"echo":)" + std::string(kMaxJsonDepth, '[') +
          std::string(kMaxJsonDepth, ']') + "}",
  };
  for (const auto& frame : frames) {
    const Error error = frame_error(frame);
    EXPECT_EQ(error.code, "bad_frame") << frame.substr(0, 80);
    EXPECT_EQ(error.message, "not JSON: nested deeper than 64 levels") << frame.substr(0, 80);
  }
  // One level less is a frame.
  const std::string at_limit = R"({"status":"ok","retcode":0,"echo":)" + std::string(kMaxJsonDepth - 1, '[') +
                               std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_TRUE(parse_frame(at_limit).ok());
}

TEST(ParseEvent, RejectsNonObjectsAndAcceptsConstInput) {
  auto not_object = parse_event(json::array());
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().message, "event is not an object but array");

  const json heartbeat = {
      {"post_type", "meta_event"}, {"meta_event_type", "heartbeat"}, {"interval", "5000"}};
  auto event = parse_event(heartbeat);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(std::get<MetaEvent>(*event).interval_ms, 5000);
  EXPECT_EQ(heartbeat["meta_event_type"], "heartbeat") << "const overload leaves its input alone";
}

TEST(ParseFrame, LongUnknownPostTypeIsCut) {
  const std::string frame = R"({"post_type":")" + std::string(1000, 'x') + R"("})";
  EXPECT_LT(frame_error(frame).message.size(), 100u);
}

TEST(ParseFrame, KeepsUnknownSegmentsAndNumberKinds) {
  // 50 levels inside the segment's data: the frame nests 54 deep, under kMaxJsonDepth.
  std::string deep = "1";
  for (int i = 0; i < 50; ++i) deep = "[" + deep + "]";
  const std::string frame =
      R"({"post_type":"message","message_type":"private","user_id":"10001","self_id":3000,"message":[)"
      R"({"type":"poke","data":{"type":"1","id":2,"big":18446744073709551615,"f":1.5,"nested":)" +
      deep + R"(}},{"type":"text","data":{"text":"hi"}}]})";
  const auto message = std::get<MessageEvent>(event_ok(frame));
  ASSERT_EQ(message.message.size(), 2u);
  const json expected_data = json::parse(frame)["message"][0]["data"];
  EXPECT_EQ(message.message[0], Segment(Unknown{"poke", expected_data}));
  EXPECT_EQ(message.message[1], Segment(Text{"hi"}));
  EXPECT_EQ(message.user_id, 10001);

  // The hub matches echo with is_number_unsigned(), as nlohmann parses it.
  auto response = parse_frame(R"({"status":"ok","retcode":0,"data":{"message_id":-5},"echo":12})");
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(std::get<ApiResponse>(*response).echo.is_number_unsigned());
  EXPECT_EQ(std::get<ApiResponse>(*response).data, json::parse(R"({"message_id":-5})"));
}

// parse_frame reads frames up to 32 KB with simdjson and falls back to
// Boost.JSON for what simdjson refuses or cannot hold; these pin down that both
// paths give the same answers.
TEST(ParseFrame, TheLastOfARepeatedKeyWinsAsWithEveryOtherParser) {
  const auto message = std::get<MessageEvent>(event_ok(
      R"({"post_type":"message","message_type":"private","user_id":1,"user_id":2,"message":"a","message":"b"})"));
  EXPECT_EQ(message.user_id, 2);
  EXPECT_EQ(message.message, Message{Text{"b"}});
}

TEST(ParseFrame, AFrameBrokenAfterTheFieldsDispatchReadsIsStillRefused) {
  const std::string event(kGroupMessage);
  const std::string frames[] = {
      event + " x",                                            // trailing garbage
      event.substr(0, event.size() - 1) + R"(,"extra":[1,})",  // broken in a field nobody reads
      event.substr(0, event.size() - 1) + R"(,"extra":"\x"})",
      std::string(R"({"status":"ok","retcode":0,"echo":"e","data":{"a":1},"x":[tru]})"),
  };
  for (const auto& frame : frames) {
    const Error error = frame_error(frame);
    EXPECT_EQ(error.code, "bad_frame") << frame;
    EXPECT_TRUE(error.message.starts_with("not JSON: ")) << error.message;
  }
}

TEST(ParseFrame, NumbersSimdjsonCannotHoldStillParse) {
  // Boost.JSON and nlohmann keep these as doubles; simdjson refuses them.
  const std::string frame =
      R"({"post_type":"message","message_type":"private","user_id":7,"font":123456789012345678901234567890,)"
      R"("x":1e400,"message":[{"type":"text","data":{"text":"hi"}}]})";
  const auto message = std::get<MessageEvent>(event_ok(frame));
  EXPECT_EQ(message.user_id, 7);
  EXPECT_EQ(message.message, Message{Text{"hi"}});
}

TEST(ParseFrame, DepthLimitIsTheSameOnEitherSideOfThe32KBThreshold) {
  for (const std::size_t pad : {std::size_t{0}, std::size_t{40'000}}) {
    const std::string padding(pad, ' ');
    const auto frame_at = [&](std::size_t depth) {
      // The frame object is one level; the echo adds depth - 1.
      return R"({"status":"ok","retcode":0,"echo":)" + std::string(depth - 1, '[') +
             std::string(depth - 1, ']') + padding + "}";
    };
    EXPECT_TRUE(parse_frame(frame_at(kMaxJsonDepth)).ok()) << pad;
    EXPECT_EQ(frame_error(frame_at(kMaxJsonDepth + 1)).message, "not JSON: nested deeper than 64 levels")
        << pad;
  }
}

TEST(ParseFrame, ALargeFrameGivesTheSameEventAsASmallOne) {
  const std::string event(kGroupMessage);
  const std::string large =
      event.substr(0, event.size() - 1) + R"(,"pad":")" + std::string(40'000, 'p') + "\"}";
  const auto small_event = std::get<MessageEvent>(event_ok(event));
  const auto large_event = std::get<MessageEvent>(event_ok(large));
  EXPECT_EQ(small_event.message, large_event.message);
  EXPECT_EQ(small_event.raw_message, large_event.raw_message);
  EXPECT_EQ(small_event.message_id, large_event.message_id);
  EXPECT_EQ(small_event.sender.card, large_event.sender.card);
  EXPECT_EQ(small_event.group_name, large_event.group_name);

  const std::string response = R"({"status":"ok","retcode":0,"data":{"message_id":-5,"s":"x"},"echo":"e"})";
  const std::string large_response =
      R"({"status":"ok","retcode":0,"data":{"message_id":-5,"s":"x"},"echo":"e","pad":")" +
      std::string(40'000, 'p') + "\"}";
  EXPECT_EQ(std::get<ApiResponse>(*parse_frame(response)).data,
            std::get<ApiResponse>(*parse_frame(large_response)).data);
  EXPECT_EQ(std::get<ApiResponse>(*parse_frame(large_response)).echo, "e");
}

}  // namespace
}  // namespace picbot::onebot
