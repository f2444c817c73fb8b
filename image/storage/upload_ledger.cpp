#include "image/storage/upload_ledger.h"

#include <array>
#include <utility>

#include "bot/core/millis.h"

namespace picbot::image {

using store::Database;
using store::Statement;
using Step = Statement::Step;

namespace {

constexpr std::array<std::string_view, 4> kStateNames = {"pending", "uploading", "uploaded", "failed"};

const std::vector<store::Migration>& migrations() {
  static const std::vector<store::Migration> kMigrations = {
      {1, R"sql(
        CREATE TABLE uploads (
          object_key      TEXT PRIMARY KEY,
          sha256          TEXT NOT NULL,
          content_type    TEXT NOT NULL,
          state           TEXT NOT NULL CHECK (state IN ('pending', 'uploading', 'uploaded', 'failed')),
          attempts        INTEGER NOT NULL DEFAULT 0,
          last_error      TEXT NOT NULL DEFAULT '',
          next_attempt_ms INTEGER NOT NULL,
          created_ms      INTEGER NOT NULL,
          updated_ms      INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX uploads_by_sha256 ON uploads(sha256);
        CREATE INDEX uploads_by_state ON uploads(state, created_ms);
      )sql"},
  };
  return kMigrations;
}

constexpr std::string_view kColumns =
    "object_key, sha256, content_type, state, attempts, last_error, next_attempt_ms, created_ms, updated_ms";

UploadRow read_row(const Statement& s) {
  UploadRow row;
  row.key = std::string(s.column_text(0));
  row.sha256 = std::string(s.column_text(1));
  row.content_type = std::string(s.column_text(2));
  // The CHECK constraint keeps the column to the four names.
  row.state = parse_upload_state(s.column_text(3)).value_or(UploadState::kPending);
  row.attempts = static_cast<int>(s.column_int64(4));
  row.last_error = std::string(s.column_text(5));
  row.next_attempt = from_epoch_ms(s.column_int64(6));
  row.created = from_epoch_ms(s.column_int64(7));
  row.updated = from_epoch_ms(s.column_int64(8));
  return row;
}

std::string select_where(std::string_view condition) {
  return "SELECT " + std::string(kColumns) + " FROM uploads WHERE " + std::string(condition);
}

}  // namespace

std::string_view to_string(UploadState state) { return kStateNames[static_cast<std::size_t>(state)]; }

std::optional<UploadState> parse_upload_state(std::string_view text) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == text) return static_cast<UploadState>(i);
  }
  return std::nullopt;
}

Result<std::unique_ptr<UploadLedger>> UploadLedger::open(const std::filesystem::path& file,
                                                         const store::DatabaseOptions& options) {
  auto db = Database::open(file, options);
  if (!db.ok()) return db.error();
  if (Status migrated = (*db)->migrate(migrations()); !migrated.ok()) return migrated.error();
  return std::unique_ptr<UploadLedger>(new UploadLedger(std::move(db).value()));
}

UploadLedger::UploadLedger(std::unique_ptr<Database> db) : db_(std::move(db)) {}

Result<std::vector<UploadRow>> UploadLedger::rows(Statement& statement) {
  std::vector<UploadRow> out;
  while (true) {
    Result<Step> step = statement.step();
    if (!step.ok()) {
      statement.reset();
      return step.error();
    }
    if (*step == Step::kDone) break;
    out.push_back(read_row(statement));
  }
  statement.reset();
  return out;
}

Result<UploadRow> UploadLedger::enqueue(std::string_view sha256, std::string_view key,
                                        std::string_view content_type, Clock::time_point now) {
  static const std::string kFind = select_where("object_key = ?1");
  const std::int64_t now_ms = to_epoch_ms(now);
  return db_->transaction([&]() -> Result<UploadRow> {
    Status upserted =
        db_->prepare(
               "INSERT INTO uploads(object_key, sha256, content_type, state, attempts, last_error,"
               " next_attempt_ms, created_ms, updated_ms) VALUES (?1, ?2, ?3, 'pending', 0, '', ?4, ?4, ?4)"
               " ON CONFLICT(object_key) DO UPDATE SET state = 'pending', attempts = 0,"
               " sha256 = excluded.sha256, content_type = excluded.content_type,"
               " next_attempt_ms = excluded.next_attempt_ms, updated_ms = excluded.updated_ms"
               " WHERE state = 'failed'")
            .bind_text(1, key)
            .bind_text(2, sha256)
            .bind_text(3, content_type)
            .bind_int64(4, now_ms)
            .run();
    if (!upserted.ok()) return upserted.error();
    Result<std::vector<UploadRow>> found = rows(db_->prepare(kFind).bind_text(1, key));
    if (!found.ok()) return found.error();
    if (found->empty()) return Error::make(std::string(store::kSqliteError), "upload row vanished");
    return std::move(found->front());
  });
}

Result<std::int64_t> UploadLedger::requeue_uploading(Clock::time_point now) {
  const std::int64_t now_ms = to_epoch_ms(now);
  Status s = db_->prepare(
                    "UPDATE uploads SET state = 'pending', next_attempt_ms = ?1, updated_ms = ?1"
                    " WHERE state = 'uploading'")
                 .bind_int64(1, now_ms)
                 .run();
  if (!s.ok()) return s.error();
  return db_->changes();
}

Result<std::vector<UploadRow>> UploadLedger::backlog() {
  static const std::string kBacklog = select_where("state <> 'uploaded' ORDER BY created_ms, object_key");
  return rows(db_->prepare(kBacklog));
}

