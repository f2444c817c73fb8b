#include "image/rate_limiter.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <optional>

#include "image/fallback_chain.h"

namespace picbot::image {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using llm::FailureClass;

// One acquire() call as the test sees it.
struct Call {
  std::optional<std::size_t> queued_at;
  std::optional<Result<RateLimiter::Permit, llm::ProviderError>> result;
  bool granted() const { return result && result->ok(); }
  bool failed_with(FailureClass cls) const { return result && !result->ok() && result->error().cls == cls; }
  void release() { result.reset(); }
};

class RateLimiterTest : public ::testing::Test {
 protected:
  void make(RateLimits limits) { limiter_.emplace(clock_, limits); }

  // Starts a call; it runs as far as it can before this returns.
  Call& start(std::chrono::system_clock::duration deadline_in = 60s, asio::cancellation_slot cancel = {}) {
    Call& call = calls_.emplace_back();
    asio::co_spawn(io_, run(call, clock_.now() + deadline_in, cancel), asio::detached);
    settle();
    return call;
  }

  asio::awaitable<void> run(Call& call, Clock::time_point deadline, asio::cancellation_slot cancel) {
    QueuedCallback on_queued = [&call](std::size_t position) -> asio::awaitable<void> {
      call.queued_at = position;
      co_return;
    };
    auto result = co_await limiter_->acquire(deadline, cancel, std::move(on_queued));
    call.result.emplace(std::move(result));
  }

  asio::awaitable<void> run_with(Call& call, Clock::time_point deadline, asio::cancellation_slot cancel,
                                 QueuedCallback on_queued) {
    auto result = co_await limiter_->acquire(deadline, cancel, std::move(on_queued));
    call.result.emplace(std::move(result));
  }

  // Runs every handler that is ready (no real time passes).
  void settle() {
    io_.restart();
    io_.poll();
  }

  // Moves the fake clock and lets the limiter look.
  void advance(std::chrono::system_clock::duration d) {
    clock_.advance(d);
    limiter_->tick();
    settle();
  }

  std::size_t granted_count() const {
    std::size_t n = 0;
    for (const Call& call : calls_) n += call.granted() ? 1 : 0;
    return n;
  }

