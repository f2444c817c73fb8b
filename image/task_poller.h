// TaskPoller: the one scheduler behind every asynchronous image task's polls
// (DashScope, ModelScope). Each task's loop awaits wait_until(); all waits
// share one steady_timer on the event loop, armed for the earliest due time,
// so a thousand tasks cost a thousand map entries, not a thousand threads or
// timers. Due times are read on the injected Clock: tests advance a
// ManualClock and call recheck() instead of sleeping.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "bot/core/clock.h"

namespace picbot::image {

// The wait before poll number `poll` (0-based) of a task: 1 s, 2 s, 4 s, ...
// doubling, never above cap (poll_interval_seconds) nor below 1 ms.
std::chrono::milliseconds poll_interval(int poll, std::chrono::milliseconds cap);

// Thread-safety: every member runs on the executor's thread only (the
// io_context's). clock must outlive the poller.
class TaskPoller {
 public:
  enum class Wake {
    kDue,        // the clock reached the due time
    kCancelled,  // the awaiting operation was cancelled (ImageRequest::cancel)
    kShutdown,   // shutdown() was called, or the poller was destroyed
  };

  TaskPoller(boost::asio::any_io_executor executor, const Clock& clock);
  // Ends every wait with kShutdown.
  ~TaskPoller();
  TaskPoller(const TaskPoller&) = delete;
  TaskPoller& operator=(const TaskPoller&) = delete;

  // Completes once clock.now() >= due (at once when it already is), with
  // kCancelled when the awaiting coroutine is cancelled first (any type that
  // reaches the operation), with kShutdown after shutdown(). Completions are
  // posted, never run inside the call that caused them.
  boost::asio::awaitable<Wake> wait_until(Clock::time_point due) {
    return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Wake)>(
        [this](auto handler, Clock::time_point at) { add(std::move(handler), at); },
        boost::asio::use_awaitable, due);
  }

  // Ends every wait with kShutdown; later waits end so at once. Idempotent.
  void shutdown();
  // Reads the clock again now and wakes what is due (after a clock jump; a
  // test's ManualClock::advance). The timer does the same when it fires.
  void recheck();

  std::size_t waiting() const { return waiting_.size(); }
  // The earliest due time of the waits, nullopt when none waits.
  std::optional<Clock::time_point> next_due() const;

 private:
  using Handler = boost::asio::any_completion_handler<void(Wake)>;
  using Key = std::pair<Clock::time_point, std::uint64_t>;  // due, arrival: FIFO among equals

  void add(Handler handler, Clock::time_point due);
  void cancel(const Key& key);
  // Posts the handler with wake, its cancellation slot cleared first.
  void complete(Handler handler, Wake wake);
  void wake_due();
  void arm();

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  boost::asio::steady_timer timer_;
  std::optional<Clock::time_point> armed_for_;
  std::map<Key, Handler> waiting_;
  std::uint64_t next_sequence_ = 0;
  bool shut_down_ = false;
};

}  // namespace picbot::image
