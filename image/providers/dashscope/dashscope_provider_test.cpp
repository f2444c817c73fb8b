#include "image/providers/dashscope/dashscope_provider.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/onebot/base64.h"
#include "image/log_messages.h"
#include "image/provider_test_rig.h"
#include "tests/fakes/dashscope/fake_dashscope.h"
#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::image {
namespace {

using namespace std::chrono_literals;
using llm::FailureClass;
using nlohmann::json;
using testing::FakeDashScope;
using testing::TaskFate;
using Script = FakeDashScope::Script;

const std::string kKey0 = "sk-0000aaaa1111bbbb2222cccc3333dddd";
const std::string kKey1 = "sk-4444eeee5555ffff6666aaaa7777bbbb";

class DashScopeProviderTest : public KeyedProviderTest<DashScopeProvider, FakeDashScope> {
 protected:
  DashScopeProviderTest() : KeyedProviderTest("ds", {kKey0, kKey1}, std::string(kDashScopeModel)) {}

  ImageRequest with_hook(ImageRequest r, std::function<void(const std::string&)> hook) {
    r.on_task_submitted = [hook](const std::string&, const std::string& id) -> boost::asio::awaitable<void> {
      hook(id);
      co_return;
    };
    return r;
  }
};

TEST(DashScopeUrl, SubmitAndTaskPathsFromTheVersionedBaseOrABareHost) {
  EXPECT_EQ(dashscope_submit_url("", false),
            "https://dashscope.aliyuncs.com/api/v1/services/aigc/text2image/image-synthesis");
  EXPECT_EQ(dashscope_submit_url("https://dashscope-intl.aliyuncs.com", true),
            "https://dashscope-intl.aliyuncs.com/api/v1/services/aigc/image2image/image-synthesis");
  EXPECT_EQ(dashscope_task_url("https://dashscope.aliyuncs.com/api/v1/", "abc"),
            "https://dashscope.aliyuncs.com/api/v1/tasks/abc");
}

TEST(DashScopeSize, StarSizesWithinTheModelsRules) {
  EXPECT_EQ(dashscope_size(*parse_size_wish("1:1"), "wan2.2-t2i-flash"), "1024*1024");
  EXPECT_EQ(dashscope_size(*parse_size_wish("4096x4096"), "wan2.2-t2i-flash"), "1440*1440");
  EXPECT_EQ(dashscope_size(*parse_size_wish("16:9"), "qwen-image"), "1664*928");
  EXPECT_EQ(dashscope_size(*parse_size_wish("1:1"), "qwen-image-plus"), "1328*1328");
  EXPECT_EQ(dashscope_size(*parse_size_wish("9:16"), "qwen-image"), "928*1664");
}

TEST_F(DashScopeProviderTest, SubmitsAsATaskPollsUntilSucceededAndDownloadsTheUrl) {
  InstanceSettings s = settings();
  s.extra = {{"watermark", false}, {"seed", 42}};
  provider(std::move(s));
  ImageRequest r = request("a lighthouse");
  r.aspect_ratio = "1:1";
  const auto started = rig_.clock.now();
  auto result = generate(std::move(r));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->images.at(0).bytes, fake_.served_images().at(0));
  EXPECT_EQ(result->images[0].mime, "image/png");
  EXPECT_EQ(result->task_id, "task-1-7f3c");
  EXPECT_EQ(result->provider, "ds");
  EXPECT_EQ(result->model, "wan2.2-t2i-flash");
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].key, kKey0);
  EXPECT_EQ(calls[0].async_header, "enable");
  EXPECT_EQ(calls[0].path, "/api/v1/services/aigc/text2image/image-synthesis");
  const json& body = calls[0].body;
  EXPECT_EQ(body["model"], "wan2.2-t2i-flash");
  EXPECT_EQ(body["input"]["prompt"], "a lighthouse");
  EXPECT_EQ(body["parameters"]["size"], "1024*1024");
  EXPECT_EQ(body["parameters"]["n"], 1);
  EXPECT_EQ(body["parameters"]["watermark"], false) << "extra goes into parameters";
  EXPECT_EQ(body["parameters"]["seed"], 42);
  EXPECT_EQ(fake_.tasks().poll_count(), 3u) << "PENDING, RUNNING, SUCCEEDED";
  EXPECT_EQ(rig_.clock.now() - started, 7s) << "waits of 1 s, 2 s and 4 s";
  EXPECT_EQ(rig_.poller.waiting(), 0u);
}

