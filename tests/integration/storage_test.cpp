// End to end for the host's image store (storage.*) through the real binary:
// a drawing's /images/<id> link, the local copy expiring (the sweep really
// runs: at start and after each save over the cap), the size cap evicting the
// oldest first, the deprecated TTL key (storage.backend: s3 is
// storage_s3_test.cpp's). may_evict refusing eviction is covered by
// LocalImageStore's unit tests (with backend local it always allows).
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "bot/net/http_client.h"
#include "bot/store/database.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kKey[] = "sk-or-v1-test-key-aaaaaaaaaaaa2222";

net::HttpResponse http_get(const std::string& url) {
  net::HttpRequest request;
  request.url = url;
  return blocking_request(std::move(request));
}

std::string url_plugin(const FakeOpenRouter& openrouter, const std::string& extra = "") {
  return gemini_plugin_section({kKey}, openrouter.api_base(),
                               "    max_retry_attempts: 1\n    image_delivery: url\n" + extra);
}

// The regular files under data/images.
std::size_t image_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "data" / "images"))
    n += entry.is_regular_file();
  return n;
}

class StorageTest : public ::testing::Test {
 protected:
  void start(const std::string& yaml) {
    bot = std::make_unique<PicbotRunner>(yaml);
    ASSERT_TRUE(bot->start());
    connect();
  }
  void connect() {
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }
  // Draws and returns the /images/<id> link the bot sent.
  std::string draw(const std::string& prompt) {
    std::string link = draw_in_group(napcat, conn, prompt);
    EXPECT_FALSE(link.empty()) << bot->process().output();
    return link;
  }

  FakeOpenRouter openrouter;
  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

TEST_F(StorageTest, TheLocalCopyExpiresAndItsLinkAnswers404) {
  start(reverse_config(kTestToken) + url_plugin(openrouter));
  const std::string link = draw("a cat");
  ASSERT_NE(link.find("/images/"), std::string::npos) << link;
  ASSERT_EQ(http_get(link).status, 200);
  EXPECT_EQ(image_files(bot->dir()), 1u);
  EXPECT_TRUE(bot->wait_for_log("image storage: local, kept locally 15 minutes, cache cap none", 0ms));

  // 20 minutes later (the catalog aged while picbot is down): the sweep at
  // start deletes the copy, and the link is a 404 as before the catalog.
  ASSERT_EQ(bot->stop(), 0);
  {
    auto db = store::Database::open(bot->dir() / "data" / "images.sqlite3");
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    ASSERT_TRUE((*db)
                    ->exec("UPDATE images SET created_ms = created_ms - 1200000, "
                           "local_since_ms = local_since_ms - 1200000")
                    .ok());
  }
  ASSERT_TRUE(bot->start());
  EXPECT_TRUE(bot->wait_for_log("image sweep: 1 local copies expired")) << bot->process().output();
  const std::string base = "http://127.0.0.1:" + std::to_string(bot->web_port());
  const std::string path = link.substr(link.find("/images/"));
  EXPECT_EQ(http_get(base + path).status, 404);
  EXPECT_EQ(image_files(bot->dir()), 0u);
}

TEST_F(StorageTest, OverTheCapTheOldestImagesGoFirst) {
  FakeOpenRouter::Options large;
  large.image_size = 400 * 1024;
  openrouter.set_default(FakeOpenRouter::Script::kPng, large);
  start(reverse_config(kTestToken) + url_plugin(openrouter) + "storage:\n  local:\n    max_cache_mb: 1\n");
  const std::string first = draw("one"), second = draw("two");
  ASSERT_EQ(http_get(first).status, 200);
  EXPECT_EQ(image_files(bot->dir()), 2u) << "800 KB: under the cap";
  const std::string third = draw("three");  // 1.2 MB: over the cap, down to 90 % (943 KB)
  ASSERT_TRUE(wait_until([&] { return http_get(first).status == 404; }, 10s)) << bot->process().output();
  EXPECT_EQ(http_get(second).status, 200);
  EXPECT_EQ(http_get(third).status, 200);
  EXPECT_EQ(image_files(bot->dir()), 2u);
  EXPECT_TRUE(bot->wait_for_log("1 deleted for the size cap"));
}

TEST_F(StorageTest, TheOldPluginTtlKeyStillAppliesWithADeprecationNotice) {
  start(reverse_config(kTestToken) + url_plugin(openrouter, "    image_ttl_minutes: 30\n"));
  EXPECT_TRUE(
      bot->wait_for_log("plugins.gemini_pic_gen.image_ttl_minutes is deprecated: use "
                        "storage.local.ttl_minutes \\(images are kept 30 minutes\\)"))
      << bot->process().output();
  const std::string link = draw("a dog");
  auto image = http_get(link);
  ASSERT_EQ(image.status, 200);
  const std::string cache = image.header("cache-control");
  ASSERT_TRUE(cache.starts_with("private, max-age=")) << cache;
  EXPECT_GT(std::stoi(cache.substr(17)), 29 * 60) << cache;
}

TEST(StorageConsole, TheApiCountsImagesAndCleansOnDemand) {
  FakeOpenRouter openrouter;
  FakeNapCat napcat;
  const std::string password = "storage-console-pass-1";
  PicbotRunner bot(
      reverse_config(kTestToken) + url_plugin(openrouter) + "storage:\n  local:\n    max_cache_mb: 5\n",
      {{"PICBOT_WEB_PASSWORD", password}});
  ASSERT_TRUE(bot.start());
  ConsoleClient client(bot.web_port());
  EXPECT_EQ(client.get("/api/storage").status, 401) << "behind the console login";
  ASSERT_EQ(client.login(password).status, 200);
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  napcat.send_group_message(*conn, 777, 42, "/draw a cat");
  ASSERT_TRUE(napcat.wait_for_call([](const ApiCall& c) { return c.action == "send_group_msg"; }, 10s));
  ASSERT_TRUE(wait_until([&] { return json::parse(client.get("/api/storage").body)["images"] == 1; }, 10s));
  const json stats = json::parse(client.get("/api/storage").body);
  EXPECT_EQ(stats["backend"], "local");
  EXPECT_EQ(stats["local"], 1);
  EXPECT_EQ(stats["remote"], 0);
  EXPECT_GT(stats["disk_bytes"].get<long long>(), 0);
  EXPECT_EQ(stats["cap_bytes"], 5 * 1024 * 1024);
  EXPECT_TRUE(stats["pending_uploads"].is_null()) << "no upload queue with backend local";
  auto cleaned = client.post("/api/storage/clean", json::object());
  ASSERT_EQ(cleaned.status, 200) << cleaned.body;
  EXPECT_EQ(json::parse(cleaned.body)["expired"], 0) << "nothing is old enough";
  auto cleared = client.post("/api/storage/clear_cache", json::object());
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(json::parse(cleared.body)["evicted"], 0) << "an image not uploaded is never cleared";
  EXPECT_EQ(json::parse(client.get("/api/storage").body)["local"], 1);
}

}  // namespace
}  // namespace picbot::testing
