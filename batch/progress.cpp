#include "batch/progress.h"

#include "bot/core/duration_text.h"
#include "bot/core/message_table.h"
#include "bot/core/millis.h"

namespace picbot::batch {

Progress::Progress(Mode mode, std::ostream& out, const Clock& clock, std::string language)
    : mode_(mode), out_(out), clock_(clock), language_(std::move(language)) {}

void Progress::event(std::string_view name, nlohmann::json fields) {
  if (mode_ != Mode::kJson) return;
  fields["event"] = name;
  fields["time_ms"] = to_epoch_ms(clock_.now());
  out_ << fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

std::string Progress::line(const ProgressState& state) const {
  std::string eta = "-";
  if (state.images_per_minute > 0 && state.queued + state.running > 0) {
    const double minutes = static_cast<double>(state.queued + state.running) / state.images_per_minute;
    eta = format_duration(language_, std::chrono::milliseconds(static_cast<long long>(minutes * 60'000)));
  }
  std::string waits;
  if (!state.waits.empty()) {
    std::string list;
    for (std::size_t i = 0; i < state.waits.size() && i < 3; ++i) {
      if (!list.empty()) list += ", ";
      list += format_duration(language_, state.waits[i]);
    }
    if (state.waits.size() > 3) list += ", …";
    waits = tr(language_, "batch.progress_waits", fmt::arg("waits", list));
  }
  return tr(language_, "batch.progress", fmt::arg("done", state.done), fmt::arg("failed", state.failed),
            fmt::arg("running", state.running), fmt::arg("queued", state.queued),
            fmt::arg("rate", state.images_per_minute), fmt::arg("eta", eta), fmt::arg("waits", waits));
}

void Progress::update(const ProgressState& state, bool force) {
  if (mode_ == Mode::kTerminal) {
    const std::string text = line(state);
    out_ << "\r" << text;
    if (text.size() < live_width_) out_ << std::string(live_width_ - text.size(), ' ');
    out_ << std::flush;
    live_width_ = text.size();
    return;
  }
  const auto now = clock_.now();
  if (!force && written_ && now - last_line_ < kLineInterval) return;
  written_ = true;
  last_line_ = now;
  if (mode_ == Mode::kJson) {
    event("progress", {{"done", state.done},
                       {"failed", state.failed},
                       {"running", state.running},
                       {"queued", state.queued},
                       {"images_per_minute", state.images_per_minute}});
    return;
  }
  out_ << line(state) << "\n" << std::flush;
}

void Progress::finish() {
  if (mode_ == Mode::kTerminal && live_width_ > 0) {
    out_ << "\n" << std::flush;
    live_width_ = 0;
  }
}

void Progress::say(const std::string& text) {
  if (mode_ == Mode::kJson) return;
  if (mode_ == Mode::kTerminal && live_width_ > 0) {
    out_ << "\r" << std::string(live_width_, ' ') << "\r";
    live_width_ = 0;
  }
  out_ << text << "\n" << std::flush;
}

}  // namespace picbot::batch
