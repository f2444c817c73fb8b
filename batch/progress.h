// Progress: how a batch run reports itself.
//   kTerminal  one live line, rewritten in place (done / failed / running /
//              queued, images per minute, ETA, the current retry waits)
//   kLines     the same line, at most once every 10 s (a log file, a pipe)
//   kJson      one JSON object per event, for other programs; no progress line
// Time comes from the injected clock. Thread-safety: io_context thread only.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "bot/core/clock.h"

namespace picbot::batch {

struct ProgressState {
  std::size_t done = 0;
  std::size_t failed = 0;
  std::size_t running = 0;
  std::size_t queued = 0;
  double images_per_minute = 0;
  std::vector<std::chrono::milliseconds> waits;  // remaining retry waits of waiting images
};

class Progress {
 public:
  enum class Mode { kTerminal, kLines, kJson };
  static constexpr std::chrono::seconds kLineInterval{10};

  // out must outlive this.
  Progress(Mode mode, std::ostream& out, const Clock& clock, std::string language);

  Mode mode() const { return mode_; }
  // kJson: writes event with "event": name and "time_ms" added, one line. Others: nothing.
  void event(std::string_view name, nlohmann::json fields);
  // kTerminal: rewrites the line. kLines: writes it when kLineInterval has
  // passed since the last one (or force). kJson: a "progress" event, at the
  // same pace as kLines.
  void update(const ProgressState& state, bool force = false);
  // Ends the live line (kTerminal).
  void finish();
  // Prints a whole line above the live one (messages, the summary); in kJson
  // mode nothing (the events say it).
  void say(const std::string& text);

  // The progress line of state, without a line end.
  std::string line(const ProgressState& state) const;

 private:
  Mode mode_;
  std::ostream& out_;
  const Clock& clock_;
  std::string language_;
  bool written_ = false;  // a line was written (kLines, kJson)
  Clock::time_point last_line_{};
  std::size_t live_width_ = 0;  // kTerminal: the live line's length
};

}  // namespace picbot::batch