TEST_F(DashScopeProviderTest, PollIntervalSecondsCapsTheWait) {
  InstanceSettings s = settings();
  s.poll_interval_seconds = 1;
  provider(std::move(s));
  fake_.tasks().set_running_polls(4);
  const auto started = rig_.clock.now();
  ASSERT_TRUE(generate(request("a lighthouse")).ok());
  EXPECT_EQ(rig_.clock.now() - started, 5s);
  EXPECT_EQ(fake_.tasks().poll_count(), 5u);
}

TEST_F(DashScopeProviderTest, TheHookGetsTheTaskIdBeforeTheFirstPoll) {
  std::vector<std::pair<std::string, std::size_t>> seen;
  auto result = generate(with_hook(request("a lighthouse"), [&](const std::string& id) {
    seen.emplace_back(id, fake_.tasks().poll_count());
  }));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, result->task_id);
  EXPECT_EQ(seen[0].second, 0u);
}

TEST_F(DashScopeProviderTest, FailedAndCanceledTasksMapToTheirClassesAndAreNotSubmittedAgain) {
  const std::vector<std::pair<TaskFate, FailureClass>> cases = {
      {TaskFate::kFailed, FailureClass::kTransient},
      {TaskFate::kFailedModeration, FailureClass::kContentFiltered},
      {TaskFate::kCanceled, FailureClass::kTransient}};
  for (const auto& [fate, cls] : cases) {
    fake_.tasks().set_fate(fate);
    auto result = generate(request("a lighthouse"));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().cls, cls) << result.error().to_string();
  }
  EXPECT_EQ(fake_.call_count(), 3u) << "one submit per drawing";
  fake_.tasks().set_fate(TaskFate::kFailed);
  EXPECT_NE(generate(request("x")).error().message.find("InternalError.Algo"), std::string::npos);
  fake_.tasks().set_fate(TaskFate::kFailedModeration);
  EXPECT_TRUE(generate(request("x")).error().message.empty()) << "the user is told the model declined";
}

TEST_F(DashScopeProviderTest, AnInvalidKeyIsDisabledAndTheNextKeyDraws) {
  fake_.push(kKey0, Script::kInvalidKey);
  auto result = generate(request("a lighthouse"));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].key, kKey1);
  EXPECT_EQ(provider_->key_states().at(0).status, llm::KeyState::Status::kDisabled);
}

TEST_F(DashScopeProviderTest, ThrottlingAndArrearageCoolTheKeyDown) {
  const std::vector<std::pair<Script, FailureClass>> cases = {
      {Script::kThrottling, FailureClass::kRateLimited}, {Script::kArrearage, FailureClass::kNoCredits}};
  for (const auto& [script, cls] : cases) {
    provider(settings());
    fake_.push(kKey0, script);
    auto result = generate(request("a lighthouse"));
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    ASSERT_EQ(result->attempts.size(), 2u);
    EXPECT_EQ(result->attempts[0].failure, cls);
  }
  // Arrearage's cooldown (1 h) outlasts the polls; Throttling's Retry-After (1 s) does not.
  EXPECT_EQ(provider_->key_states().at(0).status, llm::KeyState::Status::kCoolingDown);
  std::vector<std::string> keys;
  for (const auto& call : fake_.calls()) keys.push_back(call.key);
  EXPECT_EQ(keys, (std::vector<std::string>{kKey0, kKey1, kKey0, kKey1}));
}

