// End to end for gemini_pic_gen's part of the web console on the real
// binary, driven through the console's sandbox chat and the fake OpenRouter:
// the quota list and its reset (the same operation as /reset_images), the
// gallery (list with prompts, bytes, delete with the sidecar, across a
// restart), the status section, the metrics, and no API key in clear.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "bot/core/secret.h"
#include "bot/onebot/base64.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;
using Script = FakeOpenRouter::Script;

constexpr char kToken[] = "onebot-token-0123456789";
constexpr char kPassword[] = "gemini-console-pass-1";
constexpr char kKey[] = "sk-or-v1-gemini-console-key-aaaa1111";
constexpr char kApi[] = "/api/plugins/gemini_pic_gen";
constexpr std::int64_t kGroup = 20001;

std::string config(const FakeOpenRouter& openrouter) {
  return std::string("data_dir: \"{data_dir}\"\n") +
         "onebot:\n  mode: reverse\n  listen: \"127.0.0.1:0\"\n  access_token: \"" + kToken + "\"\n" +
         "web:\n  listen: \"127.0.0.1:0\"\n  password: \"" + kPassword + "\"\n" + "bot:\n  admins: [1]\n" +
         gemini_plugin_section({kKey}, openrouter.api_base()) +
         "    max_retry_attempts: 1\n    acknowledge: false\n" +
         "    rate_limit:\n      enabled: true\n      default_limit: 3\n      reset_interval_minutes: 60\n" +
         "      group_limits: [{group_id: 30003, limit: 5}]\n" +
         "      user_limits: [{user_id: 8, limit: 0}]\n";
}

bool sandbox_has_image(const json& message) {
  for (const auto& seg : message["segments"]) {
    if (seg.value("type", "") == "image") return true;
  }
  return false;
}

class GeminiConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bot = std::make_unique<PicbotRunner>(config(openrouter));
    ASSERT_TRUE(bot->start());
    login();
  }

  void login() {
    client = std::make_unique<ConsoleClient>(bot->web_port());
    ASSERT_EQ(client->login(kPassword).status, 200);
  }

  // GET/POST under the plugin's API; the body parsed (null when not JSON).
  json get(const std::string& path, int expected = 200) {
    auto response = client->get(kApi + path);
    EXPECT_EQ(response.status, expected) << path << ": " << response.body;
    bodies.push_back(response.body);
    return json::parse(response.body, nullptr, false);
  }
  json post(const std::string& path, const json& body, int expected = 200) {
    auto response = client->post(kApi + path, body);
    EXPECT_EQ(response.status, expected) << path << ": " << response.body;
    bodies.push_back(response.body);
    return json::parse(response.body, nullptr, false);
  }
  net::HttpResponse remove(const std::string& path, bool with_csrf = true) {
    std::vector<std::pair<std::string, std::string>> headers = {{"Cookie", client->cookie()}};
    if (with_csrf) headers.emplace_back("X-CSRF-Token", client->csrf());
    auto response = client->raw("DELETE", kApi + path, headers);
    bodies.push_back(response.body);
    return response;
  }

  json plugin_status() {
    auto response = client->get("/api/status");
    bodies.push_back(response.body);
    return json::parse(response.body)["plugins"]["gemini_pic_gen"];
  }

  // Sends text as user in group (0: private) and waits for the reply that
  // matches (an image when want_image), then for the drawing to settle its
  // quota unit: it has finished once the queue is empty.
  std::optional<json> say(std::int64_t user, std::int64_t group, const std::string& text, bool want_image,
                          bool admin = false) {
    std::function<bool(const json&)> match;
    if (want_image) match = sandbox_has_image;
    auto reply = client->sandbox_reply(user, group, admin, text, 10s, match);
    EXPECT_TRUE(wait_until(
        [&] {
          return plugin_status()["queue"] == json{{"running", 0}, {"waiting", 0}};
        },
        10s));
    return reply;
  }

  json bucket(const json& quotas, const std::string& name) {
    for (const auto& b : quotas["buckets"]) {
      if (b["bucket"] == name) return b;
    }
    return nullptr;
  }

  void TearDown() override {
    // No API key in clear in anything the console answered.
    for (const auto& body : bodies) EXPECT_EQ(body.find(kKey), std::string::npos) << body;
  }

  FakeOpenRouter openrouter;
  std::unique_ptr<PicbotRunner> bot;
  std::unique_ptr<ConsoleClient> client;
  std::vector<std::string> bodies;
};

