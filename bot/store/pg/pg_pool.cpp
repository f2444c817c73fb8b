#include "bot/store/pg/pg_pool.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <regex>

namespace picbot::store::pg {
namespace {

constexpr std::string_view kMask = "••••";

// SQLSTATE classes and codes (PostgreSQL's errcodes.txt).
Error classify(std::string_view sqlstate, std::string message) {
  if (sqlstate == "40001" || sqlstate == "40P01")
    return Error::make(std::string(kConflict), std::move(message));
  if (sqlstate.substr(0, 2) == "23") return Error::make(std::string(kConstraint), std::move(message));
  // connection exceptions, operator intervention (shutdown), insufficient resources
  if (sqlstate.substr(0, 2) == "08" || sqlstate.substr(0, 2) == "57" || sqlstate == "53300") {
    return Error::make(std::string(kUnavailable), std::move(message));
  }
  return Error::make(std::string(kPostgres), std::move(message));
}

// Reads, without blocking, what the server sent to an idle connection: a
// restart's "terminating connection" and then EOF mark it broken.
bool still_connected(pg_conn* conn) {
  for (int reads = 0; reads < 8; ++reads) {
    pollfd readable{.fd = PQsocket(conn), .events = POLLIN, .revents = 0};
    if (readable.fd < 0) return false;
    if (::poll(&readable, 1, 0) == 0) return PQstatus(conn) == CONNECTION_OK;
    if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) return false;
  }
  return PQstatus(conn) == CONNECTION_OK;
}

void ignore_notice(void*, const char*) {}

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string mask_database_url(std::string_view url) {
  std::string text(url);
  // postgresql://user:password@host… (also postgres://)
  static const std::regex kUri(R"(^(postgres(?:ql)?://[^:/@]*:)([^@]*)(@))");
  text = std::regex_replace(text, kUri, "$1" + std::string(kMask) + "$3",
                            std::regex_constants::format_first_only);
  // password=… as a key=value pair or a URI query parameter
  static const std::regex kPair(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*))", std::regex::icase);
  return std::regex_replace(text, kPair, "$1" + std::string(kMask));
}

// --- PgRows ---

PgRows::PgRows(pg_result* result) : result_(result) {}
PgRows::~PgRows() { PQclear(result_); }
PgRows::PgRows(PgRows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
PgRows& PgRows::operator=(PgRows&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int PgRows::size() const { return PQntuples(result_); }

std::int64_t PgRows::affected() const {
  const char* text = PQcmdTuples(result_);
  return text && *text ? std::strtoll(text, nullptr, 10) : 0;
}

bool PgRows::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view PgRows::text(int row, int column) const {
  return std::string_view(PQgetvalue(result_, row, column),
                          static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t PgRows::int64(int row, int column) const {
  if (is_null(row, column)) return 0;
  const char* value = PQgetvalue(result_, row, column);
  if (value[0] == 't') return 1;
  if (value[0] == 'f') return 0;
  return std::strtoll(value, nullptr, 10);
}

bool PgRows::boolean(int row, int column) const { return int64(row, column) != 0; }

// --- PgConnection ---

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

Error PgConnection::error_of(pg_result* result) const {
  if (!healthy())
    return Error::make(std::string(kUnavailable), "lost the connection: " + trimmed(PQerrorMessage(conn_)));
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  return classify(sqlstate ? sqlstate : "", std::move(message));
}

Result<PgRows> PgConnection::run(const PgStatement& statement, const std::vector<PgParam>& params) {
  if (std::find(prepared_.begin(), prepared_.end(), statement.name) == prepared_.end()) {
    PgRows prepared(PQprepare(conn_, statement.name.c_str(), statement.sql.c_str(), 0, nullptr));
    if (PQresultStatus(prepared.result_) != PGRES_COMMAND_OK) return error_of(prepared.result_);
    prepared_.push_back(statement.name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  PgRows rows(PQexecPrepared(conn_, statement.name.c_str(), static_cast<int>(values.size()), values.data(),
                             nullptr, nullptr, 0));
  const ExecStatusType status = PQresultStatus(rows.result_);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error_of(rows.result_);
  return rows;
}

Status PgConnection::exec(std::string_view sql) {
  const std::string text(sql);
  PgRows rows(PQexec(conn_, text.c_str()));
  const ExecStatusType status = PQresultStatus(rows.result_);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error_of(rows.result_);
  return {};
}

// --- PgPool ---

Result<std::unique_ptr<PgPool>> PgPool::open(PgPoolOptions options) {
  std::unique_ptr<PgPool> pool(new PgPool(std::move(options)));
  Result<std::unique_ptr<PgConnection>> first = pool->acquire();
  if (!first.ok()) return first.error();
  pool->give_back(std::move(first).value());
  return pool;
}

PgPool::PgPool(PgPoolOptions options)
    : options_(std::move(options)), masked_url_(mask_database_url(options_.url)) {}

PgPool::~PgPool() = default;

std::size_t PgPool::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

Result<std::unique_ptr<PgConnection>> PgPool::connect() {
  // The URL's own settings win; these only fill in what it leaves out.
  const char* keys[] = {"dbname", "connect_timeout", "options", "application_name", nullptr};
  const std::string timeout = std::to_string(std::max<long long>(1, options_.connect_timeout.count()));
  std::string settings = "-c statement_timeout=" + std::to_string(options_.statement_timeout.count());
  if (!options_.synchronous_commit) settings += " -c synchronous_commit=off";
  const char* values[] = {options_.url.c_str(), timeout.c_str(), settings.c_str(), "picbot", nullptr};
  pg_conn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  auto connection = std::unique_ptr<PgConnection>(new PgConnection(conn));
  if (conn) PQsetNoticeProcessor(conn, ignore_notice, nullptr);  // "already exists, skipping" and the like
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    return Error::make(std::string(kUnavailable), "cannot connect to " + masked_url_ + ": " +
                                                      mask_database_url(trimmed(PQerrorMessage(conn))));
  }
  return connection;
}

Result<std::unique_ptr<PgConnection>> PgPool::acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<PgConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (still_connected(connection->conn_)) return connection;
      --open_;
    }
    if (open_ < options_.max_connections) {
      ++open_;
      lock.unlock();
      Result<std::unique_ptr<PgConnection>> connection = connect();
      if (!connection.ok()) {
        lock.lock();
        --open_;
        returned_.notify_one();
      }
      return connection;
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_connections) {
      return Error::make(std::string(kUnavailable),
                         "no free connection to " + masked_url_ + " within the acquire timeout");
    }
  }
}

void PgPool::give_back(std::unique_ptr<PgConnection> connection) {
  std::vector<std::unique_ptr<PgConnection>> dropped;  // closed after the lock is released
  {
    std::lock_guard lock(mutex_);
    if (connection->healthy() && PQtransactionStatus(connection->conn_) == PQTRANS_IDLE) {
      idle_.push_back(std::move(connection));
    } else {
      // Broken: the server probably restarted, so the idle ones are gone too.
      // Healthy but inside a transaction (a caller's bug): only this one goes.
      if (!connection->healthy()) {
        for (auto& idle : idle_) dropped.push_back(std::move(idle));
        idle_.clear();
      }
      dropped.push_back(std::move(connection));
      open_ -= dropped.size();
    }
  }
  returned_.notify_all();
}

}  // namespace picbot::store::pg
