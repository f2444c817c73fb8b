// HttpClient::open: bodies read piece by piece as the peer sends them.
#include <gtest/gtest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bot/net/http_client.h"
#include "tests/fakes/http/fake_http_server.h"
#include "tests/support/co_assert.h"
#include "tests/support/run_coroutine.h"

namespace picbot::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::FakeBodyStream;
using testing::FakeHttpResponse;
using testing::FakeHttpServer;
using Kind = HttpError::Kind;

class HttpClientStreamTest : public ::testing::Test {
 protected:
  // Serves GET /stream with a body the test writes through body_.
  HttpClientStreamTest() {
    server_.on("GET", "/stream", [this](const auto&) {
      FakeHttpResponse response;
      response.status = status_;
      response.headers = {{"Content-Type", "text/event-stream"}};
      response.stream = body_;
      return response;
    });
  }

  HttpRequest request() {
    HttpRequest r;
    r.url = server_.base_url() + "/stream";
    return r;
  }

  // Reads until `want` bytes came (TCP may split a piece), or an error/end.
  static asio::awaitable<Result<std::string, HttpError>> read_bytes(HttpBodyStream& stream,
                                                                    std::size_t want) {
    std::string got;
    while (got.size() < want) {
      auto piece = co_await stream.next();
      if (!piece.ok()) co_return piece.error();
      if (piece->empty()) break;
      got += *piece;
    }
    co_return got;
  }

  // Runs the loop (curl closes a removed transfer's connection from it)
  // until the peer saw the client leave; false after 5 s.
  asio::awaitable<bool> client_left() {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!body_->client_gone()) {
      if (std::chrono::steady_clock::now() > deadline) co_return false;
      timer.expires_after(1ms);
      co_await timer.async_wait(asio::use_awaitable);
    }
    co_return true;
  }

  asio::io_context io_;
  FakeHttpServer server_;
  std::shared_ptr<FakeBodyStream> body_ = std::make_shared<FakeBodyStream>();
  int status_ = 200;
  HttpClient client_{io_.get_executor()};
};

TEST_F(HttpClientStreamTest, TheHeadArrivesBeforeAnyBody) {
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await client_.open(request());
    CO_ASSERT_TRUE(stream.ok());
    EXPECT_EQ((*stream)->head().status, 200);
    EXPECT_EQ((*stream)->head().header("content-type"), "text/event-stream");
    EXPECT_TRUE((*stream)->head().body.empty());
    body_->finish();
    auto end = co_await (*stream)->next();
    CO_ASSERT_TRUE(end.ok());
    EXPECT_EQ(*end, "");
  }());
}

TEST_F(HttpClientStreamTest, PiecesArriveOneByOneAsThePeerSendsThem) {
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await client_.open(request());
    CO_ASSERT_TRUE(stream.ok());
    for (int i = 0; i < 5; ++i) {
      const std::string piece = "data: piece " + std::to_string(i) + "\n\n";
      body_->send(piece);  // the next is sent only once this one was read
      auto got = co_await read_bytes(**stream, piece.size());
      CO_ASSERT_TRUE(got.ok());
      EXPECT_EQ(*got, piece);
    }
    body_->finish();
    auto end = co_await (*stream)->next();
    CO_ASSERT_TRUE(end.ok());
    EXPECT_EQ(*end, "");
    EXPECT_EQ(client_.in_flight(), 0u);
  }());
}

TEST_F(HttpClientStreamTest, ACutStreamGivesTheBytesThenAnError) {
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await client_.open(request());
    CO_ASSERT_TRUE(stream.ok());
    body_->send("data: one\n\n");
    auto got = co_await read_bytes(**stream, 11);
    CO_ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, "data: one\n\n");
    body_->cut();
    auto after = co_await (*stream)->next();
    CO_ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().kind, Kind::kConnectionReset) << after.error().message;
  }());
}

