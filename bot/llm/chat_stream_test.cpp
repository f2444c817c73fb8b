#include "bot/llm/chat_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "bot/llm/chat_endpoint.h"
#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/support/co_assert.h"
#include "tests/support/run_coroutine.h"

namespace picbot::llm {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChatScript;
using testing::FakeBodyStream;
using testing::FakeChatServer;
using StreamResult = Result<std::unique_ptr<ChatStream>, ProviderError>;

class ChatStreamTest : public ::testing::Test {
 protected:
  net::HttpRequest request() {
    ChatEndpoint endpoint;
    endpoint.api_base = chat_.api_base();
    json body = {
        {"model", "m"}, {"stream", true}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
    return chat_completion_request(endpoint, "sk-or-v1-0123456789abcdef0123", body.dump(), 60s, 64 << 20);
  }

  asio::awaitable<StreamResult> open(ChatStreamOptions options = {}) {
    co_return co_await ChatStream::open(http_, request(), clock_, options);
  }

  // Every chunk's delta.content until the end, or the error.
  static asio::awaitable<Result<std::string, ProviderError>> all_content(ChatStream& stream) {
    std::string out;
    for (;;) {
      auto chunk = co_await stream.next();
      if (!chunk.ok()) co_return chunk.error();
      if (!*chunk) co_return out;
      const json& choice = (**chunk)["choices"][0];
      if (choice["delta"].contains("content") && choice["delta"]["content"].is_string()) {
        out += choice["delta"]["content"].get<std::string>();
      }
    }
  }

  asio::io_context io_;
  FakeChatServer chat_;
  net::HttpClient http_{io_.get_executor()};
  ManualClock clock_;
};

std::string content_of(const json& chunk) { return chunk["choices"][0]["delta"].value("content", ""); }

TEST_F(ChatStreamTest, DeltasArriveOneByOneAsTheUpstreamSendsThem) {
  auto body = std::make_shared<FakeBodyStream>();
  chat_.push(ChatScript::live_stream(body));
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open();
    CO_ASSERT_TRUE(stream.ok());
    for (const std::string piece : {"Hel", "lo, ", "world"}) {
      body->send(FakeChatServer::content_event(piece));  // the next only after this one was read
      auto chunk = co_await (*stream)->next();
      CO_ASSERT_TRUE(chunk.ok());
      CO_ASSERT_TRUE(chunk->has_value());
      EXPECT_EQ(content_of(**chunk), piece);
    }
    body->send("data: [DONE]\n\n");
    body->finish();
    auto end = co_await (*stream)->next();
    CO_ASSERT_TRUE(end.ok());
    EXPECT_FALSE(end->has_value());
  }());
  ASSERT_EQ(chat_.request_count(), 1u);
  EXPECT_EQ(chat_.requests()[0].body["stream"], true);
}

TEST_F(ChatStreamTest, AScriptedStreamGivesEveryChunkThenTheEnd) {
  chat_.push(ChatScript::stream_of({"one ", "two"}));
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open();
    CO_ASSERT_TRUE(stream.ok());
    auto text = co_await all_content(**stream);
    CO_ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, "one two");
    auto again = co_await (*stream)->next();
    CO_ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->has_value());
  }());
}

TEST_F(ChatStreamTest, ACutStreamIsATransientFailure) {
  ChatScript script = ChatScript::stream_of({"partial"});
  script.stream_end = ChatScript::StreamEnd::kCut;
  chat_.push(script);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open();
    CO_ASSERT_TRUE(stream.ok());
    auto text = co_await all_content(**stream);
    CO_ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().cls, FailureClass::kTransient) << text.error().to_string();
  }());
}

TEST_F(ChatStreamTest, AnErrorMidStreamEndsItWithItsClass) {
  ChatScript script = ChatScript::stream_of({"some text"});
  script.stream_end = ChatScript::StreamEnd::kErrorEvent;
  chat_.push(script);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open();
    CO_ASSERT_TRUE(stream.ok());
    auto text = co_await all_content(**stream);
    CO_ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().cls, FailureClass::kTransient);
    EXPECT_NE(text.error().message.find("Provider returned error"), std::string::npos);
    auto again = co_await (*stream)->next();
    EXPECT_FALSE(again.ok());
  }());
}

TEST_F(ChatStreamTest, AnOversizedLineIsABadResponse) {
  auto body = std::make_shared<FakeBodyStream>();
  chat_.push(ChatScript::live_stream(body));
  body->send("data: " + std::string(4096, 'x'));
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    ChatStreamOptions options;
    options.sse.max_line_bytes = 1024;
    auto stream = co_await open(options);
    CO_ASSERT_TRUE(stream.ok());
    auto chunk = co_await (*stream)->next();
    CO_ASSERT_FALSE(chunk.ok());
    EXPECT_EQ(chunk.error().cls, FailureClass::kBadResponse);
    EXPECT_NE(chunk.error().message.find("1024"), std::string::npos);
  }());
}

