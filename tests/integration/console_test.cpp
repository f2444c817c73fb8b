// End to end for the web console on the real binary: login and sessions,
// CSRF, the failed-login limit, the generated password, the config editor
// (validation per field, atomic save with .bak, masked secrets, live apply),
// hand edits picked up, the sandbox chat and /metrics.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kToken[] = "onebot-token-0123456789";
constexpr char kPassword[] = "console-pass-123456";
constexpr char kMetricsToken[] = "metrics-token-abcdef123";
constexpr char kKey[] = "sk-or-v1-console-key-aaaaaaaa1111";

std::string console_config(const std::string& web_extra, const std::string& rest = "") {
  return std::string("data_dir: \"{data_dir}\"\n") +
         "log_level: debug\n"
         "onebot:\n"
         "  mode: reverse\n"
         "  listen: \"127.0.0.1:0\"\n"
         "  access_token: \"" +
         kToken +
         "\"\n"
         "web:\n"
         "  listen: \"127.0.0.1:0\"\n" +
         web_extra +
         "bot:\n"
         "  admins: [1]\n" +
         rest;
}

std::string with_password() {
  return console_config(std::string("  password: \"") + kPassword + "\"\n  metrics_token: \"" +
                        kMetricsToken + "\"\n");
}

std::string plugin_section(const FakeOpenRouter& openrouter, const std::string& extra = "") {
  return gemini_plugin_section({kKey}, openrouter.api_base(),
                               "    max_retry_attempts: 1\n    acknowledge: false\n" + extra);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool sandbox_has_image(const json& message) {
  for (const auto& seg : message["segments"]) {
    if (seg.value("type", "") == "image" &&
        seg["data"].value("src", "").starts_with("data:image/png;base64,"))
      return true;
  }
  return false;
}

// Each test starts its own picbot; start_logged_in() is the common prologue.
class ConsoleTest : public ::testing::Test {
 protected:
  // Starts picbot with config and logs the console in with kPassword. Call it
  // through ASSERT_NO_FATAL_FAILURE: a bot that does not start or a refused
  // login ends the test.
  void start_logged_in(const std::string& config) {
    bot_.emplace(config);
    ASSERT_TRUE(bot_->start());
    client_.emplace(bot_->web_port());
    ASSERT_EQ(client_->login(kPassword).status, 200);
  }

  PicbotRunner& bot() { return *bot_; }
  ConsoleClient& client() { return *client_; }
  // The values the config editor shows.
  json config_values() { return json::parse(client_->get("/api/config").body)["values"]; }

 private:
  std::optional<PicbotRunner> bot_;
  std::optional<ConsoleClient> client_;
};

TEST_F(ConsoleTest, EverythingButHealthAndLoginNeedsASession) {
  PicbotRunner bot(with_password());
  ASSERT_TRUE(bot.start());
  ConsoleClient client(bot.web_port());
  EXPECT_EQ(client.get("/health").status, 200);
  auto login_page = client.get("/login");
  EXPECT_EQ(login_page.status, 200);
  EXPECT_NE(login_page.body.find("name=\"viewport\""), std::string::npos);
  const std::string csp = login_page.header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(client.get("/login/login.js").status, 200);
  EXPECT_EQ(client.get("/login/app.js").status, 404);  // only the login page's own files are public

  for (const char* path : {"/api/status", "/api/config", "/api/config/schema", "/api/logs", "/api/pages",
                           "/api/labels", "/api/session", "/api/sandbox/messages", "/metrics"}) {
    EXPECT_EQ(client.get(path).status, 401) << path;
  }
  for (const char* path : {"/", "/assets/app.js", "/assets/style.css"}) {
    auto response = client.get(path);
    EXPECT_EQ(response.status, 303) << path;
    EXPECT_EQ(response.header("location"), "/login") << path;
  }
  EXPECT_EQ(client.post_with_csrf("/api/config", json{{"values", json::object()}}, std::nullopt).status, 401);
  EXPECT_EQ(client.post_with_csrf("/api/sandbox/send", json{{"text", "/ping"}}, std::nullopt).status, 401);
  EXPECT_EQ(client.get("/nothing").status, 404);
  // A forged cookie is no session.
  EXPECT_EQ(client.get("/api/status", {{"Cookie", "picbot_session=" + std::string(64, 'a')}}).status, 401);
}

TEST_F(ConsoleTest, LoginSetsAStrictHttpOnlyCookieAndWritesNeedTheCsrfToken) {
  PicbotRunner bot(with_password());
  ASSERT_TRUE(bot.start());
  ConsoleClient client(bot.web_port());
  EXPECT_EQ(client.login("wrong-password").status, 401);
  EXPECT_EQ(client
                .raw("POST", "/login", {{"Content-Type", "application/x-www-form-urlencoded"}},
                     std::string("password=") + kPassword)
                .status,
            415);
  auto login = client.login(kPassword);
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string cookie = login.header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(client.csrf().size(), 64u);

  auto status = client.get("/api/status");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.header("x-frame-options"), "DENY");
  EXPECT_EQ(client.get("/").status, 200);
  EXPECT_EQ(client.get("/api/session").body.find(client.csrf()) != std::string::npos, true);

  // Writes without the token, or with another one, are refused.
  const json ping{{"user_id", 5}, {"group_id", 0}, {"text", "/ping"}};
  EXPECT_EQ(client.post_with_csrf("/api/sandbox/send", ping, std::nullopt).status, 403);
  EXPECT_EQ(client.post_with_csrf("/api/sandbox/send", ping, std::string(64, '0')).status, 403);
  EXPECT_EQ(client.post("/api/sandbox/send", ping).status, 200);

  EXPECT_EQ(client.post("/api/logout", json::object()).status, 200);
  EXPECT_EQ(client.get("/api/status").status, 401);
}

