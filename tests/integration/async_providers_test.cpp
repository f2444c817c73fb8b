// The asynchronous image providers (dashscope, modelscope) through the real
// binary: /draw submits a task to the fake, which answers PENDING/RUNNING a
// few times before the result; failures reach the user as for the others.
#include <gtest/gtest.h>

#include "tests/fakes/dashscope/fake_dashscope.h"
#include "tests/fakes/modelscope/fake_modelscope.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kFlatKey[] = "sk-or-v1-flat-key-aaaaaaaaaaaa1111";
constexpr char kKeyA[] = "sk-async-key-aaaa0000aaaa0000aaaa";
constexpr char kKeyB[] = "sk-async-key-bbbb1111bbbb1111bbbb";

class AsyncDrawTest : public ::testing::Test {
 protected:
  // picbot with image_providers: {<name>: {type: <type>, <api_base>, the two
  // keys, poll_interval_seconds: 1}} and providers: [<name>].
  void start(const std::string& name, const std::string& type, const std::string& api_base) {
    bot = std::make_unique<PicbotRunner>(reverse_config(kTestToken) + "image_providers:\n  " + name +
                                         ":\n    type: " + type + "\n    api_base: \"" + api_base +
                                         "\"\n    api_keys: [\"" + kKeyA + "\", \"" + kKeyB +
                                         "\"]\n    poll_interval_seconds: 1\n    max_retry_attempts: 2\n" +
                                         gemini_plugin_section({kFlatKey}, flat.api_base(),
                                                               "    allow_private_network: true\n"
                                                               "    backoff_initial_seconds: 0.01\n"
                                                               "    providers: [" +
                                                                   name + "]\n"));
    ASSERT_TRUE(bot->start()) << bot->process().output();
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  // Sends text in group 777; the bot's reply whose message matches.
  std::optional<ApiCall> say(const std::string& text, std::function<bool(const json&)> matches) {
    const std::size_t skip = napcat.calls().size();
    napcat.send_group_message(conn, 777, 42, text);
    return napcat.wait_for_call(
        [&](const ApiCall& c) { return c.action == "send_group_msg" && matches(message_of(c)); }, 20s, skip);
  }
  std::optional<ApiCall> draw(const std::string& text) {
    return say(text, [](const json& m) { return image_bytes_of(m).has_value(); });
  }
  std::optional<ApiCall> say_expect_text(const std::string& text, const std::string& needle) {
    return say(text, [&](const json& m) { return text_of(m).find(needle) != std::string::npos; });
  }

  FakeOpenRouter flat;
  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

class DashScopeDrawTest : public AsyncDrawTest {
 protected:
  void start_dashscope() { start("ds", "dashscope", ds.api_base()); }
  FakeDashScope ds;
};

TEST_F(DashScopeDrawTest, DrawSubmitsATaskPollsItAndDeliversTheImage) {
  start_dashscope();
  auto reply = draw("/draw a lighthouse --ar 16:9");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), ds.served_images().at(0));
  const auto calls = ds.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/api/v1/services/aigc/text2image/image-synthesis");
  EXPECT_EQ(calls[0].async_header, "enable");
  EXPECT_EQ(calls[0].key, kKeyA);
  EXPECT_EQ(calls[0].body["model"], "wan2.2-t2i-flash");
  EXPECT_EQ(calls[0].body["input"]["prompt"], "a lighthouse");
  EXPECT_EQ(calls[0].body["parameters"]["size"], "1376*768");
  EXPECT_EQ(ds.tasks().poll_count(), 3u) << "PENDING, RUNNING, SUCCEEDED";
  EXPECT_EQ(flat.call_count(), 0u);
  EXPECT_TRUE(bot->wait_for_log("image task task-1-7f3c submitted to ds")) << bot->process().output();
  EXPECT_EQ(bot->process().output().find(kKeyA), std::string::npos);
}

TEST_F(DashScopeDrawTest, AFailedTaskTellsTheUserAndIsNotSubmittedAgain) {
  ds.tasks().set_fate(TaskFate::kFailed);
  start_dashscope();
  ASSERT_TRUE(say_expect_text("/draw a lighthouse", "图片服务暂时不可用")) << bot->process().output();
  EXPECT_EQ(ds.call_count(), 1u);
  ds.tasks().set_fate(TaskFate::kFailedModeration);
  ASSERT_TRUE(say_expect_text("/draw a lighthouse", "模型拒绝生成这张图片")) << bot->process().output();
  EXPECT_EQ(ds.call_count(), 2u);
}

TEST_F(DashScopeDrawTest, A401DisablesTheKeyAndTheOtherKeyDraws) {
  ds.push(kKeyA, FakeDashScope::Script::kInvalidKey);
  start_dashscope();
  ASSERT_TRUE(draw("/draw one")) << bot->process().output();
  ASSERT_TRUE(draw("/draw two")) << bot->process().output();
  std::vector<std::string> keys;
  for (const auto& call : ds.calls()) keys.push_back(call.key);
  EXPECT_EQ(keys, (std::vector<std::string>{kKeyA, kKeyB, kKeyB})) << "key A stays disabled";
}

class ModelScopeDrawTest : public AsyncDrawTest {
 protected:
  void start_modelscope() { start("ms", "modelscope", ms.api_base()); }
  FakeModelScope ms;
};

TEST_F(ModelScopeDrawTest, DrawSubmitsATaskPollsItAndDeliversTheImage) {
  start_modelscope();
  auto reply = draw("/draw a golden cat --ar 1:1");
  ASSERT_TRUE(reply) << bot->process().output();
  EXPECT_EQ(*image_bytes_of(reply->params["message"]), ms.served_images().at(0));
  const auto calls = ms.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/v1/images/generations");
  EXPECT_EQ(calls[0].async_header, "true");
  EXPECT_EQ(calls[0].body["model"], "Tongyi-MAI/Z-Image-Turbo");
  EXPECT_EQ(calls[0].body["size"], "1024x1024");
  EXPECT_EQ(ms.tasks().poll_count(), 3u);
}

TEST_F(ModelScopeDrawTest, AFailedTaskTellsTheUserAndA401DisablesTheKey) {
  ms.tasks().set_fate(TaskFate::kFailed);
  ms.push(kKeyA, FakeModelScope::Script::kInvalidKey);
  start_modelscope();
  ASSERT_TRUE(say_expect_text("/draw a golden cat", "图片服务暂时不可用")) << bot->process().output();
  ms.tasks().set_fate(TaskFate::kSucceeded);
  ASSERT_TRUE(draw("/draw a golden cat")) << bot->process().output();
  std::vector<std::string> keys;
  for (const auto& call : ms.calls()) keys.push_back(call.key);
  EXPECT_EQ(keys, (std::vector<std::string>{kKeyA, kKeyB, kKeyB}));
}

}  // namespace
}  // namespace picbot::testing
