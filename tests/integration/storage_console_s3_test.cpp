// The console's storage page API with storage.backend: s3, through the real
// binary against a real S3 server (S3rver, tests/support/s3_server.h): the
// upload counts follow a drawing from pending to uploaded; with the server
// down a drawing stays pending, "test connection" says why in plain words,
// and "upload pending now" uploads it as soon as the server is back without
// waiting for the backoff; a key the server does not know fails the upload,
// the failed table names it, and after the key is fixed (a restart: storage
// is read at start) "retry failed" uploads it. No answer carries the secret.
// Backend local answers the bucket actions with 409 no_bucket.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bot/store/database.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/s3_server.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kKey[] = "sk-or-v1-test-key-aaaaaaaaaaaa4444";
constexpr char kPassword[] = "storage-console-s3-pass-1";

class StorageConsoleS3 : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(S3Server::unavailable_reason(), "");
    auto started = S3Server::start({"picbot"});
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    s3 = std::move(started).value();
  }

  std::string config(const std::string& access_key_id) const {
    return reverse_config(kTestToken) +
           gemini_plugin_section({kKey}, openrouter.api_base(),
                                 "    max_retry_attempts: 1\n    image_delivery: url\n") +
           "storage:\n  backend: s3\n  s3:\n    endpoint: \"" + s3->endpoint() +
           "\"\n    region: us-east-1\n    bucket: picbot\n    access_key_id: \"" + access_key_id +
           "\"\n    key_prefix: bot1\n";
  }

  void start(const std::string& access_key_id) {
    bot = std::make_unique<PicbotRunner>(
        config(access_key_id),
        std::map<std::string, std::string>{{"PICBOT_S3_SECRET_ACCESS_KEY", S3Server::kSecretAccessKey},
                                           {"PICBOT_WEB_PASSWORD", kPassword}});
    ASSERT_TRUE(bot->start()) << bot->process().output();
    connect();
  }

  // After (re)start: the console session and NapCat's connection.
  void connect() {
    client = std::make_unique<ConsoleClient>(bot->web_port());
    ASSERT_EQ(client->login(kPassword).status, 200);
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  void draw(const std::string& prompt) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, 42, "/draw " + prompt);
    EXPECT_TRUE(
        napcat.wait_for_call([](const ApiCall& c) { return c.action == "send_group_msg"; }, 10s, skip))
        << bot->process().output();
  }

  // An answer of the storage API, checked for the secret (S3rver's secret is
  // also its access key id, so neither may appear).
  json answer(const net::HttpResponse& response, int status = 200) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.body.find(S3Server::kSecretAccessKey), std::string::npos) << response.body;
    auto parsed = json::parse(response.body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << response.body;
    return parsed;
  }
  json storage() { return answer(client->get("/api/storage")); }
  json post(const std::string& path, int status = 200) {
    return answer(client->post(path, json::object()), status);
  }

  // When the queue will next try the upload on its own (uploads.sqlite3).
  std::optional<std::chrono::system_clock::time_point> next_attempt() {
    auto db = store::Database::open(bot->dir() / "data" / "uploads.sqlite3");
    if (!db.ok()) return std::nullopt;
    auto& query = (*db)->prepare("SELECT next_attempt_ms FROM uploads WHERE state = 'pending'");
    auto step = query.step();
    if (!step.ok() || *step != store::Statement::Step::kRow) return std::nullopt;
    const std::int64_t ms = query.column_int64(0);
    query.reset();
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  }

  FakeOpenRouter openrouter;
  FakeNapCat napcat;
  std::unique_ptr<S3Server> s3;
  std::unique_ptr<PicbotRunner> bot;
  std::unique_ptr<ConsoleClient> client;
  int conn = 0;
};

TEST_F(StorageConsoleS3, CountsMoveFromPendingToUploadedAfterADrawing) {
  start(S3Server::kAccessKeyId);
  EXPECT_EQ(ConsoleClient(bot->web_port()).get("/api/storage").status, 401) << "behind the console login";
  const json before = storage();
  EXPECT_EQ(before["backend"], "s3");
  EXPECT_EQ(before["pending_uploads"], 0);
  EXPECT_EQ(before["uploaded"], 0);
  EXPECT_EQ(before["failed_uploads"], 0);
  EXPECT_EQ(before["bucket"], json({{"name", "picbot"}, {"endpoint", s3->endpoint()}, {"prefix", "bot1"}}));
  draw("a cat");
  ASSERT_TRUE(wait_until(
      [&] {
        const json now = storage();
        return now["uploaded"] == 1 && now["remote"] == 1;
      },
      10s))
      << storage().dump() << bot->process().output();
  const json after = storage();
  EXPECT_EQ(after["images"], 1);
  EXPECT_EQ(after["pending_uploads"], 0);
  EXPECT_EQ(after["uploading"], 0);
  EXPECT_EQ(after["failed_uploads"], 0);
  EXPECT_EQ(after["oldest_pending_ms"], 0);
  EXPECT_TRUE(after["failed"].empty());
  const json probe = post("/api/storage/test_connection");
  EXPECT_EQ(probe["ok"], true) << probe.dump();
  EXPECT_FALSE(probe["message"].get<std::string>().empty());
  EXPECT_GE(probe["elapsed_ms"].get<long long>(), 0);
  bot->expect_no_secrets_in_log();
}

