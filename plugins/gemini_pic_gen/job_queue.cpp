#include "plugins/gemini_pic_gen/job_queue.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace picbot::gemini {
namespace asio = boost::asio;

struct JobQueue::Ticket::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : wake(executor) {
    wake.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer wake;
  bool admitted = false;
};

JobQueue::Ticket::Ticket(JobQueue* queue, std::int64_t key, std::shared_ptr<Waiter> waiter,
                         std::size_t position)
    : queue_(queue), key_(key), waiter_(std::move(waiter)), initial_position_(position) {}

JobQueue::Ticket::Ticket(Ticket&& other) noexcept
    : queue_(std::exchange(other.queue_, nullptr)),
      key_(other.key_),
      waiter_(std::move(other.waiter_)),
      initial_position_(other.initial_position_) {}

JobQueue::Ticket::~Ticket() {
  if (queue_ != nullptr) queue_->leave(*this);
}

JobQueue::JobQueue(asio::any_io_executor executor, std::size_t capacity)
    : executor_(std::move(executor)), capacity_(std::max<std::size_t>(capacity, 1)) {}

std::optional<JobQueue::Ticket> JobQueue::try_enter(std::int64_t key) {
  if (!keys_.insert(key).second) return std::nullopt;
  auto waiter = std::make_shared<Ticket::Waiter>(executor_);
  if (running_ < capacity_ && waiting_.empty()) {
    ++running_;
    waiter->admitted = true;
    return Ticket(this, key, std::move(waiter), 0);
  }
  waiting_.push_back(waiter);
  return Ticket(this, key, std::move(waiter), waiting_.size());
}

asio::awaitable<void> JobQueue::wait_turn(Ticket& ticket) {
  // Only the waiter is used after a suspension: the ticket may be destroyed
  // meanwhile (its job gave up), which ASan caught as a use after free.
  const std::shared_ptr<Ticket::Waiter> waiter = ticket.waiter_;
  while (!waiter->admitted) {
    co_await waiter->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void JobQueue::set_capacity(std::size_t capacity) {
  capacity_ = std::max<std::size_t>(capacity, 1);
  admit_waiting();
}

void JobQueue::leave(Ticket& ticket) {
  keys_.erase(ticket.key_);
  if (ticket.waiter_->admitted) {
    --running_;
  } else {
    waiting_.remove(ticket.waiter_);
  }
  admit_waiting();
}

void JobQueue::admit_waiting() {
  while (running_ < capacity_ && !waiting_.empty()) {
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    ++running_;
    next->admitted = true;
    next->wake.cancel();
  }
}

}  // namespace picbot::gemini