  asio::io_context io_;
  ManualClock clock_;
  std::optional<RateLimiter> limiter_;
  std::deque<Call> calls_;
};

TEST_F(RateLimiterTest, UnlimitedGrantsEveryCallAtOnce) {
  make(RateLimits{});
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(start().granted());
  EXPECT_EQ(limiter_->running(), 20u);
  EXPECT_EQ(limiter_->waiting(), 0u);
}

TEST_F(RateLimiterTest, TheBurstGoesAtOnceAndTheRestWaits) {
  make(RateLimits{.requests_per_second = 10, .burst = 3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(start().granted());
  Call& fourth = start();
  EXPECT_FALSE(fourth.result);
  EXPECT_EQ(fourth.queued_at, 1u);
  EXPECT_EQ(limiter_->waiting(), 1u);
  advance(99ms);
  EXPECT_FALSE(fourth.result);
  advance(1ms);
  EXPECT_TRUE(fourth.granted());
}

TEST_F(RateLimiterTest, WaitersGoInFifoOrderWithTheirPlaces) {
  make(RateLimits{.requests_per_second = 1, .burst = 1});
  EXPECT_TRUE(start().granted());
  Call& b = start();
  Call& c = start();
  Call& d = start();
  EXPECT_EQ(b.queued_at, 1u);
  EXPECT_EQ(c.queued_at, 2u);
  EXPECT_EQ(d.queued_at, 3u);
  advance(1s);
  EXPECT_TRUE(b.granted());
  EXPECT_FALSE(c.result);
  EXPECT_FALSE(d.result);
  advance(1s);
  EXPECT_TRUE(c.granted());
  EXPECT_FALSE(d.result);
  advance(1s);
  EXPECT_TRUE(d.granted());
}

TEST_F(RateLimiterTest, RateHoldsOverTime) {
  make(RateLimits{.requests_per_second = 10, .burst = 1});
  for (int i = 0; i < 100; ++i) start();
  EXPECT_EQ(granted_count(), 1u);
  for (int step = 1; step <= 99; ++step) {
    advance(100ms);
    ASSERT_EQ(granted_count(), static_cast<std::size_t>(step + 1)) << "after " << step * 100 << " ms";
  }
  EXPECT_EQ(limiter_->waiting(), 0u);
}

TEST_F(RateLimiterTest, AnIdleBucketFillsUpToTheBurstOnly) {
  make(RateLimits{.requests_per_second = 2, .burst = 4});
  for (int i = 0; i < 4; ++i) start();
  advance(1h);
  for (int i = 0; i < 6; ++i) start();
  EXPECT_EQ(granted_count(), 8u);
}

TEST_F(RateLimiterTest, ConcurrencyCapHoldsAndFreedSlotsGoInOrder) {
  make(RateLimits{.max_concurrent = 2});
  Call& a = start();
  Call& b = start();
  Call& c = start();
  Call& d = start();
  EXPECT_TRUE(a.granted());
  EXPECT_TRUE(b.granted());
  EXPECT_EQ(c.queued_at, 1u);
  EXPECT_EQ(d.queued_at, 2u);
  EXPECT_EQ(limiter_->running(), 2u);
  b.release();
  settle();
  EXPECT_TRUE(c.granted());
  EXPECT_FALSE(d.result);
  EXPECT_EQ(limiter_->running(), 2u);
  a.release();
  settle();
  EXPECT_TRUE(d.granted());
}

TEST_F(RateLimiterTest, AWaitPastTheDeadlineFailsAsRateLimitedAndTheChainFallsBack) {
  make(RateLimits{.requests_per_second = 1, .burst = 1});
  EXPECT_TRUE(start().granted());
  Call& hurried = start(500ms);
  Call& patient = start(10s);
  advance(600ms);
  ASSERT_TRUE(hurried.failed_with(FailureClass::kRateLimited));
  EXPECT_NE(hurried.result->error().message.find("rate-limit wait past the deadline"), std::string::npos);
  EXPECT_TRUE(falls_back(hurried.result->error().cls));
  EXPECT_FALSE(patient.result);
  EXPECT_EQ(limiter_->waiting(), 1u);
  advance(400ms);
  EXPECT_TRUE(patient.granted());
}

TEST_F(RateLimiterTest, ACallWhoseDeadlineHasPassedIsNotQueued) {
  make(RateLimits{.max_concurrent = 1});
  start();
  Call& late = start(0s);
  EXPECT_TRUE(late.failed_with(FailureClass::kRateLimited));
  EXPECT_FALSE(late.queued_at);
  EXPECT_EQ(limiter_->waiting(), 0u);
}

TEST_F(RateLimiterTest, CancellationLeavesTheQueueAndTheNextMovesUp) {
  make(RateLimits{.max_concurrent = 1});
  Call& a = start();
  asio::cancellation_signal cancel;
  Call& b = start(60s, cancel.slot());
  Call& c = start();
  EXPECT_EQ(limiter_->waiting(), 2u);
  cancel.emit(asio::cancellation_type::terminal);
  settle();
  EXPECT_TRUE(b.failed_with(FailureClass::kCancelled));
  EXPECT_EQ(limiter_->waiting(), 1u);
  a.release();
  settle();
  EXPECT_TRUE(c.granted());
}

TEST_F(RateLimiterTest, CancellationWhileTheQueuedReplyIsSentIsNotLost) {
  make(RateLimits{.max_concurrent = 1});
  start();
  asio::cancellation_signal cancel;
  Call& b = calls_.emplace_back();
  QueuedCallback cancel_while_telling = [&cancel](std::size_t) -> asio::awaitable<void> {
    cancel.emit(asio::cancellation_type::terminal);
    co_return;
  };
  asio::co_spawn(io_, run_with(b, clock_.now() + 60s, cancel.slot(), std::move(cancel_while_telling)),
                 asio::detached);
  settle();
  EXPECT_TRUE(b.failed_with(FailureClass::kCancelled));
  EXPECT_EQ(limiter_->waiting(), 0u);
}

TEST_F(RateLimiterTest, NewLimitsApplyToTheWaiters) {
  make(RateLimits{.max_concurrent = 1});
  start();
  Call& b = start();
  Call& c = start();
  Call& d = start();
  limiter_->reconfigure(RateLimits{.max_concurrent = 3});
  settle();
  EXPECT_TRUE(b.granted());
  EXPECT_TRUE(c.granted());
  EXPECT_FALSE(d.result);
}

TEST_F(RateLimiterTest, AFasterRateAppliesToTheWaiters) {
  make(RateLimits{.requests_per_second = 0.1, .burst = 1});
  start();
  Call& slow = start();
  limiter_->reconfigure(RateLimits{.requests_per_second = 10, .burst = 1});
  advance(100ms);
  EXPECT_TRUE(slow.granted());
}

TEST_F(RateLimiterTest, ShutdownEndsEveryWait) {
  make(RateLimits{.max_concurrent = 1});
  Call& running = start();
  Call& b = start();
  Call& c = start();
  limiter_->cancel_all();
  settle();
  EXPECT_TRUE(b.failed_with(FailureClass::kCancelled));
  EXPECT_TRUE(c.failed_with(FailureClass::kCancelled));
  Call& d = start();
  limiter_.reset();  // destroying the limiter ends the waits the same way
  settle();
  EXPECT_TRUE(d.failed_with(FailureClass::kCancelled));
  running.release();  // a permit outliving its limiter is harmless
}

TEST(RateLimits, AreReadFromTheInstanceSection) {
  auto limits = rate_limits_from({{"requests_per_second", 2.5}, {"burst", 4}, {"max_concurrent", 3}}, "x");
  ASSERT_TRUE(limits.ok());
  EXPECT_EQ(*limits, (RateLimits{2.5, 4, 3}));
  auto absent = rate_limits_from(nlohmann::json::object(), "x");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->unlimited());
  EXPECT_EQ(rate_limits_from({{"burst", 0}}, "x")->burst, 1);
  for (const nlohmann::json& bad :
       {nlohmann::json{{"requests_per_second", -1}}, nlohmann::json{{"max_concurrent", -2}},
        nlohmann::json{{"burst", "many"}}}) {
    auto read = rate_limits_from(bad, "my_openai");
    ASSERT_FALSE(read.ok()) << bad.dump();
    EXPECT_EQ(read.error().code, "bad_config");
    EXPECT_NE(read.error().message.find("image_providers.my_openai"), std::string::npos);
  }
}

}  // namespace
}  // namespace picbot::image
