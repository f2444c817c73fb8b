#include "image/task_poller.h"

#include <algorithm>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/post.hpp>

namespace picbot::image {

std::chrono::milliseconds poll_interval(int poll, std::chrono::milliseconds cap) {
  std::chrono::milliseconds interval{1000};
  for (int i = 0; i < poll && interval < cap; ++i) interval *= 2;
  return std::max(std::chrono::milliseconds(1), std::min(interval, cap));
}

TaskPoller::TaskPoller(boost::asio::any_io_executor executor, const Clock& clock)
    : executor_(std::move(executor)), clock_(clock), timer_(executor_) {}

TaskPoller::~TaskPoller() { shutdown(); }

void TaskPoller::add(Handler handler, Clock::time_point due) {
  if (shut_down_) {
    complete(std::move(handler), Wake::kShutdown);
    return;
  }
  const Key key{due, next_sequence_++};
  auto slot = boost::asio::get_associated_cancellation_slot(handler);
  waiting_.emplace(key, std::move(handler));
  if (slot.is_connected()) {
    slot.assign([this, key](boost::asio::cancellation_type) { cancel(key); });
  }
  if (due <= clock_.now()) {
    wake_due();
  } else if (!armed_for_ || due < *armed_for_) {
    arm();
  }
}

void TaskPoller::cancel(const Key& key) {
  const auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  Handler handler = std::move(it->second);
  waiting_.erase(it);
  // Called from the slot's own handler: the slot is left as it is.
  boost::asio::post(executor_,
                    [handler = std::move(handler)]() mutable { std::move(handler)(Wake::kCancelled); });
  arm();
}

void TaskPoller::complete(Handler handler, Wake wake) {
  // The handler's slot still points at this wait: clear it so a later
  // cancellation of the coroutine finds nothing here.
  auto slot = boost::asio::get_associated_cancellation_slot(handler);
  if (slot.is_connected()) slot.clear();
  boost::asio::post(executor_, [handler = std::move(handler), wake]() mutable { std::move(handler)(wake); });
}

void TaskPoller::shutdown() {
  shut_down_ = true;
  armed_for_.reset();
  timer_.cancel();
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [key, handler] : waiting) complete(std::move(handler), Wake::kShutdown);
}

void TaskPoller::recheck() {
  if (!shut_down_) wake_due();
}

std::optional<Clock::time_point> TaskPoller::next_due() const {
  if (waiting_.empty()) return std::nullopt;
  return waiting_.begin()->first.first;
}

void TaskPoller::wake_due() {
  const auto now = clock_.now();
  while (!waiting_.empty() && waiting_.begin()->first.first <= now) {
    Handler handler = std::move(waiting_.begin()->second);
    waiting_.erase(waiting_.begin());
    complete(std::move(handler), Wake::kDue);
  }
  arm();
}

void TaskPoller::arm() {
  if (waiting_.empty()) {
    armed_for_.reset();
    timer_.cancel();
    return;
  }
  const Clock::time_point due = waiting_.begin()->first.first;
  if (armed_for_ && *armed_for_ == due) return;
  armed_for_ = due;
  timer_.expires_after(std::max(Clock::time_point::duration::zero(), due - clock_.now()));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    // Aborted: re-armed or shut down (this may be gone); nothing to do.
    if (ec) return;
    armed_for_.reset();
    wake_due();
  });
}

}  // namespace picbot::image
