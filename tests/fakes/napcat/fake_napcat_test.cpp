#include "tests/fakes/napcat/fake_napcat.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "tests/fakes/napcat/cq_encode.h"
#include "tests/support/temp_dir.h"

namespace picbot::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kWait = 5s;

// A bot stand-in on the test thread: each step runs its own io_context for at
// most the given timeout, so a misbehaving fake fails the test instead of
// hanging it.
class TestClient {
 public:
  TestClient() : ws_(ioc_) { ws_.read_message_max(std::size_t{128} << 20); }

  bool connect(std::uint16_t port, const std::string& target,
               std::map<std::string, std::string> headers = {}) {
    bool ok = run([&](auto done) {
      beast::get_lowest_layer(ws_).async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                                                 [done](beast::error_code ec) { done(ec); });
    });
    if (!ok) return false;
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
      for (const auto& [name, value] : headers) request.set(name, value);
    }));
    return run([&](auto done) {
      ws_.async_handshake("127.0.0.1", target, [done](beast::error_code ec) { done(ec); });
    });
  }

  std::optional<std::string> read_text(std::chrono::milliseconds timeout = kWait) {
    buffer_.clear();
    if (!run(
            [&](auto done) {
              ws_.async_read(buffer_, [done](beast::error_code ec, std::size_t) { done(ec); });
            },
            timeout)) {
      return std::nullopt;
    }
    return beast::buffers_to_string(buffer_.data());
  }

  std::optional<json> read_json(std::chrono::milliseconds timeout = kWait) {
    auto text = read_text(timeout);
    if (!text) return std::nullopt;
    return json::parse(*text, nullptr, false);
  }

  // The next frame that is not a meta event.
  std::optional<json> read_non_meta(std::chrono::milliseconds timeout = kWait) {
    while (auto frame = read_json(timeout)) {
      if (frame->value("post_type", "") != "meta_event") return frame;
    }
    return std::nullopt;
  }

  bool write(const std::string& text, std::chrono::milliseconds timeout = kWait) {
    return run(
        [&](auto done) {
          ws_.async_write(asio::buffer(text), [done](beast::error_code ec, std::size_t) { done(ec); });
        },
        timeout);
  }

  json call(const std::string& action, json params, json echo, std::chrono::milliseconds timeout = kWait) {
    EXPECT_TRUE(
        write(json{{"action", action}, {"params", std::move(params)}, {"echo", echo}}.dump(), timeout));
    auto frame = read_non_meta(timeout);
    return frame.value_or(json());
  }

  // Reads until the link ends: the close code the server sent (0 for a close
  // frame without one), -1 for a plain TCP close; nullopt on timeout.
  std::optional<int> read_until_closed(std::chrono::milliseconds timeout = kWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      buffer_.clear();
      beast::error_code result;
      const bool finished = run_raw(
          [&](auto done) {
            ws_.async_read(buffer_, [done](beast::error_code ec, std::size_t) { done(ec); });
          },
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()),
          result);
      if (!finished) return std::nullopt;
      if (result == websocket::error::closed) return static_cast<int>(ws_.reason().code);
      if (result) return -1;
    }
    return std::nullopt;
  }

  bool close(std::uint16_t code) {
    return run([&](auto done) {
      ws_.async_close(websocket::close_reason(code), [done](beast::error_code ec) { done(ec); });
    });
  }

  void drop() { beast::get_lowest_layer(ws_).close(); }

 private:
  template <class Start>
  bool run(Start start, std::chrono::milliseconds timeout = kWait) {
    beast::error_code result;
    return run_raw(start, timeout, result) && !result;
  }

  template <class Start>
  bool run_raw(Start start, std::chrono::milliseconds timeout, beast::error_code& result) {
    bool finished = false;
    start([&](beast::error_code ec) {
      finished = true;
      result = ec;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!finished) {
      beast::get_lowest_layer(ws_).close();
      ioc_.restart();
      ioc_.run();
    }
    return finished;
  }

  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
};

