// Database: one SQLite connection with the settings every picbot store wants
// (WAL, synchronous=NORMAL, busy timeout, foreign keys), numbered schema
// migrations, a cache of prepared statements and transactions that retry
// while another connection holds the write lock.
//
// Threading: a Database (and every Statement it hands out) is used by ONE
// thread at a time; it does no locking of its own. Blocking calls belong on a
// worker thread (picbot::WorkerPool::run), never on the event loop. Several
// Database objects, in one process or several, may open the same file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bot/core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace picbot::store {

// Error codes used by this module: kBusyError when another connection held
// the lock for too long (worth retrying later), kSqliteError for the rest.
inline constexpr std::string_view kBusyError = "busy";
inline constexpr std::string_view kSqliteError = "sqlite";

struct DatabaseOptions {
  // How long one statement waits for a lock held by another connection.
  std::chrono::milliseconds busy_timeout{5000};
  // How many times transaction() runs before giving up with "database busy".
  int busy_attempts = 5;
  // Pause before the first retry; doubled for each further retry.
  std::chrono::milliseconds busy_backoff{2};
};

// Migration: one step of a schema. Versions are positive and unique per
// database file; each is applied at most once, in ascending order.
struct Migration {
  int version;
  std::string sql;  // may hold several statements
};

// Statement: a prepared statement owned by its Database's cache. Bind errors
// are remembered and reported by the next step(). Parameter and column
// indexes follow SQLite: parameters start at 1, columns at 0.
class Statement {
 public:
  enum class Step { kRow, kDone };

  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind_int64(int index, std::int64_t value);
  Statement& bind_text(int index, std::string_view value);               // copied
  Statement& bind_blob(int index, std::span<const std::uint8_t> value);  // copied
  Statement& bind_null(int index);

  // Runs to the next row. Returns kRow when column getters are valid, kDone
  // at the end; an error value otherwise (code kBusyError or kSqliteError).
  Result<Step> step();
  // Steps a statement that returns no rows (INSERT, UPDATE, ...) to the end.
  Status run();

  // REQUIRES: the last step() returned kRow. Views are valid until the next
  // step() or reset().
  std::int64_t column_int64(int index) const;
  std::string_view column_text(int index) const;
  std::span<const std::uint8_t> column_blob(int index) const;
  bool column_is_null(int index) const;

  // Ends the current run and clears bindings and bind errors. Call it when
  // you stop before kDone outside a transaction, so no read snapshot stays open.
  void reset();

 private:
  friend class Database;
  Statement(sqlite3* db, std::string sql);
  bool prepare();  // (re)compiles sql_; false leaves the reason in error_

  sqlite3* db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
  std::optional<Error> error_;  // a prepare or bind failure, reported by step()
};

class Database {
 public:
  using Options = DatabaseOptions;
  enum class Mode {
    kDeferred,   // BEGIN: lock on first write; reads see one snapshot
    kImmediate,  // BEGIN IMMEDIATE: take the write lock now (check-and-reserve)
  };

  // Opens (creating if needed) the database file. ":memory:" gives a private
  // in-memory database (no WAL).
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& file,
                                                const Options& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Applies every migration whose version is not yet in the schema_version
  // table, each in its own IMMEDIATE transaction, so concurrent openers of one
  // file apply each step exactly once. Stops at the first failing step.
  Status migrate(const std::vector<Migration>& migrations);

  // Runs one or more statements with no parameters and no result rows.
  Status exec(std::string_view sql);

  // Returns the cached statement for sql, compiling it on first use, reset
  // and with no bindings. A compile error is reported by the statement's
  // step(). The reference stays valid as long as the Database.
  Statement& prepare(std::string_view sql);

  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  std::int64_t changes() const;

  // Runs fn() (returning Result<T> or Status) inside BEGIN/COMMIT. An error
  // from fn rolls back and is returned. When the lock cannot be taken, or fn
  // or COMMIT fails with kBusyError, the whole transaction is rolled back and
  // run again, up to options.busy_attempts times; then the error is kBusyError
  // with a message starting "database busy". fn must therefore be safe to run
  // more than once. Not reentrant: fn must not call transaction().
  template <class Fn>
  std::invoke_result_t<Fn&> transaction(Fn&& fn, Mode mode = Mode::kImmediate);

 private:
  Database(sqlite3* db, const Options& options);
  Status configure();
  Status begin(Mode mode);
  Status commit();
  void rollback();
  // After a failed attempt: waits and returns true if another attempt is due.
  bool retry_after(const Error& error, int attempt) const;
  Error give_up(Error error, int attempts) const;

  sqlite3* db_;
  Options options_;
  // Declared after db_ so statements are finalized before the connection closes.
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

template <class Fn>
std::invoke_result_t<Fn&> Database::transaction(Fn&& fn, Mode mode) {
  using R = std::invoke_result_t<Fn&>;
  for (int attempt = 1;; ++attempt) {
    Status begun = begin(mode);
    if (!begun.ok()) {
      if (!retry_after(begun.error(), attempt)) return give_up(begun.error(), attempt);
      continue;
    }
    R result = fn();
    if (!result.ok()) {
      rollback();
      if (!retry_after(result.error(), attempt)) return give_up(result.error(), attempt);
      continue;
    }
    Status committed = commit();
    if (committed.ok()) return result;
    rollback();
    if (!retry_after(committed.error(), attempt)) return give_up(committed.error(), attempt);
  }
}

}  // namespace picbot::store
