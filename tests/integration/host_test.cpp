// Integration tests of the host: the real picbot binary against the fake
// NapCat, in both OneBot directions, on loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/paths.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

// Waits for a send_*_msg call on `conn` whose text contains `needle`.
std::optional<ApiCall> wait_for_reply(FakeNapCat& napcat, int conn, const std::string& needle,
                                      std::chrono::milliseconds timeout = 5s, std::size_t skip = 0) {
  return napcat.wait_for_call(
      [&](const ApiCall& c) {
        return c.conn == conn && c.action.starts_with("send_") && c.action.ends_with("_msg") &&
               text_of(c.params.value("message", json())).find(needle) != std::string::npos;
      },
      timeout, skip);
}

TEST(HostReverse, PingRoundTrip) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  napcat.send_group_message(*conn, 777, 42, "/ping");
  auto reply = wait_for_reply(napcat, *conn, "pong");
  ASSERT_TRUE(reply) << bot.process().output();
  EXPECT_EQ(reply->action, "send_group_msg");
  EXPECT_EQ(reply->params["group_id"], 777);
  napcat.send_private_message(*conn, 42, "/ping");
  auto private_reply = napcat.wait_for_call(
      [](const ApiCall& c) { return c.action == "send_private_msg" && c.params["user_id"] == 42; }, 5s);
  ASSERT_TRUE(private_reply);
  EXPECT_EQ(text_of(private_reply->params["message"]), "pong");
}

// Resident kB of the mappings of `pid` whose path contains `library`.
std::int64_t resident_kb_of(int pid, const std::string& library) {
  std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
  std::int64_t kb = 0;
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    const bool header = !line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
                        line.find('-') < line.find(' ');
    if (header) {
      inside = line.find(library) != std::string::npos;
    } else if (inside && line.starts_with("Rss:")) {
      kb += std::stoll(line.substr(4));
    }
  }
  return kb;
}

// The echo of every API call is random. It came from OpenSSL's RAND_bytes,
// whose first call loads OpenSSL's provider and DRBG tables: ~2 MiB of
// libcrypto (3.4 MiB resident instead of 1.4) stayed in an idle bot's RSS
// after its first reply (idle RSS 13.1 MiB; 10.7 with getrandom). With the
// console password set, nothing else in a /ping touches OpenSSL.
TEST(HostReverse, ReplyingLeavesOpenSslsProviderTablesOutOfMemory) {
  std::string yaml = reverse_config(kTestToken);
  const std::string web = "web:\n  listen: \"127.0.0.1:0\"\n";
  ASSERT_NE(yaml.find(web), std::string::npos);
  yaml.replace(yaml.find(web), web.size(), web + "  password: \"idle-console-pass\"\n");
  PicbotRunner bot(yaml);
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  napcat.send_group_message(*conn, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, *conn, "pong")) << bot.process().output();
  const std::int64_t kb = resident_kb_of(static_cast<int>(bot.process().pid()), "libcrypto");
  ASSERT_GT(kb, 0) << "libcrypto is not mapped: the check would prove nothing";
  EXPECT_LT(kb, 2560) << "kB of libcrypto resident after one reply";
}

// A first start generates the console password and stores its scrypt hash.
// That first scrypt loads OpenSSL's providers, whose code (~2 MiB of
// libcrypto, run once) stayed resident: idle RSS 12.1 MiB against 10.0 on
// later starts. The hash step now drops those code pages again.
TEST(HostReverse, AFirstStartsPasswordHashLeavesNoOpenSslCodeResident) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  const auto hash_file = bot.dir() / "data" / "web_password.hash";
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(hash_file); }, 20s)) << bot.process().output();
  const int pid = static_cast<int>(bot.process().pid());
  // The code is dropped right after the hash is computed, before the file is
  // written; the wait only absorbs scheduling.
  std::int64_t kb = 0;
  EXPECT_TRUE(wait_until([&] { return (kb = resident_kb_of(pid, "libcrypto")) < 2560; }, 5s))
      << kb << " kB of libcrypto resident after the first start";
  EXPECT_GT(kb, 0);
}