// A bot in reverse mode, on its own thread: accepts one connection, keeps the
// raw request head, then answers `reject_status` or upgrades and collects
// frames. It gives up after 15 s.
class TestServer {
 public:
  explicit TestServer(int reject_status = 0)
      : reject_status_(reject_status), acceptor_(ioc_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (!ec) on_accept(std::move(socket));
    });
    thread_ = std::thread([this] { ioc_.run_for(15s); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::string request_head() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kWait, [&] { return !head_.empty(); });
    return head_;
  }

  std::optional<json> frame(std::size_t index) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kWait, [&] { return frames_.size() > index; })) return std::nullopt;
    return json::parse(frames_[index], nullptr, false);
  }

  void send(std::string text) {
    asio::post(ioc_, [this, text = std::move(text)]() mutable {
      outgoing_ = std::move(text);
      ws_->async_write(asio::buffer(outgoing_), [](beast::error_code, std::size_t) {});
    });
  }

 private:
  void on_accept(tcp::socket socket) {
    socket_.emplace(std::move(socket));
    asio::async_read_until(*socket_, request_, "\r\n\r\n", [this](beast::error_code ec, std::size_t size) {
      if (ec) return;
      const std::string head(asio::buffers_begin(request_.data()),
                             asio::buffers_begin(request_.data()) + size);
      {
        std::lock_guard lock(mu_);
        head_ = head;
      }
      cv_.notify_all();
      if (reject_status_ != 0) {
        outgoing_ = "HTTP/1.1 " + std::to_string(reject_status_) +
                    " Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        asio::async_write(*socket_, asio::buffer(outgoing_), [this](beast::error_code, std::size_t) {
          beast::error_code ignored;
          socket_->shutdown(tcp::socket::shutdown_send, ignored);
        });
        return;
      }
      ws_.emplace(std::move(*socket_));
      ws_->async_accept(request_.data(), [this](beast::error_code ec) {
        if (!ec) read_next();
      });
    });
  }

  void read_next() {
    ws_->async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      if (ec) return;
      {
        std::lock_guard lock(mu_);
        frames_.push_back(beast::buffers_to_string(buffer_.data()));
      }
      buffer_.clear();
      cv_.notify_all();
      read_next();
    });
  }

  const int reject_status_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::optional<tcp::socket> socket_;
  asio::streambuf request_;
  std::optional<websocket::stream<tcp::socket>> ws_;
  beast::flat_buffer buffer_;
  std::string outgoing_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string head_;
  std::vector<std::string> frames_;
  std::thread thread_;
};

FakeNapCat::Options with_token(std::string token) {
  FakeNapCat::Options options;
  options.token = std::move(token);
  return options;
}

TEST(CqEncodeTest, EscapesTextAndValues) {
  EXPECT_EQ(escape_cq_text("a&b[c],d"), "a&amp;b&#91;c&#93;,d");
  EXPECT_EQ(escape_cq_value("a,b&c"), "a&#44;b&amp;c");
  const json message =
      json::parse(R"([{"type":"at","data":{"qq":"123"}},{"type":"text","data":{"text":" hi [x]"}},
    {"type":"image","data":{"file":"A.jpg","url":"https://h/d?a=1&b=2","sub_type":0}}])");
  EXPECT_EQ(to_cq_string(message),
            "[CQ:at,qq=123] hi &#91;x&#93;[CQ:image,file=A.jpg,sub_type=0,url=https://h/d?a=1&amp;b=2]");
  EXPECT_EQ(to_cq_string("plain & text"), "plain &amp; text");
}

