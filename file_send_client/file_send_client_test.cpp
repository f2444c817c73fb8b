#include "file_send_client/file_send_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <future>
#include <thread>

#include "file_receiver/test_support.h"

namespace picbot::filesend {
namespace {

using namespace test;
using Kind = TransferError::Kind;

// A listening POSIX socket on 127.0.0.1 with an ephemeral port.
class Listener {
 public:
  explicit Listener(bool listen = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    if (listen) ::listen(fd_, 8);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd_); }
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_;
};

bool recv_exact(int fd, std::string& out, std::size_t size) {
  const std::size_t start = out.size();
  out.resize(start + size);
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t n = ::recv(fd, out.data() + start + filled, size - filled, 0);
    if (n <= 0) return false;
    filled += static_cast<std::size_t>(n);
  }
  return true;
}

std::uint32_t u32_at(const std::string& s, std::size_t offset) {
  return read_u32_be(reinterpret_cast<const unsigned char*>(s.data() + offset));
}

// Accepts one connection, reads one full request (token preamble included)
// and then lets respond() answer on the socket. request() is what arrived.
class FakeReceiver {
 public:
  explicit FakeReceiver(std::function<void(int fd)> respond) {
    thread_ = std::thread([this, respond = std::move(respond)] {
      const int fd = ::accept(listener_.fd(), nullptr, nullptr);
      std::string request;
      bool ok = recv_exact(fd, request, 4);
      if (ok && u32_at(request, 0) == kTokenPreambleMagic) {
        ok = recv_exact(fd, request, 4) && recv_exact(fd, request, u32_at(request, 4)) &&
             recv_exact(fd, request, 4);
      }
      const std::size_t name_length = ok ? u32_at(request, request.size() - 4) : 0;
      ok = ok && recv_exact(fd, request, name_length) && recv_exact(fd, request, 8);
      const std::uint64_t size =
          ok ? read_u64_be(reinterpret_cast<const unsigned char*>(request.data() + request.size() - 8)) : 0;
      ok = ok && recv_exact(fd, request, size);
      respond(fd);
      ::close(fd);
      request_.set_value(request);
    });
  }
  ~FakeReceiver() { thread_.join(); }
  std::uint16_t port() const { return listener_.port(); }
  std::string request() { return request_.get_future().get(); }

 private:
  Listener listener_;
  std::promise<std::string> request_;
  std::thread thread_;
};

std::function<void(int)> reply_with(std::string payload) {
  return [payload](int fd) { ::send(fd, payload.data(), payload.size(), MSG_NOSIGNAL); };
}

std::string framed(std::string_view path) {
  std::string out;
  append_u32_be(out, static_cast<std::uint32_t>(path.size()));
  out.append(path);
  return out;
}

TEST(SendFileTest, SendsOriginalProtocolBytesWithoutToken) {
  FakeReceiver fake(reply_with(framed("/napcat/files/a.png")));
  auto result = send_sync(local_target(fake.port()), "a.png", "DATA");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, "/napcat/files/a.png");
  const std::string expected(
      "\0\0\0\x05"
      "a.png"
      "\0\0\0\0\0\0\0\x04"
      "DATA",
      4 + 5 + 8 + 4);
  EXPECT_EQ(fake.request(), expected);
}

TEST(SendFileTest, SendsTokenPreambleFirst) {
  FakeReceiver fake(reply_with(framed("/x/a.png")));
  auto result = send_sync(local_target(fake.port(), "tkn"), "a.png", "DATA");
  ASSERT_TRUE(result.ok()) << result.error().message;
  const std::string expected(
      "\xff\xff\xff\xff"
      "\0\0\0\x03"
      "tkn"
      "\0\0\0\x05"
      "a.png"
      "\0\0\0\0\0\0\0\x04"
      "DATA",
      4 + 4 + 3 + 4 + 5 + 8 + 4);
  EXPECT_EQ(fake.request(), expected);
}

