// The image gateway through the real binary: the official openai npm SDK
// (gateway_sdk.mjs) calls picbot's /v1 API, whose model aliases draw through
// the "openai" provider type against fake OpenAI Images upstreams
// (tests/fakes/openai), one per entry of the failure matrix. Plus what the
// SDK hides: the wire shape of a refusal, the headers, and the start-up
// refusal of a gateway open to the network without a key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "bot/net/http_client.h"
#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/fakes/openai/fake_openai.h"
#include "tests/fakes/openrouter/fake_images.h"
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
using Script = FakeOpenAiScript;

constexpr char kGatewayKey[] = "sk-gw-webui-key-aaaaaaaa1111";
constexpr char kUpstreamKey[] = "sk-proj-upstream-key-bbbbbbbb2222";

std::string instance(const std::string& name, const FakeOpenAi& fake) {
  return "  " + name +
         ":\n"
         "    type: openai\n"
         "    api_base: \"" +
         fake.api_base() + "\"\n    api_keys: [\"" + kUpstreamKey +
         "\"]\n"
         "    model: gpt-image-1\n"
         "    max_retry_attempts: 1\n"
         "    request_timeout_seconds: 2\n";
}

class GatewaySdkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fail500.set_default(Script::k500);
    fail401.set_default(Script::k401);
    fail400.set_default(Script::k400);
    policy.set_default(Script::kContentPolicy);
    limited.set_default(Script::k429);
    hang.set_default(Script::kHang);
    std::string yaml = reverse_config(kTestToken) + llm_section + "image_providers:\n" + instance("ok", ok) +
                       instance("fail500", fail500) + instance("fail401", fail401) +
                       instance("fail400", fail400) + instance("policy", policy) +
                       instance("limited", limited) + instance("hang", hang) +
                       "plugins:\n"
                       "  image_gateway:\n"
                       "    listen: \"127.0.0.1:0\"\n"
                       "    api_keys:\n"
                       "      - {name: webui, key: \"" +
                       kGatewayKey +
                       "\"}\n"
                       "    max_upload_mb: " +
                       max_upload_mb +
                       "\n"
                       "    allow_private_network: true\n"
                       "    models:\n"
                       "      - {id: picbot-image, provider: ok}\n"
                       "      - {id: fail-500, provider: fail500}\n"
                       "      - {id: fail-401, provider: fail401}\n"
                       "      - {id: fail-400, provider: fail400}\n"
                       "      - {id: fail-policy, provider: policy}\n"
                       "      - {id: fail-429, provider: limited}\n"
                       "      - {id: fail-hang, provider: hang}\n";
    bot = std::make_unique<PicbotRunner>(yaml);
    ASSERT_TRUE(bot->start()) << bot->process().output();
    std::smatch port;
    const std::string output = bot->process().output();
    ASSERT_TRUE(
        std::regex_search(output, port, std::regex("image gateway listening on 127\\.0\\.0\\.1:(\\d+)")))
        << output;
    base = "http://127.0.0.1:" + port[1].str() + "/v1";
  }

  // Runs gateway_sdk.mjs (one check, or all of them); its output on failure.
  ::testing::AssertionResult run_sdk(const std::string& check = "") {
    return run_sdk_args(check.empty() ? std::vector<std::string>{} : std::vector<std::string>{check});
  }
  ::testing::AssertionResult run_sdk_args(const std::vector<std::string>& args) {
    const auto dir = source_dir() / "tests" / "gateway";
    if (!std::filesystem::exists(dir / "node_modules" / "openai")) {
      return ::testing::AssertionFailure()
             << "run `npm ci` in " << dir << " (scripts/install-deps.sh --test does)";
    }
    std::vector<std::string> argv = {"node", (dir / "gateway_sdk.mjs").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto node = ChildProcess::start(argv, {{"GATEWAY_URL", base}, {"GATEWAY_KEY", kGatewayKey}}, dir);
    if (!node.ok()) return ::testing::AssertionFailure() << node.error().message;
    const auto code = (*node)->wait_exit(180s);
    if (code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << (*node)->output() << "\n--- picbot ---\n"
                                         << bot->process().output();
  }

  net::HttpResponse post(const std::string& path, const std::string& body,
                         const std::string& key = kGatewayKey) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = base + path;
    request.body = body;
    request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}};
    return blocking_request(std::move(request));
  }

  FakeOpenAi ok, fail500, fail401, fail400, policy, limited, hang;
  std::string llm_section;  // set by a subclass before SetUp
  std::string max_upload_mb = "1";
  std::unique_ptr<PicbotRunner> bot;
  std::string base;
};

