// Upstream rate limits (image_providers.<name>.max_concurrent,
// requests_per_second, burst) through the real binary against a slow fake
// OpenRouter: drawings over the limit wait in FIFO order, the user is told
// their place, and the upstream never sees more at once than allowed.
#include <gtest/gtest.h>

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

// "前面还有人在画，你排在第 1 位…" (or the English table's "number 1 in the queue").
bool says_queued_first(const ApiCall& call) {
  if (call.action != "send_group_msg") return false;
  const std::string text = text_of(message_of(call));
  return text.find("第 1 位") != std::string::npos || text.find("number 1 in the queue") != std::string::npos;
}

TEST(UpstreamLimits, MaxConcurrentOneQueuesTheSecondDrawingAndTheUpstreamSeesOneAtATime) {
  FakeOpenRouter flat;
  FakeOpenRouter limited;
  limited.set_default(FakeOpenRouter::Script::kSlow, {.delay = kUpstreamTime});
  const std::string yaml =
      reverse_config(kTestToken) +
      "image_providers:\n"
      "  slow-router:\n"
      "    type: openrouter\n"
      "    api_base: \"" +
      limited.api_base() +
      "\"\n"
      "    api_keys: [\"" +
      kLimitedKey +
      "\"]\n"
      "    max_concurrent: 1\n"
      "    max_retry_attempts: 1\n" +
      gemini_plugin_section({kFlatKey}, limited.api_base(), "    providers: [slow-router]\n");
  PicbotRunner bot(yaml);
  ASSERT_TRUE(bot.start()) << bot.process().output();
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok()) << conn.error().message;

  napcat.send_group_message(*conn, 777, 42, "/draw a lighthouse");
  ASSERT_TRUE(limited.wait_for_calls(1, 10s)) << bot.process().output();
  const std::size_t before_second = napcat.calls().size();
  napcat.send_group_message(*conn, 777, 43, "/draw a harbour");
  EXPECT_TRUE(napcat.wait_for_call(says_queued_first, 10s, before_second)) << bot.process().output();

  ASSERT_TRUE(wait_until(
      [&] {
        const auto calls = napcat.calls();
        return std::count_if(calls.begin(), calls.end(), is_image_reply) == 2;
      },
      20s))
      << bot.process().output();
  const auto upstream = limited.calls();
  ASSERT_EQ(upstream.size(), 2u);
  // The second request reached the fake only after the first's answer left it.
  EXPECT_GE(upstream[1].at - upstream[0].at, kUpstreamTime);
  EXPECT_EQ(flat.call_count(), 0u);
}

}  // namespace
}  // namespace picbot::testing
