#include "bench/ws_frames.h"

#include <gtest/gtest.h>

#include <string>

namespace picbot::bench {
namespace {

constexpr MaskKey kKey = {0x12, 0x34, 0x56, 0x78};

std::string unmask(const MaskedFrame& frame) {
  std::string text = frame.bytes.substr(frame.payload_offset);
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(text[i] ^ frame.key[i % 4]);
  return text;
}

TEST(WsFrames, MaskedFrameHasTheRfc6455HeaderForEachLengthClass) {
  for (const std::size_t size : {std::size_t{5}, std::size_t{125}, std::size_t{126}, std::size_t{70000}}) {
    const std::string payload(size, 'x');
    const MaskedFrame frame = masked_frame(Opcode::text, payload, kKey);
    EXPECT_EQ(static_cast<unsigned char>(frame.bytes[0]), 0x81);     // FIN + text
    EXPECT_TRUE(static_cast<unsigned char>(frame.bytes[1]) & 0x80);  // masked
    const std::size_t header = size < 126 ? 2 : size <= 0xFFFF ? 4 : 10;
    EXPECT_EQ(frame.payload_offset, header + 4);
    EXPECT_EQ(frame.bytes.size(), header + 4 + size);
    EXPECT_EQ(unmask(frame), payload);
  }
}

TEST(WsFrames, PatchingAMaskedFrameChangesOnlyThoseBytes) {
  MaskedFrame frame = masked_frame(Opcode::text, R"({"message_id":0000000000,"group_id":000})", kKey);
  patch_masked(frame, 14, "1000000042");
  char digits[3];
  write_digits(digits, 3, 7);
  patch_masked(frame.bytes.data(), frame.payload_offset, frame.key, 36, std::string_view(digits, 3));
  EXPECT_EQ(unmask(frame), R"({"message_id":1000000042,"group_id":007})");
}

TEST(WsFrames, AppendedFramesAreCutBackOutOneByOne) {
  // Server frames are unmasked: build them by hand.
  std::string bytes = std::string("\x81\x03", 2) + "abc" + std::string("\x89\x00", 2) +
                      std::string("\x81\x7e\x00\x80", 4) + std::string(128, 'y');
  FrameError error;
  auto first = next_server_frame(bytes, error);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->payload, "abc");
  EXPECT_EQ(first->opcode, Opcode::text);
  bytes.erase(0, first->size);
  auto ping = next_server_frame(bytes, error);
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->opcode, Opcode::ping);
  bytes.erase(0, ping->size);
  EXPECT_FALSE(next_server_frame(std::string_view(bytes).substr(0, 100), error)) << "incomplete";
  EXPECT_TRUE(error.why.empty());
  auto big = next_server_frame(bytes, error);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->payload.size(), 128u);
  EXPECT_EQ(big->size, bytes.size());
}

TEST(WsFrames, AMaskedOrReservedServerFrameIsAnError) {
  FrameError error;
  EXPECT_FALSE(next_server_frame(std::string("\x81\x81\0\0\0\0a", 7), error));
  EXPECT_FALSE(error.why.empty());
  FrameError reserved;
  EXPECT_FALSE(next_server_frame(std::string("\x83\x00", 2), reserved));
  EXPECT_FALSE(reserved.why.empty());
}

TEST(WsFrames, ScanFindsPicbotsSendGroupMsgFields) {
  // The call picbot writes for a /ping reply (nlohmann dump, array message).
  const std::string call = R"({"action":"send_group_msg","echo":"9f2c01ab","params":{"group_id":100000007,)"
                           R"("message":[{"data":{"text":"pong"},"type":"text"}]}})";
  const auto fields = scan_call(call);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->action, "send_group_msg");
  EXPECT_EQ(fields->group_id, 100000007);
  EXPECT_EQ(fields->echo, "\"9f2c01ab\"");
  EXPECT_TRUE(fields->says_pong);
}

TEST(WsFrames, ScanFindsKoishiStyleFields) {
  // String message, numeric echo, group id as a string, spaces after colons.
  const auto fields = scan_call(
      R"({"action": "send_group_msg", "params": {"group_id": "900000000", "message": "pong"}, "echo": 17})");
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->group_id, 900000000);
  EXPECT_EQ(fields->echo, "17");
  EXPECT_TRUE(fields->says_pong);
}

TEST(WsFrames, ScanRejectsAFrameWithoutAnActionAndSeesNoPongInOtherText) {
  EXPECT_FALSE(scan_call(R"({"params":{}})"));
  EXPECT_FALSE(scan_call("not json"));
  const auto fields =
      scan_call(R"({"action":"send_group_msg","params":{"group_id":1,"message":"ping pong"}})");
  ASSERT_TRUE(fields);
  EXPECT_FALSE(fields->says_pong);
  EXPECT_TRUE(fields->echo.empty());
  const auto quoted = scan_call(R"({"action":"get_login_info","echo":"a\"b","params":{}})");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->echo, R"("a\"b")");
  EXPECT_FALSE(quoted->group_id);
}

TEST(WsFrames, FindAllListsEveryOccurrence) {
  EXPECT_EQ(find_all("12x12x1", "12"), (std::vector<std::size_t>{0, 3}));
  EXPECT_TRUE(find_all("abc", "z").empty());
}

}  // namespace
}  // namespace picbot::bench