TEST_F(StorageConsoleS3, WithTheServerDownADrawingStaysPendingAndUploadPendingNowSkipsTheBackoff) {
  start(S3Server::kAccessKeyId);
  ASSERT_TRUE(s3->stop());
  draw("a cat");
  ASSERT_TRUE(wait_until([&] { return storage()["pending_uploads"] == 1; }, 10s)) << storage().dump();
  const json probe = post("/api/storage/test_connection");
  EXPECT_EQ(probe["ok"], false) << probe.dump();
  const std::string message = probe["message"].get<std::string>();
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find('{'), std::string::npos) << "plain words, not a raw answer: " << message;
  // Let the queue fail a few times, until its own next try is >= 3 s away.
  std::chrono::system_clock::time_point due;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto next = next_attempt();
        if (!next) return false;
        due = *next;
        return *next - std::chrono::system_clock::now() >= 3s;
      },
      20s))
      << bot->process().output();
  EXPECT_EQ(storage()["failed_uploads"], 0) << "an outage is retried, not failed";
  EXPECT_GT(storage()["oldest_pending_ms"].get<long long>(), 0);
  ASSERT_TRUE(s3->restart().ok());
  const json now = post("/api/storage/upload_pending");
  EXPECT_EQ(now["count"], 1) << now.dump();
  EXPECT_TRUE(bot->wait_for_log("web console: uploading 1 pending image\\(s\\) now"));
  ASSERT_TRUE(wait_until([&] { return storage()["uploaded"] == 1; }, 10s)) << bot->process().output();
  EXPECT_LT(std::chrono::system_clock::now(), due) << "uploaded before the queue's own next try";
  EXPECT_EQ(storage()["pending_uploads"], 0);
  EXPECT_EQ(post("/api/storage/test_connection")["ok"], true);
}

TEST_F(StorageConsoleS3, AnUnknownKeyFailsTheUploadAndRetryFailedUploadsItOnceTheKeyIsFixed) {
  start("NOT-A-KEY");
  draw("a cat");
  ASSERT_TRUE(wait_until([&] { return storage()["failed_uploads"] == 1; }, 10s)) << bot->process().output();
  const json failed = storage()["failed"];
  ASSERT_EQ(failed.size(), 1u) << failed.dump();
  EXPECT_TRUE(failed[0]["key"].get<std::string>().starts_with("bot1/")) << failed.dump();
  EXPECT_GE(failed[0]["attempts"].get<int>(), 1);
  EXPECT_NE(failed[0]["last_error"].get<std::string>().find("NOT-A-KEY"), std::string::npos)
      << "the table says which key was refused: " << failed.dump();
  const json probe = post("/api/storage/test_connection");
  EXPECT_EQ(probe["ok"], false) << probe.dump();
  EXPECT_NE(probe["message"].get<std::string>().find("NOT-A-KEY"), std::string::npos) << probe.dump();
  EXPECT_TRUE(bot->wait_for_log("web console: bucket connection test failed \\([0-9]+ ms\\): .*NOT-A-KEY"));

  // The fix is a restart: storage is read at start.
  ASSERT_EQ(bot->stop(), 0);
  bot->rewrite_config(config(S3Server::kAccessKeyId));
  ASSERT_TRUE(bot->start()) << bot->process().output();
  connect();
  EXPECT_EQ(storage()["failed_uploads"], 1) << "a failed upload waits for the operator";
  EXPECT_EQ(post("/api/storage/test_connection")["ok"], true);
  const json retried = post("/api/storage/retry_failed");
  EXPECT_EQ(retried["count"], 1) << retried.dump();
  EXPECT_TRUE(bot->wait_for_log("web console: 1 failed upload\\(s\\) queued again"));
  ASSERT_TRUE(wait_until([&] { return storage()["uploaded"] == 1; }, 10s)) << bot->process().output();
  const json after = storage();
  EXPECT_EQ(after["failed_uploads"], 0);
  EXPECT_TRUE(after["failed"].empty());
  bot->expect_no_secrets_in_log();
}

TEST(StorageConsoleLocal, TheBucketActionsAnswerNoBucket) {
  FakeOpenRouter openrouter;
  PicbotRunner bot(reverse_config(kTestToken), {{"PICBOT_WEB_PASSWORD", kPassword}});
  ASSERT_TRUE(bot.start()) << bot.process().output();
  ConsoleClient client(bot.web_port());
  ASSERT_EQ(client.login(kPassword).status, 200);
  const json stats = json::parse(client.get("/api/storage").body);
  EXPECT_EQ(stats["backend"], "local");
  EXPECT_TRUE(stats["bucket"].is_null());
  EXPECT_TRUE(stats["pending_uploads"].is_null());
  for (const char* path :
       {"/api/storage/upload_pending", "/api/storage/retry_failed", "/api/storage/test_connection"}) {
    const auto response = client.post(path, json::object());
    EXPECT_EQ(response.status, 409) << path << " " << response.body;
    const json body = json::parse(response.body, nullptr, false);
    EXPECT_EQ(body.value("error", ""), "no_bucket") << response.body;
    EXPECT_NE(body.value("message", "").find("未配置存储桶"), std::string::npos)
        << "in bot.language (zh-CN by default): " << response.body;
  }
}

}  // namespace
}  // namespace picbot::testing