TEST_F(ConsoleTest, ChangingThePasswordEndsEverySession) {
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password()));
  json values = config_values();
  values["web"]["password"] = "another-password-789";
  auto saved = client().post("/api/config", {{"values", values}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(client().get("/api/status").status, 401);
  ConsoleClient again(bot().web_port());
  EXPECT_EQ(again.login(kPassword).status, 401);
  EXPECT_EQ(again.login("another-password-789").status, 200);
  EXPECT_EQ(bot().process().output().find("another-password-789"), std::string::npos);
}

TEST_F(ConsoleTest, FailedLoginsAreRateLimited) {
  PicbotRunner bot(with_password());
  ASSERT_TRUE(bot.start());
  ConsoleClient client(bot.web_port());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.login("nope-" + std::to_string(i)).status, 401) << i;
  auto limited = client.login(kPassword);  // even the right password waits now
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.header("retry-after").empty());
  EXPECT_GT(json::parse(limited.body)["retry_after_seconds"].get<int>(), 0);
  EXPECT_EQ(bot.process().output().find(kPassword), std::string::npos);
}

TEST_F(ConsoleTest, GeneratedPasswordIsPrintedOnceAndOnlyItsHashIsStored) {
  PicbotRunner bot(console_config(""));
  ASSERT_TRUE(bot.start());
  std::vector<std::string> captures;
  ASSERT_TRUE(bot.process().wait_for_line(std::regex(R"(web console password \(shown only once.*\): (\S+))"),
                                          1s, &captures))
      << bot.process().output();
  const std::string password = captures[1];
  const auto hash_file = bot.dir() / "data" / "web_password.hash";
  ASSERT_TRUE(std::filesystem::exists(hash_file));
  const std::string stored = read_file(hash_file);
  EXPECT_TRUE(stored.starts_with("scrypt$")) << stored;
  EXPECT_EQ(stored.find(password), std::string::npos);
  EXPECT_EQ(std::filesystem::status(hash_file).permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
  ConsoleClient client(bot.web_port());
  EXPECT_EQ(client.login(password).status, 200);

  // A restart keeps the password and does not print it again.
  ASSERT_EQ(bot.stop(), 0);
  ASSERT_TRUE(bot.start());
  EXPECT_EQ(bot.process().output().find("shown only once"), std::string::npos) << bot.process().output();
  ConsoleClient again(bot.web_port());
  EXPECT_EQ(again.login(password).status, 200);
}

TEST_F(ConsoleTest, SchemaDescribesEveryFieldForTheForm) {
  FakeOpenRouter openrouter;
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password() + plugin_section(openrouter)));
  const json schema = json::parse(client().get("/api/config/schema").body);
  auto child = [](const json& field, const std::string& key) {
    for (const auto& c : field["children"]) {
      if (c["key"] == key) return c;
    }
    return json();
  };
  const json web = child(schema, "web");
  EXPECT_EQ(child(web, "password")["type"], "secret");
  EXPECT_EQ(child(web, "listen")["restart_required"], true);
  EXPECT_FALSE(child(web, "listen")["description"]["zh"].get<std::string>().empty());
  EXPECT_FALSE(child(web, "listen")["description"]["en"].get<std::string>().empty());
  const json plugin = child(child(schema, "plugins"), "gemini_pic_gen");
  EXPECT_EQ(child(plugin, "model_name")["default"], "google/gemini-2.5-flash-image");
  EXPECT_EQ(child(child(plugin, "rate_limit"), "group_limits")["type"], "object_list");
  const json labels = json::parse(client().get("/api/labels").body);
  EXPECT_EQ(labels["zh-CN"]["console.nav.config"], "配置");
  EXPECT_EQ(labels["en"]["console.nav.config"], "Settings");
}

