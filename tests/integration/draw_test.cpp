// End to end: fake NapCat -> /draw -> real picbot -> fake OpenRouter -> an
// image segment back at the fake NapCat, plus quotas across a restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "bot/onebot/base64.h"
#include "tests/fakes/http/fake_http_server.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;
using Script = FakeOpenRouter::Script;

constexpr char kKeyA[] = "sk-or-v1-test-key-aaaaaaaaaaaa1111";
constexpr char kKeyB[] = "sk-or-v1-test-key-bbbbbbbbbbbb2222";

std::string plugin_config(const FakeOpenRouter& openrouter, const std::string& rate_limit = "") {
  return gemini_plugin_section({kKeyA, kKeyB}, openrouter.api_base(),
                               "    max_retry_attempts: 1\n"
                               "    backoff_initial_seconds: 0.01\n"
                               "    backoff_max_seconds: 0.02\n"
                               "    allow_private_network: true\n" +
                                   rate_limit);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool is_message_to(const ApiCall& c, std::int64_t group) {
  return c.action == "send_group_msg" && c.params.value("group_id", json()) == group;
}

class DrawTest : public ::testing::Test {
 protected:
  // plugin_extra: more gemini_pic_gen lines; onebot_keys: more onebot lines.
  void start(const std::string& plugin_extra = "", const std::string& onebot_keys = "") {
    bot = std::make_unique<PicbotRunner>(with_onebot_keys(reverse_config(kTestToken), onebot_keys) +
                                         plugin_config(openrouter, plugin_extra));
    ASSERT_TRUE(bot->start());
    connect();
  }
  void connect() {
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }
  // Sends text in group 777 as `user` and waits for the bot's reply that
  // matches `pred`, looking only at calls made after this message.
  std::optional<ApiCall> say(std::int64_t user, json message, std::function<bool(const ApiCall&)> pred,
                             std::chrono::milliseconds timeout = 10s) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, user, std::move(message));
    return napcat.wait_for_call([&](const ApiCall& c) { return is_message_to(c, 777) && pred(c); }, timeout,
                                skip);
  }
  std::optional<ApiCall> say_expect_text(std::int64_t user, json message, const std::string& needle) {
    return say(user, std::move(message),
               [&](const ApiCall& c) { return text_of(message_of(c)).find(needle) != std::string::npos; });
  }
  std::optional<ApiCall> say_expect_image(std::int64_t user, json message) {
    return say(user, std::move(message),
               [](const ApiCall& c) { return image_bytes_of(message_of(c)).has_value(); });
  }

  FakeOpenRouter openrouter;
  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

TEST_F(DrawTest, DrawDeliversTheUpstreamImageBytes) {
  start();
  auto reply = say_expect_image(42, "/draw 一只戴墨镜的橘猫 --ar 16:9");
  ASSERT_TRUE(reply) << bot->process().output();
  ASSERT_EQ(openrouter.served_images().size(), 1u);
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), openrouter.served_images()[0]);
  // In a group the sender is @-ed.
  EXPECT_EQ(reply->params["message"][0]["type"], "at");
  EXPECT_EQ(reply->params["message"][0]["data"]["qq"], "42");

  const auto calls = openrouter.calls();
  ASSERT_EQ(calls.size(), 1u);
  const json& body = calls[0].body;
  EXPECT_EQ(body["model"], "google/gemini-2.5-flash-image");
  EXPECT_EQ(body["modalities"], json::array({"image", "text"}));
  EXPECT_EQ(body["image_config"]["aspect_ratio"], "16:9");
  EXPECT_EQ(body["messages"][0]["content"][0]["text"], "一只戴墨镜的橘猫");
  EXPECT_EQ(calls[0].headers.at("authorization"), std::string("Bearer ") + kKeyA);
  EXPECT_EQ(calls[0].headers.at("x-openrouter-title"), "picbot");

  // The acknowledgement came first, and the file is on disk.
  EXPECT_GE(napcat.count_calls("send_group_msg"), 2u);
  // Content-addressed: images/<sha256[0:2]>/<sha256>.png, catalogued in images.sqlite3.
  const auto images = bot->dir() / "data" / "images";
  std::vector<std::filesystem::path> on_disk;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(images)) {
    if (entry.is_regular_file()) on_disk.push_back(std::filesystem::relative(entry.path(), images));
  }
  ASSERT_EQ(on_disk.size(), 1u) << "the image alone, no sidecar";
  const std::string name = on_disk[0].filename().string();
  EXPECT_EQ(name.size(), 64u + 4u) << name;
  EXPECT_TRUE(name.ends_with(".png")) << name;
  EXPECT_EQ(on_disk[0].parent_path().string(), name.substr(0, 2));
  EXPECT_EQ(read_file(images / on_disk[0]), openrouter.served_images()[0]);
  EXPECT_TRUE(std::filesystem::exists(bot->dir() / "data" / "images.sqlite3"));
  // API keys never reach the log.
  EXPECT_EQ(bot->process().output().find(kKeyA), std::string::npos);
}