// A temp chat started from a group (NapCat's handleTempGroupMessage) is a
// private chat: answered with send_private_msg, its group_id passed as NapCat's
// createContext (action/msg/SendMsg.ts) needs it for a stranger, and the
// group's deny-list and mention rule do not apply. Array and CQ form.
TEST(HostReverse, ATempChatIsAnsweredPrivatelyNeverInItsGroup) {
  for (const bool cq_string : {false, true}) {
    SCOPED_TRACE(cq_string ? "CQ string" : "array");
    PicbotRunner bot(
        reverse_config(kTestToken, "  group_denylist: [777]\n  disabled_reply: \"agent off\"\n"));
    ASSERT_TRUE(bot.start());
    FakeNapCat napcat(FakeNapCat::Options{.message_as_cq_string = cq_string});
    auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    napcat.send_temp_message(*conn, 777, 42, "/ping");
    auto reply = wait_for_reply(napcat, *conn, "pong");
    ASSERT_TRUE(reply) << bot.process().output();
    EXPECT_EQ(reply->action, "send_private_msg");
    EXPECT_EQ(reply->params["user_id"], 42);
    EXPECT_EQ(reply->params["group_id"], 777);
    // No mention needed in a private chat: the chat answer (here the disabled reply) comes.
    napcat.send_temp_message(*conn, 777, 42, "hello");
    auto chat = wait_for_reply(napcat, *conn, "agent off");
    ASSERT_TRUE(chat) << bot.process().output();
    EXPECT_EQ(chat->action, "send_private_msg");
    // A later group message's answer comes after anything the temp chat caused.
    napcat.send_group_message(*conn, 888, 43, "/ping");
    ASSERT_TRUE(napcat.wait_for_call(
        [](const ApiCall& c) { return c.action == "send_group_msg" && c.params["group_id"] == 888; }, 5s));
    for (const ApiCall& call : napcat.calls()) {
      EXPECT_FALSE(call.action == "send_group_msg" && call.params["group_id"] == 777) << call.raw;
      EXPECT_NE(call.action, "send_msg") << call.raw;
    }
  }
}

TEST(HostReverse, RejectsMissingOrWrongToken) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto wrong = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, "wrong-token");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().http_status, 401);
  auto missing = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().http_status, 401);
  auto wrong_path = napcat.connect(bot.reverse_port(), "/other", 10001, kTestToken);
  ASSERT_FALSE(wrong_path.ok());
  EXPECT_EQ(wrong_path.error().http_status, 404);
  EXPECT_TRUE(bot.wait_for_log("missing or wrong access token"));
  EXPECT_EQ(bot.process().output().find(kTestToken), std::string::npos) << "the token must never be logged";
}

TEST(HostReverse, CqStringMessagesAndAtMention) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat(FakeNapCat::Options{.message_as_cq_string = true});
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  napcat.send_group_message(*conn, 777, 42,
                            json::array({json{{"type", "at"}, {"data", {{"qq", "10001"}}}},
                                         json{{"type", "text"}, {"data", {{"text", " /ping"}}}}}));
  ASSERT_TRUE(wait_for_reply(napcat, *conn, "pong")) << bot.process().output();
}

// NapCat's OB11MessageReplySchema (packages/napcat-onebot/types/message.ts)
// makes the reply segment's id optional when seq is given; such a message used
// to be dropped whole as malformed.
TEST(HostReverse, AReplyBySeqOnlyKeepsTheRestOfTheMessage) {
  for (const bool cq_string : {false, true}) {
    SCOPED_TRACE(cq_string ? "CQ string" : "array");
    PicbotRunner bot(reverse_config(kTestToken));
    ASSERT_TRUE(bot.start());
    FakeNapCat napcat(FakeNapCat::Options{.message_as_cq_string = cq_string});
    auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(conn.ok());
    napcat.send_group_message(*conn, 777, 42,
                              json::array({json{{"type", "reply"}, {"data", {{"seq", 4242}}}},
                                           json{{"type", "text"}, {"data", {{"text", "/ping"}}}}}));
    ASSERT_TRUE(wait_for_reply(napcat, *conn, "pong")) << bot.process().output();
    EXPECT_EQ(bot.process().output().find("malformed frame skipped"), std::string::npos);
  }
}

TEST(HostReverse, MalformedFramesAreSkippedAndLinkSurvives) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  napcat.send_raw(*conn, "{not json at all");
  napcat.send_raw(*conn, "[1,2,3]");
  napcat.send_raw(*conn, R"({"post_type":"message","message_type":"group"})");
  napcat.send_raw(
      *conn,
      R"({"post_type":"message","message_type":"group","user_id":"42","group_id":"777","self_id":"10001","message":"[CQ:face,id=1","message_id":"9"})");
  napcat.send_group_message(*conn, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, *conn, "pong")) << bot.process().output();
  EXPECT_TRUE(bot.wait_for_log("malformed frame skipped"));
  EXPECT_EQ(napcat.connection_count(), 1u);
}

