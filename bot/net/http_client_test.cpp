#include "bot/net/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "tests/fakes/http/fake_http_server.h"

namespace picbot::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::experimental::awaitable_operators::operator||;
using testing::FakeHttpRequest;
using testing::FakeHttpResponse;
using testing::FakeHttpServer;
using Outcome = Result<HttpResponse, HttpError>;
using Kind = HttpError::Kind;

// A port nothing listens on: bound once, then released.
std::uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// Polls state owned by another thread (the fake server) without blocking the
// event loop. Returns false if pred is still false after timeout.
asio::awaitable<bool> eventually(std::function<bool()> pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    timer.expires_after(1ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return true;
}

class HttpClientTest : public ::testing::Test {
 protected:
  // Runs body on io_ (this thread) until it finishes; fails after 30 s.
  void run(std::function<asio::awaitable<void>()> body) {
    bool done = false;
    std::exception_ptr error;
    asio::co_spawn(io_, body(), [&](std::exception_ptr e) {
      done = true;
      error = e;
      io_.stop();
    });
    io_.run_for(30s);
    io_.restart();
    ASSERT_TRUE(done) << "test coroutine did not finish";
    if (error) std::rethrow_exception(error);
  }

  Outcome fetch(HttpRequest request) {
    std::optional<Outcome> outcome;
    run([&]() -> asio::awaitable<void> { outcome.emplace(co_await client_.request(std::move(request))); });
    EXPECT_TRUE(outcome.has_value());
    return outcome ? std::move(*outcome) : Outcome(HttpError{Kind::kOther, "no outcome"});
  }

  HttpRequest get(const std::string& path) {
    HttpRequest request;
    request.url = server_.base_url() + path;
    return request;
  }

  asio::io_context io_;
  FakeHttpServer server_;
  HttpClient client_{io_.get_executor()};
};

FakeHttpResponse echo(const FakeHttpRequest& request) {
  return FakeHttpResponse::json({{"method", request.method},
                                 {"target", request.target},
                                 {"body", request.body},
                                 {"x_test", request.header("x-test")}});
}

TEST_F(HttpClientTest, GetEchoesTargetAndHeaders) {
  server_.on("GET", "/echo", echo);
  HttpRequest request = get("/echo?q=1");
  request.headers = {{"X-Test", "hello"}};
  const Outcome outcome = fetch(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, 200);
  EXPECT_EQ(outcome->header("Content-Type"), "application/json");
  EXPECT_EQ(outcome->effective_url, request.url);
  const auto body = nlohmann::json::parse(outcome->body);
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["target"], "/echo?q=1");
  EXPECT_EQ(body["x_test"], "hello");
}