TEST_F(GeminiConsoleTest, QuotasListEveryBucketAndResetIsTheResetImagesOperation) {
  ASSERT_TRUE(say(7, 0, "/draw a cat", true)) << bot->process().output();

  json quotas = get("/quotas");
  EXPECT_EQ(quotas["enabled"], true);
  EXPECT_EQ(quotas["default_limit"], 3);
  EXPECT_EQ(quotas["reset_interval_minutes"], 60);
  const json mine = bucket(quotas, "user:7");
  ASSERT_TRUE(mine.is_object()) << quotas.dump();
  EXPECT_EQ(mine["tier"], "default");
  EXPECT_EQ(mine["used"], 1);
  EXPECT_EQ(mine["limit"], 3);
  EXPECT_EQ(mine["remaining"], 2);
  EXPECT_EQ(mine["resets_at_ms"].get<std::int64_t>() - mine["window_start_ms"].get<std::int64_t>(), 3600000);
  // Configured entries are listed before their first drawing.
  EXPECT_EQ(bucket(quotas, "group:30003")["tier"], "group");
  EXPECT_EQ(bucket(quotas, "group:30003")["used"], 0);
  EXPECT_EQ(bucket(quotas, "user:8")["limit"], 0);

  auto status = say(7, 0, "/quota", false);
  ASSERT_TRUE(status);
  EXPECT_NE(ConsoleClient::text_of(*status).find("2/3"), std::string::npos) << status->dump();

  // Writes need the CSRF token; a bad scope is a clear 400.
  EXPECT_EQ(
      client->post_with_csrf(std::string(kApi) + "/quotas/reset", {{"scope", "all"}}, std::nullopt).status,
      403);
  EXPECT_EQ(post("/quotas/reset", {{"scope", "user"}}, 400)["error"], "bad_request");
  EXPECT_EQ(post("/quotas/reset", {{"scope", "user"}, {"id", 7}})["reset"], "user 7");
  EXPECT_TRUE(bot->wait_for_log("web console reset user 7")) << bot->process().output();
  EXPECT_TRUE(bucket(get("/quotas"), "user:7").is_null());
  status = say(7, 0, "/quota", false);
  ASSERT_TRUE(status);
  EXPECT_NE(ConsoleClient::text_of(*status).find("3/3"), std::string::npos) << status->dump();

  // The chat command goes through the same operation (and the same log line).
  ASSERT_TRUE(say(7, kGroup, "/draw a dog", true));
  EXPECT_EQ(bucket(get("/quotas"), "user:7")["used"], 1);
  auto reset = say(1, kGroup, "/reset_images", false, true);
  ASSERT_TRUE(reset);
  EXPECT_TRUE(bot->wait_for_log("admin 1 reset all quotas")) << bot->process().output();
  EXPECT_TRUE(bucket(get("/quotas"), "user:7").is_null());
}

TEST_F(GeminiConsoleTest, GalleryListsFetchesAndDeletesImages) {
  EXPECT_EQ(client->get(std::string(kApi) + "/gallery").status, 200);
  EXPECT_EQ(ConsoleClient(bot->web_port()).get(std::string(kApi) + "/gallery").status, 401);
  EXPECT_EQ(get("/gallery")["images"], json::array());

  ASSERT_TRUE(say(7, kGroup, "/draw 一只戴墨镜的橘猫", true)) << bot->process().output();
  ASSERT_EQ(openrouter.served_images().size(), 1u);
  json gallery = get("/gallery");
  EXPECT_EQ(gallery["ttl_minutes"], 15);
  ASSERT_EQ(gallery["images"].size(), 1u) << gallery.dump();
  const json image = gallery["images"][0];
  EXPECT_EQ(image["prompt"], "一只戴墨镜的橘猫");
  EXPECT_EQ(image["user_id"], 7);
  EXPECT_EQ(image["group_id"], kGroup);
  EXPECT_EQ(image["model"], "google/gemini-2.5-flash-image");
  EXPECT_EQ(image["mime"], "image/png");
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LT(std::abs(now_ms - image["time_ms"].get<std::int64_t>()), 60000);
  const std::string id = image["id"];

  auto bytes = client->get(std::string(kApi) + "/gallery/" + id);
  ASSERT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.header("content-type"), "image/png");
  EXPECT_EQ(bytes.body, openrouter.served_images()[0]);
  get("/gallery/" + std::string(32, '0'), 404);
  get("/gallery/..%2F..%2Fpicbot.yaml", 404);

  // On disk: the image at its content address, no sidecar.
  const auto images = bot->dir() / "data" / "images";
  std::set<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(images))
    if (entry.is_regular_file()) files.insert(std::filesystem::relative(entry.path(), images));
  ASSERT_EQ(files.size(), 1u);
  const std::filesystem::path name = *files.begin();

  // A restart lists it again, under the same id.
  ASSERT_EQ(bot->stop(), 0);
  ASSERT_TRUE(bot->start());
  login();
  ASSERT_TRUE(wait_until([&] { return get("/gallery")["images"].size() == 1; }, 5s));
  EXPECT_EQ(get("/gallery")["images"][0]["id"], id);
  EXPECT_EQ(get("/gallery")["images"][0]["prompt"], "一只戴墨镜的橘猫");

  EXPECT_EQ(remove("/gallery/" + id, false).status, 403);
  auto deleted = remove("/gallery/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(json::parse(deleted.body)["deleted"], id);
  EXPECT_FALSE(std::filesystem::exists(images / name));
  EXPECT_EQ(get("/gallery")["images"], json::array());
  get("/gallery/" + id, 404);
  EXPECT_EQ(remove("/gallery/" + id).status, 404);
}

