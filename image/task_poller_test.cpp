#include "image/task_poller.h"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <vector>

namespace picbot::image {
namespace {

using namespace std::chrono_literals;
using Wake = TaskPoller::Wake;

class TaskPollerTest : public ::testing::Test {
 protected:
  // Starts a wait until now + after; its outcome lands in the returned slot.
  std::optional<Wake>& wait(std::chrono::system_clock::duration after,
                            boost::asio::cancellation_slot slot = {}) {
    outcomes_.push_back(std::make_unique<std::optional<Wake>>());
    std::optional<Wake>& out = *outcomes_.back();
    const Clock::time_point due = clock_.now() + after;
    boost::asio::co_spawn(
        io_, [this, due, &out]() -> boost::asio::awaitable<void> { out = co_await poller_.wait_until(due); },
        boost::asio::bind_cancellation_slot(slot, boost::asio::detached));
    run_ready();
    return out;
  }
  void advance(std::chrono::system_clock::duration d) {
    clock_.advance(d);
    poller_.recheck();
    run_ready();
  }
  // Runs what is ready (io_ stops each time it runs out of work).
  void run_ready() {
    io_.restart();
    io_.poll();
  }

  ManualClock clock_;
  boost::asio::io_context io_;
  TaskPoller poller_{io_.get_executor(), clock_};
  std::vector<std::unique_ptr<std::optional<Wake>>> outcomes_;
};

TEST(PollInterval, GrowsFromOneSecondAndStopsAtTheCap) {
  std::vector<long long> seconds;
  for (int poll = 0; poll < 6; ++poll) seconds.push_back(poll_interval(poll, 5s).count() / 1000);
  EXPECT_EQ(seconds, (std::vector<long long>{1, 2, 4, 5, 5, 5}));
  EXPECT_EQ(poll_interval(0, 1s), 1s);
  EXPECT_EQ(poll_interval(3, 1s), 1s) << "poll_interval_seconds: 1 polls every second";
  EXPECT_EQ(poll_interval(9, 10s), 10s);
}

TEST_F(TaskPollerTest, WaitsEndInDueOrderAsTheClockMoves) {
  auto& third = wait(3s);
  auto& first = wait(1s);
  auto& second = wait(2s);
  EXPECT_EQ(poller_.waiting(), 3u);
  EXPECT_EQ(poller_.next_due(), clock_.now() + 1s);
  advance(999ms);
  EXPECT_FALSE(first);
  advance(1ms);
  EXPECT_EQ(first, Wake::kDue);
  EXPECT_FALSE(second);
  advance(2s);
  EXPECT_EQ(second, Wake::kDue);
  EXPECT_EQ(third, Wake::kDue);
  EXPECT_EQ(poller_.waiting(), 0u);
  EXPECT_FALSE(poller_.next_due());
}

TEST_F(TaskPollerTest, AWaitAlreadyDueEndsAtOnce) {
  auto& past = wait(-1s);
  auto& now = wait(0s);
  EXPECT_EQ(past, Wake::kDue);
  EXPECT_EQ(now, Wake::kDue);
}

TEST_F(TaskPollerTest, ACancelledWaitEndsAloneAndTheOthersStay) {
  boost::asio::cancellation_signal signal;
  auto& cancelled = wait(5s, signal.slot());
  auto& other = wait(5s);
  signal.emit(boost::asio::cancellation_type::terminal);
  run_ready();
  EXPECT_EQ(cancelled, Wake::kCancelled);
  EXPECT_FALSE(other);
  EXPECT_EQ(poller_.waiting(), 1u);
  signal.emit(boost::asio::cancellation_type::terminal);  // nothing left to cancel
  advance(5s);
  EXPECT_EQ(other, Wake::kDue);
}

TEST_F(TaskPollerTest, ShutdownEndsEveryWaitAndTheLaterOnes) {
  std::vector<std::optional<Wake>*> waits;
  for (int i = 0; i < 1000; ++i) waits.push_back(&wait(std::chrono::seconds(1 + i % 5)));
  EXPECT_EQ(poller_.waiting(), 1000u);
  poller_.shutdown();
  run_ready();
  for (auto* w : waits) ASSERT_EQ(*w, Wake::kShutdown);
  auto& later = wait(1s);
  EXPECT_EQ(later, Wake::kShutdown);
  EXPECT_EQ(poller_.waiting(), 0u);
}

TEST(TaskPollerTimer, TheTimerWakesAWaitOnTheRealClock) {
  boost::asio::io_context io;
  TaskPoller poller(io.get_executor(), Clock::system());
  std::optional<Wake> out;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        out = co_await poller.wait_until(Clock::system().now() + 20ms);
      },
      boost::asio::detached);
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!out && std::chrono::steady_clock::now() < give_up) io.run_one_for(100ms);
  EXPECT_EQ(out, Wake::kDue);
}

}  // namespace
}  // namespace picbot::image
