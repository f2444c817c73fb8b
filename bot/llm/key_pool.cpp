#include "bot/llm/key_pool.h"

#include <algorithm>

#include "bot/core/secret.h"

namespace picbot::llm {

std::string_view key_status_name(KeyState::Status status) {
  switch (status) {
    case KeyState::Status::kActive:
      return "active";
    case KeyState::Status::kCoolingDown:
      return "cooling_down";
    case KeyState::Status::kDisabled:
      return "disabled";
  }
  return "unknown";
}

KeyPool::KeyPool(std::vector<std::string> keys, KeyPoolOptions options)
    : options_(options), entries_(make_entries(std::move(keys))) {}

std::vector<KeyPool::Entry> KeyPool::make_entries(std::vector<std::string> keys) {
  std::vector<Entry> entries;
  for (auto& key : keys) {
    if (key.empty()) continue;
    const bool duplicate =
        std::any_of(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
    if (duplicate) continue;
    Entry entry;
    entry.key = std::move(key);
    entries.push_back(std::move(entry));
  }
  return entries;
}

bool KeyPool::usable(const Entry& entry, Clock::time_point now) {
  switch (entry.status) {
    case KeyState::Status::kActive:
      return true;
    case KeyState::Status::kCoolingDown:
      return entry.available_at <= now;
    case KeyState::Status::kDisabled:
      return false;
  }
  return false;
}

std::optional<KeySlot> KeyPool::next(Clock::time_point now, const std::vector<std::size_t>& exclude) {
  std::lock_guard lock(mutex_);
  const std::size_t n = entries_.size();
  for (std::size_t step = 0; step < n; ++step) {
    const std::size_t index = (cursor_ + step) % n;
    if (std::find(exclude.begin(), exclude.end(), index) != exclude.end()) continue;
    if (!usable(entries_[index], now)) continue;
    cursor_ = (index + 1) % n;
    return KeySlot{index, entries_[index].key, generation_};
  }
  return std::nullopt;
}

void KeyPool::report(const KeySlot& slot, const KeyOutcome& outcome, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  using Kind = KeyOutcome::Kind;
  if (slot.generation != generation_) {
    // The list was replaced while the call ran: the call still counts.
    const auto same =
        std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == slot.key; });
    if (same == entries_.end()) return;
    if (outcome.kind == Kind::kSuccess)
      ++same->successes;
    else
      ++same->failures;
    return;
  }
  if (slot.index >= entries_.size()) return;
  Entry& entry = entries_[slot.index];
  if (outcome.kind == Kind::kSuccess) {
    ++entry.successes;
    if (entry.status == KeyState::Status::kCoolingDown) {
      entry.status = KeyState::Status::kActive;
      entry.reason.clear();
      entry.cause = Kind::kSuccess;
    }
    return;
  }
  ++entry.failures;
  switch (outcome.kind) {
    case Kind::kInvalid:
      entry.status = KeyState::Status::kDisabled;
      entry.reason = outcome.reason;
      entry.cause = outcome.kind;
      break;
    case Kind::kNoCredits:
    case Kind::kRateLimited: {
      const auto cooldown = outcome.kind == Kind::kNoCredits
                                ? options_.no_credits_cooldown
                                : outcome.retry_after.value_or(options_.rate_limit_cooldown);
      // A disabled key stays disabled; a longer cooldown already running is kept.
      if (entry.status == KeyState::Status::kDisabled) break;
      const auto until = now + cooldown;
      if (entry.status != KeyState::Status::kCoolingDown || entry.available_at < until) {
        entry.available_at = until;
        entry.reason = outcome.reason;
        entry.cause = outcome.kind;
      }
      entry.status = KeyState::Status::kCoolingDown;
      break;
    }
    case Kind::kNeutral:
    case Kind::kSuccess:
      break;
  }
}

std::vector<KeyState> KeyPool::snapshot(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  std::vector<KeyState> states;
  states.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& entry = entries_[i];
    KeyState state;
    state.index = i;
    state.masked_key = mask_secret(entry.key);
    state.successes = entry.successes;
    state.failures = entry.failures;
    const bool cooling = entry.status == KeyState::Status::kCoolingDown && entry.available_at > now;
    if (entry.status == KeyState::Status::kDisabled || cooling) {
      state.status = entry.status;
      state.reason = entry.reason;
      state.cause = entry.cause;
      if (cooling) state.available_at = entry.available_at;
    }
    states.push_back(std::move(state));
  }
  return states;
}

void KeyPool::replace_keys(std::vector<std::string> keys) {
  std::vector<Entry> entries = make_entries(std::move(keys));
  std::lock_guard lock(mutex_);
  for (Entry& entry : entries) {
    const auto old =
        std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == entry.key; });
    if (old == entries_.end()) continue;
    entry.successes = old->successes;
    entry.failures = old->failures;
  }
  const bool unchanged = std::equal(entries.begin(), entries.end(), entries_.begin(), entries_.end(),
                                    [](const Entry& a, const Entry& b) { return a.key == b.key; });
  if (!unchanged) cursor_ = 0;
  entries_ = std::move(entries);
  ++generation_;
}

bool KeyPool::enable(std::size_t index, std::string_view masked_key) {
  std::lock_guard lock(mutex_);
  if (index >= entries_.size() || mask_secret(entries_[index].key) != masked_key) return false;
  Entry& entry = entries_[index];
  entry.status = KeyState::Status::kActive;
  entry.available_at = {};
  entry.reason.clear();
  entry.cause = KeyOutcome::Kind::kSuccess;
  return true;
}

std::size_t KeyPool::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace picbot::llm