TEST_F(DrawTest, QuotedImageIsSentAsReference) {
  start();
  FakeHttpServer cdn;
  const std::string reference = make_png("reference", 64);
  cdn.on("GET", "/ref.png", [&](const FakeHttpRequest&) {
    return FakeHttpResponse{200, {{"Content-Type", "image/png"}}, reference};
  });
  const std::int64_t quoted = napcat.send_group_message(
      conn, 777, 43,
      json::array(
          {json{{"type", "image"}, {"data", {{"file", "ref.png"}, {"url", cdn.base_url() + "/ref.png"}}}}}));
  auto reply =
      say_expect_image(42, json::array({json{{"type", "reply"}, {"data", {{"id", std::to_string(quoted)}}}},
                                        json{{"type", "text"}, {"data", {{"text", "/draw make it blue"}}}}}));
  ASSERT_TRUE(reply) << bot->process().output();
  const auto calls = openrouter.calls();
  const json& content = calls.at(0).body["messages"][0]["content"];
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[1]["type"], "image_url");
  EXPECT_EQ(content[1]["image_url"]["url"], "data:image/png;base64," + onebot::base64_encode(reference));
}

TEST_F(DrawTest, EmptyDrawGetsUsageAndPresetNeedsAnImage) {
  start();
  ASSERT_TRUE(say_expect_text(42, "/draw", "/draw")) << bot->process().output();
  ASSERT_TRUE(say_expect_text(42, "/手办化", "参考图")) << bot->process().output();
  EXPECT_EQ(openrouter.call_count(), 0u);
}

// Arguments are parsed by the host from each command's declaration: a line
// that does not fit gets what is wrong and the usage built from the
// declaration, and the handler never runs; /help is built the same way.
TEST_F(DrawTest, ALineThatDoesNotFitTheDeclarationGetsItsUsage) {
  start("    rate_limit:\n      enabled: true\n      default_limit: 2\n");
  auto no_group = say_expect_text(1, "/reset_images group abc", "用法：/reset_images");
  ASSERT_TRUE(no_group) << bot->process().output();
  EXPECT_NE(text_of(message_of(*no_group)).find("<群号> 应为整数，而不是「abc」"), std::string::npos)
      << text_of(message_of(*no_group));
  auto huge = say_expect_text(1, "/reset_images 群 99999999999999999999999", "应为整数");
  ASSERT_TRUE(huge) << bot->process().output();
  auto typed_mention = say_expect_text(1, "/reset_images [CQ:at,qq=42]", "应为 @某人 或 QQ 号");
  ASSERT_TRUE(typed_mention) << bot->process().output();
  auto banana = say_expect_text(1, "/banana", "/banana baseurl [地址] [save]");
  ASSERT_TRUE(banana) << bot->process().output();
  EXPECT_NE(text_of(message_of(*banana)).find("/banana model [模型名] [save]"), std::string::npos);
  // Valid lines still work: a QQ number is a user, and the group form resets.
  ASSERT_TRUE(say_expect_text(1, "/reset_images 42", "已重置用户 42")) << bot->process().output();
  ASSERT_TRUE(say_expect_text(1, "/reset_images group 777", "已重置群 777")) << bot->process().output();
  auto help = say_expect_text(42, "/help", "/draw <描述> [--ar <比例>] — 生成图片");
  ASSERT_TRUE(help) << bot->process().output();
  EXPECT_NE(text_of(message_of(*help)).find("（别名 /画图）"), std::string::npos)
      << text_of(message_of(*help));
  EXPECT_EQ(text_of(message_of(*help)).find("/banana"), std::string::npos) << "admin-only, hidden from 42";
  EXPECT_EQ(openrouter.call_count(), 0u);
}