// The hub's logger is made after log::init: its warnings used to sit in the
// file sink's buffer until exit (or 4 KiB later), so a crash lost them.
TEST(HostReverse, AWarningIsInTheLogFileWithinASecond) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  napcat.send_raw(*conn, "{not json: flush me");
  ASSERT_TRUE(bot.wait_for_log("malformed frame skipped"));
  const auto file = bot.dir() / "data" / "logs" / "picbot.log";
  auto in_file = [&] {
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find("malformed frame skipped") != std::string::npos;
  };
  EXPECT_TRUE(wait_until(in_file, 1s)) << file;
  EXPECT_TRUE(bot.process().running());
}

// The operator's log lines used to be English only. They follow --lang, else
// log_language, else bot.language (zh-CN by default); the ids and addresses
// in them stay the same.
TEST(HostLog, StartUpAndConnectionLinesAreInTheLogLanguage) {
  // Waits until the log file holds every one of needles; says which is missing.
  auto file_has = [](PicbotRunner& bot, std::vector<std::string> needles) -> ::testing::AssertionResult {
    const auto file = bot.dir() / "data" / "logs" / "picbot.log";
    std::string text;
    const bool found = wait_until(
        [&] {
          std::ifstream in(file);
          text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
          return std::all_of(needles.begin(), needles.end(),
                             [&](const std::string& n) { return text.find(n) != std::string::npos; });
        },
        2s);
    if (found) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "log file:\n" << text;
  };
  auto connect_account = [](PicbotRunner& bot, FakeNapCat& napcat) {
    return napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken).ok();
  };

  {  // Default: zh-CN.
    PicbotRunner bot(reverse_config(kTestToken));
    bot.set_language("");
    ASSERT_TRUE(bot.start());
    FakeNapCat napcat;
    ASSERT_TRUE(connect_account(bot, napcat));
    EXPECT_TRUE(file_has(bot, {"picbot 已就绪", "反向 WS 正在监听 127.0.0.1:", "账号 10001 由连接 #"}));
    EXPECT_EQ(bot.process().output().find("reverse WS listening on"), std::string::npos);
  }
  {  // --lang en.
    PicbotRunner bot(reverse_config(kTestToken));
    bot.set_language("en");
    ASSERT_TRUE(bot.start());
    FakeNapCat napcat;
    ASSERT_TRUE(connect_account(bot, napcat));
    EXPECT_TRUE(file_has(
        bot, {"picbot ready in", "reverse WS listening on 127.0.0.1:", "account 10001 served by link #"}));
    EXPECT_EQ(bot.process().output().find("反向 WS 正在监听"), std::string::npos);
  }
  {  // log_language: en, no --lang.
    PicbotRunner bot(reverse_config(kTestToken) + "log_language: en\n");
    bot.set_language("");
    ASSERT_TRUE(bot.start());
    EXPECT_TRUE(file_has(bot, {"reverse WS listening on 127.0.0.1:"}));
  }
  {  // No log_language: it follows bot.language.
    PicbotRunner bot(reverse_config(kTestToken, "  language: en\n"));
    bot.set_language("");
    ASSERT_TRUE(bot.start());
    EXPECT_TRUE(file_has(bot, {"reverse WS listening on 127.0.0.1:"}));
  }
  {  // --lang wins over log_language.
    PicbotRunner bot(reverse_config(kTestToken) + "log_language: en\n");
    bot.set_language("zh-CN");
    ASSERT_TRUE(bot.start());
    EXPECT_TRUE(file_has(bot, {"反向 WS 正在监听 127.0.0.1:"}));
  }
}

// log_language used to apply at start only (the schema said "restart
// required"): a reload switches it now, and --lang still wins over it.
TEST(HostLog, AReloadAppliesLogLanguage) {
  {
    PicbotRunner bot(reverse_config(kTestToken));
    bot.set_language("");
    ASSERT_TRUE(bot.start());
    bot.rewrite_config(reverse_config(kTestToken) + "log_language: en\n");
    bot.process().signal(SIGHUP);
    ASSERT_TRUE(bot.wait_for_log("config reloaded from", 5s)) << bot.process().output();
    FakeNapCat napcat;
    auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(conn.ok());
    napcat.send_raw(*conn, "{not json: after the reload");
    EXPECT_TRUE(bot.wait_for_log("account 10001 served by link #", 5s)) << bot.process().output();
    EXPECT_TRUE(bot.wait_for_log(R"(link #\d+: malformed frame skipped)", 5s)) << bot.process().output();
    EXPECT_EQ(bot.process().output().find("跳过格式错误的帧"), std::string::npos);

    bot.rewrite_config(reverse_config(kTestToken) + "log_language: zh-CN\n");
    bot.process().signal(SIGHUP);
    ASSERT_TRUE(bot.wait_for_log("已重新加载配置", 5s)) << bot.process().output();
  }
  {  // --lang en: a reload to zh-CN does not move it.
    PicbotRunner bot(reverse_config(kTestToken));
    bot.set_language("en");
    ASSERT_TRUE(bot.start());
    bot.rewrite_config(reverse_config(kTestToken) + "log_language: zh-CN\n");
    bot.process().signal(SIGHUP);
    ASSERT_TRUE(bot.wait_for_log("config reloaded from", 5s)) << bot.process().output();
    EXPECT_EQ(bot.process().output().find("已重新加载配置"), std::string::npos);
  }
}