TEST_F(GeminiConsoleTest, StatusAndMetricsCountGenerationsDenialsAndKeys) {
  ASSERT_TRUE(say(7, 0, "/draw a cat", true)) << bot->process().output();
  openrouter.push(kKey, Script::k402);
  auto failed = say(7, 0, "/draw a dog", false);
  ASSERT_TRUE(failed);
  auto denied = say(8, 0, "/draw a cow", false);  // user_limits 0: blocked
  ASSERT_TRUE(denied);

  const json status = plugin_status();
  EXPECT_EQ(status["generations"], (json{{"success", 1}, {"no_credits", 1}})) << status.dump();
  EXPECT_EQ(status["quota_denials"], 1);
  EXPECT_EQ(status["images_delivered"], 1);
  EXPECT_EQ(status["delivery_failures"], 0);
  EXPECT_EQ(status["latency"]["count"], 2);
  ASSERT_EQ(status["keys"].size(), 1u);
  EXPECT_EQ(status["keys"][0]["key"], mask_secret(kKey));
  EXPECT_EQ(status["keys"][0]["status"], "cooling_down");
  EXPECT_TRUE(status["keys"][0]["cooling_until"].get<std::string>().ends_with("Z")) << status.dump();

  auto metrics = client->get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  bodies.push_back(metrics.body);
  for (const char* line :
       {"picbot_generations_total{result=\"success\"} 1\n",
        "picbot_generations_total{result=\"no_credits\"} 1\n", "picbot_quota_denials_total 1\n",
        "picbot_images_delivered_total 1\n", "picbot_image_delivery_failures_total 0\n",
        "# TYPE picbot_generation_duration_seconds histogram\n",
        "picbot_generation_duration_seconds_count{result=\"success\"} 1\n",
        "picbot_generation_duration_seconds_count{result=\"no_credits\"} 1\n"}) {
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << metrics.body;
  }
}

TEST_F(GeminiConsoleTest, PagesAreListedWithTheirScriptAndLabels) {
  auto pages = client->get("/api/pages");
  ASSERT_EQ(pages.status, 200);
  std::set<std::string> ids;
  std::string script;
  for (const auto& page : json::parse(pages.body)) {
    if (page["plugin"] != "gemini_pic_gen") continue;
    ids.insert(page["id"]);
    script = page["script"];
    if (page["id"] == "gallery") {
      EXPECT_EQ(page["title"]["en"], "Gallery");
    }
  }
  EXPECT_EQ(ids, (std::set<std::string>{"quotas", "gallery"}));
  auto js = client->get(script);
  ASSERT_EQ(js.status, 200);
  EXPECT_NE(js.body.find("registerPage(\"quotas\""), std::string::npos);
  EXPECT_NE(js.body.find("registerPage(\"gallery\""), std::string::npos);
  const json labels = get("/labels");
  EXPECT_EQ(labels["en"]["gemini.console.delete"], "Delete");
  EXPECT_EQ(labels["zh-CN"]["gemini.console.delete"], "删除");
}