TEST(FakeNapCatTest, ForwardBadTokenGets1403ThenClose) {
  FakeNapCat fake(with_token("secret"));
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/", {{"Authorization", "Bearer wrong"}}));
  EXPECT_EQ(
      client.read_text(),
      R"({"status":"failed","retcode":1403,"data":null,"message":"token验证失败","wording":"token验证失败","echo":null})");
  EXPECT_EQ(client.read_until_closed(), 0);  // a close frame without a code
  EXPECT_EQ(fake.auth_failure_count(), 1u);
  EXPECT_EQ(fake.connection_count(), 0u);
  EXPECT_EQ(fake.last_upgrade_headers()["authorization"], "Bearer wrong");
}

TEST(FakeNapCatTest, ForwardAcceptsHeaderOrQueryToken) {
  FakeNapCat fake(with_token("secret"));
  const std::uint16_t port = fake.listen();
  EXPECT_EQ(fake.listen(), port);
  TestClient by_header;
  ASSERT_TRUE(by_header.connect(port, "/", {{"Authorization", "Bearer secret"}}));
  auto lifecycle = by_header.read_json();
  ASSERT_TRUE(lifecycle);
  EXPECT_EQ((*lifecycle)["post_type"], "meta_event");
  EXPECT_EQ((*lifecycle)["meta_event_type"], "lifecycle");
  EXPECT_EQ((*lifecycle)["sub_type"], "connect");
  EXPECT_EQ((*lifecycle)["self_id"], 10001);
  EXPECT_TRUE((*lifecycle)["time"].is_number_integer());

  TestClient by_query;
  ASSERT_TRUE(by_query.connect(port, "/event?access_token=secret"));
  EXPECT_TRUE(by_query.read_json());
  EXPECT_TRUE(fake.wait_for_connections(2, kWait));
  EXPECT_EQ(fake.last_upgrade_target(), "/event?access_token=secret");
  EXPECT_EQ(fake.auth_failure_count(), 0u);
}

TEST(FakeNapCatTest, ApiConnectionGetsNoEvents) {
  FakeNapCat fake;
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/api"));
  // The first frame is the answer, not a lifecycle event.
  auto reply = client.call("get_login_info", json::object(), 1);
  EXPECT_EQ(reply["data"]["user_id"], 10001);
}

TEST(FakeNapCatTest, AnswersApiCallsLikeNapCat) {
  FakeNapCat fake;
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/"));

  json reply = client.call("get_login_info", json::object(), "e1");
  EXPECT_EQ(reply, json::parse(R"({"status":"ok","retcode":0,"data":{"user_id":10001,"nickname":"fakebot"},
    "message":"","wording":"","echo":"e1","stream":"normal-action"})"));

  reply = client.call("send_group_msg", {{"group_id", 5}, {"message", "hi"}}, json{{"n", 2}});
  EXPECT_EQ(reply["status"], "ok");
  EXPECT_TRUE(reply["data"]["message_id"].is_number_integer());
  EXPECT_EQ(reply["echo"], (json{{"n", 2}}));

  reply = client.call("send_group_msg", {{"message", "hi"}}, 3);
  EXPECT_EQ(reply["status"], "failed");
  EXPECT_EQ(reply["retcode"], 1400);
  EXPECT_TRUE(reply["data"].is_null());
  EXPECT_EQ(reply["echo"], 3);

  reply = client.call("send_private_msg", {{"user_id", "42"}, {"message", json::array()}}, 4);
  EXPECT_EQ(reply["retcode"], 1200);

  reply = client.call("no_such_action", json::object(), 5);
  EXPECT_EQ(reply["retcode"], 1404);
  EXPECT_EQ(reply["echo"], 5);

  ASSERT_TRUE(client.write("{not json"));
  reply = client.read_non_meta().value_or(json());
  EXPECT_EQ(reply["retcode"], 1400);
  EXPECT_FALSE(reply.contains("echo"));

  EXPECT_EQ(fake.count_calls("send_group_msg"), 2u);
  auto call = fake.wait_for_call(action_is("send_private_msg"), kWait);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->params["user_id"], "42");
  EXPECT_EQ(call->echo, 4);
  EXPECT_EQ(fake.calls().back().raw, "{not json");
  EXPECT_FALSE(fake.wait_for_call([](const ApiCall& c) { return c.action == "get_msg"; }, 1ms));
}

