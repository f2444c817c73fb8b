#include "image/providers/modelscope/modelscope_provider.h"

#include <gtest/gtest.h>

#include "image/provider_test_rig.h"
#include "tests/fakes/modelscope/fake_modelscope.h"
#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::image {
namespace {

using namespace std::chrono_literals;
using llm::FailureClass;
using nlohmann::json;
using testing::FakeModelScope;
using testing::TaskFate;
using Script = FakeModelScope::Script;

const std::string kKey0 = "ms-00000000-aaaa-bbbb-cccc-dddddddddddd";
const std::string kKey1 = "ms-11111111-aaaa-bbbb-cccc-dddddddddddd";

class ModelScopeProviderTest : public KeyedProviderTest<ModelScopeProvider, FakeModelScope> {
 protected:
  ModelScopeProviderTest() : KeyedProviderTest("ms", {kKey0, kKey1}, std::string(kModelScopeModel)) {}
};

TEST(ModelScopeUrl, SubmitAndTaskPaths) {
  EXPECT_EQ(modelscope_submit_url(""), "https://api-inference.modelscope.cn/v1/images/generations");
  EXPECT_EQ(modelscope_submit_url("https://api-inference.modelscope.cn/"),
            "https://api-inference.modelscope.cn/v1/images/generations");
  EXPECT_EQ(modelscope_task_url("https://api-inference.modelscope.cn/v1", "t1"),
            "https://api-inference.modelscope.cn/v1/tasks/t1");
}

TEST(ModelScopeSize, SidesWithinTheModelFamilysRange) {
  EXPECT_EQ(modelscope_size(*parse_size_wish("1:1"), "Tongyi-MAI/Z-Image-Turbo"), "1024x1024");
  EXPECT_EQ(modelscope_size(*parse_size_wish("256x256"), "Tongyi-MAI/Z-Image-Turbo"), "512x512");
  EXPECT_EQ(modelscope_size(*parse_size_wish("2048x2048"), "black-forest-labs/FLUX.1-Krea-dev"), "1024x1024");
  EXPECT_EQ(modelscope_size(*parse_size_wish("2048x2048"), "Qwen/Qwen-Image"), "1664x1664");
}

TEST_F(ModelScopeProviderTest, ReportsItsSizeFormAsWxH) {
  const Capabilities capabilities = provider(settings()).capabilities();
  EXPECT_EQ(capabilities.size_form, Capabilities::SizeForm::kXSize);
  EXPECT_TRUE(capabilities.asynchronous);
}

TEST_F(ModelScopeProviderTest, SubmitsAsyncPollsWithTheTaskTypeAndDownloads) {
  InstanceSettings s = settings();
  s.extra = {{"steps", 8}};
  provider(std::move(s));
  ImageRequest r = request("a golden cat");
  r.aspect_ratio = "1:1";
  auto result = generate(std::move(r));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->images.at(0).bytes, fake_.served_images().at(0));
  EXPECT_EQ(result->task_id, "task-1-7f3c");
  EXPECT_EQ(result->model, "Tongyi-MAI/Z-Image-Turbo");
  const auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/v1/images/generations");
  EXPECT_EQ(calls[0].async_header, "true");
  EXPECT_EQ(calls[0].key, kKey0);
  EXPECT_EQ(calls[0].body["model"], "Tongyi-MAI/Z-Image-Turbo");
  EXPECT_EQ(calls[0].body["prompt"], "a golden cat");
  EXPECT_EQ(calls[0].body["size"], "1024x1024");
  EXPECT_EQ(calls[0].body["steps"], 8);
  EXPECT_EQ(fake_.tasks().poll_count(), 3u) << "the fake answers 400 to a poll without the task type";
}

TEST_F(ModelScopeProviderTest, AFailedTaskIsTransientAndNotSubmittedAgain) {
  fake_.tasks().set_fate(TaskFate::kFailed);
  auto result = generate(request("a golden cat"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kTransient);
  EXPECT_NE(result.error().message.find("Image generation failed"), std::string::npos);
  EXPECT_EQ(fake_.call_count(), 1u);
}

TEST_F(ModelScopeProviderTest, FailureMatrixOfTheSubmit) {
  fake_.push(kKey0, Script::kInvalidKey);
  ASSERT_TRUE(generate(request("one")).ok());
  EXPECT_EQ(provider_->key_states().at(0).status, llm::KeyState::Status::kDisabled);
  provider(settings());
  fake_.push(kKey0, Script::kRateLimited);
  auto limited = generate(request("two"));
  ASSERT_TRUE(limited.ok()) << limited.error().to_string();
  EXPECT_EQ(limited->attempts.at(0).failure, FailureClass::kRateLimited);
  provider(settings());
  fake_.push(kKey0, Script::k500);
  auto retried = generate(request("three"));
  ASSERT_TRUE(retried.ok()) << retried.error().to_string();
  EXPECT_EQ(retried->attempts.size(), 2u);
  fake_.set_default(Script::kBadRequest);
  auto refused = generate(request("four"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().cls, FailureClass::kBadRequest);
  EXPECT_NE(refused.error().message.find("512, 2048"), std::string::npos) << refused.error().message;
  EXPECT_EQ(fake_.call_count(), 7u) << "2 + 2 + 2 submits, then the refused one once";
}

TEST_F(ModelScopeProviderTest, ReferencesNeedAnEditModel) {
  const std::string png = testing::make_png("reference", 64);
  auto refused = generate(request("make it night", {{png, ""}}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().cls, FailureClass::kBadRequest);
  provider(settings("Qwen/Qwen-Image-Edit-2509"));
  ASSERT_TRUE(generate(request("make it night", {{png, ""}})).ok());
  EXPECT_EQ(fake_.calls().at(0).body["image_url"][0], *image_data_url(png));
}

TEST_F(ModelScopeProviderTest, ResumePollsWithoutSubmitting) {
  provider(settings());
  const std::string id = fake_.tasks().create();
  auto result = rig_.run(provider_->resume(id, rig_.clock.now() + 60s, {}));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(fake_.call_count(), 0u);
}

TEST(ModelScopeAnswer, ParsesTheStatesAndRefusesMalformedAnswers) {
  EXPECT_EQ(*parse_modelscope_submit(R"({"task_id":"abc","request_id":"r"})", 200), "abc");
  EXPECT_EQ(parse_modelscope_submit("{}", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(parse_modelscope_task(R"({"task_status":"PROCESSING"})", 200)->kind, TaskState::Kind::kRunning);
  EXPECT_EQ(parse_modelscope_task(R"({"task_status":"SUCCEED","output_images":[]})", 200).error().cls,
            FailureClass::kBadResponse);
  EXPECT_EQ(
      parse_modelscope_task(R"({"task_status":"SUCCEED","output_images":["https://x/a.jpg"]})", 200)->urls,
      std::vector<std::string>{"https://x/a.jpg"});
  EXPECT_EQ(parse_modelscope_task("garbage", 200).error().cls, FailureClass::kBadResponse);
  EXPECT_EQ(read_modelscope_error(401, R"({"errors":{"message":"bad token"}})")->cls,
            FailureClass::kInvalidKey);
}

}  // namespace
}  // namespace picbot::image
