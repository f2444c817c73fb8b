// Milliseconds, the unit picbot keeps time in: a Clock::time_point as
// milliseconds since the Unix epoch (SQLite columns, JSON), and a number of
// seconds from the config as a duration.
#pragma once

#include <chrono>
#include <cstdint>

#include "bot/core/clock.h"

namespace picbot {

// t as whole milliseconds since 1970-01-01 UTC (truncated toward zero).
inline std::int64_t to_epoch_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The time point ms milliseconds after 1970-01-01 UTC; the inverse of to_epoch_ms.
inline Clock::time_point from_epoch_ms(std::int64_t ms) {
  return Clock::time_point(std::chrono::milliseconds(ms));
}

// seconds (from a config value) in whole milliseconds, truncated toward zero.
inline std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

}  // namespace picbot
