// PgQuotaStore: the quota ledger (see quota_ledger.h) in PostgreSQL
// (database.url), one ledger for every picbot instance that points there.
//
// Its own:
// - A reservation is one statement, picbot_quota_reserve(): it locks the
//   bucket's row (an upsert), then counts and inserts under that lock, so two
//   instances reserving the last unit at once get one grant between them.
// - Each row carries the instance_id of the process that reserved it:
//   recover_after_restart() and pending_tasks() see only this instance's,
//   so one instance starting never releases another's units in flight.
//   Resets (window end, /reset_images, the console) act on the shared ledger.
// - Calls may overlap (a bounded connection pool): concurrent() is true.
// - Commits do not wait for the WAL flush (synchronous_commit=off for its
//   sessions, see PgPoolOptions): a database crash may forget the last
//   fraction of a second of reserves and commits, as a power cut may with the
//   SQLite store (WAL, synchronous=NORMAL); nothing is ever half-applied.
// - Errors: the pool's ("unavailable" while the server is down: the caller
//   answers with its quota message and the next call reconnects), or
//   "not_found" from commit(). A reserve that failed on a lost connection may
//   have been granted on the server: that unit is never charged, and stops
//   counting after reservation_ttl or at this instance's next start.
#pragma once

#include <memory>
#include <string>

#include "bot/core/clock.h"
#include "bot/quota/quota_ledger.h"
#include "bot/store/pg/pg_pool.h"

namespace picbot::quota {

struct PgQuotaStoreOptions {
  std::chrono::milliseconds reservation_ttl = std::chrono::minutes(15);
  std::string instance_id;  // REQUIRES: not empty
  store::pg::PgPoolOptions pool;
};

class PgQuotaStore final : public QuotaLedger {
 public:
  // Connects, brings the "quota" schema up to date (refusing a newer one:
  // store::pg::kSchemaNewer). clock must outlive the store.
  static Result<std::unique_ptr<PgQuotaStore>> open(const Clock& clock, PgQuotaStoreOptions options);

  bool concurrent() const override { return true; }
  Result<ReserveOutcome> try_reserve(const QuotaDecision& decision,
                                     std::chrono::milliseconds reset_interval) override;
  Status commit(std::string_view reservation_id) override;
  Status mark_sending(std::string_view reservation_id, const SendingImage& image) override;
  Status unmark_sending(std::string_view reservation_id) override;
  Status release(std::string_view reservation_id) override;
  Result<RecoveredReservations> recover_after_restart() override;
  Status record_task(const ImageTaskRecord& task) override;
  Status remove_task(std::string_view provider, std::string_view task_id) override;
  Result<std::vector<ImageTaskRecord>> pending_tasks() override;
  Result<Usage> usage(std::string_view bucket, std::int64_t limit,
                      std::chrono::milliseconds reset_interval) override;
  Result<std::vector<BucketUsage>> list_buckets(std::chrono::milliseconds reset_interval) override;
  Status reset_all() override;
  Status reset_bucket(std::string_view bucket) override;

  const std::string& instance_id() const { return instance_id_; }
  store::pg::PgPool& pool() { return *pool_; }

 private:
  PgQuotaStore(std::unique_ptr<store::pg::PgPool> pool, const Clock& clock,
               const PgQuotaStoreOptions& options);
  std::int64_t now_ms() const;

  std::unique_ptr<store::pg::PgPool> pool_;
  const Clock& clock_;
  std::string instance_id_;
};

}  // namespace picbot::quota
