// /banana provider and providers changed by a reload, through the real
// binary: two named OpenRouter instances (my-router -> fake `primary`,
// backup -> fake `backup`) and the flat keys' implicit openrouter.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "bot/core/secret.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openai/fake_openai.h"
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

constexpr char kFlatKey[] = "sk-or-v1-flat-key-aaaaaaaaaaaa1111";
constexpr char kPrimaryKey[] = "sk-or-v1-primary-key-bbbbbbbb2222";
constexpr char kBackupKey[] = "sk-or-v1-backup-key-ccccccccc3333";
constexpr char kOpenAiKey[] = "sk-proj-openai-key-dddddddd4444";
constexpr char kConsoleKey[] = "sk-or-v1-console-made-key-eeee5555";
constexpr char kConsolePassword[] = "provider-console-pass-1";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ProviderSwitchTest : public ::testing::Test {
 protected:
  // my-router's type and fake are given by `router` (an image_providers
  // entry's lines after its name); providers names the chain.
  std::string config(const std::string& providers, const std::string& router) {
    return reverse_config(kTestToken) + "image_providers:\n  my-router:\n" + router +
           "  backup:\n    type: openrouter\n    api_base: \"" + backup.api_base() + "\"\n    api_keys: [\"" +
           kBackupKey + "\"]\n" +
           gemini_plugin_section({kFlatKey}, flat.api_base(),
                                 "    allow_private_network: true\n    providers: " + providers + "\n");
  }
  std::string router_openrouter(const std::string& keys = std::string("[\"") + kPrimaryKey + "\"]") {
    return "    type: openrouter\n    api_base: \"" + primary.api_base() + "\"\n    api_keys: " + keys +
           "\n    max_retry_attempts: 1\n";
  }
  std::string router_openai() {
    return "    type: openai\n    api_base: \"" + openai.api_base() + "\"\n    api_keys: [\"" + kOpenAiKey +
           "\"]\n";
  }

  void start(const std::string& yaml) {
    bot = std::make_unique<PicbotRunner>(yaml);
    ASSERT_TRUE(bot->start()) << bot->process().output();
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  // Sends text in group 777 as user; the first text reply holding needle.
  std::optional<ApiCall> say(std::int64_t user, const std::string& text, const std::string& needle) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, user, text);
    return napcat.wait_for_call(
        [&](const ApiCall& c) {
          return c.action == "send_group_msg" && text_of(message_of(c)).find(needle) != std::string::npos;
        },
        10s, skip);
  }

  // The image /draw sent back, or nullopt.
  std::optional<std::string> draw() {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, 42, "/draw a lighthouse");
    return drawn(skip);
  }
  std::optional<std::string> drawn(std::size_t skip) {
    auto reply = napcat.wait_for_call(
        [](const ApiCall& c) {
          return c.action == "send_group_msg" && image_bytes_of(message_of(c)).has_value();
        },
        15s, skip);
    if (!reply) return std::nullopt;
    return image_bytes_of(reply->params["message"]);
  }

  void reload() {
    const std::size_t skip = napcat.calls().size();
    napcat.send_private_message(conn, 1, "/reload");
    ASSERT_TRUE(napcat.wait_for_call(
        [](const ApiCall& c) {
          return c.action == "send_private_msg" &&
                 text_of(message_of(c)).find("配置已重新加载") != std::string::npos;
        },
        10s, skip))
        << bot->process().output();
  }

  FakeOpenRouter flat;
  FakeOpenRouter primary;
  FakeOpenRouter backup;
  FakeOpenAi openai;
  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

