// The image gateway's console API through the real binary: a key created in
// the console works at once with the official openai SDK (gateway_sdk.mjs),
// survives a restart (it is in the config file) and stays masked in every
// answer but the create's; a revoked key gets 401 from the running gateway;
// a key from PICBOT_GATEWAY_API_KEYS is listed but cannot be revoked; the
// API needs the console's login and CSRF token, never a gateway key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/fakes/openai/fake_openai.h"
#include "tests/integration/console_client.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kPassword[] = "gateway-console-pass-1";
constexpr char kFileKey[] = "sk-gw-file-key-aaaaaaaa1111";
constexpr char kEnvKey[] = "sk-gw-env-key-bbbbbbbb2222";
constexpr char kUpstreamKey[] = "sk-proj-upstream-key-cccccccc3333";
constexpr char kApi[] = "/api/plugins/image_gateway";

std::string config(const FakeOpenAi& upstream) {
  return std::string("data_dir: \"{data_dir}\"\n") +
         "onebot:\n  mode: reverse\n  listen: \"127.0.0.1:0\"\n  access_token: \"" + kTestToken + "\"\n" +
         "web:\n  listen: \"127.0.0.1:0\"\n  password: \"" + kPassword + "\"\n" +
         "image_providers:\n  ok:\n    type: openai\n    api_base: \"" + upstream.api_base() +
         "\"\n    api_keys: [\"" + kUpstreamKey + "\"]\n    model: gpt-image-1\n    max_retry_attempts: 1\n" +
         "plugins:\n  image_gateway:\n    listen: \"127.0.0.1:0\"\n" +
         "    api_keys:\n      - {name: webui, key: \"" + kFileKey + "\"}\n" +
         "    models:\n      - {id: picbot-image, provider: ok}\n" +
         "    quota: {enabled: true, limit: 50, window_minutes: 60}\n";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class GatewayConsoleTest : public ::testing::Test {
 protected:
  void start(std::map<std::string, std::string> env = {}) {
    bot = std::make_unique<PicbotRunner>(config(upstream), std::move(env));
    ASSERT_TRUE(bot->start()) << bot->process().output();
    connect();
  }

  // Logs in again and finds the gateway's own port (both change on a restart).
  void connect() {
    client = std::make_unique<ConsoleClient>(bot->web_port());
    ASSERT_EQ(client->login(kPassword).status, 200);
    std::smatch port;
    const std::string output = bot->process().output();
    std::string::const_iterator from = output.begin();
    std::string last;
    while (std::regex_search(from, output.end(), port,
                             std::regex("image gateway listening on 127\\.0\\.0\\.1:(\\d+)"))) {
      last = port[1].str();
      from = port.suffix().first;
    }
    ASSERT_FALSE(last.empty()) << output;
    base = "http://127.0.0.1:" + last + "/v1";
  }

  // Runs one image check of gateway_sdk.mjs with key.
  ::testing::AssertionResult sdk(const std::string& check, const std::string& key) {
    return sdk_args({check}, key);
  }
  // The SDK gets a 401 for everything with key (gateway_sdk.mjs key refusedWithThisKey).
  ::testing::AssertionResult sdk_refused(const std::string& key) {
    return sdk_args({"key", "refusedWithThisKey"}, key);
  }
  ::testing::AssertionResult sdk_args(const std::vector<std::string>& args, const std::string& key) {
    const auto dir = source_dir() / "tests" / "gateway";
    if (!std::filesystem::exists(dir / "node_modules" / "openai")) {
      return ::testing::AssertionFailure()
             << "run `npm ci` in " << dir << " (scripts/install-deps.sh --test does)";
    }
    std::vector<std::string> argv = {"node", (dir / "gateway_sdk.mjs").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto node = ChildProcess::start(argv, {{"GATEWAY_URL", base}, {"GATEWAY_KEY", key}}, dir);
    if (!node.ok()) return ::testing::AssertionFailure() << node.error().message;
    const auto code = (*node)->wait_exit(60s);
    if (code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << (*node)->output() << "\n--- picbot ---\n"
                                         << bot->process().output();
  }

  json keys() {
    const auto listed = client->get(std::string(kApi) + "/keys");
    EXPECT_EQ(listed.status, 200) << listed.body;
    return json::parse(listed.body)["keys"];
  }

  static const json* named(const json& keys, const std::string& name) {
    for (const json& key : keys) {
      if (key["name"] == name) return &key;
    }
    return nullptr;
  }

  // No console answer holds secret in clear.
  void expect_nowhere(const std::string& secret) {
    for (const std::string path :
         {std::string(kApi) + "/keys", std::string(kApi) + "/requests", std::string(kApi) + "/setup",
          std::string("/api/status"), std::string("/api/config")}) {
      const auto answer = client->get(path);
      EXPECT_EQ(answer.body.find(secret), std::string::npos) << path;
    }
    EXPECT_EQ(bot->process().output().find(secret), std::string::npos) << "the log";
  }

  FakeOpenAi upstream;
  std::unique_ptr<PicbotRunner> bot;
  std::unique_ptr<ConsoleClient> client;
  std::string base;
};

TEST_F(GatewayConsoleTest, ACreatedKeyWorksAtOnceSurvivesARestartAndARevokedOneGets401) {
  start({{"PICBOT_GATEWAY_API_KEYS", std::string("ops:") + kEnvKey}});
  const auto created = client->post(std::string(kApi) + "/keys", json{{"name", "phone"}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string key = json::parse(created.body)["key"];
  EXPECT_TRUE(key.starts_with("pg-")) << key;
  EXPECT_EQ(json::parse(created.body)["masked"], "pg-…" + key.substr(key.size() - 4));

  EXPECT_TRUE(sdk("generatesBase64", key)) << "the new key draws through the SDK at once";
  json listed = keys();
  ASSERT_NE(named(listed, "phone"), nullptr) << listed.dump();
  EXPECT_EQ((*named(listed, "phone"))["key"], "pg-…" + key.substr(key.size() - 4));
  EXPECT_EQ((*named(listed, "phone"))["source"], "console");
  EXPECT_EQ((*named(listed, "phone"))["requests"], 1);
  EXPECT_EQ((*named(listed, "phone"))["images"], 1);
  EXPECT_EQ((*named(listed, "phone"))["quota"]["used"], 1) << "the ledger's bucket gateway:phone";
  EXPECT_FALSE((*named(listed, "phone"))["last_used_ms"].is_null());
  // The environment's key replaced the file's list; it is listed but stays.
  ASSERT_NE(named(listed, "ops"), nullptr) << listed.dump();
  EXPECT_EQ((*named(listed, "ops"))["source"], "environment");
  EXPECT_EQ((*named(listed, "ops"))["revocable"], false);
  EXPECT_EQ(named(listed, "webui"), nullptr);
  const auto env_revoke =
      client->post(std::string(kApi) + "/keys/revoke", json{{"name", "ops"}, {"language", "en"}});
  EXPECT_EQ(env_revoke.status, 409) << env_revoke.body;
  EXPECT_NE(env_revoke.body.find("PICBOT_GATEWAY_API_KEYS"), std::string::npos) << env_revoke.body;
  EXPECT_TRUE(sdk("generatesBase64", kEnvKey));
  // The requests table names the key.
  const json recent = json::parse(client->get(std::string(kApi) + "/requests").body)["recent"];
  ASSERT_FALSE(recent.empty());
  EXPECT_EQ(recent[0]["key"], "ops");
  EXPECT_EQ(recent[1]["key"], "phone");
  EXPECT_EQ(recent[1]["model"], "picbot-image");
  EXPECT_EQ(recent[1]["status"], 200);
  expect_nowhere(key);

  // In the file (so a restart keeps it), and still masked afterwards.
  EXPECT_NE(read_file(bot->config_path()).find(key), std::string::npos);
  EXPECT_EQ(read_file(bot->config_path()).find(kEnvKey), std::string::npos)
      << "the environment's key stays out";
  bot->stop();
  ASSERT_TRUE(bot->start()) << bot->process().output();
  connect();
  EXPECT_TRUE(sdk("generatesBase64", key)) << "after the restart";
  listed = keys();
  ASSERT_NE(named(listed, "phone"), nullptr);
  EXPECT_EQ((*named(listed, "phone"))["key"], "pg-…" + key.substr(key.size() - 4));
  EXPECT_EQ((*named(listed, "phone"))["quota"]["used"], 2) << "the ledger survives the restart";
  expect_nowhere(key);

  const auto revoked = client->post(std::string(kApi) + "/keys/revoke", json{{"name", "phone"}});
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_TRUE(sdk_refused(key)) << "the running gateway refuses it at once";
  EXPECT_EQ(named(keys(), "phone"), nullptr);
  EXPECT_EQ(read_file(bot->config_path()).find(key), std::string::npos);
  EXPECT_TRUE(sdk("generatesBase64", kEnvKey)) << "the other keys go on";
}

TEST_F(GatewayConsoleTest, AFileKeyCanBeRevokedAndNamesAreChecked) {
  start();
  const json listed = keys();
  ASSERT_NE(named(listed, "webui"), nullptr) << listed.dump();
  EXPECT_EQ((*named(listed, "webui"))["source"], "file");
  EXPECT_EQ((*named(listed, "webui"))["key"], "sk-gw-…1111");
  const auto post = [&](const json& body) { return client->post(std::string(kApi) + "/keys", body); };
  EXPECT_EQ(post(json{{"name", "webui"}, {"language", "en"}}).status, 400) << "taken";
  const auto spaced = post(json{{"name", "a b"}, {"language", "en"}});
  EXPECT_EQ(spaced.status, 400);
  EXPECT_NE(spaced.body.find("letters, digits"), std::string::npos) << spaced.body;
  EXPECT_EQ(post(json{{"name", std::string(33, 'a')}}).status, 400);
  EXPECT_EQ(post(json{{"name", ""}}).status, 400);
  EXPECT_EQ(post(json::array()).status, 400);
  EXPECT_EQ(client->post(std::string(kApi) + "/keys/revoke", json{{"name", "nobody"}}).status, 404);

  // Only the console's session with its CSRF token reaches the API, never a gateway key.
  EXPECT_EQ(client->post_with_csrf(std::string(kApi) + "/keys", json{{"name", "x"}}, std::nullopt).status,
            403);
  ConsoleClient stranger(bot->web_port());
  EXPECT_EQ(
      stranger.raw("GET", std::string(kApi) + "/keys", {{"Authorization", std::string("Bearer ") + kFileKey}})
          .status,
      401);
  EXPECT_EQ(
      stranger
          .raw("POST", std::string(kApi) + "/keys",
               {{"Authorization", std::string("Bearer ") + kFileKey}, {"Content-Type", "application/json"}},
               R"({"name":"sneaky"})")
          .status,
      401);
  EXPECT_EQ(named(keys(), "sneaky"), nullptr);

  EXPECT_TRUE(sdk("generatesBase64", kFileKey));
  // The last key is not revoked: without keys the gateway would serve this machine's clients keyless.
  EXPECT_EQ(client->post(std::string(kApi) + "/keys/revoke", json{{"name", "webui"}}).status, 409);
  ASSERT_EQ(post(json{{"name", "second"}}).status, 200);
  ASSERT_EQ(client->post(std::string(kApi) + "/keys/revoke", json{{"name", "webui"}}).status, 200);
  EXPECT_TRUE(sdk_refused(kFileKey));
  EXPECT_EQ(read_file(bot->config_path()).find(kFileKey), std::string::npos);
  // The copy block's base URL is the gateway's own listener.
  const json setup = json::parse(client->get(std::string(kApi) + "/setup").body);
  EXPECT_EQ(setup["base_url"], base);
  EXPECT_EQ(setup["image_models"], json::array({"picbot-image"}));
}

}  // namespace
}  // namespace picbot::testing
