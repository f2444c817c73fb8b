// Several picbot processes on one PostgreSQL (database.url): one quota ledger
// for all of them, proven through the real binary.
// - 1,000 concurrent image requests to two gateways (the image_gateway
//   plugin's per-key quota, plain HTTP: it reaches the ledger from outside with
//   the least machinery), one key, a limit of 100: exactly 100 are drawn.
// - /draw through a fake NapCat on each instance while the database restarts:
//   the draws during the outage get the quota message and never reach the
//   upstream, the next ones succeed, and the counts have nothing twice.
// - A database whose schema is newer than the binary, or out of reach,
//   refuses the start.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>

#include "bot/net/http_client.h"
#include "bot/store/pg/pg_migrate.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openai/fake_openai.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"
#include "tests/support/postgres_server.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kGatewayKey[] = "sk-gw-shared-key-aaaaaaaa1111";
constexpr char kUpstreamKey[] = "sk-proj-upstream-key-bbbbbbbb2222";
constexpr char kOpenRouterKey[] = "sk-or-v1-test-key-aaaaaaaaaaaa1111";
// Trust authentication ignores it; it is here to be masked.
constexpr char kDatabasePassword[] = "Pg-Passw0rd-never-logged";

class SharedQuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(PostgresServer::unavailable_reason(), "");
    auto server = PostgresServer::start();
    ASSERT_TRUE(server.ok()) << server.error().to_string();
    pg = std::move(server).value();
    url = "postgresql://postgres:" + std::string(kDatabasePassword) +
          "@127.0.0.1:" + std::to_string(pg->port()) + "/picbot";
  }

  // The keys that put an instance on the shared database.
  std::string shared_database(const std::string& instance) const {
    return "instance_id: " + instance + "\ndatabase:\n  url: \"" + url + "\"\n";
  }

  // Both instances said where their ledger is, with the password masked.
  void expect_shared_ledger_logged(PicbotRunner& bot, const std::string& instance) {
    const std::string line =
        "quota ledger: PostgreSQL postgresql://postgres:••••@127.0.0.1:" + std::to_string(pg->port()) +
        "/picbot \\(instance " + instance + "\\)";
    EXPECT_TRUE(bot.wait_for_log(line)) << bot.process().output();
    EXPECT_EQ(bot.process().output().find(kDatabasePassword), std::string::npos);
  }

  std::unique_ptr<PostgresServer> pg;
  std::string url;
};

std::uint16_t gateway_port(PicbotRunner& bot) {
  std::vector<std::string> port;
  if (!bot.process().wait_for_line(std::regex("image gateway listening on 127\\.0\\.0\\.1:(\\d+)"), 10s,
                                   &port)) {
    return 0;
  }
  return static_cast<std::uint16_t>(std::stoi(port[1]));
}

