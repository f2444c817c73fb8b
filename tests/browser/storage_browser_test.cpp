// The console's storage page with storage.backend: s3 in a real browser on
// a phone viewport (tests/browser/storage_page_e2e.mjs) against the real
// picbot, the fake OpenRouter and S3rver (tests/support/s3_server.h): the
// figures, the bucket actions, the failed table and "test connection" red
// and green. This side stops and restarts the S3 server.
#include <gtest/gtest.h>

#include <string>

#include "tests/browser/browser_script.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/s3_server.h"

namespace picbot::testing {
namespace {

constexpr char kPassword[] = "storage-browser-pass-1";
constexpr char kKey[] = "sk-or-v1-storage-browser-key-aaaa5555";

std::string config(const FakeOpenRouter& openrouter, const S3Server& s3, const std::string& access_key_id) {
  return browser_console_config(kPassword) +
         gemini_plugin_section({kKey}, openrouter.api_base(), "    max_retry_attempts: 1\n") +
         "storage:\n  backend: s3\n  s3:\n    endpoint: \"" + s3.endpoint() +
         "\"\n    region: us-east-1\n    bucket: picbot\n    access_key_id: \"" + access_key_id +
         "\"\n    key_prefix: bot1\n";
}

class StorageBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(S3Server::unavailable_reason(), "");
    auto started = S3Server::start({"picbot"});
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    s3 = std::move(started).value();
  }
  FakeOpenRouter openrouter;
  std::unique_ptr<S3Server> s3;
};

TEST_F(StorageBrowserTest, AFailedUploadIsListedAndTestConnectionIsRed) {
  PicbotRunner bot(config(openrouter, *s3, "NOT-A-KEY"),
                   {{"PICBOT_S3_SECRET_ACCESS_KEY", S3Server::kSecretAccessKey}});
  ASSERT_TRUE(bot.start()) << bot.process().output();
  ASSERT_TRUE(run_browser_script(bot, "storage_page_e2e.mjs", kPassword, {{"PHASE", "failed"}}));
  bot.expect_no_secrets_in_log();
}

TEST_F(StorageBrowserTest, AfterAnOutageUploadPendingNowUploadsAndTestConnectionIsGreen) {
  PicbotRunner bot(config(openrouter, *s3, S3Server::kAccessKeyId),
                   {{"PICBOT_S3_SECRET_ACCESS_KEY", S3Server::kSecretAccessKey}});
  ASSERT_TRUE(bot.start()) << bot.process().output();
  ASSERT_TRUE(s3->stop());
  ASSERT_TRUE(run_browser_script(bot, "storage_page_e2e.mjs", kPassword, {{"PHASE", "outage"}},
                                 {{"s3-start", [&] { return s3->restart().ok(); }}}));
  bot.expect_no_secrets_in_log();
}

}  // namespace
}  // namespace picbot::testing
