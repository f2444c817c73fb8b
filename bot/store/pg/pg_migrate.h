// Versioned schema migrations on PostgreSQL. Each component (the quota
// ledger now; sessions, tasks and uploads later) keeps its version in
// schema_version(component, version). migrate() applies the missing steps in
// one transaction, under an advisory lock so that instances starting together
// migrate once. A database whose version is newer than the steps this binary
// knows is refused with kSchemaNewer and a message from the message table
// ("db.schema_newer", in the log language): an older binary must not write
// to a schema it does not understand.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"
#include "bot/store/pg/pg_pool.h"

namespace picbot::store::pg {

inline constexpr std::string_view kSchemaNewer = "schema_newer";

// One step: versions are positive, unique and ascending within a component.
struct PgMigration {
  int version;
  std::string sql;  // may hold several statements
};

// Brings `component` up to the last step. Errors: kSchemaNewer, or the
// pool's codes.
Status migrate(PgPool& pool, std::string_view component, const std::vector<PgMigration>& steps);

// The component's version in the database, 0 when it has none yet.
Result<int> schema_version(PgPool& pool, std::string_view component);

// Adds the "db.*" entries to the message table. Idempotent.
void register_database_messages();

}  // namespace picbot::store::pg
