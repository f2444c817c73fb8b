// KeyPool: the API keys of one provider, handed out round-robin, with the
// state each key earned from the provider's answers (cooling down after 402 or
// 429, disabled after 401/403 until the keys are replaced on config reload or
// the operator re-enables the key).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"

namespace picbot::llm {

// One key handed out by KeyPool::next(). generation identifies the key list it
// came from, so a report that arrives after replace_keys() is ignored.
struct KeySlot {
  std::size_t index = 0;
  std::string key;
  std::uint64_t generation = 0;
};

// What an attempt with a key taught us about that key.
struct KeyOutcome {
  enum class Kind {
    kSuccess,      // the key works: a cooldown it had is over
    kInvalid,      // 401/403: disabled until replace_keys() or enable()
    kNoCredits,    // 402: cools down for no_credits_cooldown
    kRateLimited,  // 429: cools down for retry_after, or rate_limit_cooldown
    kNeutral,      // a failure that says nothing about the key (5xx, timeouts, bad requests)
  };
  Kind kind = Kind::kNeutral;
  std::optional<std::chrono::seconds> retry_after;
  std::string reason;  // shown on the status page; must not contain secrets

  static KeyOutcome success() { return {Kind::kSuccess, std::nullopt, {}}; }
};

// A key as the status page shows it.
struct KeyState {
  enum class Status { kActive, kCoolingDown, kDisabled };
  std::size_t index = 0;
  std::string masked_key;  // mask_secret(key)
  Status status = Status::kActive;
  std::optional<Clock::time_point> available_at;        // kCoolingDown only
  std::string reason;                                   // why it is not active ("" when active)
  KeyOutcome::Kind cause = KeyOutcome::Kind::kSuccess;  // the outcome that put it in this state
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
};

std::string_view key_status_name(KeyState::Status status);  // "active", "cooling_down", "disabled"

struct KeyPoolOptions {
  std::chrono::seconds no_credits_cooldown{3600};
  std::chrono::seconds rate_limit_cooldown{30};  // 429 without a usable Retry-After
};

// Thread-safe: every method takes an internal lock.
class KeyPool {
 public:
  explicit KeyPool(std::vector<std::string> keys = {}, KeyPoolOptions options = {});

  // Returns the next usable key in round-robin order, starting after the key
  // handed out last (across calls), skipping disabled keys, keys still cooling
  // down at now, and indices in exclude. nullopt when no key qualifies.
  std::optional<KeySlot> next(Clock::time_point now, const std::vector<std::size_t>& exclude = {});

  // Records what an attempt with slot taught us. When slot comes from an
  // older key list, only the counters of the same key (if still configured)
  // count it; its state is left alone.
  void report(const KeySlot& slot, const KeyOutcome& outcome, Clock::time_point now);

  // Every key with its state at now, in configuration order, keys masked.
  std::vector<KeyState> snapshot(Clock::time_point now) const;

  // Installs a new key list (config reload): every key becomes active again,
  // a key that was configured before keeps its success and failure counters
  // (so they agree with the totals across a save), the round-robin position
  // restarts at the first key unless the list is unchanged. Empty and
  // duplicate keys are dropped.
  void replace_keys(std::vector<std::string> keys);

  // The operator's "re-enable": the key at index becomes active again (a
  // cooldown ends too). masked_key must be that key's mask_secret(), so a
  // page showing an older list cannot re-enable the wrong key. Returns false
  // when no key matches.
  bool enable(std::size_t index, std::string_view masked_key);

  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    KeyState::Status status = KeyState::Status::kActive;
    Clock::time_point available_at{};
    std::string reason;
    KeyOutcome::Kind cause = KeyOutcome::Kind::kSuccess;
    std::uint64_t successes = 0;
    std::uint64_t failures = 0;
  };

  static std::vector<Entry> make_entries(std::vector<std::string> keys);
  static bool usable(const Entry& entry, Clock::time_point now);

  const KeyPoolOptions options_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;    // guarded by mutex_
  std::size_t cursor_ = 0;        // guarded by mutex_: where the next search starts
  std::uint64_t generation_ = 0;  // guarded by mutex_
};

}  // namespace picbot::llm
