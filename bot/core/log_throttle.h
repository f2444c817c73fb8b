// LogThrottle: decides which of many repeated log lines get written, per key
// (a peer's address, a listener), so a flood from outside cannot rotate the
// log files away. Within a key's window (which starts at its first event) the
// first `burst` events are logged and the rest only counted; the key's first
// event after the window has ended reports that count, for a summary line
// ("N more refused from X in the last minute") before its own line.
//
// Memory: at most Options::max_keys keys. A new key beyond that first drops
// the keys whose window has ended, then the key with the oldest window (its
// uncounted events are forgotten). Time comes from the injected Clock; a
// clock set back starts a new window.
// Thread-safety: none; use one throttle per thread (io_context thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bot/core/clock.h"

namespace picbot {

class LogThrottle {
 public:
  struct Options {
    std::size_t burst = 5;  // lines per key and window
    std::chrono::seconds window{60};
    std::size_t max_keys = 1024;
  };

  struct Verdict {
    bool log = false;              // write this event's line
    std::uint64_t suppressed = 0;  // events of this key not logged in its last window (report first)
  };

  // REQUIRES: clock outlives the throttle.
  LogThrottle(const Clock& clock, Options options);

  // Counts one event of `key` and says what to log for it.
  Verdict admit(std::string_view key);

  std::size_t keys() const { return entries_.size(); }
  const Options& options() const { return options_; }

 private:
  struct Entry {
    Clock::time_point window_start;
    std::uint64_t events = 0;      // in the current window
    std::uint64_t suppressed = 0;  // in the current window
  };

  bool expired(const Entry& entry, Clock::time_point now) const;
  void make_room(Clock::time_point now);

  const Clock& clock_;
  Options options_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace picbot
