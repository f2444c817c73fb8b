#include "bot/llm/key_pool.h"

#include <gtest/gtest.h>

#include "bot/core/secret.h"

namespace picbot::llm {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const std::vector<std::string> kKeys = {"sk-or-v1-aaaaaaaaaaaa1111", "sk-or-v1-bbbbbbbbbbbb2222",
                                        "sk-or-v1-cccccccccccc3333"};

std::size_t next_index(KeyPool& pool, const ManualClock& clock,
                       const std::vector<std::size_t>& exclude = {}) {
  auto slot = pool.next(clock.now(), exclude);
  EXPECT_TRUE(slot.has_value());
  return slot ? slot->index : 999;
}

KeyOutcome failure(KeyOutcome::Kind kind, std::optional<seconds> retry_after = std::nullopt) {
  return KeyOutcome{kind, retry_after, "test reason"};
}

TEST(KeyPoolTest, RoundRobinPositionPersistsAcrossCalls) {
  ManualClock clock;
  KeyPool pool(kKeys);
  EXPECT_EQ(next_index(pool, clock), 0u);
  EXPECT_EQ(next_index(pool, clock), 1u);
  EXPECT_EQ(next_index(pool, clock), 2u);
  EXPECT_EQ(next_index(pool, clock), 0u);
  auto slot = pool.next(clock.now());
  ASSERT_TRUE(slot);
  EXPECT_EQ(slot->key, kKeys[1]);
}

TEST(KeyPoolTest, ExcludeSkipsKeysAlreadyTried) {
  ManualClock clock;
  KeyPool pool(kKeys);
  EXPECT_EQ(next_index(pool, clock, {0, 1}), 2u);
  EXPECT_FALSE(pool.next(clock.now(), {0, 1, 2}));
  // The search starts after the last key handed out.
  EXPECT_EQ(next_index(pool, clock, {}), 0u);
}

TEST(KeyPoolTest, InvalidKeyIsDisabledUntilReplaceKeys) {
  ManualClock clock;
  KeyPool pool(kKeys);
  auto slot = pool.next(clock.now());
  pool.report(*slot, failure(KeyOutcome::Kind::kInvalid), clock.now());
  clock.advance(std::chrono::hours(48));
  for (int i = 0; i < 4; ++i) EXPECT_NE(next_index(pool, clock), 0u);
  auto states = pool.snapshot(clock.now());
  EXPECT_EQ(states[0].status, KeyState::Status::kDisabled);
  EXPECT_EQ(states[0].reason, "test reason");
  EXPECT_FALSE(states[0].available_at);

  pool.replace_keys(kKeys);
  states = pool.snapshot(clock.now());
  for (const auto& state : states) EXPECT_EQ(state.status, KeyState::Status::kActive);
  EXPECT_EQ(states[0].reason, "");
}

// A config save used to zero the per-key counters, so they disagreed with
// the totals on the status page.
TEST(KeyPoolTest, CountersSurviveReplaceKeysForKeysStillConfigured) {
  ManualClock clock;
  KeyPool pool({kKeys[0], kKeys[1]});
  auto first = pool.next(clock.now());
  pool.report(*first, KeyOutcome::success(), clock.now());
  auto second = pool.next(clock.now());
  pool.report(*second, failure(KeyOutcome::Kind::kNoCredits), clock.now());
  auto in_flight = pool.next(clock.now());  // key 0 again
  ASSERT_EQ(in_flight->index, 0u);

  pool.replace_keys({kKeys[2], kKeys[0]});                      // key 1 removed, key 0 moved
  pool.report(*in_flight, KeyOutcome::success(), clock.now());  // ends after the save
  const auto states = pool.snapshot(clock.now());
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].successes + states[0].failures, 0u);  // a new key
  EXPECT_EQ(states[1].masked_key, mask_secret(kKeys[0]));
  EXPECT_EQ(states[1].successes, 2u);
  EXPECT_EQ(states[1].failures, 0u);

  pool.replace_keys({kKeys[2], kKeys[0], kKeys[1]});  // a key that came back starts at 0
  EXPECT_EQ(pool.snapshot(clock.now())[2].failures, 0u);
}

TEST(KeyPoolTest, EnableBringsADisabledKeyBackOnlyWithItsMask) {
  ManualClock clock;
  KeyPool pool({kKeys[0], kKeys[1]});
  auto slot = pool.next(clock.now());
  pool.report(*slot, failure(KeyOutcome::Kind::kInvalid), clock.now());
  EXPECT_FALSE(pool.enable(0, mask_secret(kKeys[1])));
  EXPECT_FALSE(pool.enable(2, mask_secret(kKeys[0])));
  EXPECT_FALSE(pool.enable(0, kKeys[0]));  // the secret itself is not the id
  EXPECT_EQ(pool.snapshot(clock.now())[0].status, KeyState::Status::kDisabled);

  EXPECT_TRUE(pool.enable(0, mask_secret(kKeys[0])));
  const auto states = pool.snapshot(clock.now());
  EXPECT_EQ(states[0].status, KeyState::Status::kActive);
  EXPECT_EQ(states[0].reason, "");
  EXPECT_EQ(states[0].failures, 1u);
  EXPECT_EQ(next_index(pool, clock), 1u);
  EXPECT_EQ(next_index(pool, clock), 0u);
}

