#include "bot/core/log_throttle.h"

#include <algorithm>

namespace picbot {

LogThrottle::LogThrottle(const Clock& clock, Options options) : clock_(clock), options_(options) {}

bool LogThrottle::expired(const Entry& entry, Clock::time_point now) const {
  return now - entry.window_start >= options_.window || now < entry.window_start;
}

void LogThrottle::make_room(Clock::time_point now) {
  std::erase_if(entries_, [&](const auto& item) { return expired(item.second, now); });
  if (entries_.size() < options_.max_keys || entries_.empty()) return;
  const auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
    return a.second.window_start < b.second.window_start;
  });
  entries_.erase(oldest);
}

LogThrottle::Verdict LogThrottle::admit(std::string_view key) {
  const auto now = clock_.now();
  Verdict verdict;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_keys) make_room(now);
    it = entries_.emplace(std::string(key), Entry{now}).first;
  } else if (expired(it->second, now)) {
    verdict.suppressed = it->second.suppressed;
    it->second = Entry{now};
  }
  Entry& entry = it->second;
  ++entry.events;
  verdict.log = entry.events <= options_.burst;
  if (!verdict.log) ++entry.suppressed;
  return verdict;
}

}  // namespace picbot
