#include "plugins/gemini_pic_gen/job_queue.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace picbot::gemini {
namespace {
namespace asio = boost::asio;

TEST(JobQueue, OneJobPerUser) {
  asio::io_context io;
  JobQueue queue(io.get_executor(), 8);
  auto first = queue.try_enter(1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->initial_position(), 0u);
  EXPECT_FALSE(queue.try_enter(1)) << "a second job for the same user is refused";
  EXPECT_TRUE(queue.try_enter(2));
  first.reset();
  EXPECT_TRUE(queue.try_enter(1)) << "the user may draw again once the job is done";
}

TEST(JobQueue, CapacityQueuesInOrderWithPositions) {
  asio::io_context io;
  JobQueue queue(io.get_executor(), 2);
  std::vector<std::optional<JobQueue::Ticket>> tickets;
  for (int user = 1; user <= 5; ++user) tickets.push_back(queue.try_enter(user));
  EXPECT_EQ(tickets[0]->initial_position(), 0u);
  EXPECT_EQ(tickets[1]->initial_position(), 0u);
  EXPECT_EQ(tickets[2]->initial_position(), 1u);
  EXPECT_EQ(tickets[4]->initial_position(), 3u);
  EXPECT_EQ(queue.running(), 2u);
  EXPECT_EQ(queue.waiting(), 3u);

  std::vector<int> started;
  for (int i = 2; i < 5; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          co_await queue.wait_turn(*tickets[i]);
          started.push_back(i + 1);
        },
        asio::detached);
  }
  io.poll();
  EXPECT_TRUE(started.empty());
  tickets[0].reset();
  io.poll();
  EXPECT_EQ(started, (std::vector<int>{3}));
  tickets[3].reset();  // a waiting job gives up: it must not block the next one
  tickets[1].reset();
  io.poll();
  EXPECT_EQ(started, (std::vector<int>{3, 5}));
  EXPECT_EQ(queue.running(), 2u);
  EXPECT_EQ(queue.waiting(), 0u);
}

}  // namespace
}  // namespace picbot::gemini