TEST_F(ProviderSwitchTest, BananaProviderListsTheInstancesAndTheNextDrawingGoesToTheOneMovedFirst) {
  start(config("[my-router, backup]", router_openrouter()));
  auto listed = say(1, "/banana provider", "my-router → backup");
  ASSERT_TRUE(listed) << bot->process().output();
  const std::string list = text_of(message_of(*listed));
  EXPECT_NE(list.find("[首选] my-router（openrouter，模型 google/gemini-2.5-flash-image）"),
            std::string::npos)
      << list;
  EXPECT_NE(list.find("[第 2 位] backup"), std::string::npos) << list;
  EXPECT_NE(list.find("[未使用] openrouter"), std::string::npos) << list;
  ASSERT_TRUE(say(42, "/banana provider backup", "仅限管理员"));

  ASSERT_TRUE(say(1, "/banana provider backup", "已切换为 backup → my-router")) << bot->process().output();
  auto image = draw();
  ASSERT_TRUE(image) << bot->process().output();
  EXPECT_EQ(*image, backup.served_images().at(0));
  EXPECT_EQ(primary.call_count(), 0u);

  ASSERT_TRUE(
      say(1, "/banana provider nobody", "没有名为 nobody 的绘图服务。可选：openrouter, backup, my-router"))
      << bot->process().output();
  EXPECT_TRUE(bot->wait_for_log("admin 1 switched the image providers to backup, my-router"));
}

TEST_F(ProviderSwitchTest, SaveWritesProvidersToTheConfigFileAndTheChoiceSurvivesAReload) {
  start(config("[my-router, backup]", router_openrouter()));
  ASSERT_TRUE(say(1, "/banana provider backup save", "已切换为 backup → my-router 并写入配置文件"))
      << bot->process().output();
  const std::string saved = read_file(bot->config_path());
  const auto line = saved.find("\n    providers:") + 1;
  ASSERT_NE(line, 0u) << saved;
  const std::string written = saved.substr(line, saved.find('\n', line) - line);
  EXPECT_LT(written.find("backup"), written.find("my-router")) << saved;

  reload();
  ASSERT_TRUE(say(1, "/banana provider", "当前顺序：backup → my-router")) << bot->process().output();
  auto image = draw();
  ASSERT_TRUE(image) << bot->process().output();
  EXPECT_EQ(*image, backup.served_images().at(0));
  EXPECT_EQ(primary.call_count(), 0u);
}

// Before: the save wrote the flat model_name, which only the implicit
// openrouter instance reads, and the reload put my-router's model back.
TEST_F(ProviderSwitchTest, ModelSaveWritesTheNamedInstanceInUseAndSurvivesAReload) {
  start(config("[my-router, backup]", router_openrouter()));
  ASSERT_TRUE(say(1, "/banana model acme/painter-2 save", "已切换为 acme/painter-2 并写入配置文件"))
      << bot->process().output();
  const std::string saved = read_file(bot->config_path());
  const auto entry = saved.find("  my-router:\n");
  const auto model = saved.find("    model: \"acme/painter-2\"");
  ASSERT_NE(model, std::string::npos) << saved;
  EXPECT_LT(entry, model) << saved;
  EXPECT_LT(model, saved.find("  backup:\n")) << saved;
  EXPECT_EQ(saved.find("model_name"), std::string::npos) << saved;
  EXPECT_EQ(saved.find("burst"), std::string::npos) << saved;  // the entry is edited, not rewritten

  reload();
  ASSERT_TRUE(say(1, "/banana model", "acme/painter-2")) << bot->process().output();
  ASSERT_TRUE(draw()) << bot->process().output();
  ASSERT_EQ(primary.calls().size(), 1u);
  EXPECT_EQ(primary.calls()[0].body.value("model", ""), "acme/painter-2");
}

// The instance moved first by /banana provider is the one written, by key.
TEST_F(ProviderSwitchTest, BaseurlSaveWritesTheInstanceMovedFirst) {
  start(config("[my-router, backup]", router_openrouter()));
  ASSERT_TRUE(say(1, "/banana provider backup", "已切换为")) << bot->process().output();
  const std::string url = backup.api_base() + "/";
  ASSERT_TRUE(say(1, "/banana baseurl " + url + " save", "并写入配置文件")) << bot->process().output();
  const std::string saved = read_file(bot->config_path());
  const auto backup_entry = saved.find("  backup:\n");
  ASSERT_NE(backup_entry, std::string::npos) << saved;
  EXPECT_NE(saved.find("api_base: \"" + url + "\"", backup_entry), std::string::npos) << saved;
  EXPECT_EQ(saved.find("custom_api_base: \"" + url), std::string::npos) << saved;
  EXPECT_EQ(saved.find(url), saved.rfind(url)) << saved;  // written once, under backup
}

