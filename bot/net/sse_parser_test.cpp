#include "bot/net/sse_parser.h"

#include <gtest/gtest.h>

namespace picbot::net {
namespace {

std::vector<SseEvent> feed_all(SseParser& parser, const std::vector<std::string>& pieces) {
  std::vector<SseEvent> out;
  for (const auto& piece : pieces) EXPECT_TRUE(parser.feed(piece, out).ok());
  return out;
}

TEST(SseParser, ReadsOpenAiChunksAndDone) {
  SseParser parser;
  const auto events = feed_all(parser, {"data: {\"a\":1}\n\ndata: [DONE]\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[1].data, "[DONE]");
  EXPECT_FALSE(parser.in_event());
}

TEST(SseParser, JoinsDataLinesAndKeepsEventAndId) {
  SseParser parser;
  const auto events = feed_all(parser, {"event: error\nid: 7\ndata: one\ndata:two\ndata\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "error");
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[0].data, "one\ntwo\n");
}

TEST(SseParser, SkipsCommentsAndEventsWithoutData) {
  SseParser parser;
  const auto events =
      feed_all(parser, {": OPENROUTER PROCESSING\n\n", "event: ping\n\n", ":keep-alive\r\n\r\n"});
  EXPECT_TRUE(events.empty());
}

TEST(SseParser, AcceptsEveryLineEnd) {
  SseParser parser;
  const auto events = feed_all(parser, {"data: a\r\n\r\ndata: b\r\rdata: c\n\n"});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
  EXPECT_EQ(events[2].data, "c");
}

TEST(SseParser, ACrLfCutBetweenPiecesIsOneLineEnd) {
  SseParser parser;
  // "\r" ends one piece, "\n" starts the next: one line end, not two (which
  // would dispatch the event early and lose nothing, but a second event's
  // data would then start a new event).
  const auto events = feed_all(parser, {"data: a\r", "\ndata: b\r", "\n\r", "\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb");
}

TEST(SseParser, EveryCutGivesTheSameEvents) {
  const std::string stream =
      "data: {\"x\":\"h\\u00e9\"}\r\n\r\n: c\ndata: 2\ndata: 3\n\nevent: e\ndata: [DONE]\r\n\r\n";
  SseParser whole;
  const auto expected = feed_all(whole, {stream});
  ASSERT_EQ(expected.size(), 3u);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= stream.size(); cut2 += 7) {
      SseParser parser;
      const auto events =
          feed_all(parser, {stream.substr(0, cut), stream.substr(cut, cut2 - cut), stream.substr(cut2)});
      ASSERT_EQ(events.size(), expected.size()) << cut << "/" << cut2;
      for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].data, expected[i].data);
        EXPECT_EQ(events[i].event, expected[i].event);
      }
    }
  }
}

TEST(SseParser, AnOversizedLineFailsAndStaysFailed) {
  SseParser parser(SseLimits{.max_line_bytes = 16, .max_event_bytes = 1024});
  std::vector<SseEvent> out;
  EXPECT_TRUE(parser.feed("data: 0123456789", out).ok());
  auto status = parser.feed("X", out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "sse_line_too_long");
  status = parser.feed("\n\n", out);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(out.empty());
}

TEST(SseParser, AnOversizedEventFails) {
  SseParser parser(SseLimits{.max_line_bytes = 64, .max_event_bytes = 10});
  std::vector<SseEvent> out;
  EXPECT_TRUE(parser.feed("data: 12345\ndata: 1234\n", out).ok());
  auto status = parser.feed("data: 1\n", out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "sse_event_too_large");
}

TEST(SseParser, InEventWhileAnEventIsPartlyRead) {
  SseParser parser;
  std::vector<SseEvent> out;
  EXPECT_TRUE(parser.feed("data: {\"a\"", out).ok());
  EXPECT_TRUE(parser.in_event());
  EXPECT_TRUE(parser.feed(":1}\n", out).ok());
  EXPECT_TRUE(parser.in_event());
  EXPECT_TRUE(parser.feed("\n", out).ok());
  EXPECT_FALSE(parser.in_event());
  ASSERT_EQ(out.size(), 1u);
}

}  // namespace
}  // namespace picbot::net
