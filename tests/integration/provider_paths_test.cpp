// provider_paths: every image provider type draws through each way a drawing
// starts (issue 17, "Done when"): /draw in a group, the LLM agent's
// gemini-pic-gen tool, and the web console's sandbox chat, through the real
// binary against that provider's fake. One table lists the providers; a new
// type adds one row.
#include <gtest/gtest.h>

#include <memory>

#include "bot/onebot/base64.h"
#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/fakes/dashscope/fake_dashscope.h"
#include "tests/fakes/gemini/fake_gemini.h"
#include "tests/fakes/modelscope/fake_modelscope.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openai/fake_openai.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/fakes/seedream/fake_seedream.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kPassword[] = "provider-paths-pass-1";
constexpr char kChatKey[] = "sk-chat-provider-paths-0000aaaa";
constexpr char kFlatKey[] = "sk-or-v1-flat-unused-key-1111bbbb";
constexpr std::int64_t kSelf = 10001;
constexpr std::int64_t kGroup = 777;

// One provider's fake as the tests see it: the instance's config lines, the
// prompts it was asked to draw and the images it answered.
class ProviderFake {
 public:
  virtual ~ProviderFake() = default;
  // The lines under image_providers.<name>: type, api_base, api_keys (and a
  // 1 s poll for the asynchronous types; the others ignore it).
  virtual std::string instance_yaml() const = 0;
  virtual std::vector<std::string> prompts() const = 0;
  virtual std::vector<std::string> served_images() const = 0;
};

// Fake is one of tests/fakes/*: api_base(), calls() whose Call has a JSON
// body, served_images().
template <class Fake>
class FakeOf final : public ProviderFake {
 public:
  FakeOf(std::string type, std::string key, std::string prompt_pointer)
      : type_(std::move(type)), key_(std::move(key)), prompt_pointer_(std::move(prompt_pointer)) {}

  std::string instance_yaml() const override {
    return "    type: " + type_ + "\n    api_base: \"" + fake_.api_base() + "\"\n    api_keys: [\"" + key_ +
           "\"]\n    max_retry_attempts: 1\n    poll_interval_seconds: 1\n";
  }
  std::vector<std::string> prompts() const override {
    std::vector<std::string> found;
    for (const auto& call : fake_.calls()) {
      const json& at =
          call.body.is_object() && call.body.contains(prompt_pointer_) ? call.body[prompt_pointer_] : json();
      found.push_back(at.is_string() ? at.get<std::string>() : at.dump());
    }
    return found;
  }
  std::vector<std::string> served_images() const override { return fake_.served_images(); }

 private:
  std::string type_;
  std::string key_;
  json::json_pointer prompt_pointer_;  // where the request body carries the prompt
  Fake fake_;
};

struct ProviderCase {
  const char* type;
  std::unique_ptr<ProviderFake> (*make)();
};

// gtest names a case by its type rather than its bytes.
void PrintTo(const ProviderCase& c, std::ostream* os) { *os << c.type; }

template <class Fake>
std::unique_ptr<ProviderFake> make_fake(const char* type, const char* key, const char* prompt_pointer) {
  return std::make_unique<FakeOf<Fake>>(type, key, prompt_pointer);
}

// Each row: the type, its fake, a key and where its wire shape puts the prompt.
const ProviderCase kProviders[] = {
    {"openrouter",
     [] {
       return make_fake<FakeOpenRouter>("openrouter", "sk-or-v1-paths-key-cccc2222",
                                        "/messages/0/content/0/text");
     }},
    {"openai", [] { return make_fake<FakeOpenAi>("openai", "sk-proj-paths-key-dddd3333", "/prompt"); }},
    {"gemini",
     [] {
       return make_fake<FakeGemini>("gemini", "AIzaSyPathsKey00000000eeee4444", "/contents/0/parts/0/text");
     }},
    {"seedream",
     [] { return make_fake<FakeSeedream>("seedream", "ark-paths-key-ffff-5555-6666", "/prompt"); }},
    // Asynchronous: the fakes answer "running" twice before the image.
    {"dashscope",
     [] {
       return make_fake<FakeDashScope>("dashscope", "sk-dashscope-paths-key-7777gggg", "/input/prompt");
     }},
    {"modelscope",
     [] { return make_fake<FakeModelScope>("modelscope", "ms-paths-key-8888-hhhh-0000", "/prompt"); }},
};