TEST(KeyPoolTest, NoCreditsCoolsDownForAnHour) {
  ManualClock clock;
  KeyPool pool({kKeys[0], kKeys[1]});
  auto slot = pool.next(clock.now());
  pool.report(*slot, failure(KeyOutcome::Kind::kNoCredits), clock.now());
  auto states = pool.snapshot(clock.now());
  EXPECT_EQ(states[0].status, KeyState::Status::kCoolingDown);
  EXPECT_EQ(states[0].cause, KeyOutcome::Kind::kNoCredits);
  EXPECT_EQ(*states[0].available_at, clock.now() + std::chrono::hours(1));
  clock.advance(minutes(59));
  EXPECT_EQ(next_index(pool, clock), 1u);
  EXPECT_EQ(next_index(pool, clock), 1u);
  clock.advance(minutes(1));
  EXPECT_EQ(next_index(pool, clock), 0u);
  EXPECT_EQ(pool.snapshot(clock.now())[0].status, KeyState::Status::kActive);
}

TEST(KeyPoolTest, RateLimitHonoursRetryAfterOrDefault) {
  ManualClock clock;
  KeyPool pool({kKeys[0], kKeys[1]});
  auto first = pool.next(clock.now());
  auto second = pool.next(clock.now());
  pool.report(*first, failure(KeyOutcome::Kind::kRateLimited, seconds(5)), clock.now());
  pool.report(*second, failure(KeyOutcome::Kind::kRateLimited), clock.now());
  auto states = pool.snapshot(clock.now());
  EXPECT_EQ(*states[0].available_at, clock.now() + seconds(5));
  EXPECT_EQ(*states[1].available_at, clock.now() + seconds(30));
  EXPECT_FALSE(pool.next(clock.now()));
  clock.advance(seconds(5));
  EXPECT_EQ(next_index(pool, clock), 0u);
}

TEST(KeyPoolTest, ShorterCooldownDoesNotShortenLongerOne) {
  ManualClock clock;
  KeyPool pool({kKeys[0]});
  auto slot = pool.next(clock.now());
  pool.report(*slot, failure(KeyOutcome::Kind::kNoCredits), clock.now());
  pool.report(*slot, failure(KeyOutcome::Kind::kRateLimited, seconds(1)), clock.now());
  EXPECT_EQ(*pool.snapshot(clock.now())[0].available_at, clock.now() + std::chrono::hours(1));
}

TEST(KeyPoolTest, SuccessEndsCooldownAndCounts) {
  ManualClock clock;
  KeyPool pool({kKeys[0]});
  auto slot = pool.next(clock.now());
  pool.report(*slot, failure(KeyOutcome::Kind::kRateLimited, seconds(1)), clock.now());
  clock.advance(seconds(2));
  slot = pool.next(clock.now());
  ASSERT_TRUE(slot);
  pool.report(*slot, KeyOutcome::success(), clock.now());
  auto state = pool.snapshot(clock.now())[0];
  EXPECT_EQ(state.status, KeyState::Status::kActive);
  EXPECT_EQ(state.successes, 1u);
  EXPECT_EQ(state.failures, 1u);
  EXPECT_TRUE(state.reason.empty());
}

TEST(KeyPoolTest, SnapshotMasksKeys) {
  ManualClock clock;
  KeyPool pool(kKeys);
  for (const auto& state : pool.snapshot(clock.now())) {
    EXPECT_EQ(state.masked_key, mask_secret(kKeys[state.index]));
    EXPECT_EQ(state.masked_key.find("aaaaaaaa"), std::string::npos);
  }
}

TEST(KeyPoolTest, ReportFromOldKeyListIsIgnored) {
  ManualClock clock;
  KeyPool pool(kKeys);
  auto slot = pool.next(clock.now());
  pool.replace_keys({"sk-or-v1-dddddddddddd4444"});
  pool.report(*slot, failure(KeyOutcome::Kind::kInvalid), clock.now());
  EXPECT_EQ(pool.snapshot(clock.now())[0].status, KeyState::Status::kActive);
}

TEST(KeyPoolTest, ReplaceKeysKeepsPositionOnlyWhenUnchanged) {
  ManualClock clock;
  KeyPool pool(kKeys);
  EXPECT_EQ(next_index(pool, clock), 0u);
  pool.replace_keys(kKeys);
  EXPECT_EQ(next_index(pool, clock), 1u);
  pool.replace_keys({kKeys[2], kKeys[1]});
  EXPECT_EQ(next_index(pool, clock), 0u);
}

TEST(KeyPoolTest, EmptyAndDuplicateKeysAreDropped) {
  ManualClock clock;
  KeyPool pool({"", kKeys[0], kKeys[0], kKeys[1]});
  EXPECT_EQ(pool.size(), 2u);
  KeyPool empty;
  EXPECT_FALSE(empty.next(clock.now()));
  EXPECT_TRUE(empty.snapshot(clock.now()).empty());
}

}  // namespace
}  // namespace picbot::llm