// The implicit openrouter instance still saves to the flat keys.
TEST_F(ProviderSwitchTest, ModelSaveOnTheImplicitInstanceWritesModelName) {
  start(config("[openrouter]", router_openrouter()));
  ASSERT_TRUE(say(1, "/banana model acme/flat-1 save", "并写入配置文件")) << bot->process().output();
  const std::string saved = read_file(bot->config_path());
  EXPECT_NE(saved.find("model_name: \"acme/flat-1\""), std::string::npos) << saved;
}

// A switch without save lasts until the next reload.
TEST_F(ProviderSwitchTest, ASwitchWithoutSaveEndsWithTheNextReload) {
  start(config("[my-router, backup]", router_openrouter()));
  ASSERT_TRUE(say(1, "/banana provider backup", "已切换为")) << bot->process().output();
  reload();
  auto image = draw();
  ASSERT_TRUE(image) << bot->process().output();
  EXPECT_EQ(*image, primary.served_images().at(0));
}

// Before: "image providers changed: restart picbot to apply", and the old
// chain drew on.
TEST_F(ProviderSwitchTest, ProvidersEditedInTheFileApplyOnReloadWithoutARestart) {
  start(config("[my-router]", router_openrouter()));
  ASSERT_TRUE(draw()) << bot->process().output();
  EXPECT_EQ(primary.call_count(), 1u);

  bot->rewrite_config(config("[backup]", router_openrouter()));
  reload();
  EXPECT_TRUE(bot->wait_for_log("image providers now backup")) << bot->process().output();
  auto image = draw();
  ASSERT_TRUE(image) << bot->process().output();
  EXPECT_EQ(*image, backup.served_images().at(0));
  EXPECT_EQ(primary.call_count(), 1u);
  EXPECT_EQ(bot->process().output().find("restart picbot to apply"), std::string::npos);
}

TEST_F(ProviderSwitchTest, AnInstancesTypeChangedInTheFileAppliesOnReload) {
  start(config("[my-router]", router_openrouter()));
  bot->rewrite_config(config("[my-router]", router_openai()));
  reload();
  auto image = draw();
  ASSERT_TRUE(image) << bot->process().output();
  ASSERT_EQ(openai.calls().size(), 1u);
  EXPECT_EQ(primary.call_count(), 0u);
}

// The drawing that started before the reload ends on the chain it started
// with; the next one uses the new chain.
TEST_F(ProviderSwitchTest, ADrawingInFlightDuringAReloadFinishesOnItsProvider) {
  FakeOpenRouter::Options slow;
  slow.delay = 3s;
  primary.set_default(FakeOpenRouter::Script::kSlow, slow);
  start(config("[my-router]", router_openrouter()));
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(conn, 777, 42, "/draw a lighthouse");
  ASSERT_TRUE(wait_until([&] { return primary.call_count() == 1; }, 10s)) << bot->process().output();

  bot->rewrite_config(config("[backup]", router_openrouter()));
  reload();
  ASSERT_TRUE(bot->wait_for_log("image providers now backup")) << bot->process().output();
  const auto calls = napcat.calls();
  ASSERT_TRUE(std::none_of(calls.begin() + static_cast<std::ptrdiff_t>(skip), calls.end(),
                           [](const ApiCall& c) { return image_bytes_of(message_of(c)).has_value(); }))
      << "the drawing was still in flight at the reload";
  auto first = drawn(skip);
  ASSERT_TRUE(first) << bot->process().output();
  EXPECT_EQ(*first, primary.served_images().at(0));
  EXPECT_EQ(backup.call_count(), 0u);

  auto second = draw();
  ASSERT_TRUE(second) << bot->process().output();
  EXPECT_EQ(*second, backup.served_images().at(0));
}

