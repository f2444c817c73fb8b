// UploadLedger: the upload queue's rows in SQLite (uploads.sqlite3 in the
// data directory), one per object key, so that neither a restart nor a crash
// loses an upload that was asked for. UploadQueue (upload_queue.h) drives it;
// the ledger itself only records.
//
// A row goes pending → uploading → uploaded | failed. A transient failure
// puts it back to pending with a later next_attempt; failed rows wait for
// retry_failed() or a new enqueue of the same key.
//
// Threading: synchronous and blocking; use it from one thread at a time (a
// WorkerPool::Serial). Errors are the database's ("busy", "sqlite").
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/store/database.h"

namespace picbot::image {

enum class UploadState { kPending, kUploading, kUploaded, kFailed };

// "pending", "uploading", "uploaded", "failed": the words the database, the
// logs and the console use.
std::string_view to_string(UploadState state);
std::optional<UploadState> parse_upload_state(std::string_view text);

struct UploadRow {
  std::string key;  // the object key in the bucket; the row's identity
  std::string sha256;
  std::string content_type;
  UploadState state = UploadState::kPending;
  int attempts = 0;                // attempts started since the row was (re)queued
  std::string last_error;          // the last failure in plain words; "" when none
  Clock::time_point next_attempt;  // a pending row is not tried before this
  Clock::time_point created, updated;
};

// Rows by state, for the console.
struct UploadCounts {
  std::int64_t pending = 0, uploading = 0, uploaded = 0, failed = 0;
  // When the oldest row still waiting (pending or uploading) was queued.
  std::optional<Clock::time_point> oldest_waiting;
};

class UploadLedger {
 public:
  // Opens or creates the file and brings its schema up to date.
  static Result<std::unique_ptr<UploadLedger>> open(const std::filesystem::path& file,
                                                    const store::DatabaseOptions& options = {});

  // Asks for key to be uploaded and returns its row afterwards: a new row is
  // pending and due at now; a failed row becomes pending again (attempts 0,
  // due now); a pending, uploading or uploaded row is left as it is.
  Result<UploadRow> enqueue(std::string_view sha256, std::string_view key, std::string_view content_type,
                            Clock::time_point now);

  // Puts every uploading row back to pending, due now (what a process that
  // died mid-upload left). Returns how many.
  Result<std::int64_t> requeue_uploading(Clock::time_point now);

  // Every row that is not uploaded, oldest first.
  Result<std::vector<UploadRow>> backlog();

  // Up to limit failed rows, the most recently failed first (for the console).
  Result<std::vector<UploadRow>> failed(int limit);

  // The row of key, or nullopt.
  Result<std::optional<UploadRow>> find(std::string_view key);
  // The rows of one content hash (several keys when key_prefix changed).
  Result<std::vector<UploadRow>> find_sha256(std::string_view sha256);

  // pending → uploading, one more attempt. Other states are left alone.
  Status mark_uploading(std::string_view key, Clock::time_point now);
  // → uploaded, last_error cleared.
  Status mark_uploaded(std::string_view key, Clock::time_point now);
  // → pending, due at next_attempt, with the error.
  Status mark_retry(std::string_view key, std::string_view error, Clock::time_point next_attempt,
                    Clock::time_point now);
  // → failed with the error.
  Status mark_failed(std::string_view key, std::string_view error, Clock::time_point now);

  // Every pending row due now. Returns how many.
  Result<std::int64_t> make_pending_due(Clock::time_point now);
  // Every failed row → pending, attempts 0, due now. Returns the keys.
  Result<std::vector<std::string>> retry_failed(Clock::time_point now);

  // Deletes the row of key (the image is gone for good); unknown keys are fine.
  Status forget(std::string_view key);

  Result<UploadCounts> counts();

 private:
  explicit UploadLedger(std::unique_ptr<store::Database> db);
  Status set_state(std::string_view sql, std::string_view key, std::string_view error, std::int64_t when_ms,
                   std::int64_t now_ms);
  Result<std::vector<UploadRow>> rows(store::Statement& statement);

  std::unique_ptr<store::Database> db_;
};

}  // namespace picbot::image
