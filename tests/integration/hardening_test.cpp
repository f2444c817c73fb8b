// Issue 15 (attacking a running picbot from outside), against the real
// binary: the console's login limit over IPv6, descriptor exhaustion at the
// accept loop, idle sockets holding the web server's slots, refused upgrades
// flooding the log, and one silent account starving the others.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kPassword[] = "hardening-pass-4242";

// A reverse-mode config whose web server listens on `web_listen`, with a
// console password.
std::string config_with_web(const std::string& web_listen) {
  return "data_dir: \"{data_dir}\"\n"
         "log_level: debug\n"
         "onebot:\n"
         "  mode: reverse\n"
         "  listen: \"127.0.0.1:0\"\n"
         "  access_token: \"" +
         std::string(kTestToken) +
         "\"\n"
         "web:\n"
         "  listen: \"" +
         web_listen + "\"\n  password: \"" + kPassword +
         "\"\n"
         "bot:\n"
         "  admins: [1]\n";
}

// TCP connections to 127.0.0.1:port that send nothing; closed on destruction.
class IdleSockets {
 public:
  ~IdleSockets() { close_all(); }
  // Opens n connections; returns how many connected.
  int open(std::uint16_t port, int n) {
    int opened = 0;
    for (int i = 0; i < n; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) break;
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(port);
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        break;
      }
      fds_.push_back(fd);
      ++opened;
    }
    return opened;
  }
  // Whether the server has closed any of them (a read sees EOF or a reset).
  bool any_closed_by_server() const {
    for (int fd : fds_) {
      char byte;
      const ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
    }
    return false;
  }
  void close_all() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
  }

 private:
  std::vector<int> fds_;
};

net::HttpResponse get(const std::string& url) {
  net::HttpRequest request;
  request.url = url;
  return blocking_request(std::move(request));
}

std::size_t lines_matching(ChildProcess& process, const std::string& pattern) {
  const std::regex re(pattern);
  std::size_t n = 0;
  for (const auto& line : process.lines()) n += std::regex_search(line, re);
  return n;
}

// ---- Defect 2: the console's login limit over IPv6 --------------------------

TEST(LoginLimit, HoldsOverIpv6WhateverTheSourcePort) {
  PicbotRunner bot(config_with_web("[::1]:0"));
  ASSERT_TRUE(bot.start());
  ASSERT_NE(bot.web_port(), 0) << bot.process().output();
  const std::string login_url = "http://[::1]:" + std::to_string(bot.web_port()) + "/login";
  auto login = [&](const std::string& password) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = login_url;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = json{{"password", password}}.dump();
    return blocking_request(std::move(request));  // a new connection, so a new source port, each time
  };
  for (int i = 0; i < 5; ++i) ASSERT_EQ(login("wrong-" + std::to_string(i)).status, 401) << i;
  EXPECT_EQ(login("wrong-again").status, 429) << bot.process().output();
  EXPECT_EQ(login(kPassword).status, 429) << "limited until the window passes, even with the right password";
}

// ---- Defect 3: descriptor exhaustion at the accept loop ---------------------

TEST(AcceptLoop, OutOfDescriptorsItPausesInsteadOfSpinningAndServesAgainLater) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers need descriptors themselves: UBSan's vptr check proves
  // memory readable through a pipe(), so with none left every virtual call is
  // reported as "invalid vptr" (a suppression cannot match an invalid vptr).
  GTEST_SKIP() << "descriptor exhaustion disables the sanitizers' own checks; runs in the normal suite";
