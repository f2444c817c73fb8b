#include "bot/web/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>

#include "bot/net/http_client.h"
#include "bot/web/test_fetch.h"

namespace picbot::web {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

HttpHandler reply(std::string body) {
  return [body](const HttpRequest&) -> asio::awaitable<HttpResponse> {
    co_return HttpResponse::text(200, body);
  };
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServer::Options options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_body_bytes = 1024;
    server_ = std::make_unique<HttpServer>(io_.get_executor(), options);
  }

  void start() {
    auto port = server_->start();
    ASSERT_TRUE(port) << port.error().message;
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  // Runs body on io_ until it finishes; fails after 30 s.
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

  net::HttpResponse fetch(std::string method, std::string path, std::string body = "",
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
    return fetch_on(io_, client_, std::move(method), base_ + path, std::move(body), std::move(headers));
  }

  // Sends raw bytes on one connection and returns everything read until the
  // server closes it (or `responses` responses have arrived).
  std::string raw(std::string bytes, int responses = 1) {
    std::string received;
    run([&]() -> asio::awaitable<void> {
      tcp::socket socket(io_);
      co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), server_->port()},
                                    asio::use_awaitable);
      co_await asio::async_write(socket, asio::buffer(bytes), asio::use_awaitable);
      std::string pending;
      for (int i = 0; i < responses; ++i) {
        // Headers, then the body by Content-Length.
        auto [ec, header_end] = co_await asio::async_read_until(
            socket, asio::dynamic_buffer(pending), "\r\n\r\n", asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        const std::size_t cl = pending.find("Content-Length: ");
        const std::size_t length = cl < header_end ? std::stoul(pending.substr(cl + 16)) : 0;
        if (pending.size() < header_end + length) {
          co_await asio::async_read(socket, asio::dynamic_buffer(pending),
                                    asio::transfer_exactly(header_end + length - pending.size()),
                                    asio::as_tuple(asio::use_awaitable));
        }
        received += pending.substr(0, header_end + length);
        pending.erase(0, header_end + length);
      }
    });
    return received;
  }

  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  net::HttpClient client_{io_.get_executor()};
  std::string base_;
};

TEST_F(HttpServerTest, LongestPrefixWinsAndSegmentsMustMatch) {
  server_->route("GET", "/", reply("root"));
  server_->route("GET", "/images/", reply("images"));
  server_->route("GET", "/images/special", reply("special"));
  server_->route("GET", "/health", reply("health"));
  start();
  EXPECT_EQ(fetch("GET", "/images/abc").body, "images");
  EXPECT_EQ(fetch("GET", "/images/special").body, "special");
  EXPECT_EQ(fetch("GET", "/health").body, "health");
  EXPECT_EQ(fetch("GET", "/healthz").body, "root");
  EXPECT_EQ(fetch("GET", "/other?x=1").body, "root");
}

TEST_F(HttpServerTest, UnknownPathIs404WrongMethodIs405) {
  server_->route("GET", "/health", reply("ok"));
  server_->route("POST", "/health", reply("posted"));
  server_->route("GET", "/only-get", reply("ok"));
  start();
  EXPECT_EQ(fetch("GET", "/nothing").status, 404);
  const auto wrong = fetch("DELETE", "/only-get");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "GET");
  EXPECT_EQ(fetch("DELETE", "/health").header("allow"), "GET, POST");
  EXPECT_EQ(fetch("POST", "/health", "x").body, "posted");
}

TEST_F(HttpServerTest, RequestFieldsReachTheHandler) {
  HttpRequest seen;
  server_->route("POST", "/echo", [&](const HttpRequest& r) -> asio::awaitable<HttpResponse> {
    seen = r;
    co_return HttpResponse::json({{"ok", true}}, 201);
  });
  start();
  const auto response = fetch("POST", "/echo/x?a=1&name=hello%20world&b", "payload", {{"X-Test", "Value"}});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.body, R"({"ok":true})");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/echo/x");
  EXPECT_EQ(seen.query, "a=1&name=hello%20world&b");
  EXPECT_EQ(seen.query_param("name"), "hello world");
  EXPECT_EQ(seen.query_param("a"), "1");
  EXPECT_EQ(seen.query_param("missing"), "");
  EXPECT_EQ(seen.body, "payload");
  EXPECT_EQ(seen.header("X-TEST"), "Value");
  EXPECT_TRUE(seen.remote.starts_with("127.0.0.1:")) << seen.remote;
}

