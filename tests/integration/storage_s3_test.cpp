// storage.backend: s3 end to end through the real binary against a real S3
// server (S3rver, tests/support/s3_server.h): a drawing ends in the bucket
// (read back with boto3, the official client), its /images/<id> link still
// answers after the local copy expired (streamed back from the bucket),
// identical bytes drawn again are linked straight to the bucket, and a key
// the server does not know fails the upload with a clear line while the
// image stays served locally.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/net/http_client.h"
#include "bot/store/database.h"
#include "image/storage/image_store.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"
#include "tests/support/python_script.h"
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

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

class StorageS3 : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(S3Server::unavailable_reason(), "");
    auto started = S3Server::start({"picbot"});
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    s3 = std::move(started).value();
  }

  // The storage section for the S3 server; public_base_url "" presigns.
  std::string storage_section(const std::string& access_key_id = S3Server::kAccessKeyId,
                              const std::string& public_base_url = "") const {
    return "storage:\n  backend: s3\n  s3:\n    endpoint: \"" + s3->endpoint() +
           "\"\n    region: us-east-1\n    bucket: picbot\n    access_key_id: \"" + access_key_id +
           "\"\n    key_prefix: bot1\n    public_base_url: \"" + public_base_url + "\"\n";
  }

  void start(const std::string& storage) {
    bot = std::make_unique<PicbotRunner>(
        reverse_config(kTestToken) +
            gemini_plugin_section({kKey}, openrouter.api_base(),
                                  "    max_retry_attempts: 1\n    image_delivery: url\n") +
            storage,
        std::map<std::string, std::string>{{"PICBOT_S3_SECRET_ACCESS_KEY", S3Server::kSecretAccessKey}});
    ASSERT_TRUE(bot->start()) << bot->process().output();
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  // Draws and returns the link the bot sent.
  std::string draw(const std::string& prompt) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, 42, "/draw " + prompt);
    auto reply = napcat.wait_for_call(
        [](const ApiCall& c) {
          if (c.action != "send_group_msg") return false;
          for (const auto& seg : message_of(c))
            if (seg.value("type", "") == "image") return true;
          return false;
        },
        10s, skip);
    EXPECT_TRUE(reply) << bot->process().output();
    if (!reply) return "";
    for (const auto& seg : message_of(*reply))
      if (seg.value("type", "") == "image") return seg["data"].value("file", "");
    return "";
  }

  // The object's bytes as boto3 reads them (tests/s3/boto3_get.py).
  std::string read_with_boto3(const std::string& key) {
    if (!python_has_module("boto3")) {
      ADD_FAILURE() << "python3-boto3 is not installed (scripts/install-deps.sh --test)";
      return {};
    }
    TempDir out;
    const auto keys = out.write_file("keys.json", json::array({key}).dump());
    auto ran = run_python(source_dir() / "tests/s3/boto3_get.py",
                          {s3->endpoint(), "picbot", keys.string(), out.path().string()});
    if (!ran.ok()) {
      ADD_FAILURE() << ran.error().to_string();
      return {};
    }
    return read_file(out.path() / "0.bin");
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