#endif
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  ChildProcess& picbot = bot.process();
  // Room for a handful of connections, then accept fails with EMFILE.
  ASSERT_TRUE(picbot.set_open_file_limit(picbot.open_file_count() + 4)) << std::strerror(errno);
  IdleSockets sockets;
  ASSERT_EQ(sockets.open(bot.web_port(), 24), 24);  // the kernel's backlog holds those not accepted
  ASSERT_TRUE(bot.wait_for_log("web.listen: accept failed: Too many open files", 10s)) << picbot.output();
  const auto cpu_before = picbot.cpu_time();
  const std::size_t lines_before = picbot.lines().size();
  const auto started = std::chrono::steady_clock::now();
  // The event that ends the measurement: the web server's header deadline
  // (5 s) closes the idle connections it did accept.
  const bool closed = wait_until([&] { return sockets.any_closed_by_server(); }, 20s);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  const auto cpu_used = picbot.cpu_time() - cpu_before;
  const std::size_t lines_logged = picbot.lines().size() - lines_before;
  EXPECT_GE(elapsed, 1s) << "the measurement needs time to mean anything";
  EXPECT_LT(cpu_used, elapsed / 4) << "a spinning accept loop uses a whole core";
  EXPECT_LT(lines_logged, 100u) << "at most a line a second from the accept loop";
  EXPECT_LE(lines_matching(picbot, "accept failed"), 1 + static_cast<std::size_t>(elapsed / 1s) + 10);
  ASSERT_TRUE(closed) << "the header deadline closes idle connections";

  // Descriptors free up: the backlog drains and a new request is served.
  sockets.close_all();
  EXPECT_EQ(get("http://127.0.0.1:" + std::to_string(bot.web_port()) + "/health").status, 200)
      << picbot.output();
}

// ---- Defect 5: idle sockets holding every slot ------------------------------

TEST(WebServerSlots, EightyIdleSocketsLeaveHealthAndTheConsoleLoginAnswering) {
  PicbotRunner bot(config_with_web("127.0.0.1:0"));
  ASSERT_TRUE(bot.start());
  IdleSockets sockets;
  ASSERT_EQ(sockets.open(bot.web_port(), 80), 80);
  // Accepts are in order: these requests come after all 80 idle sockets.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(get("http://127.0.0.1:" + std::to_string(bot.web_port()) + "/health").status, 200)
      << bot.process().output();
  ConsoleClient console(bot.web_port());
  EXPECT_EQ(console.login(kPassword).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "answered at once, not after a timeout";
}

// ---- Defect 4: refused upgrades flooding the log ----------------------------

TEST(RefusedUpgrades, ALongPathIsCutAndAFloodFromOnePeerIsSummarised) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  const std::string long_path = "/" + std::string(12 * 1024, 'a');
  FakeNapCat napcat;
  for (int i = 0; i < 200; ++i) {
    auto refused = napcat.connect(bot.reverse_port(), i == 0 ? long_path : "/wrong/path", 10001, kTestToken);
    ASSERT_FALSE(refused.ok());
    ASSERT_EQ(refused.error().http_status, 404) << i;
  }
  // The last refusal has been handled once a good link is up after it.
  ASSERT_TRUE(napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken).ok());
  ASSERT_TRUE(bot.wait_for_log(R"(link #\d+ open)", 5s)) << bot.process().output();
  std::size_t longest = 0;
  for (const auto& line : bot.process().lines()) longest = std::max(longest, line.size());
  EXPECT_LT(longest, 1024u) << "12 KB of path must not reach the log";
  EXPECT_LE(lines_matching(bot.process(), "asked for"), 5u);
}

// ---- Defect 7: one silent account starving the others -----------------------

TEST(AccountBudget, ASilentAccountDoesNotDelayAnotherAccountsPing) {
  constexpr std::int64_t kSilent = 20001, kHealthy = 20002;
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  // The silent account's NapCat reads every call and never answers it (the
  // fake's no_reply, tests/fakes/napcat/napcat_actions.h).
  napcat.set_handler("send_group_msg", [](const ApiCall& call) {
    if (call.self_id == kSilent) {
      ApiReply silent;
      silent.no_reply = true;
      return silent;
    }
    return ApiReply::ok(json{{"message_id", 1}});
  });
  auto silent = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", kSilent, kTestToken);
  auto healthy = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", kHealthy, kTestToken);
  ASSERT_TRUE(silent.ok() && healthy.ok());
  // More pending commands than the dispatcher has handler slots in all.
  constexpr int kPending = 300;
  for (int i = 0; i < kPending; ++i) napcat.send_group_message(*silent, 777, 42, "/ping");
  ASSERT_TRUE(napcat.wait_for_call(
      [](const ApiCall& c) { return c.self_id == kSilent && c.action == "send_group_msg"; }, 10s));
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(*healthy, 778, 43, "/ping");
  EXPECT_TRUE(napcat.wait_for_call(
      [](const ApiCall& c) { return c.self_id == kHealthy && text_of(message_of(c)) == "pong"; }, 5s, skip))
      << bot.process().output();
}

}  // namespace
}  // namespace picbot::testing