TEST_F(HttpServerTest, SecurityHeadersOnEveryResponse) {
  server_->route("GET", "/cached", [](const HttpRequest&) -> asio::awaitable<HttpResponse> {
    HttpResponse response = HttpResponse::text(200, "x");
    response.headers.emplace_back("Cache-Control", "private, max-age=60");
    co_return response;
  });
  start();
  for (const std::string path : {"/cached", "/missing"}) {
    const auto response = fetch("GET", path);
    EXPECT_EQ(response.header("x-content-type-options"), "nosniff") << path;
    EXPECT_EQ(response.header("referrer-policy"), "no-referrer") << path;
  }
  EXPECT_EQ(fetch("GET", "/cached").header("cache-control"), "private, max-age=60");
  EXPECT_EQ(fetch("GET", "/missing").header("cache-control"), "no-store");
}

TEST_F(HttpServerTest, HandlerExceptionIs500WithGenericBody) {
  server_->route("GET", "/boom", [](const HttpRequest&) -> asio::awaitable<HttpResponse> {
    throw std::runtime_error("secret internal detail");
    co_return HttpResponse::text(200, "unreachable");
  });
  start();
  const auto response = fetch("GET", "/boom");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
}

TEST_F(HttpServerTest, HeaderAndBodyLimits) {
  server_->route("POST", "/upload", reply("stored"));
  start();
  EXPECT_EQ(fetch("POST", "/upload", std::string(1024, 'a')).body, "stored");
  EXPECT_EQ(fetch("POST", "/upload", std::string(1025, 'a')).status, 413);
  EXPECT_EQ(fetch("POST", "/upload", "x", {{"X-Big", std::string(17 * 1024, 'h')}}).status, 431);
  // A malformed request line gets 400.
  EXPECT_TRUE(raw("NOT A REQUEST\r\n\r\n").starts_with("HTTP/1.1 400")) << "garbage";
}

