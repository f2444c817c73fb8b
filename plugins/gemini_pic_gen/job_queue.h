// JobQueue: admission for long jobs. Each key (a user id, or an id unique
// per job) has at most one job, queued or running; at most `capacity` jobs
// run at once and the rest wait in FIFO order. A Ticket holds a place; destroying it frees the place
// and lets the next job run.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <unordered_set>

namespace picbot::gemini {

class JobQueue {
 public:
  class Ticket {
   public:
    Ticket(Ticket&&) noexcept;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();
    // 0 when the job could start at once, else its 1-based place in the queue
    // at the moment it entered.
    std::size_t initial_position() const { return initial_position_; }

   private:
    friend class JobQueue;
    struct Waiter;
    Ticket(JobQueue* queue, std::int64_t key, std::shared_ptr<Waiter> waiter, std::size_t position);
    JobQueue* queue_;
    std::int64_t key_;
    std::shared_ptr<Waiter> waiter_;
    std::size_t initial_position_;
  };

  JobQueue(boost::asio::any_io_executor executor, std::size_t capacity);

  // A place for key, or nullopt when that key already has a job.
  std::optional<Ticket> try_enter(std::int64_t key);

  // Completes when the ticket's job may run (at once if it already may). If
  // the ticket is destroyed while its job waits, it never completes; the
  // coroutine stays suspended until the io_context goes away.
  boost::asio::awaitable<void> wait_turn(Ticket& ticket);

  // Takes effect as running jobs finish.
  void set_capacity(std::size_t capacity);
  std::size_t running() const { return running_; }
  std::size_t waiting() const { return waiting_.size(); }

 private:
  void leave(Ticket& ticket);
  void admit_waiting();

  boost::asio::any_io_executor executor_;
  std::size_t capacity_;
  std::size_t running_ = 0;
  std::list<std::shared_ptr<Ticket::Waiter>> waiting_;
  std::unordered_set<std::int64_t> keys_;
};

}  // namespace picbot::gemini
