#include "image/fallback_chain.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/provider_registry.h"
#include "image/provider_test_rig.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/fakes/openrouter/fake_openrouter.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using testing::FakeOpenRouter;
using Script = FakeOpenRouter::Script;

class FallbackChainTest : public ::testing::Test {
 protected:
  std::shared_ptr<Provider> member(const std::string& name, const FakeOpenRouter& fake) {
    ProviderConfig config;
    config.name = name;
    config.type = "openrouter";
    config.section = {{"type", "openrouter"},
                      {"api_keys", {"sk-or-v1-" + name + "-key-0000000000"}},
                      {"api_base", fake.api_base()},
                      {"max_retry_attempts", 1}};
    auto created = create_provider(rig_.deps, config);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return std::move(created).value();
  }

  FallbackChain chain(FallbackChain::Observer observer = {}) {
    std::vector<std::shared_ptr<Provider>> members;
    members.push_back(member("primary", primary_));
    members.push_back(member("backup", backup_));
    return FallbackChain(std::move(members), std::move(observer));
  }

  Result<ImageResult, llm::ProviderError> generate(FallbackChain& chain) {
    ImageRequest request;
    request.prompt = "a lighthouse";
    request.references.push_back({testing::make_png("ref"), ""});
    return testing::run_coroutine(rig_.io, chain.generate(std::move(request)), std::chrono::seconds(30));
  }

  FakeOpenRouter primary_;
  FakeOpenRouter backup_;
  ProviderTestRig rig_;
};

TEST(FallsBack, OnlyWhenAnotherProviderCouldServe) {
  for (FailureClass cls : {FailureClass::kInvalidKey, FailureClass::kNoCredits, FailureClass::kRateLimited,
                           FailureClass::kTransient, FailureClass::kDeadline, FailureClass::kBadResponse,
                           FailureClass::kModelNotFound}) {
    EXPECT_TRUE(falls_back(cls)) << llm::failure_class_name(cls);
  }
  for (FailureClass cls :
       {FailureClass::kBadRequest, FailureClass::kContentFiltered, FailureClass::kCancelled}) {
    EXPECT_FALSE(falls_back(cls)) << llm::failure_class_name(cls);
  }
}

TEST_F(FallbackChainTest, AnInvalidKeyOnThePrimarySendsTheDrawingToTheBackupWithItsReferences) {
  primary_.set_default(Script::k401);
  FallbackChain drawer = chain();
  EXPECT_EQ(drawer.name(), "primary");
  EXPECT_EQ(drawer.key_states().size(), 2u);
  auto result = generate(drawer);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->provider, "backup");
  EXPECT_EQ(result->images.at(0).bytes, backup_.served_images().at(0));
  EXPECT_EQ(primary_.call_count(), 1u);
  const auto calls = backup_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].body["messages"][0]["content"].size(), 2u) << "the reference reached the backup";
}

// The engine's lines used to be English whatever the log language.
TEST_F(FallbackChainTest, TheFallbackLineIsInTheLogLanguage) {
  auto lines_with = [](const std::string& needle) {
    std::size_t n = 0;
    for (const auto& line : log::recent(1000)) n += line.find(needle) != std::string::npos;
    return n;
  };
  primary_.set_default(Script::k401);
  FallbackChain drawer = chain();
  log::set_language("zh-CN");
  ASSERT_TRUE(generate(drawer).ok());
  EXPECT_EQ(lines_with("图片服务 primary 无法出图（"), 1u);
  EXPECT_EQ(lines_with("）；改用 backup"), 1u);
  log::set_language("en");
  ASSERT_TRUE(generate(drawer).ok());
  EXPECT_EQ(lines_with("image provider primary could not serve ("), 1u);
  log::set_language("zh-CN");
}

TEST_F(FallbackChainTest, ARefusedRequestOrAFilteredAnswerIsNotTriedElsewhere) {
  FallbackChain drawer = chain();
  for (Script script : {Script::k400, Script::kContentFilter}) {
    primary_.set_default(script);
    auto result = generate(drawer);
    ASSERT_FALSE(result.ok());
    EXPECT_FALSE(falls_back(result.error().cls)) << result.error().to_string();
  }
  EXPECT_EQ(backup_.call_count(), 0u);
}

TEST_F(FallbackChainTest, TheLastProvidersFailureIsTheAnswerAndTheDeadlineCoversAll) {
  primary_.set_default(Script::k401);
  backup_.set_default(Script::k500);
  FallbackChain drawer = chain();
  EXPECT_EQ(drawer.deadline(), std::chrono::seconds(360));
  auto result = generate(drawer);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().cls, FailureClass::kTransient);
}

TEST_F(FallbackChainTest, TheObserverHearsEachMembersOutcome) {
  primary_.set_default(Script::k401);
  std::vector<std::pair<std::string, std::string>> heard;
  FallbackChain drawer = chain(
      [&](const Provider& member, std::string_view result) { heard.emplace_back(member.name(), result); });
  ASSERT_TRUE(generate(drawer).ok());
  const std::vector<std::pair<std::string, std::string>> expected = {{"primary", "invalid_key"},
                                                                     {"backup", "success"}};
  EXPECT_EQ(heard, expected);
}

// Each member numbers its keys from 0; the chain numbers them in chain
// order, so the index a console shows is the one enable_key takes.
TEST_F(FallbackChainTest, KeysAreIndexedInChainOrderSoTheBackupsKeyCanBeEnabled) {
  backup_.set_default(Script::k401);
  primary_.set_default(Script::k401);
  FallbackChain drawer = chain();
  ASSERT_FALSE(generate(drawer).ok());
  const auto states = drawer.key_states();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].index, 0u);
  EXPECT_EQ(states[1].index, 1u);
  EXPECT_EQ(states[1].status, llm::KeyState::Status::kDisabled);
  EXPECT_TRUE(drawer.enable_key(states[1].index, states[1].masked_key));
  EXPECT_EQ(drawer.key_states()[1].status, llm::KeyState::Status::kActive);
}

}  // namespace
}  // namespace picbot::image
