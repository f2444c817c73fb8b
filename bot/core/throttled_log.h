// ThrottledLog: a logger front for lines an outside peer can trigger at will
// (refused connections, malformed requests). Each peer key gets a LogThrottle
// budget; lines beyond it are dropped and later summarised as
// "<N> more <what> from <key> in the last minute (not logged)", in the log
// language (log_language.h).
// Thread-safety: as LogThrottle (one thread).
#pragma once

#include <spdlog/spdlog.h>

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "bot/core/log_language.h"
#include "bot/core/log_throttle.h"

namespace picbot {

class ThrottledLog {
 public:
  // `what_key` is the message-table key of the events' name in the summary
  // line ("log.what_refused_connections"); the summary is in the log
  // language. REQUIRES: clock outlives this.
  ThrottledLog(std::shared_ptr<spdlog::logger> logger, std::string what_key, const Clock& clock,
               LogThrottle::Options options = {})
      : logger_(std::move(logger)), what_key_(std::move(what_key)), throttle_(clock, options) {}

  // Logs make_line() at `level` unless `key` has used its budget; make_line
  // runs only for a line that is written.
  template <std::invocable MakeLine>
  void log(spdlog::level::level_enum level, std::string_view key, MakeLine&& make_line) {
    const auto verdict = throttle_.admit(key);
    if (verdict.suppressed > 0) {
      logger_->log(level, "{}",
                   picbot::log::text("log.not_logged", fmt::arg("count", verdict.suppressed),
                                     fmt::arg("what", picbot::log::text(what_key_)), fmt::arg("key", key)));
    }
    if (verdict.log) logger_->log(level, "{}", make_line());
  }

  template <std::invocable MakeLine>
  void warn(std::string_view key, MakeLine&& make_line) {
    log(spdlog::level::warn, key, std::forward<MakeLine>(make_line));
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::string what_key_;
  LogThrottle throttle_;
};

}  // namespace picbot
