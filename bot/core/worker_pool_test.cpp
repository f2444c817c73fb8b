// WorkerPool: jobs really run on the pool's threads (the loop keeps turning
// while one is blocked), Serial jobs never overlap and keep their order, and
// errors come back to the caller.
#include "bot/core/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/run_coroutine.h"

namespace picbot {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using testing::run_coroutine;

TEST(WorkerPoolTest, RunsOnAWorkerThreadAndResumesOnTheLoop) {
  asio::io_context io;
  WorkerPool pool(1);
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id job_thread, resumed_thread;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    job_thread = co_await pool.run([] { return std::this_thread::get_id(); });
    resumed_thread = std::this_thread::get_id();
  }());
  EXPECT_NE(job_thread, loop_thread);
  EXPECT_EQ(resumed_thread, loop_thread);
}

TEST(WorkerPoolTest, TheLoopKeepsRunningWhileAJobBlocks) {
  asio::io_context io;
  WorkerPool pool(1);
  bool released_in_time = false;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    // The job waits for a handler it posts to the loop: were the job on the
    // loop, that handler could not run and the wait would time out.
    released_in_time = co_await pool.run([&] {
      std::promise<void> release;
      asio::post(io, [&] { release.set_value(); });
      return release.get_future().wait_for(10s) == std::future_status::ready;
    });
  }());
  EXPECT_TRUE(released_in_time);
}

TEST(WorkerPoolTest, SerialJobsNeverOverlapAndKeepTheirOrder) {
  asio::io_context io;
  WorkerPool pool(4);
  auto serial = pool.make_serial();
  std::atomic<int> active{0};
  std::atomic<int> most_active{0};
  std::vector<int> order;  // written by one job at a time
  constexpr int kJobs = 40;
  for (int i = 0; i < kJobs; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          co_await pool.run(serial, [&, i] {
            const int now = ++active;
            most_active = std::max(most_active.load(), now);
            std::this_thread::yield();  // give an overlapping job a chance to show
            order.push_back(i);
            --active;
          });
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(most_active.load(), 1);
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kJobs));
  for (int i = 0; i < kJobs; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkerPoolTest, AHeldSerialJobDoesNotHoldUpOtherWork) {
  asio::io_context io;
  WorkerPool pool(2);
  auto serial = pool.make_serial();
  std::promise<void> release;
  bool serial_done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto released = release.get_future();
        serial_done =
            co_await pool.run(serial, [&] { return released.wait_for(10s) == std::future_status::ready; });
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await pool.run([] {});
        release.set_value();  // on the loop, after the other job ran
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(serial_done);
}

TEST(WorkerPoolTest, AnExceptionReachesTheCaller) {
  asio::io_context io;
  WorkerPool pool(1);
  EXPECT_THROW(run_coroutine(io,
                             [&]() -> asio::awaitable<void> {
                               co_await pool.run([]() -> int { throw std::runtime_error("disk on fire"); });
                             }()),
               std::runtime_error);
}

// The shutdown order of picbot's App: the pool is joined and destroyed while
// the loop still holds coroutines. One that asks for a worker after the stop
// is told so at once; were its request queued on the joined pool, the
// coroutine would sit in the pool's queue and be destroyed through the loop
// after the pool (a use-after-free under ASan).
TEST(WorkerPoolTest, AfterStopRunFailsInTheCallerInsteadOfQueueing) {
  asio::io_context io;
  bool aborted = false;
  {
    WorkerPool pool(1);
    auto serial = pool.make_serial();
    pool.stop();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          try {
            co_await pool.run(serial, [] {});
          } catch (const boost::system::system_error& e) {
            aborted = e.code() == asio::error::operation_aborted;
          }
        },
        asio::detached);
    io.poll();
  }
  EXPECT_TRUE(aborted);
}

}  // namespace
}  // namespace picbot
