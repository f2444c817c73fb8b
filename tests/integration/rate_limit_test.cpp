// Upstream rate limits (image_providers.<name>.max_concurrent,
// requests_per_second, burst) through the real binary against a slow fake
// OpenRouter: drawings over the limit wait in FIFO order, the user is told
// their place, and the upstream never sees more at once than allowed.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <memory>

#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;

constexpr char kFlatKey[] = "sk-or-v1-flat-key-aaaaaaaaaaaa1111";
constexpr char kLimitedKey[] = "sk-or-v1-limited-key-bbbbbbbbb2222";
constexpr auto kUpstreamTime = 800ms;

bool is_image_reply(const ApiCall& call) {
  return call.action == "send_group_msg" && image_bytes_of(message_of(call)).has_value();
}

// "前面还有人在画，你排在第 N 位…" (or the English table's "number N in the queue").
std::function<bool(const ApiCall&)> says_queued_at(int position) {
  return [position](const ApiCall& call) {
    if (call.action != "send_group_msg") return false;
    const std::string text = text_of(message_of(call));
    return text.find("第 " + std::to_string(position) + " 位") != std::string::npos ||
           text.find("number " + std::to_string(position) + " in the queue") != std::string::npos;
  };
}

// picbot drawing through "slow-router", a fake that takes kUpstreamTime per
// image and allows one drawing at a time (max_concurrent: 1).
class UpstreamLimits : public ::testing::Test {
 protected:
  static std::string config(const FakeOpenRouter& flat, const FakeOpenRouter& limited, int max_concurrent,
                            const std::string& plugin_extra) {
    return reverse_config(kTestToken) +
           "image_providers:\n"
           "  slow-router:\n"
           "    type: openrouter\n"
           "    api_base: \"" +
           limited.api_base() +
           "\"\n"
           "    api_keys: [\"" +
           kLimitedKey +
           "\"]\n"
           "    max_concurrent: " +
           std::to_string(max_concurrent) +
           "\n"
           "    max_retry_attempts: 1\n" +
           gemini_plugin_section({kFlatKey}, flat.api_base(),
                                 "    providers: [slow-router]\n" + plugin_extra);
  }

  void start(const std::string& plugin_extra, std::chrono::milliseconds upstream_time = kUpstreamTime) {
    limited.set_default(FakeOpenRouter::Script::kSlow, {.delay = upstream_time});
    const std::string yaml = config(flat, limited, 1, plugin_extra);
    bot = std::make_unique<PicbotRunner>(yaml);
    ASSERT_TRUE(bot->start()) << bot->process().output();
    auto c = napcat.connect(bot->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn = *c;
  }

  // User `user` draws; true when picbot's reply tells them they are number `position`.
  bool draw_and_expect_place(std::int64_t user, int position) {
    const std::size_t before = napcat.calls().size();
    napcat.send_group_message(conn, 777, user, "/draw a lighthouse");
    return napcat.wait_for_call(says_queued_at(position), 10s, before).has_value();
  }

  bool images_arrive(long count) {
    return wait_until(
        [&] {
          const auto calls = napcat.calls();
          return std::count_if(calls.begin(), calls.end(), is_image_reply) == count;
        },
        30s);
  }

  // Each request reached the fake only after the one before had its answer.
  void expect_one_at_a_time(std::size_t count) {
    const auto upstream = limited.calls();
    ASSERT_EQ(upstream.size(), count);
    for (std::size_t i = 1; i < upstream.size(); ++i)
      EXPECT_GE(upstream[i].at - upstream[i - 1].at, kUpstreamTime);
    EXPECT_EQ(flat.call_count(), 0u);
  }

  FakeOpenRouter flat;
  FakeOpenRouter limited;
  FakeNapCat napcat;
  std::unique_ptr<PicbotRunner> bot;
  int conn = 0;
};

TEST_F(UpstreamLimits, MaxConcurrentOneQueuesTheSecondDrawingAndTheUpstreamSeesOneAtATime) {
  start("");
  napcat.send_group_message(conn, 777, 42, "/draw a lighthouse");
  ASSERT_TRUE(limited.wait_for_calls(1, 10s)) << bot->process().output();
  EXPECT_TRUE(draw_and_expect_place(43, 1)) << bot->process().output();
  ASSERT_TRUE(images_arrive(2)) << bot->process().output();
  expect_one_at_a_time(2);
}

TEST_F(UpstreamLimits, APlaceInThePluginsQueueCountsTheDrawingsWaitingUpstream) {
  start("    max_concurrent_generations: 2\n");
  napcat.send_group_message(conn, 777, 42, "/draw a lighthouse");
  ASSERT_TRUE(limited.wait_for_calls(1, 10s)) << bot->process().output();
  EXPECT_TRUE(draw_and_expect_place(43, 1)) << bot->process().output();  // waits upstream
  EXPECT_TRUE(draw_and_expect_place(44, 2)) << bot->process().output();  // waits in the plugin's queue
  ASSERT_TRUE(images_arrive(3)) << bot->process().output();
  expect_one_at_a_time(3);
}

TEST_F(UpstreamLimits, AReloadAppliesNewLimitsToTheDrawingsAlreadyWaiting) {
  constexpr auto kLongUpstreamTime = 4s;
  start("", kLongUpstreamTime);
  napcat.send_group_message(conn, 777, 42, "/draw a lighthouse");
  ASSERT_TRUE(limited.wait_for_calls(1, 10s)) << bot->process().output();
  EXPECT_TRUE(draw_and_expect_place(43, 1)) << bot->process().output();

  bot->rewrite_config(config(flat, limited, 2, ""));
  bot->process().signal(SIGHUP);
  ASSERT_TRUE(bot->wait_for_log("settings reloaded", 5s)) << bot->process().output();
  ASSERT_TRUE(limited.wait_for_calls(2, 10s)) << bot->process().output();
  const auto upstream = limited.calls();
  EXPECT_LT(upstream[1].at - upstream[0].at, kLongUpstreamTime)
      << "the waiting drawing went once the cap rose";
  ASSERT_TRUE(images_arrive(2)) << bot->process().output();
}

}  // namespace
}  // namespace picbot::testing
