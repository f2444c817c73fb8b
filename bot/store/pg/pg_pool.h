// PgPool: PostgreSQL through libpq, for the state several picbot instances
// share (database.url). A bounded set of connections; every call blocks, so
// callers run it on the WorkerPool (AsyncQuotaStore does), never on the event
// loop. Statements are prepared once per connection and take parameters as
// text: no SQL is built from values.
//
// Errors are values, with these codes:
//   kUnavailable ("unavailable"): no connection (server down, restarting,
//     refused, pool exhausted past acquire_timeout). A connection found broken
//     is dropped and the next call connects again, so the pool recovers by
//     itself after the server restarts.
//   kConflict ("conflict"): a serialization failure or deadlock that outlived
//     the retries transaction() makes.
//   kConstraint ("constraint"): a unique, foreign-key or check violation.
//   kPostgres ("postgres"): anything else the server said.
// Messages never hold the password (see mask_database_url).
//
// Thread-safety: every method may be called from any thread at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"

struct pg_conn;
struct pg_result;

namespace picbot::store::pg {

inline constexpr std::string_view kUnavailable = "unavailable";
inline constexpr std::string_view kConflict = "conflict";
inline constexpr std::string_view kConstraint = "constraint";
inline constexpr std::string_view kPostgres = "postgres";

// url with its password replaced by "••••" (postgresql://user:••••@host/db,
// or password=•••• in a key=value string). Everything else stays, so an
// operator can tell which server is meant.
std::string mask_database_url(std::string_view url);

struct PgPoolOptions {
  std::string url;  // postgresql://… or key=value (libpq's conninfo)
  std::size_t max_connections = 4;
  std::chrono::seconds connect_timeout{5};
  // How long a call waits for a free connection before kUnavailable.
  std::chrono::milliseconds acquire_timeout{5000};
  // Each statement's limit on the server (statement_timeout).
  std::chrono::milliseconds statement_timeout{10000};
  // How often transaction() runs a body that hit kConflict.
  int conflict_attempts = 5;
  // false: a COMMIT returns before its WAL record is flushed (the session's
  // synchronous_commit=off). A server crash may then lose the last few
  // hundred milliseconds of commits, never corrupt or half-apply one: the
  // durability of SQLite's WAL with synchronous=NORMAL, which the SQLite
  // stores use. true: the server's own setting.
  bool synchronous_commit = true;
};

// A named statement: the name identifies it per connection (prepared on
// first use). Keep them static: the same name must always mean the same SQL.
struct PgStatement {
  std::string name;
  std::string sql;
};

// A parameter: a value as text, or SQL NULL.
using PgParam = std::optional<std::string>;

// The rows of one statement. Owns its libpq result.
class PgRows {
 public:
  explicit PgRows(pg_result* result);
  ~PgRows();
  PgRows(PgRows&& other) noexcept;
  PgRows& operator=(PgRows&& other) noexcept;
  PgRows(const PgRows&) = delete;
  PgRows& operator=(const PgRows&) = delete;

  int size() const;
  // Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;
  bool is_null(int row, int column) const;
  std::string_view text(int row, int column) const;
  // 0 for NULL; "t"/"f" of a boolean read as 1/0.
  std::int64_t int64(int row, int column) const;
  bool boolean(int row, int column) const;

 private:
  friend class PgConnection;
  pg_result* result_;
};

// One connection, lent by PgPool::with_connection. Not thread-safe.
class PgConnection {
 public:
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs a prepared statement with params ($1, $2, … in order).
  Result<PgRows> run(const PgStatement& statement, const std::vector<PgParam>& params = {});
  // Runs SQL text without parameters (BEGIN, COMMIT, a migration's DDL);
  // may hold several statements.
  Status exec(std::string_view sql);
  // False once the connection broke; the pool then drops it.
  bool healthy() const;

 private:
  friend class PgPool;
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  Error error_of(pg_result* result) const;

  pg_conn* conn_;
  std::vector<std::string> prepared_;  // statement names prepared here
};

class PgPool {
 public:
  // Connects once to check the URL and the server; kUnavailable when it
  // cannot. The first connection is kept in the pool.
  static Result<std::unique_ptr<PgPool>> open(PgPoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Lends a connection to fn (connecting one if none is idle and fewer than
  // max_connections exist), then takes it back. An idle connection the
  // server closed (a restart) is noticed before it is lent and replaced; one
  // that breaks while lent fails that call with kUnavailable and is dropped
  // with every idle one. fn returns a Result or Status; kUnavailable without running it
  // when no connection can be had.
  template <class Fn>
  auto with_connection(Fn fn) -> decltype(fn(std::declval<PgConnection&>()));

  // fn inside BEGIN … COMMIT on one connection. fn's error rolls back and is
  // returned; kConflict (from fn or COMMIT) runs fn again, up to
  // conflict_attempts times.
  template <class Fn>
  auto transaction(Fn fn) -> decltype(fn(std::declval<PgConnection&>()));

  // url masked (see mask_database_url).
  const std::string& masked_url() const { return masked_url_; }
  // Connections open now (idle or lent).
  std::size_t open_connections() const;

 private:
  explicit PgPool(PgPoolOptions options);
  Result<std::unique_ptr<PgConnection>> acquire();
  void give_back(std::unique_ptr<PgConnection> connection);
  Result<std::unique_ptr<PgConnection>> connect();

  PgPoolOptions options_;
  std::string masked_url_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // GUARDED_BY(mutex_)
  std::size_t open_ = 0;                             // GUARDED_BY(mutex_)
};

template <class Fn>
auto PgPool::with_connection(Fn fn) -> decltype(fn(std::declval<PgConnection&>())) {
  Result<std::unique_ptr<PgConnection>> connection = acquire();
  if (!connection.ok()) return connection.error();
  auto result = fn(**connection);
  give_back(std::move(connection).value());
  return result;
}

template <class Fn>
auto PgPool::transaction(Fn fn) -> decltype(fn(std::declval<PgConnection&>())) {
  using R = decltype(fn(std::declval<PgConnection&>()));
  for (int attempt = 1;; ++attempt) {
    R result = with_connection([&](PgConnection& c) -> R {
      if (Status s = c.exec("BEGIN"); !s.ok()) return s.error();
      R body = fn(c);
      if (!body.ok()) {
        (void)c.exec("ROLLBACK");
        return body;
      }
      if (Status s = c.exec("COMMIT"); !s.ok()) return s.error();
      return body;
    });
    if (result.ok() || result.error().code != kConflict || attempt >= options_.conflict_attempts)
      return result;
  }
}

}  // namespace picbot::store::pg