// Presets used to be registered once at start: a preset added to the config
// did nothing until a restart, and a removed one kept drawing. Now the
// plugin takes its preset commands back and registers the current ones on
// every reload (/reload here).
TEST_F(DrawTest, PresetCommandsFollowAConfigReload) {
  const std::string before = "    presets:\n      cyber: \"cyber style {prompt}\"\n";
  start(before);
  FakeHttpServer cdn;
  const std::string reference = make_png("reference", 64);
  cdn.on("GET", "/ref.png", [&](const FakeHttpRequest&) {
    return FakeHttpResponse{200, {{"Content-Type", "image/png"}}, reference};
  });
  auto with_image = [&](const std::string& text) {
    return json::array(
        {json{{"type", "image"}, {"data", {{"file", "ref.png"}, {"url", cdn.base_url() + "/ref.png"}}}},
         json{{"type", "text"}, {"data", {{"text", text}}}}});
  };
  auto private_reply = [&](std::int64_t user, const std::string& text, const std::string& needle) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_private_message(conn, user, text);
    return napcat.wait_for_call(
        [&](const ApiCall& c) {
          return c.action == "send_private_msg" && text_of(message_of(c)).find(needle) != std::string::npos;
        },
        10s, skip);
  };
  ASSERT_TRUE(say_expect_image(42, with_image("/cyber a cat"))) << bot->process().output();
  EXPECT_EQ(openrouter.calls().back().body["messages"][0]["content"][0]["text"], "cyber style a cat");

  // The preset is renamed: cyber becomes watercolor.
  bot->rewrite_config(with_onebot_keys(reverse_config(kTestToken), "") +
                      plugin_config(openrouter, "    presets:\n      watercolor: \"watercolor {prompt}\"\n"));
  ASSERT_TRUE(private_reply(1, "/reload", "配置已重新加载")) << bot->process().output();

  ASSERT_TRUE(say_expect_image(42, with_image("/watercolor a dog"))) << bot->process().output();
  EXPECT_EQ(openrouter.calls().back().body["messages"][0]["content"][0]["text"], "watercolor a dog");
  EXPECT_TRUE(private_reply(42, "/cyber a cat", "未知命令 /cyber")) << bot->process().output();
  auto help = private_reply(42, "/help", "/watercolor");
  ASSERT_TRUE(help) << bot->process().output();
  EXPECT_EQ(text_of(message_of(*help)).find("/cyber"), std::string::npos) << text_of(message_of(*help));
  EXPECT_EQ(openrouter.call_count(), 2u);
}

// A preset needs an image: without one the bot used to say "generating…"
// first and refuse only after its turn came.
TEST_F(DrawTest, PresetWithoutAnImageRefusesBeforeTheAcknowledgement) {
  start();
  const std::size_t skip = napcat.calls().size();
  auto refusal = say_expect_text(42, "/手办化 蓝色", "参考图");
  ASSERT_TRUE(refusal) << bot->process().output();
  for (std::size_t i = skip; i < napcat.calls().size(); ++i) {
    EXPECT_EQ(text_of(message_of(napcat.calls()[i])).find("正在生成"), std::string::npos)
        << text_of(message_of(napcat.calls()[i]));
  }
  EXPECT_EQ(openrouter.call_count(), 0u);
}