class EveryProviderDraws : public ::testing::TestWithParam<ProviderCase> {
 protected:
  void SetUp() override {
    provider = GetParam().make();
    // The flat keys point at a closed port: only the instance under test can draw.
    const std::string yaml =
        reverse_config(kTestToken, "llm:\n  enabled: true\n  api_base: \"" + chat.api_base() +
                                       "\"\n  api_keys: [\"" + kChatKey +
                                       "\"]\n  model: \"test/chat-model\"\n  max_retry_attempts: 1\n") +
        "image_providers:\n  under_test:\n" + provider->instance_yaml() +
        gemini_plugin_section({kFlatKey}, "http://127.0.0.1:9/api/v1",
                              "    allow_private_network: true\n"
                              "    acknowledge: false\n"
                              "    providers: [under_test]\n");
    bot = std::make_unique<PicbotRunner>(
        yaml, std::map<std::string, std::string>{{"PICBOT_WEB_PASSWORD", kPassword}});
    ASSERT_TRUE(bot->start()) << bot->process().output();
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", kSelf, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  // Waits for the bot's next group message with an image; its bytes.
  std::optional<std::string> next_group_image(std::size_t skip) {
    auto call = napcat.wait_for_call(
        [](const ApiCall& c) {
          return c.action == "send_group_msg" && image_bytes_of(message_of(c)).has_value();
        },
        20s, skip);
    if (!call) return std::nullopt;
    return image_bytes_of(message_of(*call));
  }

  // The image was the provider's one answer, drawn for prompt.
  void expect_drawn_by_provider(const std::string& image, const std::string& prompt) {
    const auto served = provider->served_images();
    ASSERT_EQ(served.size(), 1u);
    EXPECT_EQ(image, served[0]);
    EXPECT_EQ(provider->prompts(), std::vector<std::string>{prompt});
  }

  std::unique_ptr<ProviderFake> provider;
  FakeChatServer chat;
  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

TEST_P(EveryProviderDraws, ThroughTheDrawCommand) {
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(conn, kGroup, 42, "/draw a lighthouse at dusk");
  auto image = next_group_image(skip);
  ASSERT_TRUE(image) << bot->process().output();
  expect_drawn_by_provider(*image, "a lighthouse at dusk");
  EXPECT_EQ(chat.request_count(), 0u) << "an ASCII prompt is not translated";
}

TEST_P(EveryProviderDraws, ThroughTheAgentsTool) {
  chat.push(
      ChatScript::tool_call("gemini-pic-gen", json{{"image_description", "an orange cat in sunglasses"}}));
  chat.push(ChatScript::reply("画好啦"));
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(conn, kGroup, 42, at_self(kSelf, "帮我画一只戴墨镜的橘猫"));
  auto image = next_group_image(skip);
  ASSERT_TRUE(image) << bot->process().output();
  expect_drawn_by_provider(*image, "an orange cat in sunglasses");
  // The tool told the model the image reached the chat.
  ASSERT_TRUE(chat.wait_for_requests(2, 20s)) << bot->process().output();
  const auto tool_results = chat.requests()[1].contents("tool");
  ASSERT_EQ(tool_results.size(), 1u);
  EXPECT_NE(tool_results[0].find("sent to the chat"), std::string::npos) << tool_results[0];
}

TEST_P(EveryProviderDraws, ThroughTheConsoleSandbox) {
  ConsoleClient console(bot->web_port());
  ASSERT_EQ(console.login(kPassword).status, 200);
  auto image_of = [](const json& message) -> std::optional<std::string> {
    for (const auto& seg : message["segments"]) {
      const std::string src = seg.value("type", "") == "image" ? seg["data"].value("src", "") : "";
      const std::size_t comma = src.find(";base64,");
      if (!src.starts_with("data:image/") || comma == std::string::npos) continue;
      auto bytes = onebot::base64_decode(std::string_view(src).substr(comma + 8));
      if (bytes.ok()) return *bytes;
    }
    return std::nullopt;
  };
  auto reply = console.sandbox_reply(7, 20001, false, "/draw a lighthouse at dusk", 20s,
                                     [&](const json& m) { return image_of(m).has_value(); });
  ASSERT_TRUE(reply) << bot->process().output();
  expect_drawn_by_provider(*image_of(*reply), "a lighthouse at dusk");
}

INSTANTIATE_TEST_SUITE_P(Providers, EveryProviderDraws, ::testing::ValuesIn(kProviders),
                         [](const ::testing::TestParamInfo<ProviderCase>& info) {
                           return std::string(info.param.type);
                         });

}  // namespace
}  // namespace picbot::testing