TEST_F(SharedQuotaTest, TwoInstancesGrantExactlyTheLimitOfAThousandConcurrentGatewayRequests) {
  constexpr int kRequests = 1000;
  constexpr int kClients = 100;  // threads, each with one request in flight
  FakeOpenAi upstream_a, upstream_b;
  // Instance b takes the URL from the environment instead of its config.
  const auto config = [&](const FakeOpenAi& upstream, const std::string& database) {
    return reverse_config(kTestToken, database) +
           "image_providers:\n"
           "  ok:\n"
           "    type: openai\n"
           "    api_base: \"" +
           upstream.api_base() + "\"\n    api_keys: [\"" + kUpstreamKey +
           "\"]\n"
           "    model: gpt-image-1\n"
           "plugins:\n"
           "  image_gateway:\n"
           "    listen: \"127.0.0.1:0\"\n"
           "    api_keys: [{name: shared, key: \"" +
           kGatewayKey +
           "\"}]\n"
           "    models: [{id: good, provider: ok}]\n"
           "    quota: {enabled: true, limit: 100, window_minutes: 60}\n";
  };
  PicbotRunner a(config(upstream_a, shared_database("host-a")));
  PicbotRunner b(config(upstream_b, "instance_id: host-b\n"), {{"PICBOT_DATABASE_URL", url}});
  ASSERT_TRUE(a.start()) << a.process().output();
  ASSERT_TRUE(b.start()) << b.process().output();
  const std::uint16_t ports[2] = {gateway_port(a), gateway_port(b)};
  ASSERT_NE(ports[0], 0) << a.process().output();
  ASSERT_NE(ports[1], 0) << b.process().output();
  expect_shared_ledger_logged(a, "host-a");
  expect_shared_ledger_logged(b, "host-b");

  std::atomic<int> next{0}, drawn{0}, refused{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (int i = next++; i < kRequests; i = next++) {
        net::HttpRequest request;
        request.method = "POST";
        request.url = "http://127.0.0.1:" + std::to_string(ports[i % 2]) + "/v1/images/generations";
        request.body = R"({"model":"good","prompt":"a cat","response_format":"b64_json"})";
        request.headers = {{"Content-Type", "application/json"},
                           {"Authorization", std::string("Bearer ") + kGatewayKey}};
        const net::HttpResponse response = blocking_request(std::move(request));
        if (response.status == 200) {
          ++drawn;
        } else if (response.status == 429 && response.body.find("quota_exceeded") != std::string::npos) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(drawn.load(), 100) << "one ledger: the key's 100, whichever instance was asked";
  EXPECT_EQ(refused.load(), 900);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(upstream_a.call_count() + upstream_b.call_count(), 100u);
  EXPECT_GT(upstream_a.call_count(), 0u);
  EXPECT_GT(upstream_b.call_count(), 0u);
}

bool is_reply_in(const ApiCall& call, std::int64_t group) {
  return call.action == "send_group_msg" && call.params.value("group_id", json()) == group;
}

// One instance with its fake NapCat (reverse mode: picbot listens, NapCat
// connects as self_id).
struct Instance {
  Instance(const std::string& yaml, std::int64_t self_id) : bot(yaml), self_id(self_id) {}

  ::testing::AssertionResult start() {
    if (!bot.start()) return ::testing::AssertionFailure() << bot.process().output();
    auto c = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", self_id, kTestToken);
    if (!c.ok()) return ::testing::AssertionFailure() << c.error().message;
    conn = *c;
    return ::testing::AssertionSuccess();
  }

  // Sends text in group 777 as user and waits for a reply holding needle.
  ::testing::AssertionResult say(std::int64_t user, const json& text, const std::string& needle) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, user, text);
    auto reply = napcat.wait_for_call(
        [&](const ApiCall& c) {
          return is_reply_in(c, 777) && text_of(message_of(c)).find(needle) != std::string::npos;
        },
        10s, skip);
    if (reply) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no reply holding \"" << needle << "\" to " << text.dump() << "\n"
                                         << bot.process().output();
  }

  std::size_t replies_holding(const std::string& needle) const {
    std::size_t n = 0;
    for (const ApiCall& c : napcat.calls()) {
      if (is_reply_in(c, 777) && text_of(message_of(c)).find(needle) != std::string::npos) ++n;
    }
    return n;
  }

  PicbotRunner bot;
  FakeNapCat napcat;
  std::int64_t self_id;
  int conn = 0;
};

TEST_F(SharedQuotaTest, ADatabaseRestartFailsDrawsWithTheQuotaMessageThenRecoversCountingNothingTwice) {
  FakeOpenRouter openrouter;
  const auto config = [&](const std::string& instance) {
    return reverse_config(kTestToken, shared_database(instance)) +
           gemini_plugin_section({kOpenRouterKey}, openrouter.api_base(),
                                 "    max_retry_attempts: 1\n"
                                 "    allow_private_network: true\n"
                                 "    rate_limit:\n"
                                 "      enabled: true\n"
                                 "      default_limit: 5\n");
  };
  Instance a(config("host-a"), 10001);
  Instance b(config("host-b"), 10002);
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  expect_shared_ledger_logged(a.bot, "host-a");
  expect_shared_ledger_logged(b.bot, "host-b");

  ASSERT_TRUE(a.say(42, "/draw a cat", "剩余 4 次"));
  ASSERT_TRUE(b.say(42, "/draw a dog", "剩余 3 次")) << "instance b charges the same ledger";

  ASSERT_TRUE(pg->stop());
  // Under load: several users on both instances while the database is away.
  const std::string kQuotaMessage = "绘图次数记录暂时不可用";
  for (std::int64_t user : {42, 43, 44}) {
    a.napcat.send_group_message(a.conn, 777, user, "/draw during the outage");
    b.napcat.send_group_message(b.conn, 777, user, "/draw during the outage");
  }
  EXPECT_TRUE(wait_until(
      [&] { return a.replies_holding(kQuotaMessage) == 3 && b.replies_holding(kQuotaMessage) == 3; }, 15s))
      << a.bot.process().output() << "\n--- b ---\n"
      << b.bot.process().output();
  EXPECT_EQ(openrouter.call_count(), 2u) << "no drawing went out uncounted";

  ASSERT_TRUE(pg->restart().ok());
  // Both instances reconnect by themselves; the failed draws cost nothing.
  ASSERT_TRUE(b.say(42, "/draw a bird", "剩余 2 次"));
  ASSERT_TRUE(a.say(42, "/quota", "剩余绘图次数：2/5"));
  ASSERT_TRUE(a.say(43, "/draw a fish", "剩余 4 次"));
  ASSERT_TRUE(b.say(43, "/quota", "剩余绘图次数：4/5"));
  EXPECT_EQ(openrouter.call_count(), 4u);

  // An admin's /reset_images on one instance resets the shared ledger.
  const json reset = json::array({json{{"type", "text"}, {"data", {{"text", "/reset_images "}}}},
                                  json{{"type", "at"}, {"data", {{"qq", "42"}}}}});
  ASSERT_TRUE(a.say(1, reset, "已重置用户 42"));
  ASSERT_TRUE(b.say(42, "/quota", "剩余绘图次数：5/5"));
}