TEST_F(DashScopeProviderTest, ModerationAndInvalidParameterStopAtOnce) {
  fake_.set_default(Script::kDataInspection);
  auto filtered = generate(request("something"));
  ASSERT_FALSE(filtered.ok());
  EXPECT_EQ(filtered.error().cls, FailureClass::kContentFiltered);
  EXPECT_TRUE(filtered.error().message.empty());
  fake_.set_default(Script::kInvalidParameter);
  auto refused = generate(request("something"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().cls, FailureClass::kBadRequest);
  EXPECT_NE(refused.error().message.find("size"), std::string::npos) << refused.error().message;
  EXPECT_EQ(fake_.call_count(), 2u);
}

TEST_F(DashScopeProviderTest, A5xxSubmitIsRetriedWithTheSameKey) {
  fake_.push(kKey0, Script::k500);
  auto result = generate(request("a lighthouse"));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].key, calls[1].key);
}

TEST_F(DashScopeProviderTest, ATaskStillRunningAtTheDeadlineEndsWithKDeadline) {
  fake_.tasks().hold(true);
  ImageRequest r = request("a lighthouse");
  r.deadline = rig_.clock.now() + 20s;
  auto result = generate(std::move(r));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kDeadline) << result.error().to_string();
  EXPECT_GE(fake_.tasks().poll_count(), 4u);
  EXPECT_EQ(fake_.call_count(), 1u);
}

TEST_F(DashScopeProviderTest, CancellingTheRequestEndsTheWaitBetweenPolls) {
  fake_.tasks().hold(true);
  boost::asio::cancellation_signal signal;
  ImageRequest r = request("a lighthouse");
  r.cancel = signal.slot();
  r = with_hook(std::move(r), [&](const std::string&) {
    boost::asio::post(rig_.io, [&] { signal.emit(boost::asio::cancellation_type::terminal); });
  });
  auto result = generate(std::move(r));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kCancelled);
  EXPECT_EQ(fake_.tasks().poll_count(), 0u);
  EXPECT_EQ(rig_.poller.waiting(), 0u);
}

TEST_F(DashScopeProviderTest, ShutdownOfThePollerEndsTheTask) {
  auto result =
      generate(with_hook(request("a lighthouse"), [&](const std::string&) { rig_.poller.shutdown(); }));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kCancelled);
  EXPECT_EQ(fake_.tasks().poll_count(), 0u);
}

TEST_F(DashScopeProviderTest, ResumePollsAKnownTaskWithoutSubmitting) {
  provider(settings());
  const std::string id = fake_.tasks().create();
  auto result = rig_.run(provider_->resume(id, rig_.clock.now() + 60s, {}));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->task_id, id);
  EXPECT_EQ(result->images.at(0).bytes, fake_.served_images().at(0));
  EXPECT_EQ(fake_.call_count(), 0u);
  auto unknown = rig_.run(provider_->resume("no-such-task", rig_.clock.now() + 60s, {}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().cls, FailureClass::kTransient) << unknown.error().to_string();
}