TEST_F(ConsoleTest, InvalidValuesAreReportedPerFieldAndNothingIsWritten) {
  FakeOpenRouter openrouter;
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password() + plugin_section(openrouter)));
  const std::string before = read_file(bot().config_path());
  json values = config_values();
  values["plugins"]["gemini_pic_gen"]["max_retry_attempts"] = "three";
  values["plugins"]["gemini_pic_gen"]["rate_limit"]["group_limits"] =
      json::array({{{"group_id", 5}, {"limit", "x"}}});
  values["log_level"] = "loud";
  auto answer = client().post("/api/config", {{"values", values}});
  ASSERT_EQ(answer.status, 400) << answer.body;
  std::set<std::string> paths;
  const json errors = json::parse(answer.body)["errors"];
  for (const auto& e : errors) paths.insert(e["path"].get<std::string>());
  EXPECT_TRUE(paths.count("plugins.gemini_pic_gen.max_retry_attempts")) << answer.body;
  EXPECT_TRUE(paths.count("plugins.gemini_pic_gen.rate_limit.group_limits[0].limit")) << answer.body;
  EXPECT_TRUE(paths.count("log_level")) << answer.body;
  EXPECT_EQ(read_file(bot().config_path()), before);
  EXPECT_FALSE(std::filesystem::exists(bot().config_path().string() + ".bak"));
}

TEST_F(ConsoleTest, SaveIsAtomicKeepsABackupAndNeverShowsSecrets) {
  FakeOpenRouter openrouter;
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password() + plugin_section(openrouter)));
  const std::string before = read_file(bot().config_path());

  auto config = client().get("/api/config");
  ASSERT_EQ(config.status, 200);
  for (const char* secret : {kKey, kToken, kPassword, kMetricsToken}) {
    EXPECT_EQ(config.body.find(secret), std::string::npos) << secret;
  }
  json values = json::parse(config.body)["values"];
  EXPECT_EQ(values["onebot"]["access_token"], "…6789");  // masked
  values["plugins"]["gemini_pic_gen"]["model_name"] = "test/console-model";
  values["web"]["listen"] = "127.0.0.1:1";  // needs a restart
  auto saved = client().post("/api/config", {{"values", values}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  const json answer = json::parse(saved.body);
  EXPECT_EQ(answer["restart_required"], json::array({"web.listen"})) << saved.body;
  EXPECT_NE(
      std::find(answer["changed"].begin(), answer["changed"].end(), "plugins.gemini_pic_gen.model_name"),
      answer["changed"].end());

  const std::string after = read_file(bot().config_path());
  EXPECT_NE(after.find("test/console-model"), std::string::npos);
  // Unedited secrets keep their values; the comments of the example are there.
  EXPECT_NE(after.find(kKey), std::string::npos);
  EXPECT_NE(after.find(kToken), std::string::npos);
  EXPECT_NE(after.find(kPassword), std::string::npos);
  EXPECT_NE(after.find("# "), std::string::npos);
  EXPECT_EQ(read_file(bot().config_path().string() + ".bak"), before);
  // No temp files left next to it.
  for (const auto& entry : std::filesystem::directory_iterator(bot().dir())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "picbot.yaml" || name == "picbot.yaml.bak" || name == "data") << name;
  }
  EXPECT_TRUE(bot().wait_for_log("config reloaded", 5s));
  for (const char* path : {"/api/status", "/api/config", "/api/logs?lines=1000"}) {
    const std::string body = client().get(path).body;
    for (const char* secret : {kKey, kToken, kPassword, kMetricsToken}) {
      EXPECT_EQ(body.find(secret), std::string::npos) << path << " leaks " << secret;
    }
  }
  for (const char* secret : {kKey, kToken, kPassword, kMetricsToken}) {
    EXPECT_EQ(bot().process().output().find(secret), std::string::npos) << secret;
  }
}