TEST(SendFileTest, AcceptsWindowsAbsolutePaths) {
  FakeReceiver fake(reply_with(framed("C:\\napcat\\猫.png")));
  auto result = send_sync(local_target(fake.port()), "猫.png", "x");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, "C:\\napcat\\猫.png");
}

struct BadReplyCase {
  std::string name;
  std::string reply;
};

class SendFileBadReplyTest : public ::testing::TestWithParam<BadReplyCase> {};

TEST_P(SendFileBadReplyTest, IsReportedAsBadReply) {
  FakeReceiver fake(reply_with(GetParam().reply));
  auto result = send_sync(local_target(fake.port()), "a.png", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, Kind::kBadReply) << result.error().message;
  fake.request();
}

INSTANTIATE_TEST_SUITE_P(Replies, SendFileBadReplyTest,
                         ::testing::Values(BadReplyCase{"Relative", framed("relative/a.png")},
                                           BadReplyCase{"Empty", std::string(4, '\0')},
                                           BadReplyCase{"TooLong",
                                                        "\x00\x01\x00\x00" + std::string(70000, '/')},
                                           BadReplyCase{"NotUtf8", framed("/x/\xff\xfe.png")},
                                           BadReplyCase{"ControlChar", framed("/x/a\n.png")}),
                         [](const auto& info) { return info.param.name; });

TEST(SendFileTest, TruncatedReplyIsReset) {
  FakeReceiver fake(reply_with(framed("/napcat/a.png").substr(0, 8)));
  auto result = send_sync(local_target(fake.port()), "a.png", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, Kind::kReset) << result.error().message;
}

TEST(SendFileTest, CloseWithoutReplyIsRejected) {
  FakeReceiver fake([](int) {});
  auto result = send_sync(local_target(fake.port()), "a.png", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, Kind::kRejected) << result.error().message;
}

TEST(SendFileTest, ConnectionRefused) {
  Listener bound_not_listening(false);
  auto result = send_sync(local_target(bound_not_listening.port()), "a.png", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, Kind::kRefused) << result.error().message;
}

TEST(SendFileTest, SilentReceiverTimesOut) {
  Listener never_accepts;  // the kernel completes the handshake; nobody answers
  Target target = local_target(never_accepts.port());
  target.transfer_timeout_base = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto result = send_sync(target, "a.png", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, Kind::kTimeout) << result.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(SendFileTest, RefusesOversizedInputsLocally) {
  Target target = local_target(1);
  EXPECT_EQ(send_sync(target, std::string(kMaxWireNameBytes + 1, 'n'), "x").error().kind, Kind::kRejected);
  target.token = std::string(kMaxTokenBytes + 1, 't');
  auto result = send_sync(target, "a.png", "x");
  EXPECT_EQ(result.error().kind, Kind::kRejected);
  EXPECT_EQ(result.error().message.find("ttt"), std::string::npos);
}

TEST(SendFileTest, TransferTimeoutScalesWithSize) {
  Target target;
  EXPECT_EQ(transfer_timeout(target, 0), std::chrono::seconds(10));
  EXPECT_EQ(transfer_timeout(target, 20'000'000), std::chrono::seconds(30));
  EXPECT_EQ(transfer_timeout(target, 1'500'000), std::chrono::milliseconds(11500));
}

TEST(SendFileTest, AbsolutePathForms) {
  EXPECT_TRUE(is_absolute_remote_path("/a"));
  EXPECT_TRUE(is_absolute_remote_path("D:/a"));
  EXPECT_TRUE(is_absolute_remote_path("\\\\server\\share\\a"));
  EXPECT_FALSE(is_absolute_remote_path("a/b"));
  EXPECT_FALSE(is_absolute_remote_path("C:a"));
  EXPECT_FALSE(is_absolute_remote_path(""));
}

}  // namespace
}  // namespace picbot::filesend