TEST_F(ChatStreamTest, AnEventThatIsNotJsonIsABadResponse) {
  auto body = std::make_shared<FakeBodyStream>();
  chat_.push(ChatScript::live_stream(body));
  body->send("data: {not json\n\n");
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open();
    CO_ASSERT_TRUE(stream.ok());
    auto chunk = co_await (*stream)->next();
    CO_ASSERT_FALSE(chunk.ok());
    EXPECT_EQ(chunk.error().cls, FailureClass::kBadResponse);
  }());
}

TEST_F(ChatStreamTest, AnErrorStatusIsClassifiedAndTheKeyMasked) {
  chat_.push(ChatScript::error(401, "key sk-or-v1-0123456789abcdef0123 is disabled"));
  ChatScript limited = ChatScript::error(429, "slow down");
  chat_.push(limited);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open();
    CO_ASSERT_FALSE(stream.ok());
    EXPECT_EQ(stream.error().cls, FailureClass::kInvalidKey);
    EXPECT_EQ(stream.error().http_status, 401);
    EXPECT_EQ(stream.error().message.find("0123456789abcdef"), std::string::npos) << stream.error().message;
    auto second = co_await open();
    CO_ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().cls, FailureClass::kRateLimited);
  }());
}

TEST_F(ChatStreamTest, AnUpstreamThatIgnoresStreamGivesOneChunk) {
  ChatScript script;
  script.raw_body = json{{"id", "x"},
                         {"object", "chat.completion"},
                         {"choices", json::array({{{"index", 0},
                                                   {"message", {{"role", "assistant"}, {"content", "whole"}}},
                                                   {"finish_reason", "stop"}}})}}
                        .dump();
  chat_.push(script);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open();
    CO_ASSERT_TRUE(stream.ok());
    auto chunk = co_await (*stream)->next();
    CO_ASSERT_TRUE(chunk.ok());
    CO_ASSERT_TRUE(chunk->has_value());
    EXPECT_EQ((**chunk)["object"], "chat.completion.chunk");
    EXPECT_EQ(content_of(**chunk), "whole");
    EXPECT_EQ((**chunk)["choices"][0]["finish_reason"], "stop");
    auto end = co_await (*stream)->next();
    CO_ASSERT_TRUE(end.ok());
    EXPECT_FALSE(end->has_value());
  }());
}

TEST_F(ChatStreamTest, AStreamThatEndsAfterItsFinishReasonWithoutDoneIsComplete) {
  ChatScript script = ChatScript::stream_of({"done"});
  script.stream_end = ChatScript::StreamEnd::kNoDone;
  chat_.push(script);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open();
    CO_ASSERT_TRUE(stream.ok());
    auto text = co_await all_content(**stream);
    CO_ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, "done");
  }());
}

TEST_F(ChatStreamTest, ASilentUpstreamTimesOut) {
  auto body = std::make_shared<FakeBodyStream>();
  chat_.push(ChatScript::live_stream(body));
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    ChatStreamOptions options;
    options.idle_timeout = 50ms;
    auto stream = co_await open(options);
    CO_ASSERT_TRUE(stream.ok());
    auto chunk = co_await (*stream)->next();
    CO_ASSERT_FALSE(chunk.ok());
    EXPECT_EQ(chunk.error().cls, FailureClass::kTransient);
  }());
}

TEST_F(ChatStreamTest, ALargeEventIsParsedOnTheWorkers) {
  const std::string big(512 * 1024, 'a');
  chat_.push(ChatScript::stream_of({big}));
  WorkerPool workers(1);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    ChatStreamOptions options;
    options.workers = &workers;
    auto stream = co_await open(options);
    CO_ASSERT_TRUE(stream.ok());
    auto text = co_await all_content(**stream);
    CO_ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, big);
  }());
}

TEST(ChunkOfCompletion, TurnsEachMessageIntoADelta) {
  const json completion = {{"id", "c1"},
                           {"model", "m"},
                           {"choices", json::array({{{"index", 0},
                                                     {"message", {{"role", "assistant"}, {"content", "hi"}}},
                                                     {"finish_reason", "length"}}})}};
  const json chunk = chunk_of_completion(completion);
  EXPECT_EQ(chunk["id"], "c1");
  EXPECT_EQ(chunk["choices"][0]["delta"]["content"], "hi");
  EXPECT_EQ(chunk["choices"][0]["finish_reason"], "length");
}

}  // namespace
}  // namespace picbot::llm
