// ThrottledLog: a logger front for lines an outside peer can trigger at will
// (refused connections, malformed requests). Each peer key gets a LogThrottle
// budget; lines beyond it are dropped and later summarised as
// "<N> more <what> from <key> in the last minute (not logged)".
// Thread-safety: as LogThrottle (one thread).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "bot/core/log_throttle.h"

namespace picbot {

class ThrottledLog {
 public:
  // `what` names the events in the summary line ("refused upgrades").
  // REQUIRES: clock outlives this.
  ThrottledLog(std::shared_ptr<spdlog::logger> logger, std::string what, const Clock& clock,
               LogThrottle::Options options = {})
      : logger_(std::move(logger)), what_(std::move(what)), throttle_(clock, options) {}

  // Logs the line at `level` unless `key` has used its budget.
  template <class... Args>
  void log(spdlog::level::level_enum level, std::string_view key, fmt::format_string<Args...> format,
           Args&&... args) {
    const auto verdict = throttle_.admit(key);
    if (verdict.suppressed > 0) {
      logger_->log(level, "{} more {} from {} in the last minute (not logged)", verdict.suppressed, what_,
                   key);
    }
    if (verdict.log) logger_->log(level, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void warn(std::string_view key, fmt::format_string<Args...> format, Args&&... args) {
    log(spdlog::level::warn, key, format, std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::string what_;
  LogThrottle throttle_;
};

}  // namespace picbot
