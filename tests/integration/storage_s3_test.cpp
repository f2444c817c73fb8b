// storage.backend: s3 end to end through the real binary against a real S3
// server (S3rver, tests/support/s3_server.h): a drawing ends in the bucket
// (read back with boto3, the official client), its /images/<id> link still
// answers after the local copy expired (streamed back from the bucket),
// identical bytes drawn again are linked straight to the bucket, and a key
// the server does not know fails the upload with a clear line while the
// image stays served locally.
//
// The faults: a bucket outage during 50 drawings (every user still gets the
// image, nothing is lost or failed, all 50 upload once the bucket is back),
// picbot killed with -9 while a PUT's answer is on its way (the object is
// uploaded exactly once), a full cache whose images are not uploaded yet
// (none deleted until they are), and a secret the server refuses (the
// upload fails in plain words, the secret never shows).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "bot/net/http_client.h"
#include "bot/store/database.h"
#include "image/storage/image_store.h"
#include "tests/fakes/http/fake_http_server.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/child_process.h"
#include "tests/support/counting_proxy.h"
#include "tests/support/paths.h"
#include "tests/support/s3_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kKey[] = "sk-or-v1-test-key-aaaaaaaaaaaa3333";

net::HttpResponse http_get(const std::string& url) {
  net::HttpRequest request;
  request.url = url;
  return blocking_request(std::move(request));
}

class StorageS3 : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(S3Server::unavailable_reason(), "");
    auto started = S3Server::start({"picbot"});
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    s3 = std::move(started).value();
  }

  // The storage section for the S3 server (or another endpoint in front of
  // it); public_base_url "" presigns.
  std::string storage_section(const std::string& access_key_id = S3Server::kAccessKeyId,
                              const std::string& public_base_url = "", std::string endpoint = "") const {
    if (endpoint.empty()) endpoint = s3->endpoint();
    return "storage:\n  backend: s3\n  s3:\n    endpoint: \"" + endpoint +
           "\"\n    region: us-east-1\n    bucket: picbot\n    access_key_id: \"" + access_key_id +
           "\"\n    key_prefix: bot1\n    public_base_url: \"" + public_base_url + "\"\n";
  }

  void start(const std::string& storage, const std::string& secret = S3Server::kSecretAccessKey) {
    bot = std::make_unique<PicbotRunner>(
        reverse_config(kTestToken) +
            gemini_plugin_section({kKey}, openrouter.api_base(),
                                  "    max_retry_attempts: 1\n    image_delivery: url\n") +
            storage,
        std::map<std::string, std::string>{{"PICBOT_S3_SECRET_ACCESS_KEY", secret}});
    ASSERT_TRUE(bot->start()) << bot->process().output();
    connect();
  }

  // (Re)connects the fake NapCat to the running bot.
  void connect() {
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  // Draws and returns the link the bot sent.
  std::string draw(const std::string& prompt) {
    std::string link = draw_in_group(napcat, conn, prompt);
    EXPECT_FALSE(link.empty()) << bot->process().output();
    return link;
  }

  // The object's bytes as boto3 reads them (tests/s3/boto3_get.py).
  std::string read_with_boto3(const std::string& key) {
    const std::vector<std::string> read = read_all_with_boto3({key});
    return read.empty() ? "" : read[0];
  }

  // The objects' bytes as boto3 reads them, in one run of the script.
  std::vector<std::string> read_all_with_boto3(const std::vector<std::string>& keys) {
    auto read = testing::read_with_boto3(s3->endpoint(), "picbot", keys);
    if (!read.ok()) ADD_FAILURE() << read.error().to_string();
    std::vector<std::string> bytes;
    if (read.ok())
      for (Boto3Object& object : *read) bytes.push_back(std::move(object.bytes));
    return bytes;
  }

  // A drawing as the user got it: the link, the bytes it serves and the
  // object key they are uploaded under.
  struct Drawn {
    std::string link, bytes, key;
  };
  Drawn draw_and_fetch(const std::string& prompt) {
    Drawn d;
    d.link = draw(prompt);
    EXPECT_NE(d.link.find("/images/"), std::string::npos) << "a local link: " << d.link;
    const auto served = http_get(d.link);
    EXPECT_EQ(served.status, 200) << d.link;
    d.bytes = served.body;
    const std::string sha = image::sha256_hex(served.body);
    d.key = "bot1/" + sha.substr(0, 2) + "/" + sha + ".png";
    return d;
  }

  // How many rows of data/uploads.sqlite3 match `where` (-1: unreadable).
  std::int64_t uploads(const std::string& where) {
    auto db = store::Database::open(bot->dir() / "data" / "uploads.sqlite3");
    if (!db.ok()) return -1;
    auto& statement = (*db)->prepare("SELECT COUNT(*) FROM uploads WHERE " + where);
    auto row = statement.step();
    const std::int64_t n = row.ok() && *row == store::Statement::Step::kRow ? statement.column_int64(0) : -1;
    statement.reset();
    return n;
  }

  // The image files on disk (content-addressed: one per distinct image).
  std::size_t image_files() const {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(bot->dir() / "data" / "images"))
      n += entry.is_regular_file() && entry.path().extension() == ".png";
    return n;
  }

  FakeOpenRouter openrouter;
  FakeNapCat napcat;
  std::unique_ptr<S3Server> s3;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

