#include "bot/agent/session_store.h"

#include "bot/core/millis.h"

namespace picbot::agent {
namespace {

const std::vector<store::Migration>& migrations() {
  static const std::vector<store::Migration> kMigrations = {
      {1,
       "CREATE TABLE agent_turns ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  session TEXT NOT NULL,"
       "  role TEXT NOT NULL,"
       "  content TEXT NOT NULL,"
       "  created_ms INTEGER NOT NULL);"
       "CREATE INDEX agent_turns_by_session ON agent_turns(session, id);"},
  };
  return kMigrations;
}

}  // namespace

Result<std::unique_ptr<SessionStore>> SessionStore::open(const std::filesystem::path& file,
                                                         const Clock& clock) {
  auto db = store::Database::open(file);
  if (!db) return db.error();
  if (Status migrated = (*db)->migrate(migrations()); !migrated) return migrated.error();
  return std::unique_ptr<SessionStore>(new SessionStore(std::move(*db), clock));
}

SessionStore::SessionStore(std::unique_ptr<store::Database> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Result<std::vector<std::pair<std::int64_t, Turn>>> SessionStore::read_all(std::string_view session) {
  store::Statement& select =
      db_->prepare("SELECT id, role, content FROM agent_turns WHERE session = ?1 ORDER BY id");
  select.bind_text(1, session);
  std::vector<std::pair<std::int64_t, Turn>> rows;
  for (;;) {
    auto step = select.step();
    if (!step) {
      select.reset();
      return step.error();
    }
    if (*step == store::Statement::Step::kDone) break;
    rows.push_back({select.column_int64(0),
                    Turn{std::string(select.column_text(1)), std::string(select.column_text(2))}});
  }
  select.reset();
  return rows;
}

Result<std::vector<Turn>> SessionStore::load(std::string_view session, const HistoryLimits& limits) {
  std::lock_guard lock(mutex_);
  auto rows = read_all(session);
  if (!rows) return rows.error();
  std::vector<Turn> turns;
  turns.reserve(rows->size());
  for (auto& [id, turn] : *rows) turns.push_back(std::move(turn));
  return trim_history(std::move(turns), limits);
}

Status SessionStore::append(std::string_view session, const std::vector<Turn>& turns,
                            const HistoryLimits& limits) {
  std::lock_guard lock(mutex_);
  const auto now_ms = to_epoch_ms(clock_.now());
  return db_->transaction([&]() -> Status {
    for (const auto& turn : turns) {
      Status inserted =
          db_->prepare("INSERT INTO agent_turns(session, role, content, created_ms) VALUES (?1, ?2, ?3, ?4)")
              .bind_text(1, session)
              .bind_text(2, turn.role)
              .bind_text(3, strip_inline_images(turn.content))
              .bind_int64(4, now_ms)
              .run();
      if (!inserted) return inserted;
    }
    auto rows = read_all(session);
    if (!rows) return rows.error();
    std::vector<Turn> all;
    all.reserve(rows->size());
    for (const auto& [id, turn] : *rows) all.push_back(turn);
    const std::size_t kept = trim_history(std::move(all), limits).size();
    if (kept == rows->size()) return {};
    const std::int64_t first_kept = kept == 0 ? rows->back().first + 1 : (*rows)[rows->size() - kept].first;
    return db_->prepare("DELETE FROM agent_turns WHERE session = ?1 AND id < ?2")
        .bind_text(1, session)
        .bind_int64(2, first_kept)
        .run();
  });
}

Status SessionStore::clear(std::string_view session) {
  std::lock_guard lock(mutex_);
  return db_->prepare("DELETE FROM agent_turns WHERE session = ?1").bind_text(1, session).run();
}

}  // namespace picbot::agent