TEST_F(HttpClientTest, PostSendsBodyAndHeaders) {
  server_.on("POST", "/echo", echo);
  HttpRequest request = get("/echo");
  request.method = "POST";
  request.body = R"({"prompt":"cat"})";
  request.headers = {{"Content-Type", "application/json"}, {"X-Test", "post"}};
  const Outcome outcome = fetch(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  const auto body = nlohmann::json::parse(outcome->body);
  EXPECT_EQ(body["method"], "POST");
  EXPECT_EQ(body["body"], request.body);
  EXPECT_EQ(body["x_test"], "post");
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(server_.requests()[0].header("content-type"), "application/json");
}

// A shared body (one copy for every retry) is what goes on the wire, in
// place of `body`, and a copied request shares the bytes instead of copying.
TEST_F(HttpClientTest, PostSendsSharedBody) {
  server_.on("POST", "/echo", echo);
  HttpRequest request = get("/echo");
  request.method = "POST";
  request.body = "ignored";
  request.shared_body = std::make_shared<const std::string>(R"({"prompt":"shared"})");
  const HttpRequest copy = request;
  EXPECT_EQ(copy.payload().data(), request.shared_body->data());
  for (int attempt = 0; attempt < 2; ++attempt) {
    const Outcome outcome = fetch(copy);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    EXPECT_EQ(nlohmann::json::parse(outcome->body)["body"], *request.shared_body);
  }
  EXPECT_EQ(request.shared_body.use_count(), 2);  // request and copy; the client kept none
}

TEST_F(HttpClientTest, LargePostSkipsExpectContinue) {
  server_.on("PUT", "/upload", [](const FakeHttpRequest& request) {
    return FakeHttpResponse::text(std::to_string(request.body.size()));
  });
  HttpRequest request = get("/upload");
  request.method = "PUT";
  request.body.assign(3 * 1024 * 1024, 'x');
  const Outcome outcome = fetch(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->body, std::to_string(request.body.size()));
  EXPECT_EQ(server_.requests()[0].header("expect"), "");
}

TEST_F(HttpClientTest, NonSuccessStatusIsAResponse) {
  server_.on("GET", "/busy", [](const FakeHttpRequest&) { return FakeHttpResponse::text("busy", 503); });
  const Outcome outcome = fetch(get("/busy"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, 503);
  EXPECT_EQ(outcome->body, "busy");
}

TEST_F(HttpClientTest, UnmatchedPathIs404) {
  const Outcome outcome = fetch(get("/nowhere"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, 404);
}

TEST_F(HttpClientTest, SequentialRequestsReuseTheConnection) {
  server_.on("GET", "/", echo);
  ASSERT_TRUE(fetch(get("/a")).ok());
  ASSERT_TRUE(fetch(get("/b")).ok());
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_EQ(server_.connection_count(), 1u);
}

// The client reuses a finished request's curl handle (reset): nothing of that
// request may reach the next one.
TEST_F(HttpClientTest, AReusedHandleCarriesNothingOfThePreviousRequest) {
  server_.on("*", "/", echo);
  HttpRequest put = get("/first");
  put.method = "PUT";
  put.body = "first body";
  put.headers = {{"X-Test", "first"}, {"Content-Type", "text/plain"}};
  ASSERT_TRUE(fetch(put).ok());
  HttpRequest capped = get("/second");
  capped.max_response_bytes = 8;  // the echo is longer
  const Outcome too_large = fetch(capped);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().kind, Kind::kTooLarge);

  const Outcome outcome = fetch(get("/third"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  const auto body = nlohmann::json::parse(outcome->body);
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["target"], "/third");
  EXPECT_EQ(body["body"], "");
  EXPECT_EQ(body["x_test"], "");
  ASSERT_EQ(server_.request_count(), 3u);
  EXPECT_EQ(server_.requests()[2].header("content-type"), "");
  EXPECT_EQ(server_.requests()[2].header("content-length"), "");
}

TEST_F(HttpClientTest, AReusedHandleDoesNotKeepThePreviousProxy) {
  FakeHttpServer proxy;
  proxy.set_forward_proxy(true);
  server_.on("GET", "/", echo);
  HttpRequest proxied = get("/proxied");
  proxied.proxy = proxy.base_url();
  ASSERT_TRUE(fetch(proxied).ok());
  ASSERT_EQ(proxy.request_count(), 1u);

  const Outcome direct = fetch(get("/direct"));
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  EXPECT_EQ(proxy.request_count(), 1u);
  ASSERT_EQ(server_.request_count(), 2u);
  EXPECT_EQ(server_.requests()[1].target, "/direct");
}

// Many tasks polled at once: the second round of requests to the same host
// goes over the first round's connections instead of connecting again.
TEST_F(HttpClientTest, ABurstReusesThePreviousBurstsConnections) {
  constexpr int kBurst = 50;
  std::atomic<int> answered{0};
  server_.on("GET", "/", [&](const FakeHttpRequest& request) {
    // Answers one by one, so the burst's transfers finish (and leave) one by one.
    FakeHttpResponse response = echo(request);
    response.delay = std::chrono::milliseconds(2 * (answered++ % kBurst));
    return response;
  });
  for (int round = 0; round < 2; ++round) {
    run([&]() -> asio::awaitable<void> {
      int done = 0;
      for (int i = 0; i < kBurst; ++i) {
        asio::co_spawn(
            io_,
            [&]() -> asio::awaitable<void> {
              const Outcome outcome = co_await client_.request(get("/task"));
              EXPECT_TRUE(outcome.ok());
              ++done;
            },
            asio::detached);
      }
      EXPECT_TRUE(co_await eventually([&] { return done == kBurst; }, 10s));
    });
  }
  EXPECT_EQ(server_.request_count(), 2u * kBurst);
  EXPECT_LE(server_.connection_count(), std::size_t{kBurst});
}

TEST_F(HttpClientTest, HundredConcurrentRequestsOnOneThread) {
  server_.on("GET", "/slow/", [](const FakeHttpRequest& request) {
    FakeHttpResponse response = FakeHttpResponse::text(request.target);
    response.delay = 300ms;
    return response;
  });
  constexpr int kRequests = 100;
  const auto test_thread = std::this_thread::get_id();
  int completed = 0;
  std::size_t peak = 0;
  std::set<std::string> bodies;
  run([&]() -> asio::awaitable<void> {
    for (int i = 0; i < kRequests; ++i) {
      asio::co_spawn(
          io_,
          [&, i]() -> asio::awaitable<void> {
            const Outcome outcome = co_await client_.request(get("/slow/" + std::to_string(i)));
            EXPECT_EQ(std::this_thread::get_id(), test_thread);
            if (outcome.ok()) {
              EXPECT_EQ(outcome->status, 200);
              bodies.insert(outcome->body);
            } else {
              ADD_FAILURE() << to_string(outcome.error().kind) << ": " << outcome.error().message;
            }
            ++completed;
          },
          asio::detached);
    }
    const bool finished = co_await eventually(
        [&] {
          peak = std::max(peak, client_.in_flight());
          return completed == kRequests;
        },
        20s);
    EXPECT_TRUE(finished);
  });
  EXPECT_EQ(completed, kRequests);
  EXPECT_EQ(bodies.size(), static_cast<std::size_t>(kRequests));
  EXPECT_GT(peak, 50u);
  EXPECT_EQ(client_.in_flight(), 0u);
}

TEST_F(HttpClientTest, RefusedConnectionIsConnectFailed) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  request.connect_timeout = 200ms;
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kConnectFailed) << outcome.error().message;
}

TEST_F(HttpClientTest, HangingServerHitsTotalTimeout) {
  server_.on("GET", "/hang", [](const FakeHttpRequest&) {
    FakeHttpResponse response;
    response.action = FakeHttpResponse::Action::kHang;
    return response;
  });
  HttpRequest request = get("/hang");
  request.total_timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kTimeout) << outcome.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(HttpClientTest, ChunkedBodyOverCapIsTooLargeWhileStreaming) {
  server_.on("GET", "/big", [](const FakeHttpRequest&) {
    FakeHttpResponse response = FakeHttpResponse::text(std::string(5 * 1024 * 1024, 'b'));
    response.chunked = true;  // no Content-Length: the cap must trip mid-stream
    return response;
  });
  HttpRequest request = get("/big");
  request.max_response_bytes = 1024 * 1024;
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kTooLarge) << outcome.error().message;
}