TEST_F(GeminiConsoleTest, StatusHasTheDrawsOfThisHourAndLatencyPercentiles) {
  ASSERT_TRUE(say(7, 0, "/draw a cat", true)) << bot->process().output();
  openrouter.push(kKey, Script::k402);
  ASSERT_TRUE(say(7, 0, "/draw a dog", false));

  const json status = plugin_status();
  ASSERT_EQ(status["hourly"].size(), 24u) << status.dump();
  const json& now = status["hourly"].back();
  EXPECT_EQ(now["success"], 1) << status.dump();
  EXPECT_EQ(now["failures"], (json{{"no_credits", 1}})) << status.dump();
  const auto start_ms = now["start_ms"].get<std::int64_t>();
  EXPECT_EQ(start_ms % 3'600'000, 0);
  EXPECT_EQ(start_ms - status["hourly"][0]["start_ms"].get<std::int64_t>(), 23 * 3'600'000LL);
  EXPECT_EQ(status["latency"]["recent_count"], 2);
  EXPECT_TRUE(status["latency"]["p50_seconds"].is_number()) << status.dump();
  EXPECT_GE(status["latency"]["p95_seconds"].get<double>(), status["latency"]["p50_seconds"].get<double>());
}

// A config save used to zero the per-key counters, so they disagreed with
// the totals next to them.
TEST_F(GeminiConsoleTest, PerKeyCountersSurviveAConfigSave) {
  ASSERT_TRUE(say(7, 0, "/draw a cat", true)) << bot->process().output();
  auto saved = client->post(
      "/api/config", {{"values", {{"plugins", {{"gemini_pic_gen", {{"max_concurrent_generations", 3}}}}}}}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  ASSERT_TRUE(bot->wait_for_log("settings reloaded", 5s)) << bot->process().output();
  ASSERT_TRUE(say(7, 0, "/draw a dog", true)) << bot->process().output();

  const json status = plugin_status();
  EXPECT_EQ(status["generations"]["success"], 2) << status.dump();
  ASSERT_EQ(status["keys"].size(), 1u);
  EXPECT_EQ(status["keys"][0]["successes"], 2) << status.dump();
}

// Each provider of the chain: its place, type, model, keys and calls by
// failure class; the counts survive a config save like the other counters.
TEST_F(GeminiConsoleTest, StatusShowsEachProviderWithItsResultsByClassAcrossAConfigSave) {
  ASSERT_TRUE(say(7, 0, "/draw a cat", true)) << bot->process().output();
  openrouter.push(kKey, Script::k402);
  ASSERT_TRUE(say(7, 0, "/draw a dog", false));
  json providers = plugin_status()["providers"];
  ASSERT_EQ(providers.size(), 1u) << providers.dump();
  EXPECT_EQ(providers[0]["name"], "openrouter");
  EXPECT_EQ(providers[0]["type"], "openrouter");
  EXPECT_EQ(providers[0]["model"], "google/gemini-2.5-flash-image");
  EXPECT_EQ(providers[0]["position"], 1);
  EXPECT_EQ(providers[0]["results"], (json{{"success", 1}, {"no_credits", 1}})) << providers.dump();
  ASSERT_EQ(providers[0]["keys"].size(), 1u);
  EXPECT_EQ(providers[0]["keys"][0]["key"], mask_secret(kKey));

  auto saved = client->post(
      "/api/config", {{"values", {{"plugins", {{"gemini_pic_gen", {{"max_concurrent_generations", 3}}}}}}}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  ASSERT_TRUE(bot->wait_for_log("settings reloaded", 5s)) << bot->process().output();
  // The reload made the key that the 402 cooled down active again.
  ASSERT_TRUE(say(7, 0, "/draw a cow", true)) << bot->process().output();
  providers = plugin_status()["providers"];
  EXPECT_EQ(providers[0]["results"], (json{{"success", 2}, {"no_credits", 1}})) << providers.dump();
}

TEST_F(GeminiConsoleTest, ReEnableNamesTheProviderWhoseKeyItIs) {
  openrouter.push(kKey, Script::k401);
  ASSERT_TRUE(say(7, 0, "/draw a cat", false));
  const json key = plugin_status()["providers"][0]["keys"][0];
  ASSERT_EQ(key["status"], "disabled") << key.dump();
  post("/keys/enable", json{{"provider", "nobody"}, {"index", 0}, {"key", key["key"]}}, 404);
  const json enabled =
      post("/keys/enable", json{{"provider", "openrouter"}, {"index", 0}, {"key", key["key"]}});
  EXPECT_EQ(enabled["enabled"], mask_secret(kKey));
  EXPECT_EQ(plugin_status()["providers"][0]["keys"][0]["status"], "active");
}

TEST_F(GeminiConsoleTest, ReEnableBringsBackAKeyDisabledBy401) {
  openrouter.push(kKey, Script::k401);
  ASSERT_TRUE(say(7, 0, "/draw a cat", false));
  json key = plugin_status()["keys"][0];
  ASSERT_EQ(key["status"], "disabled") << key.dump();
  EXPECT_FALSE(key["reason"].get<std::string>().empty());
  const json body{{"index", 0}, {"key", key["key"]}};

  EXPECT_EQ(client->post_with_csrf(std::string(kApi) + "/keys/enable", body, std::nullopt).status, 403);
  post("/keys/enable", json{{"index", 0}, {"key", "sk-or-…zzzz"}}, 404);
  post("/keys/enable", json{{"index", "first"}}, 400);
  EXPECT_EQ(plugin_status()["keys"][0]["status"], "disabled");

  const json enabled = post("/keys/enable", body);
  EXPECT_EQ(enabled["enabled"], mask_secret(kKey));
  key = plugin_status()["keys"][0];
  EXPECT_EQ(key["status"], "active") << key.dump();
  EXPECT_EQ(key["failures"], 1);
  ASSERT_TRUE(say(7, 0, "/draw a cat", true)) << bot->process().output();
  // One log line per re-enable (the route and ConsoleApi both logged it): the
  // drawing's line comes after it, so the output read holds all of it.
  ASSERT_TRUE(bot->wait_for_log("image generated by")) << bot->process().output();
  std::istringstream output(bot->process().output());
  std::size_t lines = 0;
  for (std::string line; std::getline(output, line);)
    lines += line.find("[info]") != std::string::npos && line.find("re-enabled") != std::string::npos;
  EXPECT_EQ(lines, 1u) << bot->process().output();
}

TEST_F(GeminiConsoleTest, SandboxAttachedImageIsSentAsReference) {
  const std::string reference = make_png("sandbox attachment", 64);
  const std::string data_url = "data:image/png;base64," + onebot::base64_encode(reference);
  auto reply = client->sandbox_reply(
      json{{"user_id", 7}, {"group_id", 0}, {"text", "/draw make it blue"}, {"image", data_url}}, 10s,
      sandbox_has_image);
  ASSERT_TRUE(reply) << bot->process().output();
  const auto calls = openrouter.calls();
  ASSERT_EQ(calls.size(), 1u);
  const json& content = calls[0].body["messages"][0]["content"];
  ASSERT_EQ(content.size(), 2u) << content.dump().substr(0, 500);
  EXPECT_EQ(content[1]["image_url"]["url"], data_url);
}

TEST_F(GeminiConsoleTest, SandboxQuoteOfAnEarlierMessageSendsItsImage) {
  // The user's own earlier image, quoted: the plugin fetches it with get_msg.
  const std::string reference = make_png("quoted attachment", 64);
  const std::string data_url = "data:image/png;base64," + onebot::base64_encode(reference);
  auto sent = client->post("/api/sandbox/send", json{{"user_id", 7}, {"text", "look"}, {"image", data_url}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  const auto entry = json::parse(sent.body)["id"].get<std::uint64_t>();
  const json transcript = client->sandbox_messages(entry - 1);
  ASSERT_FALSE(transcript.empty());
  const auto quoted = transcript[0]["message_id"].get<std::int64_t>();

  auto reply = client->sandbox_reply(
      json{{"user_id", 7}, {"text", "/draw make it blue"}, {"reply_to", quoted}}, 10s, sandbox_has_image);
  ASSERT_TRUE(reply) << bot->process().output();
  const json content = openrouter.calls().at(0).body["messages"][0]["content"];
  ASSERT_EQ(content.size(), 2u) << content.dump().substr(0, 500);
  EXPECT_EQ(content[1]["image_url"]["url"], data_url);

  // The bot's drawn image, quoted, is the reference of the next drawing.
  const auto drawn = (*reply)["message_id"].get<std::int64_t>();
  ASSERT_TRUE(client->sandbox_reply(json{{"user_id", 7}, {"text", "/draw now red"}, {"reply_to", drawn}}, 10s,
                                    sandbox_has_image));
  const json second = openrouter.calls().at(1).body["messages"][0]["content"];
  ASSERT_EQ(second.size(), 2u);
  std::string drawn_src;
  for (const auto& seg : (*reply)["segments"]) {
    if (seg["type"] == "image") drawn_src = seg["data"]["src"];
  }
  EXPECT_EQ(second[1]["image_url"]["url"], drawn_src);

  auto unknown =
      client->post("/api/sandbox/send", json{{"user_id", 7}, {"text", "/draw x"}, {"reply_to", 999999}});
  EXPECT_EQ(unknown.status, 400) << unknown.body;
}

}  // namespace
}  // namespace picbot::testing