// Issue 15: Beast reads "xchunked" or "chunked, identity" as no body, so the
// body's bytes passed for the next request (smuggling). RFC 9112 §6.3: 400.
TEST_F(HttpServerTest, TransferEncodingOtherThanExactlyChunkedIs400) {
  int handled = 0;
  server_->route("POST", "/upload", [&](const HttpRequest& r) -> asio::awaitable<HttpResponse> {
    ++handled;
    co_return HttpResponse::text(200, "stored " + r.body);
  });
  server_->route("GET", "/smuggled", [&](const HttpRequest&) -> asio::awaitable<HttpResponse> {
    ++handled;
    co_return HttpResponse::text(200, "smuggled");
  });
  start();
  for (const char* coding : {"xchunked", "chunked, identity", "gzip, chunked", "identity"}) {
    const std::string body = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string answer = raw(
        std::string("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + coding + "\r\n\r\n" + body,
        2);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << coding << "\n" << answer;
    EXPECT_EQ(answer.find("smuggled"), std::string::npos) << coding << "\n" << answer;
  }
  // Two fields that join to "chunked, chunked" are refused too.
  EXPECT_TRUE(raw("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                  .starts_with("HTTP/1.1 400"));
  EXPECT_EQ(handled, 0);
  // Exactly "chunked", in any case, is read.
  const std::string chunked =
      raw("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
  EXPECT_TRUE(chunked.starts_with("HTTP/1.1 200")) << chunked;
  EXPECT_NE(chunked.find("stored ab"), std::string::npos) << chunked;
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  std::set<std::string> remotes;
  server_->route("GET", "/who", [&](const HttpRequest& r) -> asio::awaitable<HttpResponse> {
    remotes.insert(r.remote);
    co_return HttpResponse::text(200, r.path);
  });
  start();
  const std::string two =
      raw("GET /who/1 HTTP/1.1\r\nHost: x\r\n\r\n"
          "GET /who/2 HTTP/1.1\r\nHost: x\r\n\r\n",
          2);
  EXPECT_NE(two.find("/who/1"), std::string::npos) << two;
  EXPECT_NE(two.find("/who/2"), std::string::npos) << two;
  EXPECT_EQ(remotes.size(), 1u) << "both requests came over the same connection";
}

TEST_F(HttpServerTest, ConnectionCapAnswers503) {
  HttpServer::Options options;
  options.port = 0;
  options.max_connections = 0;
  server_ = std::make_unique<HttpServer>(io_.get_executor(), options);
  server_->route("GET", "/", reply("x"));
  start();
  EXPECT_EQ(fetch("GET", "/").status, 503);
}

// Issue 15, defect 5: 64 idle sockets used to hold every slot for 30 s each.
class HttpServerSlotsTest : public HttpServerTest {
 protected:
  void start_with(std::size_t max_connections, std::size_t per_client,
                  std::chrono::milliseconds header_timeout = 5s) {
    HttpServer::Options options;
    options.port = 0;
    options.max_connections = max_connections;
    options.max_connections_per_client = per_client;
    options.header_timeout = header_timeout;
    server_ = std::make_unique<HttpServer>(io_.get_executor(), options);
    server_->route("GET", "/health", reply("ok"));
    start();
  }

  // Opens n connections that send `bytes` (maybe nothing) and waits until the
  // server has taken `expected_open` connections in total.
  void open_sockets(int n, const std::string& bytes, std::size_t expected_open) {
    run([&]() -> asio::awaitable<void> {
      for (int i = 0; i < n; ++i) {
        auto& socket = sockets_.emplace_back(io_);
        co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), server_->port()},
                                      asio::use_awaitable);
        if (!bytes.empty()) co_await asio::async_write(socket, asio::buffer(bytes), asio::use_awaitable);
      }
      asio::steady_timer poll(io_);
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (server_->connections() != expected_open && std::chrono::steady_clock::now() < deadline) {
        poll.expires_after(1ms);
        co_await poll.async_wait(asio::use_awaitable);
      }
    });
    ASSERT_EQ(server_->connections(), expected_open);
  }

  std::vector<tcp::socket> sockets_;
};

TEST_F(HttpServerSlotsTest, IdleConnectionsMakeRoomForANewcomer) {
  start_with(4, 16);
  open_sockets(4, "", 4);
  EXPECT_EQ(fetch("GET", "/health").status, 200);
}

TEST_F(HttpServerSlotsTest, ConnectionsInTheMiddleOfARequestAreNotClosedForANewcomer) {
  start_with(2, 16);
  open_sockets(2, "GET /health HTTP/1.1\r\n", 2);
  EXPECT_EQ(fetch("GET", "/health").status, 503);
}

TEST_F(HttpServerSlotsTest, OneClientHoldsAtMostItsShare) {
  start_with(64, 3);
  open_sockets(10, "", 3);
  EXPECT_EQ(server_->connections(), 3u) << "the oldest idle ones made room";
}

TEST_F(HttpServerSlotsTest, AConnectionWithoutAHeaderIsClosedAtTheHeaderDeadline) {
  start_with(64, 16, 100ms);
  open_sockets(1, "GET /health HTTP/1.1\r\nHost: x\r\n", 1);
  const auto started = std::chrono::steady_clock::now();
  run([&]() -> asio::awaitable<void> {
    char byte;
    co_await sockets_[0].async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
  });
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "not the 30 s read timeout";
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(HttpServerTest, ARouteTakesTheBodyLimitItDeclares) {
  RouteOptions big;
  big.max_body_bytes = 4096;
  big.too_large = [](std::size_t limit) {
    return HttpResponse::json({{"error", {{"message", "over " + std::to_string(limit)}}}}, 413);
  };
  server_->route("POST", "/big", reply("big"), big);
  server_->route("POST", "/small", reply("small"));
  start();
  EXPECT_EQ(fetch("POST", "/big", std::string(3000, 'x')).body, "big");
  const auto over = fetch("POST", "/big", std::string(5000, 'x'));
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(over.body, R"({"error":{"message":"over 4096"}})");
  const auto small = fetch("POST", "/small", std::string(3000, 'x'));
  EXPECT_EQ(small.status, 413) << "the server's own 1024 bytes";
  EXPECT_EQ(small.body, "payload too large\n");
}

TEST_F(HttpServerTest, AChunkedBodyAboveTheRouteLimitIs413) {
  RouteOptions big;
  big.max_body_bytes = 2048;
  server_->route("POST", "/big", reply("big"), big);
  start();
  const std::string chunk(1500, 'x');
  const std::string head = "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string one = "5dc\r\n" + chunk + "\r\n";
  EXPECT_NE(raw(head + one + "0\r\n\r\n").find("200 OK"), std::string::npos);
  EXPECT_NE(raw(head + one + one + "0\r\n\r\n").find("413"), std::string::npos);
}

// Reads from socket until `until` appears in received (or the peer closes).
asio::awaitable<void> read_until_text(tcp::socket& socket, std::string& received, std::string_view until) {
  while (received.find(until) == std::string::npos) {
    char buffer[1024];
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    received.append(buffer, n);
  }
}

TEST_F(HttpServerTest, AStreamedResponseSendsEachWriteAsItHappens) {
  asio::steady_timer second_part(io_, asio::steady_timer::time_point::max());
  server_->route("GET", "/events", [&](const HttpRequest&) -> asio::awaitable<HttpResponse> {
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = [&](ResponseStream& out) -> asio::awaitable<void> {
      co_await out.write("data: one\n\n");
      co_await second_part.async_wait(asio::as_tuple(asio::use_awaitable));
      co_await out.write("data: two\n\n");
    };
    co_return response;
  });
  start();
  std::string received;
  run([&]() -> asio::awaitable<void> {
    tcp::socket socket(io_);
    co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), server_->port()},
                                  asio::use_awaitable);
    const std::string request = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
    co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
    co_await read_until_text(socket, received, "data: one\n\n\r\n");
    EXPECT_EQ(received.find("two"), std::string::npos)
        << "the first event came before the second was written";
    second_part.expires_at(asio::steady_timer::time_point::min());  // also wakes a wait that starts later
    co_await read_until_text(socket, received, "\r\n0\r\n\r\n");
  });
  EXPECT_NE(received.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(received.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(received.find("b\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n"), std::string::npos)
      << received;
}

TEST_F(HttpServerTest, TheClientLeavingEndsTheStream) {
  bool upstream_cancelled = false, write_after_failed = false;
  server_->route("GET", "/events", [&](const HttpRequest&) -> asio::awaitable<HttpResponse> {
    HttpResponse response;
    response.stream = [&](ResponseStream& out) -> asio::awaitable<void> {
      co_await out.write(": hello\n\n");
      // Stands for an upstream call bound to the stream's close signal.
      asio::steady_timer upstream(io_, 60s);
      auto [ec] = co_await upstream.async_wait(
          asio::bind_cancellation_slot(out.on_close(), asio::as_tuple(asio::use_awaitable)));
      upstream_cancelled = ec == asio::error::operation_aborted;
      write_after_failed = !co_await out.write("data: late\n\n") && out.closed();
    };
    co_return response;
  });
  start();
  run([&]() -> asio::awaitable<void> {
    {
      tcp::socket socket(io_);
      co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), server_->port()},
                                    asio::use_awaitable);
      const std::string request = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
      co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
      std::string received;
      co_await read_until_text(socket, received, ": hello");
    }  // the client goes away
    asio::steady_timer poll(io_);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!write_after_failed && std::chrono::steady_clock::now() < deadline) {
      poll.expires_after(5ms);
      co_await poll.async_wait(asio::use_awaitable);
    }
  });
  EXPECT_TRUE(upstream_cancelled);
  EXPECT_TRUE(write_after_failed);
}

TEST_F(HttpServerTest, BindFailureIsAnError) {
  start();
  HttpServer::Options options;
  options.port = server_->port();
  HttpServer second(io_.get_executor(), options);
  auto port = second.start();
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().code, "listen_failed");
  EXPECT_NE(port.error().message.find("web.listen"), std::string::npos);
  HttpServer::Options bad;
  bad.host = "not-an-ip";
  EXPECT_EQ(HttpServer(io_.get_executor(), bad).start().error().code, "bad_listen");
}

}  // namespace
}  // namespace picbot::web