TEST_F(HttpClientTest, ContentLengthOverCapIsTooLarge) {
  server_.on("GET", "/big", [](const FakeHttpRequest&) {
    return FakeHttpResponse::text(std::string(5 * 1024 * 1024, 'b'));
  });
  HttpRequest request = get("/big");
  request.max_response_bytes = 1024 * 1024;
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kTooLarge) << outcome.error().message;
}

TEST_F(HttpClientTest, BodyAtCapIsAccepted) {
  server_.on("GET", "/exact", [](const FakeHttpRequest&) {
    FakeHttpResponse response = FakeHttpResponse::text(std::string(1024, 'e'));
    response.chunked = true;
    return response;
  });
  HttpRequest request = get("/exact");
  request.max_response_bytes = 1024;
  const Outcome outcome = fetch(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->body.size(), 1024u);
}

TEST_F(HttpClientTest, ResetIsConnectionReset) {
  server_.on("GET", "/reset", [](const FakeHttpRequest&) {
    FakeHttpResponse response;
    response.action = FakeHttpResponse::Action::kReset;
    return response;
  });
  const Outcome outcome = fetch(get("/reset"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kConnectionReset) << outcome.error().message;
}

TEST_F(HttpClientTest, TruncatedBodyIsConnectionReset) {
  server_.on("GET", "/truncated", [](const FakeHttpRequest&) {
    FakeHttpResponse response = FakeHttpResponse::text("partial");
    response.action = FakeHttpResponse::Action::kTruncate;
    return response;
  });
  const Outcome outcome = fetch(get("/truncated"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kConnectionReset) << outcome.error().message;
}

class HangingHttpClientTest : public HttpClientTest {
 protected:
  HangingHttpClientTest() {
    server_.on("GET", "/hang", [](const FakeHttpRequest&) {
      FakeHttpResponse response;
      response.action = FakeHttpResponse::Action::kHang;
      return response;
    });
  }
};

TEST_F(HangingHttpClientTest, TimerWinsRaceAndCancelsRequest) {
  run([&]() -> asio::awaitable<void> {
    asio::steady_timer timer(io_, 100ms);
    const auto winner = co_await (client_.request(get("/hang")) || timer.async_wait(asio::use_awaitable));
    EXPECT_EQ(winner.index(), 1u);
    EXPECT_EQ(client_.in_flight(), 0u);
  });
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(HangingHttpClientTest, CancellationSignalCompletesWithCancelled) {
  asio::cancellation_signal signal;
  std::optional<Outcome> outcome;
  run([&]() -> asio::awaitable<void> {
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { outcome.emplace(co_await client_.request(get("/hang"))); },
        asio::bind_cancellation_slot(signal.slot(), asio::detached));
    EXPECT_TRUE(co_await eventually([&] { return server_.request_count() == 1; }, 5s));
    EXPECT_EQ(client_.in_flight(), 1u);
    signal.emit(asio::cancellation_type::terminal);
    EXPECT_EQ(client_.in_flight(), 0u);
    EXPECT_TRUE(co_await eventually([&] { return outcome.has_value(); }, 5s));
  });
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->error().kind, Kind::kCancelled);
}

TEST_F(HangingHttpClientTest, DestroyingClientCompletesInFlightRequests) {
  auto client = std::make_unique<HttpClient>(io_.get_executor());
  std::vector<Outcome> outcomes;
  run([&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      asio::co_spawn(
          io_, [&]() -> asio::awaitable<void> { outcomes.push_back(co_await client->request(get("/hang"))); },
          asio::detached);
    }
    EXPECT_TRUE(co_await eventually([&] { return server_.request_count() == 3; }, 5s));
    client.reset();
    EXPECT_TRUE(co_await eventually([&] { return outcomes.size() == 3; }, 5s));
  });
  ASSERT_EQ(outcomes.size(), 3u);
  for (const Outcome& outcome : outcomes) {
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().kind, Kind::kCancelled);
  }
}