// After a 401 disabled the only key, the next /draw said "no key configured".
TEST_F(DrawTest, TheOnlyKeyRejectedIsReportedAsRejectedNotAsMissing) {
  bot = std::make_unique<PicbotRunner>(reverse_config(kTestToken) +
                                       gemini_plugin_section({kKeyA}, openrouter.api_base(),
                                                             "    max_retry_attempts: 1\n"
                                                             "    backoff_initial_seconds: 0.01\n"));
  ASSERT_TRUE(bot->start());
  connect();
  openrouter.push(kKeyA, Script::k401);
  ASSERT_TRUE(say_expect_text(42, "/draw cat", "无效或已停用")) << bot->process().output();
  auto second = say(42, "/draw another cat", [](const ApiCall& c) {
    const std::string text = text_of(message_of(c));
    return text.find("密钥") != std::string::npos;
  });
  ASSERT_TRUE(second) << bot->process().output();
  EXPECT_NE(text_of(message_of(*second)).find("无效或已停用"), std::string::npos)
      << text_of(message_of(*second));
  EXPECT_EQ(text_of(message_of(*second)).find("还没有配置"), std::string::npos)
      << text_of(message_of(*second));
  EXPECT_EQ(openrouter.call_count(), 1u) << "a disabled key is not tried again";
  // The console says why, with the key masked.
  EXPECT_TRUE(bot->wait_for_log(R"(all 1 API key\(s\) are disabled \(rejected with 401/403\))"))
      << bot->process().output();
}

TEST_F(DrawTest, UpstreamFailureIsOneClearSentence) {
  start();
  openrouter.push(kKeyA, Script::k402);
  openrouter.push(kKeyB, Script::k402);
  auto reply = say_expect_text(42, "/draw cat", "额度已用完");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(openrouter.keys_used(), (std::vector<std::string>{kKeyA, kKeyB}));
  EXPECT_EQ(text_of(reply->params["message"]).find("{"), std::string::npos) << "no raw JSON for users";
}

// The hub's, the image engine's and the plugin's log lines used to be
// English whatever the log language: a malformed frame, a provider failure
// and a failed delivery now read zh-CN by default and English with --lang en.
TEST(DrawLog, FrameProviderAndDeliveryLinesAreInTheLogLanguage) {
  struct Lines {
    std::string language;               // --lang ("" for none: zh-CN by default)
    std::vector<std::string> expected;  // regexes, in the log
    std::string other_language;         // must not be in the log
  };
  const std::vector<Lines> cases = {
      {"",
       {R"(连接 #\d+：跳过格式错误的帧)", "用 google/gemini-2.5-flash-image 生成图片失败，共尝试 \\d+ 次",
        "为用户 42 生成图片失败", "google/gemini-2.5-flash-image 已生成图片", "向 777 发送图片失败"},
       "malformed frame skipped"},
      {"en",
       {R"(link #\d+: malformed frame skipped)",
        R"(image generation with google/gemini-2.5-flash-image failed after \d+ attempt)",
        "generation for user 42 failed", "image generated by google/gemini-2.5-flash-image",
        "sending the image to 777 failed"},
       "跳过格式错误的帧"},
  };
  for (const Lines& lines : cases) {
    SCOPED_TRACE("--lang " + lines.language);
    FakeOpenRouter openrouter;
    FakeNapCat napcat;
    napcat.set_handler("send_group_msg", [](const ApiCall& c) {
      if (image_bytes_of(message_of(c))) return ApiReply::failed(1200, "send refused by the test");
      return ApiReply::ok(json{{"message_id", 1}});
    });
    PicbotRunner bot(reverse_config(kTestToken) + plugin_config(openrouter));
    bot.set_language(lines.language);
    ASSERT_TRUE(bot.start());
    auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    napcat.send_raw(*conn, "{not json: a malformed frame");
    openrouter.push(kKeyA, Script::k500);
    openrouter.push(kKeyB, Script::k500);
    napcat.send_group_message(*conn, 777, 42, "/draw a failing cat");
    ASSERT_TRUE(bot.wait_for_log(lines.expected[2], 10s)) << bot.process().output();
    napcat.send_group_message(*conn, 777, 42, "/draw an undeliverable cat");
    for (const std::string& expected : lines.expected)
      EXPECT_TRUE(bot.wait_for_log(expected, 10s)) << expected << "\n" << bot.process().output();
    EXPECT_EQ(bot.process().output().find(lines.other_language), std::string::npos) << bot.process().output();
  }
}