TEST(HostReverse, TwoAccountsAtOnce) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto a = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 111, kTestToken);
  auto b = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 222, kTestToken);
  ASSERT_TRUE(a.ok() && b.ok());
  napcat.send_group_message(*b, 2, 42, "/ping");
  auto reply_b = wait_for_reply(napcat, *b, "pong");
  ASSERT_TRUE(reply_b);
  EXPECT_EQ(reply_b->self_id, 222);
  napcat.send_group_message(*a, 1, 42, "/ping");
  auto reply_a = wait_for_reply(napcat, *a, "pong");
  ASSERT_TRUE(reply_a);
  EXPECT_EQ(reply_a->params["group_id"], 1);
}

// AstrBot's bug: after an account reconnects, the bot receives but can never
// send again. Here the new link replaces the old one and replies use it.
TEST(HostReverse, ReconnectedAccountCanStillSend) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto first = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(first.ok());
  napcat.send_group_message(*first, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, *first, "pong"));

  auto second = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(second.ok());
  // The bot closes the replaced link cleanly.
  EXPECT_EQ(napcat.wait_for_peer_close(*first, 5s), 1000);
  const std::size_t before = napcat.calls().size();
  napcat.send_group_message(*second, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, *second, "pong", 5s, before)) << bot.process().output();

  // And after an abrupt drop and a fresh connect, too.
  napcat.drop(*second);
  auto third = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(third.ok());
  const std::size_t before_third = napcat.calls().size();
  napcat.send_group_message(*third, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, *third, "pong", 5s, before_third)) << bot.process().output();
}

TEST(HostReverse, WatchdogDropsASilentLink) {
  // A 0.1 s heartbeat: silence for 0.3 s drops the link.
  std::string yaml = reverse_config(kTestToken);
  yaml.replace(yaml.find("  access_token"), 0, "  heartbeat_interval_seconds: 0.1\n");
  PicbotRunner bot(yaml);
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat(FakeNapCat::Options{.send_lifecycle = false});
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  EXPECT_TRUE(napcat.wait_for_peer_close(*conn, 5s).has_value());
  EXPECT_TRUE(bot.wait_for_log("no frame for"));
}

// Issue 15, defect 8: onebot.api_timeout_seconds bounds a call (it was a
// fixed 30 s), and a reload's new value applies to the next call, with no
// reconnect.
TEST(HostReverse, ApiTimeoutSecondsBoundsCallsAndFollowsAReload) {
  PicbotRunner bot(with_onebot_keys(reverse_config(kTestToken), "  api_timeout_seconds: 1\n"));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  napcat.set_handler("send_group_msg", [](const ApiCall&) {
    ApiReply reply;
    reply.no_reply = true;
    return reply;
  });
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  napcat.send_group_message(*conn, 777, 42, "/ping");
  ASSERT_TRUE(bot.wait_for_log("send_group_msg got no answer within 1000 ms", 10s)) << bot.process().output();

  bot.rewrite_config(with_onebot_keys(reverse_config(kTestToken), "  api_timeout_seconds: 2\n"));
  bot.process().signal(SIGHUP);
  ASSERT_TRUE(bot.wait_for_log("config reloaded", 5s)) << bot.process().output();
  napcat.send_group_message(*conn, 777, 42, "/ping");
  EXPECT_TRUE(bot.wait_for_log("send_group_msg got no answer within 2000 ms", 10s)) << bot.process().output();
  EXPECT_EQ(napcat.connection_ids(), std::vector<int>{*conn}) << "a timeout change needs no reconnect";
}

// Issue 15, defect 10: 3 × a huge heartbeat interval overflowed and the
// watchdog dropped the link at once; the interval is clamped instead.
TEST(HostReverse, HugeHeartbeatIntervalKeepsTheLinkUp) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  napcat.send_raw(*conn,
                  R"({"time":1,"self_id":10001,"post_type":"meta_event","meta_event_type":"heartbeat",)"
                  R"("status":{"online":true,"good":true},"interval":4611686018427387904})");
  ASSERT_TRUE(bot.wait_for_log("heartbeat interval 4611686018427387904 ms is outside"))
      << bot.process().output();
  napcat.send_group_message(*conn, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, *conn, "pong")) << bot.process().output();
  EXPECT_EQ(napcat.connection_ids(), std::vector<int>{*conn});
  EXPECT_EQ(bot.process().output().find("no frame for"), std::string::npos);
}