TEST_F(HttpClientStreamTest, ASmallBufferPausesTheTransferAndLosesNothing) {
  constexpr int kPieces = 256;
  constexpr std::size_t kPieceBytes = 16 * 1024;
  for (int i = 0; i < kPieces; ++i) body_->send(std::string(kPieceBytes, static_cast<char>('a' + i % 26)));
  body_->finish();
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await client_.open(request(), /*buffer_bytes=*/1);
    CO_ASSERT_TRUE(stream.ok());
    std::string all;
    for (;;) {
      auto piece = co_await (*stream)->next();
      CO_ASSERT_TRUE(piece.ok());
      if (piece->empty()) break;
      all += *piece;
    }
    CO_ASSERT_EQ(all.size(), std::size_t{kPieces} * kPieceBytes);
    for (int i = 0; i < kPieces; ++i) {
      CO_ASSERT_EQ(all[i * kPieceBytes], static_cast<char>('a' + i % 26));
      CO_ASSERT_EQ(all[(i + 1) * kPieceBytes - 1], static_cast<char>('a' + i % 26));
    }
  }());
}

TEST_F(HttpClientStreamTest, TheResponseLimitEndsAStream) {
  for (int i = 0; i < 8; ++i) body_->send(std::string(4096, 'x'));
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    HttpRequest r = request();
    r.max_response_bytes = 10'000;
    auto stream = co_await client_.open(std::move(r));
    CO_ASSERT_TRUE(stream.ok());
    std::size_t received = 0;
    for (;;) {
      auto piece = co_await (*stream)->next();
      if (!piece.ok()) {
        EXPECT_EQ(piece.error().kind, Kind::kTooLarge);
        break;
      }
      CO_ASSERT_FALSE(piece->empty());
      received += piece->size();
    }
    EXPECT_LE(received, 10'000u);
  }());
}

TEST_F(HttpClientStreamTest, AnErrorStatusIsAHeadWithItsBody) {
  status_ = 429;
  body_->send(R"({"error":{"code":429}})");
  body_->finish();
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await client_.open(request());
    CO_ASSERT_TRUE(stream.ok());
    EXPECT_EQ((*stream)->head().status, 429);
    auto got = co_await read_bytes(**stream, 1000);
    CO_ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, R"({"error":{"code":429}})");
  }());
}

TEST_F(HttpClientStreamTest, DestroyingTheStreamEndsTheTransfer) {
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await client_.open(request());
    CO_ASSERT_TRUE(stream.ok());
    body_->send("data: x\n\n");
    auto got = co_await read_bytes(**stream, 9);
    CO_ASSERT_TRUE(got.ok());
    stream.value().reset();
    EXPECT_EQ(client_.in_flight(), 0u);
    EXPECT_TRUE(co_await client_left());
  }());
}

TEST_F(HttpClientStreamTest, CancellingAWaitingReadEndsTheTransfer) {
  using asio::experimental::awaitable_operators::operator||;
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto stream = co_await client_.open(request());
    CO_ASSERT_TRUE(stream.ok());
    asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
    auto raced = co_await ((*stream)->next() || timer.async_wait(asio::use_awaitable));
    CO_ASSERT_EQ(raced.index(), 1u);  // the peer never sends: the timer wins
    EXPECT_EQ(client_.in_flight(), 0u);
    auto after = co_await (*stream)->next();
    CO_ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().kind, Kind::kCancelled);
    EXPECT_TRUE(co_await client_left());
  }());
}

TEST_F(HttpClientStreamTest, ARefusedConnectionFailsTheOpen) {
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    HttpRequest r;
    r.url = "http://127.0.0.1:1/stream";
    auto stream = co_await client_.open(std::move(r));
    CO_ASSERT_FALSE(stream.ok());
    EXPECT_EQ(stream.error().kind, Kind::kConnectFailed);
  }());
}

}  // namespace
}  // namespace picbot::net