// Before: "No OpenRouter API key is configured" whatever the provider.
TEST_F(ProviderSwitchTest, ADrawingWithoutKeysNamesTheInstanceThatHasNone) {
  start(config("[my-router]", router_openrouter("[]")));
  EXPECT_TRUE(bot->wait_for_log("no API key configured for image provider my-router"));
  auto reply = say(42, "/draw a lighthouse", "绘图服务 my-router 还没有配置 API 密钥");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(text_of(message_of(*reply)).find("OpenRouter"), std::string::npos);
}

// The console's settings form saves through POST /api/config: a new
// instance added there and put first in the chain draws after the save's
// reload, with its own key and model. Keys are answered masked and the
// masked key of an existing instance keeps the real one in the file.
TEST_F(ProviderSwitchTest, AnInstanceAddedThroughTheConsoleDrawsAfterTheSave) {
  std::string yaml = config("[my-router]", router_openrouter());
  const std::string web = "web:\n  listen: \"127.0.0.1:0\"\n";
  yaml.replace(yaml.find(web), web.size(), web + "  password: \"" + kConsolePassword + "\"\n");
  start(yaml);
  ConsoleClient client(bot->web_port());
  ASSERT_EQ(client.login(kConsolePassword).status, 200);

  const json schema = json::parse(client.get("/api/config/schema").body);
  json type_field;
  for (const auto& section : schema["children"]) {
    if (section["key"] != "image_providers") continue;
    for (const auto& child : section["children"])
      if (child["key"] == "type") type_field = child;
  }
  ASSERT_TRUE(type_field.contains("choices")) << type_field.dump();
  for (const char* type : {"openrouter", "openai", "gemini", "seedream"})
    EXPECT_NE(std::find(type_field["choices"].begin(), type_field["choices"].end(), type),
              type_field["choices"].end())
        << type;

  json values = json::parse(client.get("/api/config").body)["values"];
  EXPECT_EQ(values["image_providers"]["my-router"]["api_keys"], json::array({mask_secret(kPrimaryKey)}));
  values["image_providers"]["console-made"] = {{"type", "openrouter"},
                                               {"api_base", backup.api_base()},
                                               {"api_keys", {kConsoleKey}},
                                               {"model", "acme/console-1"}};
  values["plugins"]["gemini_pic_gen"]["providers"] = {"console-made", "my-router"};
  const auto saved = client.post("/api/config", {{"values", values}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.body.find(kConsoleKey), std::string::npos);
  const std::string file = read_file(bot->config_path());
  EXPECT_NE(file.find(kPrimaryKey), std::string::npos) << file;  // the masked key kept the real one
  EXPECT_NE(file.find("  console-made:\n"), std::string::npos) << file;

  auto image = draw();
  ASSERT_TRUE(image) << bot->process().output();
  EXPECT_EQ(*image, backup.served_images().at(0));
  ASSERT_EQ(backup.calls().size(), 1u);
  EXPECT_EQ(backup.calls()[0].key, kConsoleKey);
  EXPECT_EQ(backup.calls()[0].body.value("model", ""), "acme/console-1");
  EXPECT_EQ(primary.call_count(), 0u);

  const auto status = client.get("/api/status");
  EXPECT_EQ(status.body.find(kConsoleKey), std::string::npos);
  const json providers = json::parse(status.body)["plugins"]["gemini_pic_gen"]["providers"];
  ASSERT_EQ(providers.size(), 2u) << providers.dump();
  EXPECT_EQ(providers[0]["name"], "console-made");
  EXPECT_EQ(providers[0]["keys"][0]["key"], mask_secret(kConsoleKey));
}

}  // namespace
}  // namespace picbot::testing