TEST_F(DrawTest, QuotaChargesOnlyDeliveredImagesAndSurvivesRestart) {
  const std::string quota = "    rate_limit:\n      enabled: true\n      default_limit: 2\n";
  start(quota);
  ASSERT_TRUE(say_expect_text(42, "/draw a", "剩余 1 次")) << bot->process().output();
  // A failed generation gives the unit back.
  openrouter.push(kKeyA, Script::k500);
  openrouter.push(kKeyB, Script::k500);
  ASSERT_TRUE(say_expect_text(42, "/draw b", "暂时不可用"));
  ASSERT_TRUE(say_expect_text(42, "/quota", "1/2"));

  // Restart the real binary on the same data directory: the count is kept.
  ASSERT_EQ(bot->stop(), 0);
  ASSERT_TRUE(bot->start());
  connect();
  ASSERT_TRUE(say_expect_text(42, "/draw c", "剩余 0 次")) << bot->process().output();
  auto denied = say_expect_text(42, "/draw d", "已用完（2/2）");
  ASSERT_TRUE(denied) << bot->process().output();
  EXPECT_EQ(openrouter.call_count(), 4u) << "the denied request never reached the upstream";

  // Another user has their own count; admins reset.
  ASSERT_TRUE(say_expect_text(43, "/draw e", "剩余 1 次"));
  ASSERT_TRUE(say_expect_text(42, "/reset_images", "仅限管理员"));
  ASSERT_TRUE(say_expect_text(1,
                              json::array({json{{"type", "text"}, {"data", {{"text", "/reset_images "}}}},
                                           json{{"type", "at"}, {"data", {{"qq", "42"}}}}}),
                              "已重置用户 42"));
  ASSERT_TRUE(say_expect_text(42, "/quota", "2/2"));
  // Its window (1440 minutes by default) reads as a duration, not "1440 分钟".
  ASSERT_TRUE(say_expect_text(42, "/quota", "从下一次绘图开始计时，1 天后重置"));
}

// A temp chat (NapCat's handleTempGroupMessage: private, carrying the group it
// started in) draws as a private chat: its group's limit does not apply (here
// that group is blocked), it counts on the user's own quota, and the image goes
// back privately with send_private_msg, never into the group.
TEST_F(DrawTest, ATempChatDrawsPrivatelyOnTheUsersOwnQuota) {
  start(
      "    rate_limit:\n      enabled: true\n      default_limit: 2\n      group_limits:\n"
      "        - group_id: 777\n          limit: 0\n");
  napcat.send_temp_message(conn, 777, 42, "/draw a cat");
  auto image = napcat.wait_for_call(
      [](const ApiCall& c) { return c.action == "send_private_msg" && image_bytes_of(message_of(c)); }, 10s);
  ASSERT_TRUE(image) << bot->process().output();
  EXPECT_EQ(image->params["user_id"], 42);
  EXPECT_EQ(image->params["group_id"], 777);
  EXPECT_NE(text_of(message_of(*image)).find("剩余 1 次"), std::string::npos) << image->raw;
  for (const ApiCall& call : napcat.calls()) EXPECT_NE(call.action, "send_group_msg") << call.raw;
}

