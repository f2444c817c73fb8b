// AcceptPacer: what an accept loop does after a failed accept. When the
// process runs out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM)
// the connection stays in the listen backlog and the next accept fails at
// once: without a pause the loop spins a core and floods the log. The pacer
// pauses such loops, from 10 ms doubling to 1 s while the failures go on, and
// logs at most one line per second, which counts the failures it did not log.
// Other failures (a peer that reset before the accept) are logged the same
// way and retried at once.
// Thread-safety: one pacer per accept loop, on its executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "bot/core/clock.h"
#include "bot/core/log_throttle.h"

namespace spdlog {
class logger;
}

namespace picbot::net {

class AcceptPacer {
 public:
  static constexpr std::chrono::milliseconds kFirstPause{10};
  static constexpr std::chrono::milliseconds kLongestPause{1000};

  // `listener` names the listener in log lines ("web.listen").
  // REQUIRES: clock outlives the pacer.
  AcceptPacer(std::string listener, std::shared_ptr<spdlog::logger> logger,
              const Clock& clock = Clock::system());

  // After a failed accept: logs (throttled) and, for resource exhaustion,
  // waits before the caller accepts again.
  boost::asio::awaitable<void> after_failure(const boost::system::error_code& ec);
  // After an accept that worked: the next pause starts short again.
  void after_success() { pause_ = kFirstPause; }

  // The pause the next resource failure gets.
  std::chrono::milliseconds next_pause() const { return pause_; }
  static bool is_resource_exhaustion(const boost::system::error_code& ec);

 private:
  std::string listener_;
  std::shared_ptr<spdlog::logger> logger_;
  LogThrottle throttle_;
  std::chrono::milliseconds pause_ = kFirstPause;
};

}  // namespace picbot::net
