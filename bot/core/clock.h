// Clock: the source of wall time for logic that depends on it (quota windows,
// image expiry), so tests can move time without waiting.
#pragma once

#include <chrono>

namespace picbot {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;

  // The process-wide real clock. Thread-safe.
  static const Clock& system();
};

// ManualClock: a clock tests set and advance by hand. Not thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start = time_point{std::chrono::hours(24 * 365 * 55)}) : now_(start) {}
  time_point now() const override { return now_; }
  void set(time_point t) { now_ = t; }
  void advance(std::chrono::system_clock::duration d) { now_ += d; }

 private:
  time_point now_;
};

}  // namespace picbot