// An older binary never writes to a schema it does not know: the start is
// refused with the message table's line, and the database is left alone.
TEST_F(SharedQuotaTest, ADatabaseNewerThanTheBinaryRefusesTheStart) {
  FakeOpenRouter openrouter;
  PicbotRunner bot(reverse_config(kTestToken, shared_database("host-a")) +
                   gemini_plugin_section({kOpenRouterKey}, openrouter.api_base(),
                                         "    rate_limit:\n      enabled: true\n      default_limit: 5\n"));
  ASSERT_TRUE(bot.start()) << bot.process().output();
  ASSERT_EQ(bot.stop(), 0);
  // A newer picbot migrated the quota schema to version 99.
  auto pool = store::pg::PgPool::open({.url = pg->url()});
  ASSERT_TRUE(pool.ok()) << pool.error().to_string();
  ASSERT_TRUE((*pool)
                  ->with_connection([](store::pg::PgConnection& c) {
                    return c.exec("UPDATE schema_version SET version = 99 WHERE component = 'quota'");
                  })
                  .ok());
  auto older = ChildProcess::start(
      {picbot_binary().string(), "--config", bot.config_path().string(), "--lang", "en"}, {}, bot.dir());
  ASSERT_TRUE(older.ok()) << older.error().message;
  EXPECT_NE((*older)->wait_exit(10s).value_or(0), 0) << (*older)->output();
  EXPECT_NE((*older)->output().find("cannot start: plugin gemini_pic_gen: The database's quota schema is at "
                                    "version 99, newer than the 1 this binary knows: upgrade picbot"),
            std::string::npos)
      << (*older)->output();
  EXPECT_EQ(store::pg::schema_version(**pool, "quota").value_or(-1), 99);
}

// A shared ledger out of reach at start refuses the start rather than letting
// this instance draw uncounted beside the others; the error names the server,
// never its password.
TEST_F(SharedQuotaTest, ADatabaseOutOfReachAtStartRefusesTheStart) {
  FakeOpenRouter openrouter;
  ASSERT_TRUE(pg->stop());
  PicbotRunner bot(reverse_config(kTestToken, shared_database("host-a")) +
                   gemini_plugin_section({kOpenRouterKey}, openrouter.api_base(),
                                         "    rate_limit:\n      enabled: true\n      default_limit: 5\n"));
  auto refused = ChildProcess::start(
      {picbot_binary().string(), "--config", bot.config_path().string(), "--lang", "en"}, {}, bot.dir());
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_NE((*refused)->wait_exit(20s).value_or(0), 0) << (*refused)->output();
  const std::string output = (*refused)->output();
  EXPECT_NE(
      output.find(
          "cannot start: plugin gemini_pic_gen: cannot connect to postgresql://postgres:••••@127.0.0.1:" +
          std::to_string(pg->port()) + "/picbot"),
      std::string::npos)
      << output;
  EXPECT_EQ(output.find(kDatabasePassword), std::string::npos);
}

}  // namespace
}  // namespace picbot::testing
