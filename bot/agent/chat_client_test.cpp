#include "bot/agent/chat_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/support/run_coroutine.h"

namespace picbot::agent {
namespace {
using llm::FailureClass;
using nlohmann::json;
using testing::ChatScript;
using testing::FakeChatServer;

const std::string kKeyA = "sk-chat-test-key-aaaaaaaa1111";
const std::string kKeyB = "sk-chat-test-key-bbbbbbbb2222";

class ChatClientTest : public ::testing::Test {
 protected:
  ChatClientSettings settings() {
    ChatClientSettings s;
    s.api_base = fake.api_base();
    s.api_keys = {kKeyA, kKeyB};
    s.model = "test/chat-model";
    s.retry.max_retry_attempts = 2;
    s.retry.backoff_initial_seconds = 0.001;
    s.retry.backoff_max_seconds = 0.002;
    s.retry.deadline = std::chrono::seconds(20);
    return s;
  }

  Result<ChatReply, llm::ProviderError> complete(ChatRequest request) {
    return testing::run_coroutine(io, client.complete(std::move(request)), std::chrono::seconds(30));
  }

  static ChatRequest hello() {
    ChatRequest r;
    r.messages = json::array({json{{"role", "user"}, {"content", "hi"}}});
    return r;
  }

  FakeChatServer fake;
  ManualClock clock;
  boost::asio::io_context io;
  net::HttpClient http{io.get_executor()};
  ChatClient client{http, clock, settings()};
};

TEST_F(ChatClientTest, RequestShapeAndToolCalls) {
  fake.push(ChatScript::tool_call("gemini-pic-gen", json{{"image_description", "a cat"}}));
  ChatRequest request = hello();
  request.tools = json::array({json{{"type", "function"}, {"function", {{"name", "gemini-pic-gen"}}}}});
  request.temperature = 0.3;
  auto reply = complete(request);
  ASSERT_TRUE(reply.ok()) << reply.error().to_string();
  ASSERT_EQ(reply->tool_calls.size(), 1u);
  EXPECT_EQ(reply->tool_calls[0].name, "gemini-pic-gen");
  EXPECT_EQ(json::parse(reply->tool_calls[0].arguments), (json{{"image_description", "a cat"}}));
  EXPECT_EQ(reply->message["role"], "assistant");
  EXPECT_EQ(reply->message["tool_calls"][0]["id"], reply->tool_calls[0].id);

  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].key, kKeyA);
  EXPECT_EQ(requests[0].body["model"], "test/chat-model");
  EXPECT_DOUBLE_EQ(requests[0].body["temperature"].get<double>(), 0.3);
  EXPECT_EQ(requests[0].tool_names(), std::vector<std::string>{"gemini-pic-gen"});
  EXPECT_EQ(requests[0].contents("user"), std::vector<std::string>{"hi"});
}

TEST_F(ChatClientTest, RotatesKeysLikeThePlugin) {
  fake.push(kKeyA, ChatScript::error(401));
  fake.push(kKeyB, ChatScript::reply("from b"));
  auto reply = complete(hello());
  ASSERT_TRUE(reply.ok()) << reply.error().to_string();
  EXPECT_EQ(reply->content, "from b");
  // A stays disabled: the next call goes straight to B.
  ASSERT_TRUE(complete(hello()).ok());
  std::vector<std::string> keys;
  for (const auto& r : fake.requests()) keys.push_back(r.key);
  EXPECT_EQ(keys, (std::vector<std::string>{kKeyA, kKeyB, kKeyB}));
}

TEST_F(ChatClientTest, ClassifiesFailures) {
  fake.push(kKeyA, ChatScript::error(402));
  fake.push(kKeyB, ChatScript::error(402));
  auto no_credits = complete(hello());
  ASSERT_FALSE(no_credits.ok());
  EXPECT_EQ(no_credits.error().cls, FailureClass::kNoCredits);
}

TEST_F(ChatClientTest, TransientErrorsAreRetriedThenReported) {
  fake.set_default(ChatScript::error(500));
  auto failed = complete(hello());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().cls, FailureClass::kTransient);
  EXPECT_EQ(fake.request_count(), 4u) << "2 attempts on each of 2 keys";
}

TEST(ParseChatResponseTest, Shapes) {
  auto parts = parse_chat_response(
      R"({"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]})",
      200);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->content, "ab");
  auto object_args = parse_chat_response(
      R"({"choices":[{"message":{"content":null,"tool_calls":[{"function":{"name":"t","arguments":{"x":1}}}]}}]})",
      200);
  ASSERT_TRUE(object_args.ok());
  EXPECT_EQ(object_args->tool_calls[0].arguments, R"({"x":1})");
  EXPECT_EQ(object_args->tool_calls[0].id, "call_1");
  EXPECT_EQ(parse_chat_response("not json", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(parse_chat_response(R"({"choices":[]})", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(
      parse_chat_response(R"({"choices":[{"message":{"content":""},"finish_reason":"content_filter"}]})", 200)
          .error()
          .cls,
      FailureClass::kContentFiltered);
  EXPECT_EQ(parse_chat_response(R"({"error":{"code":429,"message":"slow down"}})", 200).error().cls,
            FailureClass::kRateLimited);
}

}  // namespace
}  // namespace picbot::agent