TEST_F(DrawTest, CountsSurviveKillNine) {
  const std::string quota = "    rate_limit:\n      enabled: true\n      default_limit: 3\n";
  start(quota);
  ASSERT_TRUE(say_expect_text(42, "/draw a", "剩余 2 次")) << bot->process().output();
  ASSERT_TRUE(say_expect_text(42, "/draw b", "剩余 1 次"));
  bot->process().kill9();
  ASSERT_TRUE(bot->process().wait_exit(5s).has_value());
  ASSERT_TRUE(bot->start());
  connect();
  // Both delivered images are still counted, and nothing is counted twice.
  ASSERT_TRUE(say_expect_text(42, "/quota", "1/3")) << bot->process().output();
  ASSERT_TRUE(say_expect_text(42, "/draw c", "剩余 0 次"));
  ASSERT_TRUE(say_expect_text(42, "/draw d", "已用完（3/3）"));
}

TEST_F(DrawTest, AdminSwitchesAndSavesTheModel) {
  start();
  ASSERT_TRUE(say_expect_text(42, "/banana model other/model", "仅限管理员"));
  ASSERT_TRUE(say_expect_text(1, "/banana model", "google/gemini-2.5-flash-image"));
  ASSERT_TRUE(say_expect_text(1, "/banana model vendor/new-image-model save", "写入配置文件"))
      << bot->process().output();
  std::ifstream config(bot->config_path());
  std::stringstream text;
  text << config.rdbuf();
  EXPECT_NE(text.str().find("vendor/new-image-model"), std::string::npos);
  EXPECT_NE(text.str().find(kKeyA), std::string::npos) << "saving keeps the user's values";
  ASSERT_TRUE(say_expect_image(42, "/draw x"));
  EXPECT_EQ(openrouter.calls().back().body["model"], "vendor/new-image-model");
}

// `/banana model ... save` edits the operator's file: the model's line
// changes (its comment kept), nothing else does.
TEST_F(DrawTest, SavingTheModelRewritesOnlyItsLine) {
  start("    # the painter\n    model_name: \"vendor/old-model\"  # chosen by hand\n");
  const std::string before = read_file(bot->config_path());
  ASSERT_TRUE(say_expect_text(1, "/banana model vendor/new-model save", "写入配置文件"))
      << bot->process().output();
  EXPECT_EQ(changed_lines(before, read_file(bot->config_path())),
            (std::vector<std::string>{"-    model_name: \"vendor/old-model\"  # chosen by hand",
                                      "+    model_name: \"vendor/new-model\"  # chosen by hand"}));
}

// Each save reads the file, sets its key and writes it back; saves queued
// together on the worker pool must not drop each other's key.
TEST_F(DrawTest, SavesSentTogetherKeepEachOthersKeys) {
  start();
  const std::size_t skip = napcat.calls().size();
  constexpr int kPairs = 10;
  for (int i = 0; i < kPairs; ++i) {
    napcat.send_group_message(conn, 777, 1, "/banana model vendor/model-" + std::to_string(i) + " save");
    napcat.send_group_message(conn, 777, 1,
                              "/banana baseurl http://127.0.0.1:9/base-" + std::to_string(i) + " save");
  }
  auto saved = [&] {
    const auto calls = napcat.calls();
    return std::count_if(
        calls.begin() + static_cast<std::ptrdiff_t>(skip), calls.end(), [](const ApiCall& c) {
          return is_message_to(c, 777) && text_of(message_of(c)).find("写入配置文件") != std::string::npos;
        });
  };
  ASSERT_TRUE(wait_until([&] { return saved() == 2 * kPairs; }, 20s)) << saved() << "\n"
                                                                      << bot->process().output();
  std::ifstream config(bot->config_path());
  std::stringstream text;
  text << config.rdbuf();
  EXPECT_NE(text.str().find("vendor/model-" + std::to_string(kPairs - 1)), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("base-" + std::to_string(kPairs - 1)), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(kKeyA), std::string::npos);
}