TEST(FakeNapCatTest, ValidatesMediaSourcesLikeNapCat) {
  FakeNapCat fake;
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/"));
  TempDir dir;
  const auto existing = dir.write_file("a.png", "png");
  auto send_image = [&](const std::string& file) {
    json message = json::array({{{"type", "image"}, {"data", {{"file", file}}}}});
    return client.call("send_msg", {{"message_type", "group"}, {"group_id", 1}, {"message", message}},
                       0)["retcode"];
  };
  EXPECT_EQ(send_image("base64://aGVsbG8="), 0);
  EXPECT_EQ(send_image("https://example.invalid/a.png"), 0);
  EXPECT_EQ(send_image(existing.string()), 0);
  EXPECT_EQ(send_image("file://" + existing.string()), 0);
  EXPECT_EQ(send_image("file:///nonexistent/a.png"), 1200);
  EXPECT_EQ(send_image("ftp://host/a.png"), 1200);
}

TEST(FakeNapCatTest, UploadFileStreamAssemblesChunksLikeNapCat) {
  FakeNapCat fake;
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/"));
  const std::string sha256 =
      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";  // "hello world"
  auto chunk = [&](const std::string& stream, int index, const std::string& data,
                   const std::string& expected) {
    return client.call("upload_file_stream",
                       {{"stream_id", stream},
                        {"chunk_data", data},
                        {"chunk_index", index},
                        {"total_chunks", 2},
                        {"file_size", 11},
                        {"expected_sha256", expected},
                        {"filename", "../hello.txt"},
                        {"file_retention", 300000}},
                       index);
  };
  // Chunks may arrive out of order; each is acknowledged with the count so far.
  // As NapCat's UploadFileStream (useStream): one stream-action frame per call.
  json reply = chunk("s-1", 1, "d29ybGQ=", sha256);  // "world"
  EXPECT_EQ(reply["stream"], "stream-action");
  EXPECT_EQ(
      reply["data"],
      (json{{"type", "stream"}, {"status", "chunk_received"}, {"received_chunks", 1}, {"total_chunks", 2}}));
  reply = chunk("s-1", 0, "aGVsbG8g", sha256);  // "hello "
  EXPECT_EQ(reply["data"]["received_chunks"], 2);

  reply = client.call("upload_file_stream", {{"stream_id", "s-1"}, {"is_complete", true}}, "done");
  ASSERT_EQ(reply["retcode"], 0) << reply.dump();
  EXPECT_EQ(reply["stream"], "stream-action");
  EXPECT_EQ(reply["data"]["type"], "response");
  EXPECT_EQ(reply["data"]["status"], "file_complete");
  EXPECT_EQ(reply["data"]["file_size"], 11);
  EXPECT_EQ(reply["data"]["sha256"], sha256);
  const std::filesystem::path stored = reply["data"]["file_path"].get<std::string>();
  EXPECT_EQ(stored.parent_path(), NapCatActions::stream_directory());  // "../" did not escape
  std::ifstream in(stored, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
            "hello world");

  // The stored path is a valid media source afterwards.
  json message = json::array({{{"type", "image"}, {"data", {{"file", stored.string()}}}}});
  EXPECT_EQ(client.call("send_group_msg", {{"group_id", 1}, {"message", message}}, 9)["retcode"], 0);
  std::filesystem::remove(stored);

  // A wrong hash, a missing chunk and an unknown stream are refused with 1200.
  chunk("s-2", 0, "aGVsbG8g", std::string(64, '0'));
  chunk("s-2", 1, "d29ybGQ=", std::string(64, '0'));
  reply = client.call("upload_file_stream", {{"stream_id", "s-2"}, {"is_complete", true}}, 10);
  EXPECT_EQ(reply["retcode"], 1200);
  EXPECT_FALSE(reply["message"].get<std::string>().empty());
  EXPECT_EQ(reply["stream"], "stream-action");
  EXPECT_EQ(reply["data"], (json{{"type", "error"}, {"data_type", "error"}})) << "OB11Response.error";
  chunk("s-3", 0, "aGVsbG8g", sha256);
  EXPECT_EQ(client.call("upload_file_stream", {{"stream_id", "s-3"}, {"is_complete", true}}, 11)["retcode"],
            1200);
  EXPECT_EQ(client.call("upload_file_stream", {{"stream_id", "s-4"}, {"is_complete", true}}, 12)["retcode"],
            1200);
  EXPECT_EQ(chunk("s-5", 0, "not base64!", sha256)["retcode"], 1400);
}