TEST(HostReverse, SigtermClosesLinksWith1000AndExitsZero) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  napcat.send_group_message(*conn, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, *conn, "pong"));
  const auto begin = std::chrono::steady_clock::now();
  bot.process().signal(SIGTERM);
  EXPECT_EQ(napcat.wait_for_peer_close(*conn, 2s), 1000);
  EXPECT_EQ(bot.process().wait_exit(2s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
}

TEST(HostForward, PingRoundTripWithBearerToken) {
  FakeNapCat napcat(FakeNapCat::Options{.token = kTestToken});
  const auto port = napcat.listen();
  PicbotRunner bot(forward_config(port, kTestToken));
  ASSERT_TRUE(bot.start());
  ASSERT_TRUE(napcat.wait_for_connections(1, 5s));
  EXPECT_EQ(napcat.last_upgrade_headers()["authorization"], std::string("Bearer ") + kTestToken);
  const int conn = napcat.connection_ids().front();
  napcat.send_group_message(conn, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, conn, "pong")) << bot.process().output();
}

TEST(HostForward, WrongTokenIsReportedAndRetried) {
  FakeNapCat napcat(FakeNapCat::Options{.token = kTestToken});
  const auto port = napcat.listen();
  PicbotRunner bot(forward_config(port, "wrong-token-abcdefgh"));
  ASSERT_TRUE(bot.start());
  EXPECT_TRUE(bot.wait_for_log("rejected the access token", 5s)) << bot.process().output();
  EXPECT_TRUE(bot.wait_for_log("reconnecting to", 5s));
}

TEST(HostForward, ReconnectsAfterTheLinkDrops) {
  FakeNapCat napcat(FakeNapCat::Options{.token = kTestToken});
  const auto port = napcat.listen();
  PicbotRunner bot(forward_config(port, kTestToken));
  ASSERT_TRUE(bot.start());
  ASSERT_TRUE(napcat.wait_for_connections(1, 5s));
  const int first = napcat.connection_ids().front();
  napcat.drop(first);
  // Backoff starts at 1 s (with jitter, 0.5–1 s).
  ASSERT_TRUE(bot.wait_for_log("reconnecting to", 5s));
  const int second = wait_for_new_connection(napcat, first);
  ASSERT_GT(second, first) << bot.process().output();
  const std::size_t before = napcat.calls().size();
  napcat.send_group_message(second, 777, 42, "/ping");
  ASSERT_TRUE(wait_for_reply(napcat, second, "pong", 5s, before)) << bot.process().output();
}

TEST(HostCli, VersionAndCheckConfig) {
  auto version = ChildProcess::start({picbot_binary().string(), "--version"});
  ASSERT_TRUE(version.ok());
  EXPECT_EQ((*version)->wait_exit(5s), 0);
  EXPECT_NE((*version)->output().find("picbot "), std::string::npos);

  PicbotRunner good(reverse_config(kTestToken));
  auto check = ChildProcess::start(
      {picbot_binary().string(), "--check-config", "--config", good.config_path().string()});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ((*check)->wait_exit(5s), 0) << (*check)->output();

  PicbotRunner bad(reverse_config(kTestToken, "llm:\n  max_tool_steps: many\n"));
  auto failed = ChildProcess::start(
      {picbot_binary().string(), "--check-config", "--config", bad.config_path().string()});
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ((*failed)->wait_exit(5s), 2);
  EXPECT_NE((*failed)->output().find("llm.max_tool_steps"), std::string::npos) << (*failed)->output();
}

TEST(HostCli, ExampleConfigIsTheGeneratedOne) {
  auto printed = ChildProcess::start({picbot_binary().string(), "--print-example-config"});
  ASSERT_TRUE(printed.ok());
  EXPECT_EQ((*printed)->wait_exit(5s), 0);
  std::ifstream committed(source_dir() / "config" / "picbot.example.yaml");
  std::stringstream text;
  text << committed.rdbuf();
  EXPECT_TRUE((*printed)->output() == text.str())
      << "config/picbot.example.yaml is stale: regenerate it with\n"
         "  build/bot/app/picbot --print-example-config > config/picbot.example.yaml";
}

}  // namespace
}  // namespace picbot::testing