TEST_F(DashScopeProviderTest, ReferencesNeedAnEditingModelAndGoAsImages) {
  const std::string png = testing::make_png("reference", 64);
  auto refused = generate(request("make it night", {{png, "image/png"}}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().cls, FailureClass::kBadRequest);
  EXPECT_EQ(fake_.call_count(), 0u);
  provider(settings("wan2.5-i2i-preview"));
  EXPECT_EQ(provider_->capabilities().max_references, 3u);
  EXPECT_TRUE(provider_->capabilities().asynchronous);
  auto result = generate(request("make it night", {{png, ""}}));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/api/v1/services/aigc/image2image/image-synthesis");
  EXPECT_EQ(calls[0].body["input"]["images"][0], "data:image/png;base64," + onebot::base64_encode(png));
}

TEST(DashScopeAnswer, MalformedAnswersAreBadResponses) {
  EXPECT_EQ(parse_dashscope_submit("nope", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(parse_dashscope_submit(R"({"output":{}})", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(*parse_dashscope_submit(R"({"output":{"task_id":"t1","task_status":"PENDING"}})", 200), "t1");
  EXPECT_EQ(parse_dashscope_task("[]", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(
      parse_dashscope_task(R"({"output":{"task_status":"SUCCEEDED","results":[{"url":"file:///x"}]}})", 200)
          .error()
          .cls,
      FailureClass::kBadResponse);
  EXPECT_EQ(parse_dashscope_task(R"({"output":{"task_status":"WEIRD"}})", 200).error().cls,
            FailureClass::kBadResponse);
  EXPECT_EQ(parse_dashscope_task(R"({"output":{"task_status":"RUNNING"}})", 200)->kind,
            TaskState::Kind::kRunning);
  EXPECT_EQ(
      read_dashscope_error(401, R"({"code":"InvalidApiKey","message":"Invalid API-key provided."})")->cls,
      FailureClass::kInvalidKey);
  EXPECT_FALSE(read_dashscope_error(429, R"({"code":"Throttling"})"))
      << "the generic reading keeps Retry-After";
  EXPECT_EQ(read_dashscope_error(503, R"({"code":"ServiceUnavailable","message":"x"})")->cls,
            FailureClass::kTransient);
}

// The async engine's lines used to be English whatever the log language; the
// task id, provider, model and byte count read the same in both.
TEST_F(DashScopeProviderTest, TheTaskLinesAreInTheLogLanguage) {
  auto lines_with = [](const std::string& needle) {
    std::size_t n = 0;
    for (const auto& line : log::recent(1000)) n += line.find(needle) != std::string::npos;
    return n;
  };
  const std::string model(kDashScopeModel);
  const std::string zh_submitted = " 已提交给 ds（" + model + "）";
  const std::string zh_generated = "ds（" + model + "）在任务 task-";
  const std::string en_submitted = " submitted to ds (" + model + ")";
  const std::string en_failed = " at ds failed: ";
  const std::size_t zh_before[] = {lines_with(zh_submitted), lines_with(zh_generated)};
  const std::size_t en_before[] = {lines_with(en_submitted), lines_with(en_failed)};
  log::set_language("zh-CN");
  auto drawn = generate(request("a cat"));
  ASSERT_TRUE(drawn.ok()) << drawn.error().to_string();
  EXPECT_EQ(lines_with(zh_submitted), zh_before[0] + 1);
  EXPECT_EQ(lines_with(zh_generated), zh_before[1] + 1);
  EXPECT_GE(lines_with("图片任务 " + drawn->task_id + zh_submitted), 1u);

  log::set_language("en");
  fake_.tasks().set_fate(TaskFate::kFailed);
  auto failed = generate(request("a dog"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(lines_with(en_submitted), en_before[0] + 1);
  EXPECT_EQ(lines_with(en_failed), en_before[1] + 1);
  log::set_language("zh-CN");
}

TEST(ImageLogMessages, TheTaskLinesReadInBothLanguages) {
  auto poll_retry = [] {
    return log_text("log.image.task_poll_retry", fmt::arg("poll", 3), fmt::arg("task", "task-7"),
                    fmt::arg("provider", "ms"), fmt::arg("reason", "HTTP 502"));
  };
  log::set_language("en");
  EXPECT_EQ(poll_retry(), "poll 3 of task task-7 at ms failed, polling again: HTTP 502");
  EXPECT_EQ(log_text("log.image.task_submit_failed", fmt::arg("provider", "ds"), fmt::arg("model", "wan"),
                     fmt::arg("attempts", 2), fmt::arg("reason", "401")),
            "image task submit to ds (wan) failed after 2 attempt(s): 401");
  log::set_language("zh-CN");
  EXPECT_EQ(poll_retry(), "第 3 次轮询 ms 的任务 task-7 失败，稍后再轮询：HTTP 502");
  EXPECT_EQ(log_text("log.image.task_resumed", fmt::arg("task", "task-7"), fmt::arg("provider", "ms")),
            "继续轮询 ms 的图片任务 task-7");
}

}  // namespace
}  // namespace picbot::image
