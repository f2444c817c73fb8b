#include "bot/app/sandbox.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tests/support/run_coroutine.h"

namespace picbot {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kPng[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

Result<Sandbox::Input> input(const json& body) { return Sandbox::Input::from_json(body); }

TEST(SandboxInput, IdsAreNumbersOrDigitStrings) {
  auto digits = input(json{{"user_id", " 10001 "}, {"group_id", ""}, {"text", "/ping"}});
  ASSERT_TRUE(digits.ok()) << digits.error().message;
  EXPECT_EQ(digits->user_id, 10001);
  EXPECT_EQ(digits->group_id, 0);
  auto numbers = input(json{{"user_id", 7}, {"group_id", 20001}, {"admin", true}, {"text", "hi"}});
  ASSERT_TRUE(numbers.ok());
  EXPECT_EQ(numbers->group_id, 20001);
  EXPECT_TRUE(numbers->admin);
  EXPECT_FALSE(numbers->reply_to);

  // A user id with a letter used to throw (HTTP 500) in the route.
  for (const json& user : {json("10o01"), json(nullptr), json(1.5), json("-1x"), json::array()}) {
    auto refused = input(json{{"user_id", user}, {"text", "/ping"}});
    ASSERT_FALSE(refused.ok()) << user.dump();
    EXPECT_EQ(refused.error().code, "bad_user_id");
    EXPECT_NE(refused.error().message.find("user_id"), std::string::npos);
  }
  EXPECT_EQ(input(json{{"user_id", 7}, {"group_id", "g"}}).error().code, "bad_group_id");
  EXPECT_EQ(input(json{{"user_id", 7}, {"text", 5}}).error().code, "bad_input");
  EXPECT_EQ(input(json{{"user_id", 7}, {"admin", "yes"}}).error().code, "bad_input");
  EXPECT_EQ(input(json{{"user_id", 7}, {"reply_to", "x"}}).error().code, "bad_input");
  EXPECT_EQ(input(json("/ping")).error().code, "bad_input");
}

TEST(SandboxInput, ImageIsBase64OrABase64DataUrl) {
  auto url = input(json{{"user_id", 7}, {"image", std::string("data:image/png;base64,") + kPng}});
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->image_base64, kPng);
  auto bare = input(json{{"user_id", 7}, {"image", kPng}});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->image_base64, kPng);
  EXPECT_FALSE(input(json{{"user_id", 7}, {"image", "data:image/png,rawbytes"}}).ok());
  EXPECT_FALSE(input(json{{"user_id", 7}, {"image", "]{CQ:at,qq=all}"}}).ok());
}

class SandboxTest : public ::testing::Test {
 protected:
  Sandbox::Input message(std::string text) {
    Sandbox::Input in;
    in.user_id = 7;
    in.text = std::move(text);
    return in;
  }
  // Runs the handlers until nothing is left to do (a deadline, not a sleep).
  void settle() {
    io_.restart();
    io_.run_for(5s);
  }
  json entries() { return sandbox_.messages_after(0)["messages"]; }

  asio::io_context io_;
  WorkerPool workers_{1};
  std::vector<std::shared_ptr<const onebot::MessageEvent>> events_;
  std::optional<json> reply_;
  std::string silence_;
  // The handler answers each message as told by reply_, then returns silence_.
  Sandbox sandbox_{io_.get_executor(), workers_,
                   [this](std::shared_ptr<const onebot::MessageEvent> event, onebot::BotApi& api,
                          bool) -> asio::awaitable<std::string> {
                     events_.push_back(event);
                     if (reply_) {
                       json params = {{"user_id", event->user_id}, {"message", json::array({*reply_})}};
                       co_await api.call(Sandbox::kSelfId, "send_private_msg", std::move(params));
                     }
                     co_return silence_;
                   }};
};