// Issue 15, defect 6: a second account's link answers the first link's
// pending get_msg with a forged frame (its echo copied); the hub ignores it,
// and the real answer, on the link the call went out on, still wins.
TEST_F(DrawTest, ForgedAnswerFromAnotherLinkIsIgnoredAndTheRealAnswerWins) {
  start();
  auto other = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10002, kTestToken);
  ASSERT_TRUE(other.ok()) << other.error().message;
  FakeHttpServer cdn;
  const std::string real = make_png("real reference", 64), forged = make_png("forged reference", 64);
  cdn.on("GET", "/real.png", [&](const FakeHttpRequest&) {
    return FakeHttpResponse{200, {{"Content-Type", "image/png"}}, real};
  });
  cdn.on("GET", "/forged.png", [&](const FakeHttpRequest&) {
    return FakeHttpResponse{200, {{"Content-Type", "image/png"}}, forged};
  });
  napcat.set_handler("get_msg", [](const ApiCall&) {
    ApiReply reply;
    reply.no_reply = true;  // the test answers by hand
    return reply;
  });
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(
      conn, 777, 42,
      json::array({json{{"type", "reply"}, {"data", {{"id", "4242"}}}},
                   json{{"type", "text"}, {"data", {{"text", "/draw make it blue"}}}}}));
  auto get_msg = napcat.wait_for_call(action_is("get_msg"), 10s, skip);
  ASSERT_TRUE(get_msg) << bot->process().output();
  auto answer = [&](const std::string& image) {
    json data = {
        {"message_id", 4242},
        {"message_type", "group"},
        {"group_id", 777},
        {"user_id", 43},
        {"message", json::array({json{{"type", "image"},
                                      {"data", {{"file", image}, {"url", cdn.base_url() + "/" + image}}}}})}};
    return json{{"status", "ok"}, {"retcode", 0},          {"data", std::move(data)},  {"message", ""},
                {"wording", ""},  {"echo", get_msg->echo}, {"stream", "normal-action"}}
        .dump();
  };
  napcat.send_raw(*other, answer("forged.png"));
  ASSERT_TRUE(bot->wait_for_log("answer to a call sent on link #\\d+ ignored", 5s))
      << bot->process().output();
  napcat.send_raw(conn, answer("real.png"));

  auto reply = napcat.wait_for_call(
      [](const ApiCall& c) { return is_message_to(c, 777) && image_bytes_of(message_of(c)).has_value(); },
      10s, skip);
  ASSERT_TRUE(reply) << bot->process().output();
  const auto calls = openrouter.calls();
  ASSERT_EQ(calls.size(), 1u);
  const json& content = calls[0].body["messages"][0]["content"];
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[1]["image_url"]["url"], "data:image/png;base64," + onebot::base64_encode(real))
      << "the reference is the real message's image, not the forged one";
}

// Issue 25: NapCat answers every upload_file_stream call with one
// stream-action frame (data.type "stream" for a chunk); the hub took it for
// an intermediate packet, so each chunk waited api_timeout_seconds and the
// image fell back to base64.
TEST_F(DrawTest, StreamDeliveryCompletesAgainstNapCatsStreamActionAnswers) {
  openrouter.set_default(Script::kPng, FakeOpenRouter::Options{.image_size = 2 * 1024 * 1024});
  start("    image_delivery: stream\n", "  api_timeout_seconds: 10\n");
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(conn, 777, 42, "/draw 一只猫");
  ASSERT_TRUE(napcat.wait_for_call(action_is("upload_file_stream"), 10s, skip)) << bot->process().output();
  const auto first_chunk = std::chrono::steady_clock::now();
  auto reply = napcat.wait_for_call(
      [](const ApiCall& c) { return is_message_to(c, 777) && has_image(message_of(c)); }, 20s, skip);
  const auto upload_time = std::chrono::steady_clock::now() - first_chunk;
  ASSERT_TRUE(reply) << bot->process().output();

  const std::filesystem::path file = image_file_of(message_of(*reply));
  EXPECT_EQ(file.parent_path(), NapCatActions::stream_directory()) << file;
  ASSERT_EQ(openrouter.served_images().size(), 1u);
  EXPECT_EQ(read_file(file), openrouter.served_images()[0]);
  const std::size_t chunks = (openrouter.served_images()[0].size() + 64 * 1024 - 1) / (64 * 1024);
  EXPECT_EQ(napcat.count_calls("upload_file_stream"), chunks + 1) << "64 KiB chunks, then the completion";
  // A chunk left waiting would cost api_timeout_seconds (10 s) by itself.
  EXPECT_LT(upload_time, 2s);
  EXPECT_EQ(bot->process().output().find("delivery failed"), std::string::npos) << bot->process().output();
  std::filesystem::remove(file);
}