TEST_F(StorageS3, ADrawingEndsInTheBucketAndItsLinkOutlivesTheLocalCopy) {
  start(storage_section());
  EXPECT_TRUE(
      bot->wait_for_log("images also go to bucket picbot \\(" + s3->endpoint() + ", prefix bot1\\)", 0ms))
      << bot->process().output();
  const std::string link = draw("a cat");
  ASSERT_NE(link.find("/images/"), std::string::npos)
      << "before its upload the link is picbot's own: " << link;
  const auto served = http_get(link);
  ASSERT_EQ(served.status, 200);
  const std::string sha = image::sha256_hex(served.body);
  const std::string key = "bot1/" + sha.substr(0, 2) + "/" + sha + ".png";
  ASSERT_TRUE(
      bot->wait_for_log("uploaded " + key + " \\(" + std::to_string(served.body.size()) + " bytes", 10s))
      << bot->process().output();
  EXPECT_EQ(read_with_boto3(key), served.body) << "boto3 reads back the bytes the user got";

  // 20 minutes later (the catalog aged while picbot was down): the sweep at
  // start deletes the local copy, now safely in the bucket, and the link
  // streams the image back from there.
  ASSERT_EQ(bot->stop(), 0);
  {
    auto db = store::Database::open(bot->dir() / "data" / "images.sqlite3");
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    ASSERT_TRUE((*db)
                    ->exec("UPDATE images SET created_ms = created_ms - 1200000, "
                           "local_since_ms = local_since_ms - 1200000")
                    .ok());
  }
  ASSERT_TRUE(bot->start()) << bot->process().output();
  ASSERT_TRUE(bot->wait_for_log("image sweep: 1 local copies expired")) << bot->process().output();
  const std::string base = "http://127.0.0.1:" + std::to_string(bot->web_port());
  const auto again = http_get(base + link.substr(link.find("/images/")));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, served.body);
}

TEST_F(StorageS3, IdenticalBytesAlreadyInTheBucketAreLinkedToTheBucket) {
  FakeOpenRouter::Options same;
  same.same_image = true;
  openrouter.set_default(FakeOpenRouter::Script::kPng, same);
  // The S3 server itself as the bucket's public address (path-style).
  start(storage_section(S3Server::kAccessKeyId, s3->endpoint() + "/picbot"));
  const std::string first = draw("a cat");
  ASSERT_NE(first.find("/images/"), std::string::npos) << first;
  ASSERT_TRUE(bot->wait_for_log("uploaded bot1/", 10s)) << bot->process().output();
  // The model draws the same PNG again: its content is in the bucket already.
  const std::string second = draw("the same cat");
  EXPECT_TRUE(second.starts_with(s3->endpoint() + "/picbot/bot1/")) << second;
  const auto fetched = http_get(second);
  ASSERT_EQ(fetched.status, 200) << "NapCat downloads straight from the bucket";
  EXPECT_EQ(fetched.body, http_get(first).body);
}

TEST_F(StorageS3, AKeyTheServerDoesNotKnowFailsTheUploadClearlyAndTheImageStaysLocal) {
  start(storage_section("NOT-A-KEY"));
  const std::string link = draw("a cat");
  ASSERT_TRUE(bot->wait_for_log("upload of bot1/.* failed and is not retried by itself: .*NOT-A-KEY", 10s))
      << bot->process().output();
  EXPECT_EQ(http_get(link).status, 200) << "served from the local copy";
  bot->expect_no_secrets_in_log();
}

