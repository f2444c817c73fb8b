#include "bot/store/database.h"

#include <sqlite3.h>

#include <algorithm>
#include <thread>

namespace picbot::store {
namespace {

bool is_busy_code(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// The error for a failed call on db: the connection's own message, which
// names the table or constraint involved.
Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error::make(std::string(is_busy_code(rc) ? kBusyError : kSqliteError), std::move(message));
}

}  // namespace

// --- Statement ---

Statement::Statement(sqlite3* db, std::string sql) : db_(db), sql_(std::move(sql)) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

bool Statement::prepare() {
  const int rc = sqlite3_prepare_v3(db_, sql_.data(), static_cast<int>(sql_.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    error_ = sqlite_error(db_, rc, "prepare \"" + sql_ + "\"");
    return false;
  }
  error_.reset();
  return true;
}

Statement& Statement::bind_int64(int index, std::int64_t value) {
  if (stmt_ == nullptr || error_) return *this;
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) error_ = sqlite_error(db_, rc, "bind");
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  if (stmt_ == nullptr || error_) return *this;
  const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) error_ = sqlite_error(db_, rc, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> value) {
  if (stmt_ == nullptr || error_) return *this;
  // A zero-length blob must not bind as NULL, so never pass a null pointer.
  static constexpr std::uint8_t kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  const int rc = sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) error_ = sqlite_error(db_, rc, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (stmt_ == nullptr || error_) return *this;
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) error_ = sqlite_error(db_, rc, "bind");
  return *this;
}

Result<Statement::Step> Statement::step() {
  if (error_) return *error_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return Step::kRow;
  if (rc == SQLITE_DONE) return Step::kDone;
  Error error = sqlite_error(db_, rc, "step \"" + sql_ + "\"");
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::run() {
  for (;;) {
    Result<Step> stepped = step();
    if (!stepped.ok()) return stepped.error();
    if (*stepped == Step::kDone) return {};
  }
}

std::int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string_view Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

std::span<const std::uint8_t> Statement::column_blob(int index) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

bool Statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

void Statement::reset() {
  if (stmt_ == nullptr) return;  // keep the prepare error for step()
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  error_.reset();
}

// --- Database ---

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& file, const Options& options) {
  sqlite3* handle = nullptr;
  // NOMUTEX: the one-thread-at-a-time contract makes SQLite's own mutex redundant.
  const int rc = sqlite3_open_v2(file.c_str(), &handle,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(handle, rc, "open " + file.string());
    sqlite3_close_v2(handle);
    return error;
  }
  std::unique_ptr<Database> db(new Database(handle, options));
  if (Status configured = db->configure(); !configured.ok()) {
    return Error::make(configured.error().code, "open " + file.string() + ": " + configured.error().message);
  }
  return db;
}

Database::Database(sqlite3* db, const Options& options) : db_(db), options_(options) {}

Database::~Database() {
  statements_.clear();
  sqlite3_close_v2(db_);
}

Status Database::configure() {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(options_.busy_timeout.count()));
  // journal_mode answers with the mode now in force; an in-memory database
  // keeps "memory", anything else must have switched to WAL.
  Statement& journal = prepare("PRAGMA journal_mode=WAL");
  Result<Statement::Step> row = journal.step();
  if (!row.ok()) return row.error();
  const std::string mode(*row == Statement::Step::kRow ? journal.column_text(0) : "");
  journal.reset();
  if (mode != "wal" && mode != "memory") {
    return Error::make(std::string(kSqliteError), "cannot enable WAL (journal_mode is \"" + mode + "\")");
  }
  return exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

Status Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string reason = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Error::make(std::string(is_busy_code(rc) ? kBusyError : kSqliteError), "exec: " + reason);
}

Statement& Database::prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    std::unique_ptr<Statement> statement(new Statement(db_, std::string(sql)));
    statement->prepare();
    it = statements_.emplace(std::string(sql), std::move(statement)).first;
    return *it->second;
  }
  Statement& statement = *it->second;
  if (statement.stmt_ == nullptr) {
    statement.prepare();  // the schema may exist now
  } else {
    statement.reset();
  }
  return statement;
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

Status Database::migrate(const std::vector<Migration>& migrations) {
  std::vector<const Migration*> ordered;
  for (const Migration& m : migrations) ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->version < b->version; });
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    if (ordered[i]->version <= 0 || (i > 0 && ordered[i]->version == ordered[i - 1]->version)) {
      return Error::make(std::string(kSqliteError), "migration versions must be positive and unique (bad: " +
                                                        std::to_string(ordered[i]->version) + ")");
    }
  }
  Status table = transaction([this] {
    return exec(
        "CREATE TABLE IF NOT EXISTS schema_version("
        "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)");
  });
  if (!table.ok()) return table;
  for (const Migration* m : ordered) {
    Status applied = transaction([&]() -> Status {
      Statement& known = prepare("SELECT 1 FROM schema_version WHERE version = ?1");
      Result<Statement::Step> row = known.bind_int64(1, m->version).step();
      if (!row.ok()) return row.error();
      if (*row == Statement::Step::kRow) return {};
      if (Status done = exec(m->sql); !done.ok()) return done;
      return prepare("INSERT INTO schema_version(version) VALUES (?1)").bind_int64(1, m->version).run();
    });
    if (!applied.ok()) {
      return Error::make(applied.error().code,
                         "migration " + std::to_string(m->version) + ": " + applied.error().message);
    }
  }
  return {};
}

Status Database::begin(Mode mode) {
  Statement& begin = prepare(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN");
  return begin.run();
}

Status Database::commit() {
  // COMMIT fails while a write statement is mid-run, and a half-read SELECT
  // would pin its snapshot; finish them all first.
  for (sqlite3_stmt* s = sqlite3_next_stmt(db_, nullptr); s != nullptr; s = sqlite3_next_stmt(db_, s)) {
    if (sqlite3_stmt_busy(s)) sqlite3_reset(s);
  }
  return prepare("COMMIT").run();
}

void Database::rollback() {
  for (sqlite3_stmt* s = sqlite3_next_stmt(db_, nullptr); s != nullptr; s = sqlite3_next_stmt(db_, s)) {
    if (sqlite3_stmt_busy(s)) sqlite3_reset(s);
  }
  // Some errors (SQLITE_FULL, ...) already rolled the transaction back.
  if (sqlite3_get_autocommit(db_) == 0) (void)prepare("ROLLBACK").run();
}

bool Database::retry_after(const Error& error, int attempt) const {
  if (error.code != kBusyError || attempt >= options_.busy_attempts) return false;
  std::this_thread::sleep_for(options_.busy_backoff * (1 << std::min(attempt - 1, 10)));
  return true;
}

Error Database::give_up(Error error, int attempts) const {
  if (error.code != kBusyError) return error;
  return Error::make(std::string(kBusyError),
                     "database busy after " + std::to_string(attempts) + " attempts (" + error.message + ")");
}

}  // namespace picbot::store
