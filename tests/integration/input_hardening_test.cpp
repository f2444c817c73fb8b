// Issue 15 against the real binary. Defect 1: JSON nested 100,000 levels deep
// from every outside source (the OneBot link, the web console, the image and
// chat upstreams) is refused with a clear error, and picbot keeps serving.
// Transfer-Encoding other than exactly "chunked" gets 400 from both HTTP
// servers (the web console, the reverse WebSocket listener).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::int64_t kSelf = 10001;
constexpr char kPassword[] = "deep-console-pass-4242";
constexpr char kChatKey[] = "sk-chat-deep-input-key-7777aaaa";
constexpr char kImageKey[] = "sk-or-v1-deep-input-key-8888bbbb";

// Valid JSON nested this deep: far past any limit, deep enough to overflow a
// recursive walk's stack.
std::string deep_array() {
  constexpr std::size_t kDepth = 100'000;
  return std::string(kDepth, '[') + std::string(kDepth, ']');
}

// Sends bytes to 127.0.0.1:port on one connection and returns what comes back
// until the peer closes it (at most 5 s).
std::string exchange(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string received;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char chunk[4096];
    for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;)
      received.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return received;
}

// Sends /ping and waits for the pong: the process is alive and its link works.
bool answers_ping(FakeNapCat& napcat, int conn) {
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(conn, 777, 42, "/ping");
  return napcat.wait_for_call([](const ApiCall& c) { return text_of(message_of(c)) == "pong"; }, 10s, skip)
      .has_value();
}

TEST(DeepInput, OneBotFramesNestedTooDeepAreSkippedAndPingIsStillAnswered) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", kSelf, kTestToken);
  ASSERT_TRUE(conn.ok());
  const std::string frames[] = {
      // In a text segment's text.
      R"({"post_type":"message","message_type":"group","group_id":777,"user_id":42,"self_id":10001,)"
      R"("message_id":1,"message":[{"type":"text","data":{"text":)" +
          deep_array() + "}}]}",
      // In the sender.
      R"({"post_type":"message","message_type":"group","group_id":777,"user_id":42,"self_id":10001,)"
      R"("message_id":2,"message":[{"type":"text","data":{"text":"/ping"}}],"sender":{"nickname":)" +
          deep_array() + "}}",
      // In an API answer's echo.
      R"({"status":"ok","retcode":0,"data":null,"echo":)" + deep_array() + "}",
  };
  for (const auto& frame : frames) napcat.send_raw(*conn, frame);
  // Each frame gets its own log line saying why it was skipped.
  const auto skipped = [&] {
    std::size_t count = 0;
    for (const auto& line : bot.process().lines()) {
      count +=
          line.find("malformed frame skipped (not JSON: nested deeper than 64 levels)") != std::string::npos;
    }
    return count;
  };
  EXPECT_TRUE(wait_until([&] { return skipped() == 3; }, 10s)) << bot.process().output().substr(0, 4000);
  EXPECT_TRUE(answers_ping(napcat, *conn)) << bot.process().output().substr(0, 4000);
  EXPECT_TRUE(bot.process().running());
}

TEST(DeepInput, AConsoleConfigSaveWithADeepValueIsRefusedWith400) {
  std::string yaml = reverse_config(kTestToken);
  const std::string web = "web:\n  listen: \"127.0.0.1:0\"\n";
  yaml.replace(yaml.find(web), web.size(), web + "  password: \"" + kPassword + "\"\n");
  PicbotRunner bot(yaml);
  ASSERT_TRUE(bot.start());
  ConsoleClient client(bot.web_port());
  ASSERT_EQ(client.login(kPassword).status, 200);
  const std::string body = R"({"values":{"bot":{"nicknames":)" + deep_array() + "}}}";
  auto saved = client.raw(
      "POST", "/api/config",
      {{"Content-Type", "application/json"}, {"Cookie", client.cookie()}, {"X-CSRF-Token", client.csrf()}},
      body);
  EXPECT_EQ(saved.status, 400) << saved.body;
  EXPECT_NE(saved.body.find("nested deeper than 64 levels"), std::string::npos) << saved.body;
  // The same through the sandbox route, then picbot still serves.
  auto sent = client.raw(
      "POST", "/api/sandbox/send",
      {{"Content-Type", "application/json"}, {"Cookie", client.cookie()}, {"X-CSRF-Token", client.csrf()}},
      R"({"text":)" + deep_array() + "}");
  EXPECT_EQ(sent.status, 400) << sent.body;
  EXPECT_EQ(client.get("/api/status").status, 200);
  EXPECT_TRUE(bot.process().running());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", kSelf, kTestToken);
  ASSERT_TRUE(conn.ok());
  EXPECT_TRUE(answers_ping(napcat, *conn)) << bot.process().output().substr(0, 4000);
}