TEST_F(StorageS3, ABucketOutageDuring50DrawingsLosesNothingAndUploadsEachOnceItIsBack) {
  start(storage_section());
  ASSERT_TRUE(s3->stop());
  constexpr int kDrawings = 50;
  std::vector<Drawn> drawn;
  for (int i = 0; i < kDrawings; ++i) {
    drawn.push_back(draw_and_fetch("drawing " + std::to_string(i)));
    ASSERT_FALSE(drawn.back().bytes.empty()) << "drawing " << i << " reached its user";
  }
  std::set<std::string> distinct;
  for (const Drawn& d : drawn) distinct.insert(d.key);
  ASSERT_EQ(distinct.size(), static_cast<std::size_t>(kDrawings)) << "the fake draws distinct images";
  // Each save is queued before the user gets the link.
  EXPECT_EQ(uploads("1"), kDrawings);
  EXPECT_EQ(uploads("state IN ('pending', 'uploading')"), kDrawings);
  ASSERT_TRUE(bot->wait_for_log("upload of bot1/.* failed \\(attempt 1\\); retrying in", 10s))
      << bot->process().output();
  EXPECT_EQ(uploads("state = 'failed'"), 0) << "an outage is retried, never a failure";
  EXPECT_EQ(uploads("state = 'uploaded'"), 0);

  // picbot stops with the rows pending; the bucket comes back; the next run
  // picks the rows up (each at its retry time) and uploads them all.
  ASSERT_EQ(bot->stop(), 0);
  EXPECT_EQ(uploads("state = 'pending'"), kDrawings);
  ASSERT_TRUE(s3->restart().ok());
  ASSERT_TRUE(bot->start()) << bot->process().output();
  ASSERT_TRUE(wait_until([&] { return uploads("state = 'uploaded'") == kDrawings; }, 90s))
      << uploads("state = 'uploaded'") << " of " << kDrawings << " uploaded\n"
      << bot->process().output();
  EXPECT_EQ(uploads("state = 'failed'"), 0);
  std::vector<std::string> keys;
  for (const Drawn& d : drawn) keys.push_back(d.key);
  const std::vector<std::string> read = read_all_with_boto3(keys);
  ASSERT_EQ(read.size(), drawn.size());
  for (std::size_t i = 0; i < drawn.size(); ++i)
    EXPECT_EQ(read[i], drawn[i].bytes) << drawn[i].key << ": boto3 reads the bytes the user got";
}

TEST_F(StorageS3, KilledMidUploadTheImageIsUploadedExactlyOnceAfterTheRestart) {
  auto proxied = CountingProxy::start(s3->endpoint());
  ASSERT_TRUE(proxied.ok()) << proxied.error().to_string();
  std::unique_ptr<CountingProxy> proxy = std::move(proxied).value();
  start(storage_section(S3Server::kAccessKeyId, "", proxy->endpoint()));
  proxy->hold_puts();
  const Drawn d = draw_and_fetch("a cat");
  const std::string path = "/picbot/" + d.key;
  // The PUT reached the server (the object is stored); its answer is held.
  ASSERT_TRUE(wait_until([&] { return proxy->held() == 1; }, 10s)) << bot->process().output();
  EXPECT_EQ(proxy->puts(path), 1);
  bot->process().kill9();
  ASSERT_TRUE(bot->process().wait_exit(5s).has_value());
  proxy->release();
  EXPECT_EQ(uploads("state = 'uploading'"), 1) << "killed while its row said uploading";

  ASSERT_TRUE(bot->start()) << bot->process().output();
  EXPECT_TRUE(bot->wait_for_log("1 upload\\(s\\) cut off by the last stop were queued again", 0ms))
      << bot->process().output();
  ASSERT_TRUE(bot->wait_for_log(d.key + " is already in the bucket; not uploaded again", 10s))
      << bot->process().output();
  ASSERT_TRUE(wait_until([&] { return uploads("state = 'uploaded'") == 1; }, 10s));
  EXPECT_EQ(proxy->puts(path), 1) << "the HEAD found the object: no second PUT";
  EXPECT_EQ(proxy->puts(), 1);
  EXPECT_EQ(read_with_boto3(d.key), d.bytes);
}