// A save that names only what changed must not reset the rest: before the
// merge, the left-out console password was regenerated and the left-out
// onebot.access_token emptied, which switched authentication off.
TEST_F(ConsoleTest, APartialSaveChangesOnlyTheKeysItNames) {
  FakeOpenRouter openrouter;
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password() + plugin_section(openrouter)));
  const json before = config_values();

  auto saved = client().post("/api/config", {{"values", {{"log_level", "warn"}}}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(json::parse(saved.body)["changed"], json::array({"log_level"})) << saved.body;
  saved = client().post("/api/config", {{"values", {{"bot", {{"disabled_reply", "busy"}}}}}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(json::parse(saved.body)["changed"], json::array({"bot.disabled_reply"})) << saved.body;
  // null would reset a secret: refused, and nothing is written.
  const std::string file = read_file(bot().config_path());
  auto refused = client().post("/api/config", {{"values", {{"onebot", {{"access_token", nullptr}}}}}});
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("onebot.access_token"), std::string::npos) << refused.body;
  EXPECT_EQ(read_file(bot().config_path()), file);

  json expected = before;
  expected["log_level"] = "warn";
  expected["bot"]["disabled_reply"] = "busy";
  EXPECT_EQ(config_values(), expected);
  const std::string after = read_file(bot().config_path());
  for (const char* secret : {kKey, kToken, kPassword, kMetricsToken}) {
    EXPECT_NE(after.find(secret), std::string::npos) << secret << " is gone from the file";
  }
  // The running bot still asks for both: the old password logs in, NapCat needs the token.
  ConsoleClient again(bot().web_port());
  EXPECT_EQ(again.login(kPassword).status, 200);
  FakeNapCat napcat;
  auto no_token = napcat.connect(bot().reverse_port(), "/onebot/v11/ws", 10001, "");
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.error().http_status, 401);
  EXPECT_TRUE(napcat.connect(bot().reverse_port(), "/onebot/v11/ws", 10001, kToken).ok());
}

// The operator's own file, commented and ordered their way (27 lines).
std::string commented_config() {
  return std::string(
             "# picbot on the small server\n"
             "\n"
             "data_dir: \"{data_dir}\"\n"
             "log_level: debug   # noisy while testing\n"
             "\n"
             "# NapCat connects to us\n"
             "onebot:\n"
             "  mode: reverse\n"
             "  listen: '127.0.0.1:0'\n"
             "  access_token: \"") +
         kToken +
         "\"\n"
         "\n"
         "web:\n"
         "  listen: \"127.0.0.1:0\"\n"
         "  password: \"" +
         kPassword +
         "\"\n"
         "  # scraped by prometheus\n"
         "  metrics_token: \"" +
         kMetricsToken +
         "\"\n"
         "\n"
         "bot:\n"
         "  admins: [1]        # me\n"
         "  nicknames: [pic]\n"
         "  # replies in\n"
         "  language: zh-CN\n"
         "\n"
         "llm:\n"
         "  enabled: false\n"
         "  context: {max_turns: 20}\n"
         "# end\n";
}

// Saving kept the file's comments and order: before, a save rewrote a
// 27-line file as 264 lines with every default pinned.
TEST_F(ConsoleTest, ASaveRewritesOnlyTheLineOfTheChangedKey) {
  ASSERT_NO_FATAL_FAILURE(start_logged_in(commented_config()));
  const std::string before = read_file(bot().config_path());
  ASSERT_EQ(std::count(before.begin(), before.end(), '\n'), 27);

  auto saved = client().post("/api/config", {{"values", {{"log_level", "warn"}}}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(changed_lines(before, read_file(bot().config_path())),
            (std::vector<std::string>{"-log_level: debug   # noisy while testing",
                                      "+log_level: warn   # noisy while testing"}));
  EXPECT_EQ(config_values()["log_level"], "warn");

  // The whole form sent back (masked secrets included) changes one line too.
  const std::string once = read_file(bot().config_path());
  json values = config_values();
  values["bot"]["language"] = "en";
  saved = client().post("/api/config", {{"values", values}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(changed_lines(once, read_file(bot().config_path())),
            (std::vector<std::string>{"-  language: zh-CN", "+  language: en"}));
}

// The console shows what a save would write before writing it: the diff of
// the file, secrets masked (old and new), and nothing saved.
TEST_F(ConsoleTest, APreviewShowsTheDiffOfTheSaveWithSecretsMasked) {
  ASSERT_NO_FATAL_FAILURE(start_logged_in(commented_config()));
  const std::string before = read_file(bot().config_path());
  constexpr char kNewToken[] = "new-tok-1234";
  auto preview = client().post(
      "/api/config/preview", {{"values", {{"log_level", "warn"}, {"web", {{"metrics_token", kNewToken}}}}}});
  ASSERT_EQ(preview.status, 200) << preview.body;
  const json answer = json::parse(preview.body);
  EXPECT_EQ(
      answer["diff"],
      "--- a/picbot.yaml\n+++ b/picbot.yaml\n"
      "@@ -1,7 +1,7 @@\n # picbot on the small server\n \n data_dir: \"" +
          bot().dir().string() +
          "/data\"\n"
          "-log_level: debug   # noisy while testing\n+log_level: warn   # noisy while testing\n \n"
          " # NapCat connects to us\n onebot:\n"
          "@@ -13,7 +13,7 @@\n   listen: \"127.0.0.1:0\"\n   password: \"…3456\"\n"
          "   # scraped by prometheus\n-  metrics_token: \"…f123\"\n+  metrics_token: \"••••\"\n \n bot:\n"
          "   admins: [1]        # me\n")
      << answer.dump(1);
  EXPECT_EQ(answer["changed"], json::array({"log_level", "web.metrics_token"}));
  EXPECT_EQ(preview.body.find(kMetricsToken), std::string::npos);
  EXPECT_EQ(preview.body.find(kNewToken), std::string::npos);
  EXPECT_EQ(read_file(bot().config_path()), before) << "a preview writes nothing";

  auto invalid = client().post("/api/config/preview", {{"values", {{"log_level", "loud"}}}});
  EXPECT_EQ(invalid.status, 400) << invalid.body;
}

// Validation messages come in the console's language (zh-CN unless it asks
// for en), from the config message table.
TEST_F(ConsoleTest, ValidationMessagesComeInTheConsolesLanguage) {
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password()));
  const json typo = {{"web", {{"pasword", "x"}}}};
  auto zh = client().post("/api/config", {{"values", typo}});
  ASSERT_EQ(zh.status, 400) << zh.body;
  EXPECT_NE(zh.body.find("未知的键"), std::string::npos) << zh.body;
  auto en = client().post("/api/config/preview", {{"values", typo}, {"language", "en"}});
  ASSERT_EQ(en.status, 400) << en.body;
  EXPECT_NE(en.body.find("unknown key: this section accepts no unknown keys"), std::string::npos) << en.body;
  auto secret =
      client().post("/api/config", {{"values", {{"web", {{"password", nullptr}}}}}, {"language", "en"}});
  EXPECT_NE(secret.body.find("null would reset a secret"), std::string::npos) << secret.body;
  secret = client().post("/api/config", {{"values", {{"web", {{"password", nullptr}}}}}});
  EXPECT_NE(secret.body.find("空字符串"), std::string::npos) << secret.body;
}

TEST_F(ConsoleTest, UnknownKeysOfTheFileAreReportedAndKeptInTheBackup) {
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password() + "my_notes: \"keep me\"\n"));
  const json config = json::parse(client().get("/api/config").body);
  EXPECT_EQ(config["unknown_keys"], json::array({"my_notes"})) << config.dump();
  json values = config["values"];
  values["log_level"] = "warn";
  auto saved = client().post("/api/config", {{"values", values}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(json::parse(saved.body)["unknown_keys_dropped"], json::array({"my_notes"})) << saved.body;
  EXPECT_NE(read_file(bot().config_path().string() + ".bak").find("my_notes: \"keep me\""),
            std::string::npos);
  EXPECT_NE(read_file(bot().config_path()).find("log_level: warn"), std::string::npos);
}

TEST_F(ConsoleTest, AChangeUnderOnebotReconnects) {
  FakeNapCat napcat;
  const std::uint16_t port = napcat.listen();
  ASSERT_NO_FATAL_FAILURE(start_logged_in(std::string("data_dir: \"{data_dir}\"\n") +
                                          "onebot:\n  mode: forward\n  url: \"ws://127.0.0.1:" +
                                          std::to_string(port) + "/\"\n  access_token: \"" + kToken +
                                          "\"\n"
                                          "web:\n  listen: \"127.0.0.1:0\"\n  password: \"" +
                                          kPassword + "\"\n"));
  ASSERT_TRUE(napcat.wait_for_connections(1, 5s));
  json values = config_values();
  values["onebot"]["access_token"] = "a-new-onebot-token-42";
  auto saved = client().post("/api/config", {{"values", values}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(json::parse(saved.body)["restart_required"], json::array());
  ASSERT_TRUE(bot().wait_for_log("onebot settings changed: reconnecting", 5s)) << bot().process().output();
  EXPECT_TRUE(wait_until(
      [&] {
        return napcat.connection_count() == 1 &&
               napcat.last_upgrade_headers()["authorization"] == "Bearer a-new-onebot-token-42";
      },
      10s))
      << bot().process().output();
}

TEST_F(ConsoleTest, AdminCommandsInTheSandboxNeedTheAdminBox) {
  FakeOpenRouter openrouter;
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password() + plugin_section(openrouter)));
  const std::string model_before = config_values()["plugins"]["gemini_pic_gen"]["model_name"];

  // The console's own admin types as user 7, who is not a bot admin.
  for (const char* command : {"/reset_images", "/banana model evil/model save", "/reload"}) {
    auto refused = client().sandbox_reply(7, 20001, false, command, 5s);
    ASSERT_TRUE(refused) << command << "\n" << bot().process().output();
    EXPECT_NE(ConsoleClient::text_of(*refused).find("仅限管理员"), std::string::npos) << refused->dump();
  }
  auto model = client().sandbox_reply(7, 20001, true, "/banana model", 5s);
  ASSERT_TRUE(model);
  EXPECT_NE(ConsoleClient::text_of(*model).find(model_before), std::string::npos) << model->dump();
  EXPECT_EQ(config_values()["plugins"]["gemini_pic_gen"]["model_name"], model_before);
}

TEST_F(ConsoleTest, SavedSettingsApplyToTheRunningBot) {
  FakeOpenRouter openrouter;
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password() + plugin_section(openrouter)));

  auto pong = client().sandbox_reply(7, 20001, false, "/ping", 5s);
  ASSERT_TRUE(pong) << bot().process().output();
  EXPECT_EQ(ConsoleClient::text_of(*pong), "pong");

  json values = config_values();
  values["plugins"]["gemini_pic_gen"]["model_name"] = "test/live-model";
  values["plugins"]["gemini_pic_gen"]["rate_limit"]["enabled"] = true;
  values["plugins"]["gemini_pic_gen"]["rate_limit"]["default_limit"] = 1;
  auto saved = client().post("/api/config", {{"values", values}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(json::parse(saved.body)["restart_required"], json::array());

  auto image = client().sandbox_reply(7, 20001, false, "/draw a cat", 10s, sandbox_has_image);
  ASSERT_TRUE(image) << bot().process().output();
  ASSERT_EQ(openrouter.calls().size(), 1u);
  EXPECT_EQ(openrouter.calls()[0].body["model"], "test/live-model");
  // The new quota (1 per user) holds: the second drawing is refused.
  auto denied = client().sandbox_reply(7, 20001, false, "/draw a dog", 10s);
  ASSERT_TRUE(denied);
  EXPECT_NE(ConsoleClient::text_of(*denied).find("1/1"), std::string::npos) << denied->dump();
  EXPECT_EQ(openrouter.calls().size(), 1u);
  // As admin (exempt) it still draws.
  EXPECT_TRUE(client().sandbox_reply(7, 20001, true, "/draw a dog", 10s, sandbox_has_image));

  // The plugin's status section and metrics show it.
  const json status = json::parse(client().get("/api/status").body);
  const json& plugin = status["plugins"]["gemini_pic_gen"];
  EXPECT_EQ(plugin["model"], "test/live-model") << status.dump();
  EXPECT_EQ(plugin["generations"]["success"], 2) << status.dump();
  EXPECT_EQ(plugin["images_delivered"], 2) << status.dump();
  EXPECT_EQ(plugin["quota_denials"], 1) << status.dump();
  ASSERT_EQ(plugin["keys"].size(), 1u);
  EXPECT_EQ(plugin["keys"][0]["status"], "active");
  EXPECT_EQ(status.dump().find(kKey), std::string::npos);
  const std::string metrics = client().get("/metrics").body;
  EXPECT_NE(metrics.find("picbot_generations_total{result=\"success\"} 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("picbot_images_delivered_total 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("picbot_quota_denials_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("picbot_generation_duration_seconds_count{result=\"success\"} 2\n"),
            std::string::npos)
      << metrics;
}

TEST_F(ConsoleTest, HandEditsArePickedUpAndABadFileKeepsTheRunningConfig) {
  FakeOpenRouter openrouter;
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password() + plugin_section(openrouter)));

  std::string text = read_file(bot().config_path());
  text += "    model_name: \"test/hand-edited\"\n";
  {
    std::ofstream out(bot().config_path(), std::ios::trunc);
    out << text;
  }
  ASSERT_TRUE(bot().wait_for_log("changed on disk: reloading", 5s)) << bot().process().output();
  ASSERT_TRUE(wait_until(
      [&] {
        return json::parse(
                   client().get("/api/config").body)["values"]["plugins"]["gemini_pic_gen"]["model_name"] ==
               "test/hand-edited";
      },
      5s));
  ASSERT_TRUE(client().sandbox_reply(3, 0, false, "/draw a cat", 10s, sandbox_has_image))
      << bot().process().output();
  EXPECT_EQ(openrouter.calls().back().body["model"], "test/hand-edited");

  {
    std::ofstream out(bot().config_path(), std::ios::app);
    out << "log_level: [broken\n";
  }
  ASSERT_TRUE(bot().wait_for_log("reload refused, the running config stays", 5s)) << bot().process().output();
  auto pong = client().sandbox_reply(3, 0, false, "/ping", 5s);
  ASSERT_TRUE(pong);
  EXPECT_EQ(ConsoleClient::text_of(*pong), "pong");
  const json status = json::parse(client().get("/api/status").body);
  bool listed = false;
  for (const auto& line : status["errors"])
    listed = listed || line.get<std::string>().find("reload refused") != std::string::npos;
  EXPECT_TRUE(listed) << status.dump();
}

TEST_F(ConsoleTest, MetricsNeedTheTokenOrALogin) {
  PicbotRunner bot(with_password());
  ASSERT_TRUE(bot.start());
  ConsoleClient client(bot.web_port());
  EXPECT_EQ(client.get("/metrics").status, 401);
  EXPECT_EQ(client.get("/metrics", {{"Authorization", "Bearer wrong-token"}}).status, 401);
  ASSERT_EQ(client.login(kPassword).status, 200);
  ASSERT_TRUE(client.sandbox_reply(9, 0, false, "/ping", 5s));
  auto metrics = client.get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  ConsoleClient anonymous(bot.web_port());
  auto by_token = anonymous.get("/metrics", {{"Authorization", std::string("Bearer ") + kMetricsToken}});
  ASSERT_EQ(by_token.status, 200);
  EXPECT_TRUE(by_token.header("content-type").starts_with("text/plain; version=0.0.4"))
      << by_token.header("content-type");
  const std::string& text = by_token.body;
  EXPECT_NE(text.find("# TYPE picbot_messages_in_total counter\npicbot_messages_in_total 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE picbot_commands_total counter\npicbot_commands_total 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE picbot_messages_out_total counter\npicbot_messages_out_total 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("picbot_onebot_api_calls_total{action=\"send_private_msg\",result=\"ok\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE picbot_onebot_api_seconds histogram\n"), std::string::npos) << text;
  // Every sample line is "name{labels} value".
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) continue;
    EXPECT_TRUE(std::regex_match(line, std::regex(R"([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eInf]+)")))
        << line;
  }
}

// A user id typed with a letter used to end in HTTP 500 (a JSON type error).
TEST_F(ConsoleTest, SandboxRefusesAUserIdThatIsNotANumberWithAMessage) {
  ASSERT_NO_FATAL_FAILURE(start_logged_in(with_password()));
  for (const json& user : {json("10x01"), json(nullptr), json(1.5), json("")}) {
    auto refused = client().post("/api/sandbox/send", json{{"user_id", user}, {"text", "/ping"}});
    EXPECT_EQ(refused.status, 400) << user.dump() << ": " << refused.body;
    const json body = json::parse(refused.body, nullptr, false);
    EXPECT_EQ(body["error"], "bad_user_id") << refused.body;
    EXPECT_NE(body.value("message", "").find("user_id"), std::string::npos) << refused.body;
  }
  auto bad_group =
      client().post("/api/sandbox/send", json{{"user_id", 7}, {"group_id", "g1"}, {"text", "/ping"}});
  EXPECT_EQ(bad_group.status, 400) << bad_group.body;
  // Digits as text are what the page's inputs hold: accepted.
  auto pong = client().sandbox_reply(json{{"user_id", "7"}, {"group_id", ""}, {"text", "/ping"}}, 5s);
  ASSERT_TRUE(pong) << bot().process().output();
  EXPECT_EQ(ConsoleClient::text_of(*pong), "pong");
}

TEST_F(ConsoleTest, SandboxSaysWhyAMessageGotNoReply) {
  // No bot.disabled_reply: with the LLM off, chat gets no answer at all.
  ASSERT_NO_FATAL_FAILURE(start_logged_in(
      console_config(std::string("  password: \"") + kPassword + "\"\n", "  disabled_reply: \"\"\n")));
  const auto note_for = [&](const json& body) -> std::string {
    auto sent = client().post("/api/sandbox/send", body);
    EXPECT_EQ(sent.status, 200) << sent.body;
    const auto after = json::parse(sent.body)["id"].get<std::uint64_t>();
    std::string label;
    wait_until(
        [&] {
          for (const auto& m : client().sandbox_messages(after)) {
            if (m["direction"] == "note") label = m["label"];
          }
          return !label.empty();
        },
        5s);
    return label;
  };
  // The LLM is off: a private message that is not a command wakes nothing.
  EXPECT_EQ(note_for(json{{"user_id", 7}, {"text", "hello"}}), "console.sandbox.no_reply_llm_off");
  // In a group without @bot nothing is woken at all.
  EXPECT_EQ(note_for(json{{"user_id", 7}, {"group_id", 20001}, {"text", "hello"}}),
            "console.sandbox.no_reply_not_woken");
  // With @bot (what the page's @bot button inserts) it is woken; the LLM is off.
  EXPECT_EQ(note_for(json{{"user_id", 7}, {"group_id", 20001}, {"text", "[CQ:at,qq=100000] hello"}}),
            "console.sandbox.no_reply_llm_off");
  // A reply means no note.
  auto pong = client().sandbox_reply(7, 0, false, "/ping", 5s);
  ASSERT_TRUE(pong);
  const auto last = (*pong)["id"].get<std::uint64_t>();
  const json labels = json::parse(client().get("/api/labels").body);
  EXPECT_FALSE(labels["zh-CN"].value("console.sandbox.no_reply_llm_off", "").empty());
  EXPECT_FALSE(labels["en"].value("console.sandbox.no_reply_llm_off", "").empty());
  for (const auto& m : client().sandbox_messages(last)) EXPECT_NE(m["direction"], "note") << m.dump();
}

}  // namespace
}  // namespace picbot::testing