// get_group_msg_history / get_friend_msg_history: the chat's messages, oldest
// first, paged back with message_seq; images the bot sent appear as QQ
// stores them (upper-case MD5 name, file_size).
TEST(FakeNapCatTest, HistoryPagesBackAndShowsSentImagesAsQqStoresThem) {
  NapCatActions actions;
  auto call = [&](const std::string& action, json params) {
    return actions.handle(ApiCall{0, action, std::move(params), nullptr, "", 10001});
  };
  // "hello world" as base64; its MD5 is 5EB63BBBE01EEED093CB22BB8F5ACDC3.
  ASSERT_EQ(call("send_private_msg",
                 {{"user_id", 7},
                  {"message", {{{"type", "image"}, {"data", {{"file", "base64://aGVsbG8gd29ybGQ="}}}}}}})
                .retcode,
            0);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(call("send_private_msg", {{"user_id", 7}, {"message", "t" + std::to_string(i)}}).retcode, 0);
  ASSERT_EQ(call("send_group_msg", {{"group_id", 9}, {"message", "elsewhere"}}).retcode, 0);

  ApiReply latest = call("get_friend_msg_history", {{"user_id", 7}, {"count", 2}});
  ASSERT_EQ(latest.retcode, 0);
  ASSERT_EQ(latest.data["messages"].size(), 2u);
  EXPECT_EQ(latest.data["messages"][0]["raw_message"], "t1");
  EXPECT_EQ(latest.data["messages"][1]["raw_message"], "t2");
  const std::int64_t oldest = latest.data["messages"][0]["message_seq"].get<std::int64_t>();

  ApiReply earlier =
      call("get_friend_msg_history", {{"user_id", 7}, {"count", 3}, {"message_seq", oldest - 1}});
  ASSERT_EQ(earlier.retcode, 0);
  ASSERT_EQ(earlier.data["messages"].size(), 2u) << "the chat has nothing older";
  const json& image = earlier.data["messages"][0]["message"][0]["data"];
  EXPECT_EQ(image["file"], "5EB63BBBE01EEED093CB22BB8F5ACDC3.png");
  EXPECT_EQ(image["file_size"], "11");
  EXPECT_EQ(earlier.data["messages"][0]["user_id"], 10001);

  EXPECT_EQ(call("get_group_msg_history", {{"group_id", 9}}).data["messages"].size(), 1u);
  EXPECT_EQ(call("get_group_msg_history", json::object()).retcode, kRetcodeBadParams);
}

