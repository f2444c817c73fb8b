#include "plugins/image_gateway/chat/chat_relay.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/co_assert.h"
#include "tests/support/run_coroutine.h"

namespace picbot::gateway {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChatScript;
using testing::FakeBodyStream;
using testing::FakeChatServer;
using testing::make_data_url;
using testing::make_png;

json request_body() {
  return json{{"model", "gpt-4o"}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
}

// The SSE events a client got, parsed back (comments kept as ":...").
std::vector<std::string> split_events(const std::string& sse) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < sse.size()) {
    const std::size_t end = sse.find("\n\n", pos);
    out.push_back(sse.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

// The content of every chunk event, joined.
std::string content_of(const std::vector<std::string>& events) {
  std::string out;
  for (const auto& event : events) {
    if (!event.starts_with("data: {")) continue;
    const json chunk = json::parse(event.substr(6));
    if (!chunk.contains("choices")) continue;
    const json& delta = chunk["choices"][0]["delta"];
    if (delta.contains("content") && delta["content"].is_string()) out += delta["content"].get<std::string>();
  }
  return out;
}

class ChatRelayTest : public ::testing::Test {
 protected:
  ChatRelayTest() {
    upstream_.endpoint.api_base = chat_.api_base();
    upstream_.keys = &keys_;
    upstream_.retry.max_retry_attempts = 1;
  }

  SseWrite sink() {
    return [this](std::string piece) -> asio::awaitable<bool> {
      sent_.push_back(piece);
      if (on_write_) on_write_(piece);
      co_return client_here_;
    };
  }

  std::string all_sent() const {
    std::string out;
    for (const auto& piece : sent_) out += piece;
    return out;
  }

  asio::io_context io_;
  FakeChatServer chat_;
  net::HttpClient http_{io_.get_executor()};
  ManualClock clock_;
  llm::KeyPool keys_{{"sk-gw-test-key-0001"}};
  ChatUpstream upstream_;
  std::vector<std::string> stored_;
  ChatImages images_{[this](std::string bytes, std::string) -> asio::awaitable<Result<std::string>> {
                       stored_.push_back(std::move(bytes));
                       co_return "http://gw/images/" + std::to_string(stored_.size());
                     },
                     ChatImageOptions{}};
  std::vector<std::string> sent_;
  std::function<void(const std::string&)> on_write_;
  bool client_here_ = true;
};

TEST_F(ChatRelayTest, AForwardedAnswerHasItsImagesLinked) {
  ChatScript script = ChatScript::reply("look " + make_data_url("image/png", make_png("inline")));
  script.images = json::array(
      {{{"type", "image_url"}, {"image_url", {{"url", make_data_url("image/png", make_png("or"))}}}}});
  chat_.push(script);
  auto answer =
      testing::run_coroutine(io_, forward_completion(http_, clock_, upstream_, request_body(), images_));
  ASSERT_TRUE(answer.ok()) << answer.error().to_string();
  EXPECT_EQ((*answer)["choices"][0]["message"]["content"],
            "look ![image](http://gw/images/1)\n![image](http://gw/images/2)");
  EXPECT_EQ(answer->dump().find("base64"), std::string::npos);
  ASSERT_EQ(chat_.request_count(), 1u);
  EXPECT_EQ(chat_.requests()[0].body["stream"], false);
  EXPECT_EQ(chat_.requests()[0].key, "sk-gw-test-key-0001");
}

TEST_F(ChatRelayTest, AForwardedFailureKeepsItsClass) {
  chat_.push(ChatScript::error(429, "slow down"));
  auto answer =
      testing::run_coroutine(io_, forward_completion(http_, clock_, upstream_, request_body(), images_));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().cls, llm::FailureClass::kRateLimited);
}

TEST_F(ChatRelayTest, EachDeltaGoesOutBeforeTheUpstreamSendsTheNext) {
  auto body = std::make_shared<FakeBodyStream>();
  chat_.push(ChatScript::live_stream(body));
  const std::vector<std::string> pieces = {"one ", "two ", "three"};
  std::size_t next_piece = 0;
  // The fake sends the next delta only once the previous one reached the client.
  on_write_ = [&](const std::string& piece) {
    if (piece.find("\"content\"") == std::string::npos) return;
    if (next_piece < pieces.size()) {
      body->send(FakeChatServer::content_event(pieces[next_piece++]));
    } else {
      body->send("data: [DONE]\n\n");
      body->finish();
    }
  };
  body->send(FakeChatServer::content_event(""));
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open_forward_stream(http_, clock_, upstream_, request_body());
    CO_ASSERT_TRUE(stream.ok());
    co_await relay_stream(**stream, images_, sink());
  }());
  const auto events = split_events(all_sent());
  EXPECT_EQ(content_of(events), "one two three");
  EXPECT_EQ(events.back(), "data: [DONE]");
  EXPECT_EQ(chat_.requests()[0].body["stream"], true);
}

TEST_F(ChatRelayTest, ImagesCutAcrossDeltasAreLinkedAndNoBase64GoesOut) {
  const std::string url = make_data_url("image/png", make_png("streamed"));
  const std::string text = "here ![cat](" + url + ") done";
  std::vector<std::string> pieces;
  for (std::size_t i = 0; i < text.size(); i += 7) pieces.push_back(text.substr(i, 7));
  ChatScript script = ChatScript::stream_of(pieces);
  script.images = json::array(
      {{{"type", "image_url"}, {"image_url", {{"url", make_data_url("image/png", make_png("d"))}}}}});
  chat_.push(script);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open_forward_stream(http_, clock_, upstream_, request_body());
    CO_ASSERT_TRUE(stream.ok());
    co_await relay_stream(**stream, images_, sink());
  }());
  for (const auto& piece : sent_) EXPECT_EQ(piece.find("base64"), std::string::npos) << piece;
  const auto events = split_events(all_sent());
  EXPECT_EQ(content_of(events), "here ![cat](http://gw/images/1) done\n![image](http://gw/images/2)\n");
  EXPECT_EQ(events.back(), "data: [DONE]");
}