TEST_F(GatewaySdkTest, TheOfficialSdkGeneratesEditsAndSeesEveryFailureInOpenAisShape) {
  EXPECT_TRUE(run_sdk());
  // The multipart edits reached the upstream as files, with the upstream's key, never the gateway's.
  bool saw_edit = false;
  for (const auto& call : ok.calls()) {
    EXPECT_EQ(call.key, kUpstreamKey);
    if (call.path == "/v1/images/edits") {
      saw_edit = true;
      EXPECT_FALSE(call.files.empty());
    }
  }
  EXPECT_TRUE(saw_edit);
}

TEST_F(GatewaySdkTest, AFailureIsNeverA200AndNeverTheUpstreamsBody) {
  const auto refused =
      post("/images/generations", R"({"model":"fail-400","prompt":"x","response_format":"b64_json"})");
  EXPECT_EQ(refused.status, 400);
  const json error = json::parse(refused.body)["error"];
  EXPECT_TRUE(error.contains("message") && error.contains("type") && error.contains("param") &&
              error.contains("code"));
  EXPECT_EQ(refused.body.find("invalid_request_error\",\"message\":\"fake"), std::string::npos);
  const auto limited_answer =
      post("/images/generations", R"({"model":"fail-429","prompt":"x","response_format":"b64_json"})");
  EXPECT_EQ(limited_answer.status, 429);
  bool retry_after = false;
  for (const auto& [name, value] : limited_answer.headers) retry_after = retry_after || name == "retry-after";
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(
      post("/images/generations", R"({"model":"picbot-image","prompt":"x"})", "sk-wrong-key-00000000").status,
      401);
  EXPECT_EQ(post("/images/generations", "{not json").status, 400);
}

// /v1/chat/completions through the official SDK: image aliases draw and
// answer links (streamed and not), any other model goes to the chat upstream
// of llm.* (the fake chat server) with its base64 images stored and linked, a
// 10 MB data: URL in a message fits the body limit (max_upload_mb), and
// refusals come in OpenAI's shape.
class GatewayChatSdkTest : public GatewaySdkTest {
 protected:
  void SetUp() override {
    ChatScript answer = ChatScript::reply("here it is " + make_data_url("image/png", make_png("inline")));
    answer.images = json::array(
        {{{"type", "image_url"}, {"image_url", {{"url", make_data_url("image/png", make_png("listed"))}}}}});
    chat.set_default(answer);
    llm_section = "llm:\n  api_base: \"" + chat.api_base() + "\"\n  api_keys: [\"" + kChatKey +
                  "\"]\n  model: chat-model\n  max_retry_attempts: 1\n";
    max_upload_mb = "16";
    GatewaySdkTest::SetUp();
  }

  static constexpr char kChatKey[] = "sk-or-chat-upstream-key-dddd4444";
  FakeChatServer chat;
};

TEST_F(GatewayChatSdkTest, TheOfficialSdkChatsWithImageAliasesAndForwardedModels) {
  for (const std::string check : {"listsTheChatModel", "anImageAliasAnswersALink", "anImageAliasStreamsALink",
                                  "aForwardedAnswerHasItsImagesLinked", "aForwardedStreamHasItsImagesLinked",
                                  "takesATenMegabyteDataUrl", "refusesAWrongKey"}) {
    EXPECT_TRUE(run_sdk_args({"chat", check})) << check;
  }
  // Forwarded with the upstream's key, streamed or not as the client asked.
  const auto requests = chat.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].key, kChatKey);
  EXPECT_EQ(requests[0].body["model"], "chat-model");
  EXPECT_EQ(requests[0].body["stream"], false);
  EXPECT_EQ(requests[1].body["stream"], true);
  // The 10 MB reference reached the image upstream.
  bool saw_big_reference = false;
  for (const auto& call : ok.calls()) {
    for (const auto& file : call.files)
      saw_big_reference = saw_big_reference || file.bytes.size() >= 10u * 1024 * 1024;
  }
  EXPECT_TRUE(saw_big_reference);
  // Each chat request is in the request log.
  EXPECT_NE(bot->process().output().find("chat/completions"), std::string::npos);
}