TEST(FakeNapCatTest, GroupMessageEventHasNapCatShapeAndGetMsgFindsIt) {
  FakeNapCat fake;
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/"));
  ASSERT_TRUE(fake.wait_for_connections(1, kWait));
  const int conn = fake.connection_ids().at(0);
  const json message = json::array({{{"type", "at"}, {"data", {{"qq", "10001"}}}},
                                    {{"type", "text"}, {"data", {{"text", " draw [a] cat"}}}}});
  const std::int64_t id = fake.send_group_message(conn, 777, 42, message, "Alice", "admin");

  auto event = client.read_non_meta();
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["post_type"], "message");
  EXPECT_EQ((*event)["message_type"], "group");
  EXPECT_EQ((*event)["sub_type"], "normal");
  EXPECT_EQ((*event)["message_id"], id);
  EXPECT_EQ((*event)["real_id"], id);
  EXPECT_EQ((*event)["self_id"], 10001);
  EXPECT_EQ((*event)["group_id"], 777);
  EXPECT_EQ((*event)["user_id"], 42);
  EXPECT_EQ((*event)["message"], message);
  EXPECT_EQ((*event)["raw_message"], "[CQ:at,qq=10001] draw &#91;a&#93; cat");
  EXPECT_EQ((*event)["font"], 14);
  EXPECT_EQ((*event)["message_format"], "array");
  EXPECT_EQ((*event)["sender"],
            (json{{"user_id", 42}, {"nickname", "Alice"}, {"card", ""}, {"role", "admin"}}));
  EXPECT_TRUE((*event)["group_name"].is_string());
  EXPECT_TRUE((*event)["message_seq"].is_number_integer());

  json reply = client.call("get_msg", {{"message_id", id}}, "g");
  EXPECT_EQ(reply["retcode"], 0);
  EXPECT_EQ(reply["data"]["message_id"], id);
  EXPECT_EQ(reply["data"]["message"], message);
  EXPECT_EQ(reply["data"]["group_id"], 777);
  EXPECT_EQ(reply["data"]["sender"]["nickname"], "Alice");

  const std::int64_t private_id = fake.send_private_message(conn, 43, "hello");
  event = client.read_non_meta();
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["message_type"], "private");
  EXPECT_EQ((*event)["sub_type"], "friend");
  EXPECT_FALSE(event->contains("group_id"));
  EXPECT_EQ((*event)["message"], json::parse(R"([{"type":"text","data":{"text":"hello"}}])"));
  EXPECT_GT(private_id, id);

  // The bot's own messages can be quoted too.
  reply = client.call("send_group_msg", {{"group_id", 777}, {"message", "pong"}}, 1);
  reply = client.call("get_msg",
                      {{"message_id", std::to_string(reply["data"]["message_id"].get<std::int64_t>())}}, 2);
  EXPECT_EQ(reply["data"]["sender"]["user_id"], 10001);
  EXPECT_EQ(reply["data"]["raw_message"], "pong");

  reply = client.call("get_msg", {{"message_id", 999999}}, "x");
  EXPECT_EQ(reply["retcode"], 1200);
  EXPECT_EQ(reply["message"], "消息不存在");
  fake.forget_messages();
  EXPECT_EQ(client.call("get_msg", {{"message_id", id}}, "y")["retcode"], 1200);
}

TEST(FakeNapCatTest, SendsCqStringWhenConfigured) {
  FakeNapCat::Options options;
  options.message_as_cq_string = true;
  FakeNapCat fake(options);
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/"));
  ASSERT_TRUE(fake.wait_for_connections(1, kWait));
  fake.send_group_message(fake.connection_ids().at(0), 1, 2,
                          json::array({{{"type", "face"}, {"data", {{"id", "14"}}}},
                                       {{"type", "text"}, {"data", {{"text", "a&b"}}}}}));
  auto event = client.read_non_meta();
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["message"], "[CQ:face,id=14]a&amp;b");
  EXPECT_EQ((*event)["raw_message"], "[CQ:face,id=14]a&amp;b");
  EXPECT_EQ((*event)["message_format"], "string");
}

