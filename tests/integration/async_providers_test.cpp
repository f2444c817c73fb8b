// The asynchronous image providers (dashscope, modelscope) through the real
// binary: /draw submits a task to the fake, which answers PENDING/RUNNING a
// few times before the result; failures reach the user as for the others.
#include <gtest/gtest.h>

#include "bot/store/database.h"
#include "tests/fakes/dashscope/fake_dashscope.h"
#include "tests/fakes/modelscope/fake_modelscope.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/wait.h"

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
  std::string config(const std::string& name, const std::string& type, const std::string& api_base,
                     const std::string& extra = "") {
    return reverse_config(kTestToken) + "image_providers:\n  " + name + ":\n    type: " + type +
           "\n    api_base: \"" + api_base + "\"\n    api_keys: [\"" + kKeyA + "\", \"" + kKeyB +
           "\"]\n    poll_interval_seconds: 1\n    max_retry_attempts: 2\n" +
           gemini_plugin_section({kFlatKey}, flat.api_base(),
                                 "    allow_private_network: true\n"
                                 "    backoff_initial_seconds: 0.01\n"
                                 "    providers: [" +
                                     name + "]\n" + extra);
  }
  void start(const std::string& name, const std::string& type, const std::string& api_base,
             const std::string& extra = "") {
    bot = std::make_unique<PicbotRunner>(config(name, type, api_base, extra));
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

// Issue 17 item 3: a task id is recorded in the quota database before its
// first poll, so picbot killed with -9 while it polls resumes the same task at
// the next start (no second submit, no second charge) and delivers its image
// to the chat that asked; a task that failed upstream meanwhile gives the
// unit back and tells the user. Parameterised over both asynchronous types.
class AsyncTaskRestartTest : public AsyncDrawTest, public ::testing::WithParamInterface<std::string> {
 protected:
  bool dashscope() const { return GetParam() == "dashscope"; }
  TaskBoard& board() { return dashscope() ? ds.tasks() : ms.tasks(); }
  std::size_t submits() { return dashscope() ? ds.call_count() : ms.call_count(); }
  std::string served_image() { return dashscope() ? ds.served_images().at(0) : ms.served_images().at(0); }

  static constexpr char kQuotaOn[] =
      "    acknowledge: false\n"
      "    rate_limit:\n"
      "      enabled: true\n"
      "      default_limit: 10\n";
  std::string api_base() { return dashscope() ? ds.api_base() : ms.api_base(); }
  void start_quota_on() { start("up", GetParam(), api_base(), kQuotaOn); }

  std::int64_t count(const char* sql) {
    auto db = store::Database::open(bot->dir() / "data" / "quota.sqlite3");
    if (!db.ok()) return -1;
    auto& statement = (*db)->prepare(sql);
    auto row = statement.step();
    const std::int64_t n = row.ok() && *row == store::Statement::Step::kRow ? statement.column_int64(0) : -1;
    statement.reset();
    return n;
  }

  // /draw in group 777, killed with -9 while its task is polled "running";
  // the board then lets the task end with its fate; picbot restarts.
  // With graceful, picbot is stopped with SIGTERM instead; a non-empty
  // renamed configures the instance under that name for the restart.
  void draw_kill_and_restart(bool graceful = false, const std::string& renamed = "") {
    board().hold(true);
    start_quota_on();
    napcat.send_group_message(conn, 777, 42, "/draw a lighthouse");
    ASSERT_TRUE(wait_until([&] { return board().poll_count() >= 1; }, 20s)) << bot->process().output();
    if (graceful) {
      ASSERT_TRUE(bot->stop().has_value());
    } else {
      bot->process().kill9();
      ASSERT_TRUE(bot->process().wait_exit(5s).has_value());
    }
    if (!renamed.empty()) bot->rewrite_config(config(renamed, GetParam(), api_base(), kQuotaOn));
    EXPECT_EQ(count("SELECT COUNT(*) FROM image_tasks"), 1) << "recorded before the first poll";
    EXPECT_EQ(count("SELECT COUNT(*) FROM quota_uses WHERE committed = 0"), 1) << "its unit held";
    board().hold(false);
    calls_before_restart = napcat.calls().size();
    ASSERT_TRUE(bot->start()) << bot->process().output();
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  FakeDashScope ds;
  FakeModelScope ms;
  std::size_t calls_before_restart = 0;
};

TEST_P(AsyncTaskRestartTest, KillNineDuringAPollResumesTheTaskDeliversOnceAndChargesOnce) {
  ASSERT_NO_FATAL_FAILURE(draw_kill_and_restart());
  auto image = napcat.wait_for_call(
      [](const ApiCall& c) {
        return c.action == "send_group_msg" && image_bytes_of(message_of(c)).has_value();
      },
      20s, calls_before_restart);
  ASSERT_TRUE(image) << bot->process().output();
  EXPECT_EQ(json_id(image->params["group_id"]), 777);
  EXPECT_EQ(*image_bytes_of(image->params["message"]), served_image());
  EXPECT_EQ(submits(), 1u) << "the task is polled again, not paid for twice";
  EXPECT_TRUE(wait_until([&] { return count("SELECT COUNT(*) FROM image_tasks") == 0; }, 5s));
  EXPECT_TRUE(
      wait_until([&] { return count("SELECT COUNT(*) FROM quota_uses WHERE committed = 1") == 1; }, 5s))
      << bot->process().output();
  EXPECT_EQ(count("SELECT COUNT(*) FROM quota_uses"), 1) << "charged once, nothing else held";
  EXPECT_TRUE(bot->wait_for_log("resuming task task-1-7f3c of up")) << bot->process().output();
  // /额度 agrees: one of ten used.
  ASSERT_TRUE(say_expect_text("/额度", "剩余绘图次数：9/10")) << bot->process().output();
}

TEST_P(AsyncTaskRestartTest, ATaskThatFailedUpstreamWhileDownReleasesTheUnitAndTellsTheUser) {
  board().set_fate(TaskFate::kFailed);
  ASSERT_NO_FATAL_FAILURE(draw_kill_and_restart());
  auto told = napcat.wait_for_call(
      [](const ApiCall& c) {
        return c.action == "send_group_msg" &&
               text_of(message_of(c)).find("图片服务暂时不可用") != std::string::npos;
      },
      20s, calls_before_restart);
  ASSERT_TRUE(told) << bot->process().output();
  EXPECT_EQ(submits(), 1u);
  EXPECT_TRUE(wait_until([&] { return count("SELECT COUNT(*) FROM quota_uses") == 0; }, 5s))
      << "the unit is given back";
  EXPECT_EQ(count("SELECT COUNT(*) FROM image_tasks"), 0);
}

TEST_P(AsyncTaskRestartTest, AStopDuringAPollLeavesTheTaskForTheNextStartWhichDeliversIt) {
  ASSERT_NO_FATAL_FAILURE(draw_kill_and_restart(/*graceful=*/true));
  auto image = napcat.wait_for_call(
      [](const ApiCall& c) {
        return c.action == "send_group_msg" && image_bytes_of(message_of(c)).has_value();
      },
      20s, calls_before_restart);
  ASSERT_TRUE(image) << bot->process().output();
  EXPECT_EQ(submits(), 1u);
  EXPECT_TRUE(
      wait_until([&] { return count("SELECT COUNT(*) FROM quota_uses WHERE committed = 1") == 1; }, 5s));
  EXPECT_EQ(count("SELECT COUNT(*) FROM quota_uses"), 1);
}

TEST_P(AsyncTaskRestartTest, ATaskOfAnInstanceNoLongerConfiguredReleasesItsUnit) {
  ASSERT_NO_FATAL_FAILURE(draw_kill_and_restart(false, "elsewhere"));
  EXPECT_TRUE(bot->wait_for_log("task task-1-7f3c belongs to up, which is no longer configured"))
      << bot->process().output();
  EXPECT_TRUE(wait_until([&] { return count("SELECT COUNT(*) FROM quota_uses") == 0; }, 5s));
  EXPECT_TRUE(wait_until([&] { return count("SELECT COUNT(*) FROM image_tasks") == 0; }, 5s));
  EXPECT_EQ(submits(), 1u);
  EXPECT_EQ(board().poll_count(), 1u) << "not polled by another instance";
}

INSTANTIATE_TEST_SUITE_P(AsyncTypes, AsyncTaskRestartTest, ::testing::Values("dashscope", "modelscope"));

}  // namespace
}  // namespace picbot::testing
