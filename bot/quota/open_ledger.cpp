#include "bot/quota/open_ledger.h"

#include <unistd.h>

#include "bot/core/log_language.h"
#include "bot/quota/pg_quota_store.h"
#include "bot/quota/quota_messages.h"

namespace picbot::quota {

std::string default_instance_id() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "picbot";
  return name;
}

std::string shared_ledger_line(const LedgerPlace& place) {
  if (place.database_url.empty()) return "";
  register_quota_messages();
  return log::text("log.quota_ledger_postgres",
                   fmt::arg("url", store::pg::mask_database_url(place.database_url)),
                   fmt::arg("instance", place.instance_id));
}

LedgerPlace ledger_place(const nlohmann::json& root_config, const std::filesystem::path& data_dir) {
  LedgerPlace place;
  place.sqlite_file = data_dir / "quota.sqlite3";
  if (root_config.is_object()) {
    const nlohmann::json database = root_config.value("database", nlohmann::json::object());
    if (database.is_object()) {
      place.database_url = database.value("url", "");
      place.max_connections = database.value("max_connections", std::size_t{4});
    }
    place.instance_id = root_config.value("instance_id", "");
  }
  if (place.instance_id.empty()) place.instance_id = default_instance_id();
  return place;
}

Result<std::unique_ptr<QuotaLedger>> open_ledger(const LedgerPlace& place, const Clock& clock,
                                                 const QuotaStoreOptions& options) {
  if (place.database_url.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(place.sqlite_file.parent_path(), ignored);
    auto store = QuotaStore::open(place.sqlite_file, clock, options);
    if (!store.ok()) return store.error();
    return std::unique_ptr<QuotaLedger>(std::move(store).value());
  }
  PgQuotaStoreOptions pg;
  pg.reservation_ttl = options.reservation_ttl;
  pg.instance_id = place.instance_id;
  pg.pool.url = place.database_url;
  pg.pool.max_connections = place.max_connections;
  auto store = PgQuotaStore::open(clock, std::move(pg));
  if (!store.ok()) return store.error();
  return std::unique_ptr<QuotaLedger>(std::move(store).value());
}

}  // namespace picbot::quota