TEST(FakeNapCatTest, HandlersCanStreamDelayOrStaySilent) {
  FakeNapCat fake;
  fake.set_handler("download_file_stream", [](const ApiCall& call) {
    ApiReply reply = ApiReply::ok({{"type", "response"}, {"file", "x"}});
    reply.stream_frames = {{{"type", "stream"}, {"index", 0}}, {{"type", "stream"}, {"index", 1}}};
    return reply;
  });
  fake.set_handler("slow", [](const ApiCall&) {
    ApiReply reply = ApiReply::ok("slow");
    reply.delay = 100ms;
    return reply;
  });
  fake.set_handler("silent", [](const ApiCall&) {
    ApiReply reply;
    reply.no_reply = true;
    return reply;
  });
  fake.set_handler("broken", [](const ApiCall&) -> ApiReply { throw std::runtime_error("boom"); });
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/"));

  ASSERT_TRUE(client.write(R"({"action":"download_file_stream","params":{},"echo":7})"));
  for (int index = 0; index < 2; ++index) {
    auto frame = client.read_non_meta().value_or(json());
    EXPECT_EQ(frame["echo"], 7);
    EXPECT_EQ(frame["stream"], "stream-action");
    EXPECT_EQ(frame["data"]["index"], index);
  }
  auto last = client.read_non_meta().value_or(json());
  EXPECT_EQ(last["echo"], 7);
  EXPECT_EQ(last["stream"], "stream-action");
  EXPECT_EQ(last["data"]["type"], "response");

  // A delayed answer does not hold back later ones; a silent one never comes.
  ASSERT_TRUE(client.write(R"({"action":"slow","echo":"a"})"));
  ASSERT_TRUE(client.write(R"({"action":"silent","echo":"b"})"));
  ASSERT_TRUE(client.write(R"({"action":"get_login_info","echo":"c"})"));
  EXPECT_EQ(client.read_non_meta().value_or(json())["echo"], "c");
  EXPECT_EQ(client.read_non_meta().value_or(json())["echo"], "a");

  EXPECT_EQ(client.call("broken", json::object(), 9)["retcode"], 1200);
  fake.set_handler("slow", nullptr);
  EXPECT_EQ(client.call("slow", json::object(), 10)["retcode"], 1404);
}

TEST(FakeNapCatTest, SendsHeartbeatsWhenEnabled) {
  FakeNapCat::Options options;
  options.send_heartbeats = true;
  options.heartbeat_interval_ms = 20;
  FakeNapCat fake(options);
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/"));
  EXPECT_EQ(client.read_json().value_or(json())["meta_event_type"], "lifecycle");
  auto heartbeat = client.read_json().value_or(json());
  EXPECT_EQ(heartbeat["meta_event_type"], "heartbeat");
  EXPECT_EQ(heartbeat["interval"], 20);
  EXPECT_EQ(heartbeat["status"], (json{{"online", true}, {"good", true}}));
}

TEST(FakeNapCatTest, DropAndCloseEndConnections) {
  FakeNapCat fake;
  const std::uint16_t port = fake.listen();

  TestClient dropped;
  ASSERT_TRUE(dropped.connect(port, "/"));
  ASSERT_TRUE(fake.wait_for_connections(1, kWait));
  int conn = fake.connection_ids().back();
  fake.send_raw(conn, "{broken");
  fake.drop(conn);
  EXPECT_EQ(dropped.read_json().value_or(json())["meta_event_type"], "lifecycle");
  EXPECT_EQ(dropped.read_text(), "{broken");  // queued frames go out before the drop
  EXPECT_EQ(dropped.read_until_closed(), -1);
  EXPECT_EQ(fake.wait_for_peer_close(conn, kWait), std::nullopt);  // the fake closed it

  TestClient closed;
  ASSERT_TRUE(closed.connect(port, "/"));
  ASSERT_TRUE(fake.wait_for_connections(1, kWait));
  conn = fake.connection_ids().back();
  fake.close(conn, 1001);
  EXPECT_EQ(closed.read_until_closed(), 1001);

  TestClient closing;
  ASSERT_TRUE(closing.connect(port, "/"));
  ASSERT_TRUE(fake.wait_for_connections(1, kWait));
  conn = fake.connection_ids().back();
  ASSERT_TRUE(closing.close(4000));
  EXPECT_EQ(fake.wait_for_peer_close(conn, kWait), 4000);

  TestClient vanishing;
  ASSERT_TRUE(vanishing.connect(port, "/"));
  ASSERT_TRUE(fake.wait_for_connections(1, kWait));
  conn = fake.connection_ids().back();
  vanishing.drop();
  EXPECT_EQ(fake.wait_for_peer_close(conn, kWait), -1);
  EXPECT_EQ(fake.connection_count(), 0u);
}