Result<std::vector<UploadRow>> UploadLedger::failed(int limit) {
  static const std::string kFailed =
      select_where("state = 'failed' ORDER BY updated_ms DESC, object_key LIMIT ?1");
  return rows(db_->prepare(kFailed).bind_int64(1, limit));
}

Result<std::optional<UploadRow>> UploadLedger::find(std::string_view key) {
  static const std::string kFind = select_where("object_key = ?1");
  Result<std::vector<UploadRow>> found = rows(db_->prepare(kFind).bind_text(1, key));
  if (!found.ok()) return found.error();
  if (found->empty()) return std::optional<UploadRow>();
  return std::optional<UploadRow>(std::move(found->front()));
}

Result<std::vector<UploadRow>> UploadLedger::find_sha256(std::string_view sha256) {
  static const std::string kFind = select_where("sha256 = ?1 ORDER BY created_ms, object_key");
  return rows(db_->prepare(kFind).bind_text(1, sha256));
}

Status UploadLedger::set_state(std::string_view sql, std::string_view key, std::string_view error,
                               std::int64_t when_ms, std::int64_t now_ms) {
  return db_->prepare(sql)
      .bind_text(1, key)
      .bind_text(2, error)
      .bind_int64(3, when_ms)
      .bind_int64(4, now_ms)
      .run();
}

Status UploadLedger::mark_uploading(std::string_view key, Clock::time_point now) {
  return db_
      ->prepare(
          "UPDATE uploads SET state = 'uploading', attempts = attempts + 1, updated_ms = ?2"
          " WHERE object_key = ?1 AND state = 'pending'")
      .bind_text(1, key)
      .bind_int64(2, to_epoch_ms(now))
      .run();
}

Status UploadLedger::mark_uploaded(std::string_view key, Clock::time_point now) {
  const std::int64_t now_ms = to_epoch_ms(now);
  return set_state(
      "UPDATE uploads SET state = 'uploaded', last_error = ?2, next_attempt_ms = ?3, updated_ms = ?4"
      " WHERE object_key = ?1",
      key, "", now_ms, now_ms);
}

Status UploadLedger::mark_retry(std::string_view key, std::string_view error, Clock::time_point next_attempt,
                                Clock::time_point now) {
  return set_state(
      "UPDATE uploads SET state = 'pending', last_error = ?2, next_attempt_ms = ?3, updated_ms = ?4"
      " WHERE object_key = ?1",
      key, error, to_epoch_ms(next_attempt), to_epoch_ms(now));
}

Status UploadLedger::mark_failed(std::string_view key, std::string_view error, Clock::time_point now) {
  const std::int64_t now_ms = to_epoch_ms(now);
  return set_state(
      "UPDATE uploads SET state = 'failed', last_error = ?2, next_attempt_ms = ?3, updated_ms = ?4"
      " WHERE object_key = ?1",
      key, error, now_ms, now_ms);
}

Result<std::int64_t> UploadLedger::make_pending_due(Clock::time_point now) {
  const std::int64_t now_ms = to_epoch_ms(now);
  Status s = db_->prepare(
                    "UPDATE uploads SET next_attempt_ms = ?1, updated_ms = ?1"
                    " WHERE state = 'pending' AND next_attempt_ms > ?1")
                 .bind_int64(1, now_ms)
                 .run();
  if (!s.ok()) return s.error();
  return db_->changes();
}

Result<std::vector<std::string>> UploadLedger::retry_failed(Clock::time_point now) {
  static const std::string kFailed = select_where("state = 'failed' ORDER BY created_ms, object_key");
  const std::int64_t now_ms = to_epoch_ms(now);
  return db_->transaction([&]() -> Result<std::vector<std::string>> {
    Result<std::vector<UploadRow>> failed = rows(db_->prepare(kFailed));
    if (!failed.ok()) return failed.error();
    Status s =
        db_->prepare(
               "UPDATE uploads SET state = 'pending', attempts = 0, next_attempt_ms = ?1, updated_ms = ?1"
               " WHERE state = 'failed'")
            .bind_int64(1, now_ms)
            .run();
    if (!s.ok()) return s.error();
    std::vector<std::string> keys;
    keys.reserve(failed->size());
    for (UploadRow& row : *failed) keys.push_back(std::move(row.key));
    return keys;
  });
}

Status UploadLedger::forget(std::string_view key) {
  return db_->prepare("DELETE FROM uploads WHERE object_key = ?1").bind_text(1, key).run();
}

Result<UploadCounts> UploadLedger::counts() {
  UploadCounts counts;
  Statement& by_state = db_->prepare("SELECT state, COUNT(*) FROM uploads GROUP BY state");
  while (true) {
    Result<Step> step = by_state.step();
    if (!step.ok()) {
      by_state.reset();
      return step.error();
    }
    if (*step == Step::kDone) break;
    const std::int64_t n = by_state.column_int64(1);
    switch (parse_upload_state(by_state.column_text(0)).value_or(UploadState::kPending)) {
      case UploadState::kPending:
        counts.pending = n;
        break;
      case UploadState::kUploading:
        counts.uploading = n;
        break;
      case UploadState::kUploaded:
        counts.uploaded = n;
        break;
      case UploadState::kFailed:
        counts.failed = n;
        break;
    }
  }
  by_state.reset();
  Statement& oldest =
      db_->prepare("SELECT MIN(created_ms) FROM uploads WHERE state IN ('pending', 'uploading')");
  Result<Step> step = oldest.step();
  if (!step.ok()) {
    oldest.reset();
    return step.error();
  }
  if (*step == Step::kRow && !oldest.column_is_null(0))
    counts.oldest_waiting = from_epoch_ms(oldest.column_int64(0));
  oldest.reset();
  return counts;
}

}  // namespace picbot::image