class RedirectHttpClientTest : public HttpClientTest {
 protected:
  RedirectHttpClientTest() {
    // /hop/N redirects to /hop/N-1; /hop/0 answers.
    server_.on("GET", "/hop/", [](const FakeHttpRequest& request) {
      const int n = std::stoi(request.target.substr(std::string("/hop/").size()));
      if (n == 0) return FakeHttpResponse::text("arrived");
      FakeHttpResponse response;
      response.status = 302;
      response.headers = {{"Location", "/hop/" + std::to_string(n - 1)}, {"X-Hop", std::to_string(n)}};
      return response;
    });
  }
};

TEST_F(RedirectHttpClientTest, FollowsUpToMaxRedirects) {
  HttpRequest request = get("/hop/3");
  request.max_redirects = 3;
  const Outcome outcome = fetch(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, 200);
  EXPECT_EQ(outcome->body, "arrived");
  EXPECT_EQ(outcome->effective_url, server_.base_url() + "/hop/0");
  EXPECT_EQ(outcome->header("x-hop"), "");  // headers are the final response's only
  EXPECT_EQ(server_.request_count(), 4u);
}

TEST_F(RedirectHttpClientTest, RefusesBeyondMaxRedirects) {
  HttpRequest request = get("/hop/4");
  request.max_redirects = 3;
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kOther) << outcome.error().message;
  EXPECT_EQ(server_.request_count(), 4u);
}

TEST_F(RedirectHttpClientTest, ReturnsRedirectWhenNotFollowing) {
  const Outcome outcome = fetch(get("/hop/1"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, 302);
  EXPECT_EQ(outcome->header("location"), "/hop/0");
}

TEST_F(HttpClientTest, RedirectToOtherSchemeIsRefused) {
  server_.on("GET", "/to-file", [](const FakeHttpRequest&) {
    FakeHttpResponse response;
    response.status = 302;
    response.headers = {{"Location", "file:///etc/passwd"}};
    return response;
  });
  HttpRequest request = get("/to-file");
  request.max_redirects = 5;
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kBadUrl) << outcome.error().message;
}