// auto streams above 30 MB; before the fix such an image always fell back to
// base64 after the chunk timed out (and a 53 MB frame exceeds NapCat's limit).
TEST_F(DrawTest, AutoDeliveryStreamsA40MbImage) {
  openrouter.set_default(Script::kPng, FakeOpenRouter::Options{.image_size = 40 * 1024 * 1024});
  start("    max_image_bytes: 67108864\n", "  api_timeout_seconds: 10\n");
  auto reply = say(
      42, "/draw 一只大猫", [](const ApiCall& c) { return has_image(message_of(c)); }, 60s);
  ASSERT_TRUE(reply) << bot->process().output();
  const std::filesystem::path file = image_file_of(message_of(*reply));
  EXPECT_EQ(file.parent_path(), NapCatActions::stream_directory()) << file;
  ASSERT_EQ(openrouter.served_images().size(), 1u);
  EXPECT_TRUE(read_file(file) == openrouter.served_images()[0]) << "the streamed file differs";
  EXPECT_EQ(bot->process().output().find("delivery failed"), std::string::npos);
  std::filesystem::remove(file);
}

// Issue 25: image_delivery: file_send to 127.0.0.1 (a receiver port published
// from NapCat's container) was replaced by file://, which the container cannot
// open. The explicit mode goes through the shipped receiver.
TEST_F(DrawTest, FileSendToALoopbackReceiverGoesThroughTheReceiver) {
  TempDir napcat_side;
  const std::filesystem::path receiver_dir = napcat_side.path() / "received";
  auto receiver = ChildProcess::start({PICBOT_FILE_RECEIVER_BINARY, "--listen", "127.0.0.1:0", "--dir",
                                       receiver_dir.string(), "--log-level", "info"});
  ASSERT_TRUE(receiver.ok()) << receiver.error().message;
  std::vector<std::string> port;
  ASSERT_TRUE((*receiver)->wait_for_line(std::regex(R"(listening on 127\.0\.0\.1:(\d+))"), 10s, &port))
      << (*receiver)->output();
  start("    image_delivery: file_send\n    nap_server_address: \"127.0.0.1\"\n    nap_server_port: " +
        port[1] + "\n");

  auto reply = say(42, "/draw 一只猫", [](const ApiCall& c) { return has_image(message_of(c)); });
  ASSERT_TRUE(reply) << bot->process().output();
  const std::filesystem::path file = image_file_of(message_of(*reply));
  EXPECT_EQ(file.parent_path(), std::filesystem::canonical(receiver_dir)) << file;
  ASSERT_EQ(openrouter.served_images().size(), 1u);
  EXPECT_EQ(read_file(file), openrouter.served_images()[0]);
  EXPECT_EQ(bot->process().output().find("delivery failed"), std::string::npos) << bot->process().output();
  EXPECT_TRUE((*receiver)->wait_for_line(std::regex("result=ok"), 5s)) << (*receiver)->output();
}

}  // namespace
}  // namespace picbot::testing
