#include "bot/store/pg/pg_migrate.h"

#include "bot/core/log_language.h"
#include "bot/core/message_table.h"

namespace picbot::store::pg {
namespace {

// Any constant: the key of the advisory lock migrations hold.
constexpr const char* kCreateVersionTable =
    "SELECT pg_advisory_xact_lock(7345012201);"
    "CREATE TABLE IF NOT EXISTS schema_version("
    "  component TEXT PRIMARY KEY,"
    "  version INTEGER NOT NULL)";

const PgStatement kSelectVersion{"picbot_schema_version",
                                 "SELECT version FROM schema_version WHERE component = $1::text"};
const PgStatement kSetVersion{"picbot_schema_version_set",
                              "INSERT INTO schema_version(component, version) VALUES ($1::text, $2::int)"
                              " ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version"};

Result<int> read_version(PgConnection& c, std::string_view component) {
  Result<PgRows> rows = c.run(kSelectVersion, {std::string(component)});
  if (!rows.ok()) return rows.error();
  return rows->size() == 0 ? 0 : static_cast<int>(rows->int64(0, 0));
}

}  // namespace

void register_database_messages() {
  MessageTable::instance().add({
      {"db.schema_newer",
       "数据库中 {component} 的结构版本为 {found}，比本程序认识的 {known} 更新：请升级 picbot 后再启动"
       "（不会改动数据库）。",
       "The database's {component} schema is at version {found}, newer than the {known} this binary knows: "
       "upgrade picbot before starting it (the database was not changed)."},
  });
}

Status migrate(PgPool& pool, std::string_view component, const std::vector<PgMigration>& steps) {
  register_database_messages();
  const int known = steps.empty() ? 0 : steps.back().version;
  return pool.transaction([&](PgConnection& c) -> Status {
    if (Status s = c.exec(kCreateVersionTable); !s.ok()) return s;
    Result<int> found = read_version(c, component);
    if (!found.ok()) return found.error();
    if (*found > known) {
      return Error::make(std::string(kSchemaNewer),
                         log::text("db.schema_newer", fmt::arg("component", component),
                                   fmt::arg("found", *found), fmt::arg("known", known)));
    }
    for (const PgMigration& step : steps) {
      if (step.version <= *found) continue;
      if (Status s = c.exec(step.sql); !s.ok()) return s;
    }
    if (known == *found) return {};
    Result<PgRows> set = c.run(kSetVersion, {std::string(component), std::to_string(known)});
    if (!set.ok()) return set.error();
    return {};
  });
}

Result<int> schema_version(PgPool& pool, std::string_view component) {
  return pool.with_connection([&](PgConnection& c) -> Result<int> {
    Result<PgRows> exists =
        c.run({"picbot_schema_version_exists", "SELECT to_regclass('schema_version') IS NOT NULL"});
    if (!exists.ok()) return exists.error();
    if (!exists->boolean(0, 0)) return 0;
    return read_version(c, component);
  });
}

}  // namespace picbot::store::pg