TEST_F(StorageS3, AFullCacheKeepsEveryImageNotUploadedYet) {
  FakeOpenRouter::Options large;
  large.image_size = 400 * 1024;
  openrouter.set_default(FakeOpenRouter::Script::kPng, large);
  start(storage_section() + "  local:\n    max_cache_mb: 1\n");
  ASSERT_TRUE(s3->stop());
  std::vector<Drawn> drawn;
  for (int i = 0; i < 4; ++i) drawn.push_back(draw_and_fetch("large " + std::to_string(i)));
  // 1.6 MB over a 1 MB cap, none uploaded: the sweep deletes nothing.
  ASSERT_TRUE(
      bot->wait_for_log("the local cache is over its cap, but [0-9]+ file\\(s\\) are not uploaded yet "
                        "and are kept",
                        10s))
      << bot->process().output();
  EXPECT_EQ(image_files(), 4u);
  for (const Drawn& d : drawn) EXPECT_EQ(http_get(d.link).status, 200) << d.link;
  EXPECT_EQ(bot->process().output().find("deleted for the size cap"), std::string::npos)
      << bot->process().output();

  // The bucket is back: the four upload; the next drawing's sweep evicts the
  // uploaded ones, oldest first, down to 90 % of the cap (943 KB).
  ASSERT_TRUE(s3->restart().ok());
  ASSERT_TRUE(wait_until([&] { return uploads("state = 'uploaded'") == 4; }, 60s)) << bot->process().output();
  drawn.push_back(draw_and_fetch("large 4"));
  ASSERT_TRUE(bot->wait_for_log("3 deleted for the size cap", 10s)) << bot->process().output();
  EXPECT_EQ(image_files(), 2u);
  for (const Drawn& d : drawn) {
    const auto got = http_get(d.link);
    EXPECT_EQ(got.status, 200) << d.link << ": evicted copies stream back from the bucket";
    EXPECT_EQ(got.body, d.bytes);
  }
}

TEST_F(StorageS3, ASecretTheServerRefusesFailsTheUploadInPlainWordsWithoutShowingIt) {
  // S3rver accepts any signature: a loopback server answers every request as
  // AWS does for a wrong secret (the documented error XML, as in
  // S3ErrorAnswers.* in image/storage/s3/s3_client_test.cpp).
  FakeHttpServer refusing;
  refusing.on("*", "/", [](const FakeHttpRequest&) {
    return FakeHttpResponse::text(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The "
        "request signature we calculated does not match the signature you provided. Check your key and "
        "signing method.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>",
        403);
  });
  const std::string secret = "wrong-secret-0123456789abcdefghijklmnop";
  start(storage_section(S3Server::kAccessKeyId, "", refusing.base_url()), secret);
  const Drawn d = draw_and_fetch("a cat");
  ASSERT_TRUE(bot->wait_for_log("upload of " + d.key +
                                    " failed and is not retried by itself: the signature does not match "
                                    "\\(SignatureDoesNotMatch\\): check secret_access_key",
                                10s))
      << bot->process().output();
  ASSERT_TRUE(wait_until([&] { return uploads("state = 'failed'") == 1; }, 5s));
  EXPECT_EQ(http_get(d.link).status, 200) << "served from the local copy";
  EXPECT_EQ(bot->process().output().find(secret), std::string::npos);
  bot->expect_no_secrets_in_log();
}

TEST(StorageConfig, AnUnusableBucketSectionIsRefusedNamingTheField) {
  TempDir dir;
  const auto config = dir.write_file(
      "picbot.yaml", reverse_config(kTestToken) +
                         "storage:\n  backend: s3\n  s3:\n    endpoint: \"http://127.0.0.1:9000\"\n    "
                         "access_key_id: AKID\n    secret_access_key: sekrit\n");
  auto child = ChildProcess::start(
      {picbot_binary().string(), "--check-config", "--config", config.string(), "--lang", "en"});
  ASSERT_TRUE(child.ok());
  const auto code = (*child)->wait_exit(10s);
  ASSERT_TRUE(code.has_value()) << (*child)->output();
  EXPECT_EQ(*code, 2) << (*child)->output();
  EXPECT_NE((*child)->output().find("storage.s3.bucket"), std::string::npos) << (*child)->output();
  EXPECT_EQ((*child)->output().find("sekrit"), std::string::npos) << "the secret is never shown";
}

}  // namespace
}  // namespace picbot::testing
