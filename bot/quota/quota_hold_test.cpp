#include "bot/quota/quota_hold.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::quota {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using picbot::testing::run_coroutine;

constexpr std::chrono::milliseconds kInterval = 60min;

QuotaDecision counted(std::int64_t limit) {
  return QuotaDecision{QuotaDecision::kCounted, "user:1", limit, QuotaTier::kDefault};
}

class QuotaHoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = run_coroutine(io_, AsyncQuotaStore::open(pool_, dir_.path() / "quota.db", clock_));
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    store_ = std::move(opened.value());
  }

  QuotaHold reserve(std::int64_t limit) {
    auto held = run_coroutine(io_, QuotaHold::reserve(*store_, counted(limit), kInterval));
    EXPECT_TRUE(held.ok());
    return std::move(held.value());
  }
  std::int64_t used() {
    auto usage = run_coroutine(io_, store_->usage("user:1", 10, kInterval));
    EXPECT_TRUE(usage.ok());
    return usage->used;
  }
  // Runs one of the hold's steps to its end.
  void run(asio::awaitable<void> step) {
    auto wrapped = [](asio::awaitable<void> inner) -> asio::awaitable<bool> {
      co_await std::move(inner);
      co_return true;
    };
    run_coroutine(io_, wrapped(std::move(step)));
  }

  testing::TempDir dir_;
  ManualClock clock_;
  WorkerPool pool_{1};
  asio::io_context io_;
  std::unique_ptr<AsyncQuotaStore> store_;
};

TEST_F(QuotaHoldTest, AnEmptyHoldMakesEveryStepANoOp) {
  QuotaHold hold;
  EXPECT_FALSE(hold.holds());
  EXPECT_EQ(hold.reservation_id(), "");
  run(hold.mark_sending(SendingImage{}));
  run(hold.unmark_sending());
  run(hold.commit());
  run(hold.release());
  EXPECT_FALSE(hold.holds());
}

TEST_F(QuotaHoldTest, AGrantedReservationIsHeldUntilCommitted) {
  QuotaHold hold = reserve(3);
  ASSERT_TRUE(hold.outcome().granted);
  EXPECT_TRUE(hold.holds());
  EXPECT_EQ(hold.outcome().remaining_after_commit, 2);
  EXPECT_EQ(used(), 1);
  run(hold.commit());
  EXPECT_FALSE(hold.holds());
  run(hold.release());  // settled: nothing left to give back
  EXPECT_EQ(used(), 1);
}

TEST_F(QuotaHoldTest, ReleaseGivesTheUnitBack) {
  QuotaHold hold = reserve(3);
  EXPECT_EQ(used(), 1);
  run(hold.release());
  EXPECT_FALSE(hold.holds());
  EXPECT_EQ(used(), 0);
}

TEST_F(QuotaHoldTest, ADeniedReservationHoldsNothing) {
  QuotaHold first = reserve(1);
  run(first.commit());
  QuotaHold second = reserve(1);
  EXPECT_FALSE(second.outcome().granted);
  EXPECT_EQ(second.outcome().used, 1);
  EXPECT_FALSE(second.holds());
  run(second.release());
  EXPECT_EQ(used(), 1);
}

TEST_F(QuotaHoldTest, MovingHandsTheUnitOver) {
  QuotaHold from = reserve(3);
  const std::string id = from.reservation_id();
  QuotaHold to;
  to = std::move(from);
  EXPECT_FALSE(from.holds());  // NOLINT(bugprone-use-after-move): moved-from holds nothing
  EXPECT_TRUE(to.holds());
  EXPECT_EQ(to.reservation_id(), id);
  run(from.release());
  EXPECT_EQ(used(), 1);
  run(to.release());
  EXPECT_EQ(used(), 0);
}

TEST_F(QuotaHoldTest, MarkSendingLeavesTheUnitForTheReconcilerAfterACrash) {
  QuotaHold sending = reserve(5);
  QuotaHold unmarked = reserve(5);
  const SendingImage destination{
      .self_id = 10, .group = true, .target_id = 777, .size = 42, .image_id = "abc"};
  run(sending.mark_sending(destination));
  run(unmarked.mark_sending(destination));
  run(unmarked.unmark_sending());
  store_.reset();  // the process dies with both units held

  auto reopened = QuotaStore::open(dir_.path() / "quota.db", clock_);
  ASSERT_TRUE(reopened.ok());
  auto recovered = (*reopened)->recover_after_restart();
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->released, 1);
  ASSERT_EQ(recovered->unconfirmed.size(), 1u);
  EXPECT_EQ(recovered->unconfirmed[0].reservation_id, sending.reservation_id());
  EXPECT_EQ(recovered->unconfirmed[0].image.target_id, 777);
}

}  // namespace
}  // namespace picbot::quota
