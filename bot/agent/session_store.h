// SessionStore: each agent session's conversation (user and assistant turns)
// in SQLite, so it survives a restart. Content passes through
// strip_inline_images before it is written: no image data is ever stored.
// Thread-safety: every method takes an internal lock, so the store may be
// used from any WorkerPool thread. Methods block: never call them on the
// event loop thread.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "bot/agent/history.h"
#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/store/database.h"

namespace picbot::agent {

class SessionStore {
 public:
  // Opens (creating if needed) the database file and applies its schema.
  static Result<std::unique_ptr<SessionStore>> open(const std::filesystem::path& file, const Clock& clock);

  // The session's turns, oldest first, trimmed to limits.
  Result<std::vector<Turn>> load(std::string_view session, const HistoryLimits& limits);
  // Appends turns (in one transaction) and deletes what falls outside limits.
  Status append(std::string_view session, const std::vector<Turn>& turns, const HistoryLimits& limits);
  // Forgets the session.
  Status clear(std::string_view session);

 private:
  SessionStore(std::unique_ptr<store::Database> db, const Clock& clock);
  // Every stored turn of the session with its row id, oldest first. Caller holds mutex_.
  Result<std::vector<std::pair<std::int64_t, Turn>>> read_all(std::string_view session);

  std::mutex mutex_;
  std::unique_ptr<store::Database> db_;  // guarded by mutex_
  const Clock& clock_;
};

}  // namespace picbot::agent