TEST(FakeNapCatTest, AcceptsFramesAboveFiftyMegabytes) {
  FakeNapCat fake;
  TestClient client;
  ASSERT_TRUE(client.connect(fake.listen(), "/"));
  const std::string payload(51u << 20, 'A');
  json message = json::array({{{"type", "image"}, {"data", {{"file", "base64://" + payload}}}}});
  // 51 MB written and parsed: seconds under ASan on a loaded machine.
  EXPECT_EQ(client.call("send_group_msg", {{"group_id", 1}, {"message", message}}, 1, 60s)["retcode"], 0);
}

TEST(FakeNapCatTest, ReverseConnectSendsNapCatHeaders) {
  FakeNapCat fake;
  TestServer bot;
  auto conn = fake.connect(bot.port(), "/onebot/v11/ws", 20002, "tok");
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  const std::string head = bot.request_head();
  EXPECT_NE(head.find("GET /onebot/v11/ws HTTP/1.1\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Self-ID: 20002\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Client-Role: Universal\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nAuthorization: Bearer tok\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nUser-Agent: OneBot/11\r\n"), std::string::npos) << head;

  auto lifecycle = bot.frame(0);
  ASSERT_TRUE(lifecycle);
  EXPECT_EQ((*lifecycle)["meta_event_type"], "lifecycle");
  EXPECT_EQ((*lifecycle)["self_id"], 20002);
  fake.send_group_message(*conn, 9, 8, "hi");
  EXPECT_EQ(bot.frame(1).value_or(json())["self_id"], 20002);
  bot.send(R"({"action":"get_login_info","echo":1})");
  EXPECT_EQ(bot.frame(2).value_or(json())["data"]["user_id"], 20002);
  auto call = fake.wait_for_call([](const ApiCall& c) { return c.action == "get_login_info"; }, kWait);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->conn, *conn);
  EXPECT_EQ(call->self_id, 20002);
}

TEST(FakeNapCatTest, ReverseConnectSendsEmptyBearer) {
  FakeNapCat fake;
  TestServer bot;
  ASSERT_TRUE(fake.connect(bot.port(), "/", 1, "").ok());
  const std::string head = bot.request_head();
  EXPECT_NE(head.find("\r\nAuthorization: Bearer \r\n"), std::string::npos) << head;
}

TEST(FakeNapCatTest, ReverseConnectReportsRefusal) {
  FakeNapCat fake;
  TestServer bot(401);
  auto refused = fake.connect(bot.port(), "/ws", 1, "bad");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 401);

  std::uint16_t closed_port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    closed_port = probe.local_endpoint().port();
  }
  auto unreachable = fake.connect(closed_port, "/", 1, "");
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().http_status, 0);
  EXPECT_EQ(fake.connection_count(), 0u);
}

TEST(FakeNapCatTest, TwoAccountsAtOnce) {
  FakeNapCat fake;
  TestServer first;
  TestServer second;
  auto a = fake.connect(first.port(), "/", 111, "");
  auto b = fake.connect(second.port(), "/", 222, "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(fake.wait_for_connections(2, kWait));
  fake.send_private_message(*b, 5, "to second");
  EXPECT_EQ(second.frame(1).value_or(json())["self_id"], 222);
  EXPECT_EQ(first.frame(0).value_or(json())["self_id"], 111);
}

}  // namespace
}  // namespace picbot::testing