TEST_F(HttpClientTest, BadUrlsAreRefused) {
  for (const std::string url : {"ftp://127.0.0.1/x", "file:///etc/passwd", "http://[::1"}) {
    HttpRequest request;
    request.url = url;
    const Outcome outcome = fetch(request);
    ASSERT_FALSE(outcome.ok()) << url;
    EXPECT_EQ(outcome.error().kind, Kind::kBadUrl) << url << ": " << outcome.error().message;
  }
}

TEST_F(HttpClientTest, HeaderInjectionIsRefused) {
  HttpRequest request = get("/");
  request.headers = {{"X-Test", "a\r\nInjected: yes"}};
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(HttpClientTest, ErrorMessagesOmitRequestHeaders) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  request.headers = {{"Authorization", "Bearer sk-or-secret-123"}};
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().message.find("sk-or-secret"), std::string::npos) << outcome.error().message;
}

TEST_F(HttpClientTest, BlocksPrivateAddressesWhenAsked) {
  server_.on("GET", "/", echo);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    HttpRequest request;
    request.url = "http://" + host + ":" + std::to_string(server_.port()) + "/";
    request.block_private_addresses = true;
    const Outcome outcome = fetch(request);
    ASSERT_FALSE(outcome.ok()) << host;
    EXPECT_EQ(outcome.error().kind, Kind::kBlockedAddress) << host << ": " << outcome.error().message;
  }
  EXPECT_EQ(server_.request_count(), 0u);

  const Outcome allowed = fetch(get("/"));
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(allowed->status, 200);
}