TEST_F(ChatRelayTest, AnUpstreamErrorMidStreamIsTheLastEvent) {
  ChatScript script = ChatScript::stream_of({"partial"});
  script.stream_end = ChatScript::StreamEnd::kErrorEvent;
  chat_.push(script);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await open_forward_stream(http_, clock_, upstream_, request_body());
    CO_ASSERT_TRUE(stream.ok());
    co_await relay_stream(**stream, images_, sink());
  }());
  const auto events = split_events(all_sent());
  const json last = json::parse(events.back().substr(6));
  EXPECT_EQ(last["error"]["code"], "transient");
  EXPECT_EQ(all_sent().find("Provider returned error"), std::string::npos);  // never the upstream's words
  EXPECT_EQ(all_sent().find("[DONE]"), std::string::npos);
}

TEST_F(ChatRelayTest, AClientThatLeavesEndsTheUpstreamCall) {
  auto body = std::make_shared<FakeBodyStream>();
  chat_.push(ChatScript::live_stream(body));
  body->send(FakeChatServer::content_event("first"));
  on_write_ = [&](const std::string&) { client_here_ = false; };  // gone after the first chunk
  bool upstream_saw_it = false;
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    {
      auto stream = co_await open_forward_stream(http_, clock_, upstream_, request_body());
      CO_ASSERT_TRUE(stream.ok());
      co_await relay_stream(**stream, images_, sink());
    }  // the route drops the stream when the relay returns
    asio::steady_timer settle(co_await asio::this_coro::executor);
    for (int i = 0; i < 5000 && !body->client_gone(); ++i) {  // curl closes from the loop
      settle.expires_after(1ms);
      co_await settle.async_wait(asio::use_awaitable);
    }
    upstream_saw_it = body->client_gone();
  }());
  EXPECT_TRUE(upstream_saw_it);
  EXPECT_EQ(sent_.size(), 1u);
}

TEST_F(ChatRelayTest, AFailureBeforeTheFirstByteIsTheOpensError) {
  chat_.push(ChatScript::error(401, "bad key"));
  auto stream = testing::run_coroutine(io_, open_forward_stream(http_, clock_, upstream_, request_body()));
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().cls, llm::FailureClass::kInvalidKey);
}

// A drawing that takes `wait` (a slow provider), cancellable.
DrawForChat slow_draw(std::chrono::milliseconds wait, bool* cancelled) {
  return
      [wait, cancelled]() -> asio::awaitable<Result<std::vector<image::GeneratedImage>, llm::ProviderError>> {
        asio::steady_timer timer(co_await asio::this_coro::executor, wait);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) {
          *cancelled = true;
          co_return llm::ProviderError{llm::FailureClass::kCancelled, 0, "cancelled", std::nullopt};
        }
        image::GeneratedImage image;
        image.bytes = make_png("drawn");
        image.mime = "image/png";
        co_return std::vector<image::GeneratedImage>{image};
      };
}

TEST_F(ChatRelayTest, ADrawingSendsKeepAlivesThenItsLink) {
  bool cancelled = false;
  testing::run_coroutine(io_, stream_drawing(slow_draw(200ms, &cancelled), images_, "banana", sink(), 20ms));
  const auto events = split_events(all_sent());
  ASSERT_GE(events.size(), 5u);
  EXPECT_NE(json::parse(events[0].substr(6))["choices"][0]["delta"]["role"], nullptr);
  EXPECT_EQ(events[1], ": keep-alive");
  EXPECT_EQ(content_of(events), "![image](http://gw/images/1)\n");
  EXPECT_EQ(json::parse(events[events.size() - 2].substr(6))["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(events.back(), "data: [DONE]");
  ASSERT_EQ(stored_.size(), 1u);
  EXPECT_FALSE(cancelled);
}

TEST_F(ChatRelayTest, AClientThatLeavesStopsTheDrawing) {
  bool cancelled = false;
  on_write_ = [&](const std::string& piece) {
    if (piece.starts_with(":")) client_here_ = false;  // gone by the first keep-alive
  };
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    co_await stream_drawing(slow_draw(10s, &cancelled), images_, "banana", sink(), 10ms);
    asio::steady_timer settle(co_await asio::this_coro::executor);
    for (int i = 0; i < 500 && !cancelled; ++i) {  // the cancellation is posted: let it run
      settle.expires_after(1ms);
      co_await settle.async_wait(asio::use_awaitable);
    }
  }());
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(stored_.empty());
}

TEST_F(ChatRelayTest, ADrawingAsACompletion) {
  image::GeneratedImage image;
  image.bytes = make_png("c");
  image.mime = "image/png";
  image.model_text = "Here you go.";
  auto answer = testing::run_coroutine(io_, drawing_completion({image}, images_, "banana"));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ((*answer)["object"], "chat.completion");
  EXPECT_EQ((*answer)["choices"][0]["message"]["content"], "Here you go.\n\n![image](http://gw/images/1)\n");
}

}  // namespace
}  // namespace picbot::gateway