TEST(DeepInput, ADeepImageUpstreamAnswerIsACleanFailure) {
  FakeOpenRouter openrouter;
  openrouter.set_default(FakeOpenRouter::Script::kDeeplyNested);
  PicbotRunner bot(reverse_config(
      kTestToken, gemini_plugin_section({kImageKey}, openrouter.api_base(),
                                        "    max_retry_attempts: 1\n    acknowledge: false\n")));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", kSelf, kTestToken);
  ASSERT_TRUE(conn.ok());
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(*conn, 777, 42, "/draw a deep cat");
  auto reply = napcat.wait_for_call(
      [](const ApiCall& c) { return c.action == "send_group_msg" && !has_image(message_of(c)); }, 15s, skip);
  ASSERT_TRUE(reply) << bot.process().output().substr(0, 4000);
  EXPECT_EQ(text_of(message_of(*reply)).find('['), std::string::npos) << text_of(message_of(*reply));
  EXPECT_TRUE(bot.wait_for_log("nested deeper than 64 levels")) << bot.process().output().substr(0, 4000);
  EXPECT_TRUE(answers_ping(napcat, *conn));
}

TEST(DeepInput, ADeepChatAnswerIsACleanFailure) {
  FakeChatServer chat;
  ChatScript deep;
  deep.raw_body = R"({"id":"x","choices":[{"message":{"role":"assistant","content":)" + deep_array() + "}}]}";
  chat.set_default(deep);
  ChatScript deep_error;
  deep_error.status = 500;
  deep_error.raw_body = R"({"error":{"code":500,"message":)" + deep_array() + "}}";
  chat.push(deep_error);
  const std::string extra = std::string("llm:\n  enabled: true\n  api_base: \"") + chat.api_base() +
                            "\"\n  api_keys: [\"" + kChatKey +
                            "\"]\n  model: \"test/chat-model\"\n  max_retry_attempts: 1\n";
  PicbotRunner bot(reverse_config(kTestToken, extra));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", kSelf, kTestToken);
  ASSERT_TRUE(conn.ok());
  for (int i = 0; i < 2; ++i) {  // the deep error body, then the deep answer
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(
        *conn, 777, 42,
        json::array({json{{"type", "at"}, {"data", {{"qq", std::to_string(kSelf)}}}},
                     json{{"type", "text"}, {"data", {{"text", " hello " + std::to_string(i)}}}}}));
    auto reply =
        napcat.wait_for_call([](const ApiCall& c) { return c.action == "send_group_msg"; }, 15s, skip);
    ASSERT_TRUE(reply) << i << "\n" << bot.process().output().substr(0, 4000);
    EXPECT_EQ(text_of(message_of(*reply)).find("[["), std::string::npos) << text_of(message_of(*reply));
  }
  EXPECT_EQ(chat.request_count(), 2u);
  EXPECT_TRUE(answers_ping(napcat, *conn));
}

TEST(TransferEncoding, BothHttpServersRefuseAnythingButExactlyChunkedWith400) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  for (const std::string coding : {"xchunked", "chunked, identity"}) {
    // The web console: the "body" is a second request that must not be served.
    const std::string web =
        exchange(bot.web_port(), "POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                                     "\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(web.starts_with("HTTP/1.1 400")) << coding << "\n" << web;
    EXPECT_EQ(web.find("200 OK"), std::string::npos) << coding << "\n" << web;
    // The reverse WebSocket listener's upgrade request.
    const std::string upgrade =
        exchange(bot.reverse_port(),
                 "GET /onebot/v11/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                 "Authorization: Bearer " +
                     std::string(kTestToken) + "\r\nTransfer-Encoding: " + coding + "\r\n\r\n");
    EXPECT_TRUE(upgrade.starts_with("HTTP/1.1 400")) << coding << "\n" << upgrade;
  }
  // picbot still serves both.
  const std::string health =
      exchange(bot.web_port(), "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(health.starts_with("HTTP/1.1 200")) << health;
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", kSelf, kTestToken);
  ASSERT_TRUE(conn.ok());
  EXPECT_TRUE(answers_ping(napcat, *conn));
}

}  // namespace
}  // namespace picbot::testing