TEST_F(HttpClientTest, BlocksPrivateAddressOnPooledConnection) {
  server_.on("GET", "/", echo);
  ASSERT_TRUE(fetch(get("/")).ok());  // leaves an idle connection in the pool
  HttpRequest request = get("/");
  request.block_private_addresses = true;
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kBlockedAddress) << outcome.error().message;
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST(IsPrivateAddress, ClassifiesRanges) {
  for (const char* ip : {"127.0.0.1",
                         "127.255.0.9",
                         "10.1.2.3",
                         "172.16.0.1",
                         "172.31.255.255",
                         "192.168.1.1",
                         "169.254.169.254",
                         "100.64.0.1",
                         "100.127.255.255",
                         "0.0.0.0",
                         "224.0.0.1",
                         "255.255.255.255",
                         "::1",
                         "::",
                         "fc00::1",
                         "fd12:3456::1",
                         "fe80::1",
                         "febf::1",
                         "::ffff:127.0.0.1",
                         "::ffff:10.0.0.1",
                         "::127.0.0.1",
                         "64:ff9b::a00:1",
                         "2002:c0a8:101::1",
                         "ff02::1",
                         "[::1]"}) {
    EXPECT_TRUE(is_private_address(ip)) << ip;
  }
  for (const char* ip :
       {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255", "192.169.0.1",
        "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "example.com", "", "localhost"}) {
    EXPECT_FALSE(is_private_address(ip)) << ip;
  }
}

TEST_F(HttpClientTest, ForwardsThroughHttpProxy) {
  FakeHttpServer proxy;
  proxy.set_forward_proxy(true);
  server_.on("GET", "/via", echo);
  HttpRequest request = get("/via?x=1");
  request.proxy = proxy.base_url();
  const Outcome outcome = fetch(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, 200);
  EXPECT_EQ(nlohmann::json::parse(outcome->body)["target"], "/via?x=1");
  ASSERT_EQ(proxy.request_count(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, server_.base_url() + "/via?x=1");
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(server_.requests()[0].target, "/via?x=1");
}

TEST_F(HttpClientTest, ProxyDoesNotHideAPrivateLiteralTarget) {
  FakeHttpServer proxy;
  proxy.set_forward_proxy(true);
  HttpRequest request = get("/");
  request.proxy = proxy.base_url();
  request.block_private_addresses = true;
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kBlockedAddress);
  EXPECT_EQ(proxy.request_count(), 0u);
}

// The proxy here answers absolute-form requests itself: it stands in for the
// public site 203.0.113.7 (TEST-NET-3) without any traffic leaving loopback.
TEST_F(HttpClientTest, ProxyIsNeverAskedForARedirectToAPrivateAddress) {
  FakeHttpServer proxy;
  server_.on("GET", "/secret", echo);
  proxy.on("GET", "/img.png", [this](const FakeHttpRequest&) {
    return FakeHttpResponse{302, {{"Location", server_.base_url() + "/secret"}}, ""};
  });
  HttpRequest request;
  request.url = "http://203.0.113.7/img.png";
  request.proxy = proxy.base_url();
  request.block_private_addresses = true;
  request.max_redirects = 3;
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kBlockedAddress) << outcome.error().message;
  ASSERT_EQ(proxy.request_count(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, "http://203.0.113.7/img.png");
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(HttpClientTest, ProxiedRedirectsToPublicHostsAreFollowedHopByHop) {
  FakeHttpServer proxy;
  proxy.on("GET", "/hop", [](const FakeHttpRequest& request) {
    // /hop<n> redirects (relative) to /hop<n-1>; /hop0 answers.
    const int n = std::stoi(request.path().substr(4));
    if (n == 0) return FakeHttpResponse::text("arrived");
    return FakeHttpResponse{302, {{"Location", "/hop" + std::to_string(n - 1)}}, ""};
  });
  HttpRequest request;
  request.url = "http://203.0.113.7/hop3";
  request.proxy = proxy.base_url();
  request.block_private_addresses = true;
  request.max_redirects = 3;
  const Outcome outcome = fetch(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->body, "arrived");
  EXPECT_EQ(outcome->effective_url, "http://203.0.113.7/hop0");
  EXPECT_EQ(proxy.request_count(), 4u);

  request.url = "http://203.0.113.7/hop4";
  const Outcome too_many = fetch(request);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().kind, Kind::kOther) << too_many.error().message;
  EXPECT_EQ(proxy.request_count(), 8u);

  request.max_redirects = 0;
  const Outcome unfollowed = fetch(request);
  ASSERT_TRUE(unfollowed.ok()) << unfollowed.error().message;
  EXPECT_EQ(unfollowed->status, 302);
}

TEST_F(HttpClientTest, UnreachableSocksProxyIsConnectFailed) {
  HttpRequest request = get("/");
  request.proxy = "socks5h://127.0.0.1:" + std::to_string(closed_port());
  const Outcome outcome = fetch(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kConnectFailed) << outcome.error().message;
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(HttpClientTest, EventLoopStaysResponsiveWhileRequestsWait) {
  server_.on("GET", "/slow", [](const FakeHttpRequest&) {
    FakeHttpResponse response = FakeHttpResponse::text("late");
    response.delay = 500ms;
    return response;
  });
  constexpr int kRequests = 20;
  int completed = 0;
  run([&]() -> asio::awaitable<void> {
    for (int i = 0; i < kRequests; ++i) {
      asio::co_spawn(
          io_,
          [&]() -> asio::awaitable<void> {
            const Outcome outcome = co_await client_.request(get("/slow"));
            EXPECT_TRUE(outcome.ok());
            ++completed;
          },
          asio::detached);
    }
    EXPECT_TRUE(co_await eventually([&] { return server_.request_count() == kRequests; }, 5s));
    asio::steady_timer timer(io_);
    for (int i = 0; i < 5; ++i) {
      const auto start = std::chrono::steady_clock::now();
      timer.expires_after(10ms);
      co_await timer.async_wait(asio::use_awaitable);
      EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
    }
    EXPECT_EQ(completed, 0);  // the timers really ran while the requests waited
    EXPECT_TRUE(co_await eventually([&] { return completed == kRequests; }, 10s));
  });
}

// The gateway calls preload_library() on a worker at start so that the first
// request does not load libcurl on the event loop.
TEST_F(HttpClientTest, PreloadingOnAnotherThreadLeavesRequestsWorking) {
  Status loaded;
  std::thread worker([&loaded] { loaded = HttpClient::preload_library(); });
  worker.join();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(HttpClient::preload_library().ok());  // a second call is the same table
  std::ifstream maps("/proc/self/maps");
  const std::string mapped((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  EXPECT_NE(mapped.find("libcurl"), std::string::npos);
  server_.on("GET", "/after", [](const FakeHttpRequest&) { return FakeHttpResponse{200, {}, "ok"}; });
  const Outcome outcome = fetch(get("/after"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->body, "ok");
}

}  // namespace
}  // namespace picbot::net