// The relay is bound to the response's on_close(): a client that leaves a
// forwarded stream ends the upstream call too.
TEST_F(GatewayChatSdkTest, AClientThatLeavesAForwardedStreamEndsTheUpstreamCall) {
  auto body = std::make_shared<FakeBodyStream>();
  chat.push(ChatScript::live_stream(body));
  body->send(FakeChatServer::content_event("first"));
  EXPECT_TRUE(run_sdk_args({"chat", "leavesAForwardedStream"}));
  EXPECT_TRUE(body->wait_client_gone(10s)) << bot->process().output();
}

TEST_F(GatewayChatSdkTest, AModelTheUpstreamDoesNotKnowIsA404ModelNotFound) {
  chat.push(ChatScript::error(404, "No endpoints found for no-such-model"));
  EXPECT_TRUE(run_sdk_args({"chat", "refusesAnUnknownModel"}));
}

// Per-key quotas in the shared ledger (quota.sqlite3, bucket gateway:<name>):
// a failed drawing costs nothing, an exhausted key gets 429 with Retry-After
// and the reset time, and another key is not affected.
TEST(GatewayQuota, AKeyPaysOnlyForImagesItGotAndThen429sUntilTheReset) {
  FakeOpenAi ok, failing;
  failing.set_default(Script::k500);
  const std::string other_key = "sk-gw-other-key-cccccccc3333";
  PicbotRunner bot(reverse_config(kTestToken) + "image_providers:\n" + instance("ok", ok) +
                   instance("failing", failing) +
                   "plugins:\n"
                   "  image_gateway:\n"
                   "    api_keys:\n"
                   "      - {name: webui, key: \"" +
                   kGatewayKey + "\"}\n      - {name: other, key: \"" + other_key +
                   "\"}\n"
                   "    models: [{id: good, provider: ok}, {id: bad, provider: failing}]\n"
                   "    quota: {enabled: true, limit: 2, window_minutes: 60}\n");
  ASSERT_TRUE(bot.start()) << bot.process().output();
  const std::string base = "http://127.0.0.1:" + std::to_string(bot.web_port()) + "/v1/images/generations";
  const auto generate = [&](const std::string& model, const std::string& key) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = base;
    request.body = R"({"model":")" + model + R"(","prompt":"x","response_format":"b64_json"})";
    request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}};
    return blocking_request(std::move(request));
  };
  EXPECT_EQ(generate("bad", kGatewayKey).status, 502);
  EXPECT_EQ(generate("good", kGatewayKey).status, 200);
  EXPECT_EQ(generate("bad", kGatewayKey).status, 502) << "a failure does not use the last unit";
  EXPECT_EQ(generate("good", kGatewayKey).status, 200);
  const auto exhausted = generate("good", kGatewayKey);
  EXPECT_EQ(exhausted.status, 429);
  const json error = json::parse(exhausted.body)["error"];
  EXPECT_EQ(error["code"], "quota_exceeded");
  EXPECT_NE(error["message"].get<std::string>().find("UTC"), std::string::npos) << error.dump();
  long retry_after = 0;
  for (const auto& [name, value] : exhausted.headers) {
    if (name == "retry-after") retry_after = std::stol(value);
  }
  EXPECT_GT(retry_after, 3000) << "about an hour";
  EXPECT_LE(retry_after, 3601);
  EXPECT_EQ(ok.call_count(), 2u) << "the refused request never reached the upstream";
  EXPECT_EQ(generate("good", other_key).status, 200) << "each key has its own bucket";
  EXPECT_TRUE(std::filesystem::exists(bot.dir() / "data" / "quota.sqlite3"))
      << "the drawing plugin's ledger file";
}