TEST_F(SandboxTest, AttachedImageAndQuoteReachTheHandlerAsNapCatWouldSendThem) {
  Sandbox::Input first = message("look");
  first.image_base64 = kPng;
  ASSERT_TRUE(sandbox_.send(first).ok());
  settle();
  const std::int64_t quoted = entries()[0]["message_id"];
  EXPECT_EQ(entries()[0]["segments"][1]["data"]["src"], std::string("data:image/png;base64,") + kPng);

  Sandbox::Input second = message("/draw blue");
  second.reply_to = quoted;
  ASSERT_TRUE(sandbox_.send(second).ok());
  settle();
  ASSERT_EQ(events_.size(), 2u);
  const json segments = onebot::message_to_json(events_[1]->message);
  EXPECT_EQ(segments[0], (json{{"type", "reply"}, {"data", {{"id", std::to_string(quoted)}}}}));
  EXPECT_EQ(segments[1]["data"]["text"], "/draw blue");
  EXPECT_EQ(events_[0]->raw_message.find(kPng), std::string::npos) << "no megabytes of base64 in raw_message";
  const json image = onebot::message_to_json(events_[0]->message)[1];
  EXPECT_EQ(image["data"]["file"], std::string("base64://") + kPng);

  Sandbox::Input unknown = message("/draw");
  unknown.reply_to = 999;
  EXPECT_EQ(sandbox_.send(unknown).error().code, "bad_input");
  EXPECT_EQ(sandbox_.send(message("")).error().code, "bad_input");
}

TEST_F(SandboxTest, GetMsgAnswersForTheSandboxsOwnMessagesLikeNapCat) {
  reply_ = json{{"type", "image"}, {"data", {{"file", std::string("base64://") + kPng}}}};
  ASSERT_TRUE(sandbox_.send(message("/draw a cat")).ok());
  settle();
  const json transcript = entries();
  ASSERT_EQ(transcript.size(), 2u);
  const std::int64_t mine = transcript[0]["message_id"], bots = transcript[1]["message_id"];

  auto answer =
      testing::run_coroutine(io_, sandbox_.call(Sandbox::kSelfId, "get_msg", json{{"message_id", bots}}));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ((*answer)["message_id"], bots);
  EXPECT_EQ((*answer)["real_id"], bots);
  EXPECT_EQ((*answer)["message_type"], "private");
  EXPECT_EQ((*answer)["sender"]["user_id"], Sandbox::kSelfId);
  EXPECT_EQ((*answer)["message"][0]["data"]["file"], std::string("base64://") + kPng);

  answer = testing::run_coroutine(
      io_, sandbox_.call(Sandbox::kSelfId, "get_msg", json{{"message_id", std::to_string(mine)}}));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ((*answer)["user_id"], 7);
  EXPECT_EQ((*answer)["raw_message"], "/draw a cat");

  answer =
      testing::run_coroutine(io_, sandbox_.call(Sandbox::kSelfId, "get_msg", json{{"message_id", 424242}}));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().retcode, 1200);
}

TEST_F(SandboxTest, ANoteSaysWhyAMessageGotNoReply) {
  silence_ = "console.sandbox.no_reply_llm_off";
  ASSERT_TRUE(sandbox_.send(message("hello")).ok());
  settle();
  json transcript = entries();
  ASSERT_EQ(transcript.size(), 2u);
  EXPECT_EQ(transcript[1]["direction"], "note");
  EXPECT_EQ(transcript[1]["label"], "console.sandbox.no_reply_llm_off");
  EXPECT_EQ(transcript[1]["message_id"], transcript[0]["message_id"]);

  silence_ = "";
  ASSERT_TRUE(sandbox_.send(message("hello again")).ok());
  settle();
  EXPECT_EQ(entries().back()["label"], "console.sandbox.no_reply");  // no known reason

  reply_ = json{{"type", "text"}, {"data", {{"text", "hi"}}}};
  silence_ = "console.sandbox.no_reply_llm_off";
  ASSERT_TRUE(sandbox_.send(message("hi")).ok());
  settle();
  EXPECT_EQ(entries().back()["direction"], "out");
}

}  // namespace
}  // namespace picbot
