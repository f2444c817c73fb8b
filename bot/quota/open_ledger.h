// open_ledger: the quota ledger the config asks for. database.url set (or
// PICBOT_DATABASE_URL): PgQuotaStore on that PostgreSQL, shared with every
// instance pointing there; empty: QuotaStore in <data_dir>/quota.sqlite3, as
// before. Blocking: call it before the event loop runs or on a worker.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/quota/quota_ledger.h"
#include "bot/quota/quota_store.h"

namespace picbot::quota {

struct LedgerPlace {
  std::filesystem::path sqlite_file;  // used when database_url is empty
  std::string database_url;
  std::size_t max_connections = 4;
  std::string instance_id;  // this process's name on the shared ledger
};

// The host's choice: root_config's database.url, database.max_connections and
// instance_id (empty: this machine's host name), and data_dir/quota.sqlite3.
LedgerPlace ledger_place(const nlohmann::json& root_config, const std::filesystem::path& data_dir);

// The operator's log line for a shared ledger (database.url set, password
// masked), in the log language; "" for SQLite.
std::string shared_ledger_line(const LedgerPlace& place);

// The machine's host name ("picbot" when it has none).
std::string default_instance_id();

// Opens (and migrates) the ledger at place. options.reservation_ttl applies
// to both backends, options.database to SQLite only. Errors are the
// backend's; their messages never hold the database password.
Result<std::unique_ptr<QuotaLedger>> open_ledger(const LedgerPlace& place, const Clock& clock,
                                                 const QuotaStoreOptions& options = {});

}  // namespace picbot::quota