// The chat route's image aliases pay from the same bucket as the image
// routes; a streamed request is refused with the HTTP 429 before it starts.
TEST(GatewayQuota, ChatDrawingsCountAgainstTheKeysQuota) {
  FakeOpenAi ok;
  PicbotRunner bot(reverse_config(kTestToken) + "image_providers:\n" + instance("ok", ok) +
                   "plugins:\n"
                   "  image_gateway:\n"
                   "    api_keys: [{name: webui, key: \"" +
                   kGatewayKey +
                   "\"}]\n"
                   "    models: [{id: good, provider: ok}]\n"
                   "    quota: {enabled: true, limit: 1, window_minutes: 60}\n");
  ASSERT_TRUE(bot.start()) << bot.process().output();
  const auto chat = [&](bool stream) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = "http://127.0.0.1:" + std::to_string(bot.web_port()) + "/v1/chat/completions";
    request.body = json{{"model", "good"},
                        {"stream", stream},
                        {"messages", json::array({{{"role", "user"}, {"content", "a cat"}}})}}
                       .dump();
    request.headers = {{"Content-Type", "application/json"},
                       {"Authorization", std::string("Bearer ") + kGatewayKey}};
    return blocking_request(std::move(request));
  };
  const auto first = chat(false);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.body.find("![image]("), std::string::npos) << first.body;
  const auto refused = chat(true);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "quota_exceeded");
  EXPECT_EQ(ok.call_count(), 1u);
}

TEST(GatewayStart, WithoutItsOwnListenerTheGatewayServesOnTheWebServer) {
  PicbotRunner bot(reverse_config(kTestToken) +
                   "plugins:\n  image_gateway:\n    api_keys: [{name: a, key: \"" + std::string(kGatewayKey) +
                   "\"}]\n");
  ASSERT_TRUE(bot.start()) << bot.process().output();
  net::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(bot.web_port()) + "/v1/models";
  request.headers = {{"Authorization", std::string("Bearer ") + kGatewayKey}};
  const auto models = blocking_request(request);
  EXPECT_EQ(models.status, 200);
  EXPECT_EQ(json::parse(models.body)["object"], "list");
  request.headers.clear();
  EXPECT_EQ(blocking_request(request).status, 401);
}

// libcurl is loaded on first use (bot/net/curl_library.h): ~20 ms of dlopen
// and TLS set-up that the gateway's first request used to pay on the event
// loop. A gateway with models loads it on a worker at start instead.
TEST(GatewayStart, AGatewayWithModelsLoadsLibcurlBeforeItsFirstRequest) {
  FakeOpenAi ok;
  PicbotRunner bot(reverse_config(kTestToken) + "image_providers:\n" + instance("ok", ok) +
                   "plugins:\n  image_gateway:\n    api_keys: [{name: a, key: \"" + std::string(kGatewayKey) +
                   "\"}]\n    models: [{id: picbot-image, provider: ok}]\n");
  ASSERT_TRUE(bot.start()) << bot.process().output();
  const auto maps = "/proc/" + std::to_string(bot.process().pid()) + "/maps";
  const auto libcurl_mapped = [&maps] {
    std::ifstream in(maps);
    std::stringstream text;
    text << in.rdbuf();
    return text.str().find("libcurl") != std::string::npos;
  };
  EXPECT_TRUE(wait_until(libcurl_mapped, 10s));
  EXPECT_EQ(ok.call_count(), 0u);
}

TEST(GatewayStart, AGatewayOpenToTheNetworkWithoutAKeyIsRefused) {
  TempDir dir;
  const auto path = dir.write_file(
      "picbot.yaml", reverse_config(kTestToken) + "plugins:\n  image_gateway:\n    listen: \"0.0.0.0:0\"\n");
  auto child = ChildProcess::start({picbot_binary().string(), "--config", path.string(), "--lang", "en"});
  ASSERT_TRUE(child.ok());
  const auto code = (*child)->wait_exit(10s);
  EXPECT_TRUE(code.has_value() && *code != 0) << (*child)->output();
  EXPECT_NE((*child)->output().find("api_keys"), std::string::npos) << (*child)->output();
}

}  // namespace
}  // namespace picbot::testing
