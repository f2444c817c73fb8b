#include "bot/quota/pg_quota_store.h"

#include "bot/core/millis.h"
#include "bot/store/pg/pg_migrate.h"

namespace picbot::quota {
namespace {

using ledger::denial;
using ledger::parse_reservation_id;
using ledger::remaining;
using ledger::unlimited_outcome;
using store::pg::PgConnection;
using store::pg::PgParam;
using store::pg::PgRows;
using store::pg::PgStatement;

// quota_uses.state: the same numbers as the SQLite store's `committed`.
// 0 reserved, 1 charged, 2 sending.
const std::vector<store::pg::PgMigration>& migrations() {
  static const std::vector<store::pg::PgMigration> kMigrations = {
      {1,
       "CREATE TABLE quota_buckets("
       "  bucket TEXT PRIMARY KEY,"
       "  window_start_ms BIGINT NOT NULL);"
       "CREATE TABLE quota_uses("
       "  bucket TEXT NOT NULL,"
       "  token TEXT NOT NULL,"
       "  instance_id TEXT NOT NULL,"
       "  created_ms BIGINT NOT NULL,"
       "  state SMALLINT NOT NULL DEFAULT 0,"
       "  sending_ms BIGINT,"
       "  send_self_id BIGINT,"
       "  send_group SMALLINT,"
       "  send_target BIGINT,"
       "  send_size BIGINT,"
       "  send_image_id TEXT,"
       "  PRIMARY KEY (bucket, token));"
       "CREATE INDEX quota_uses_by_instance ON quota_uses(instance_id, state);"
       "CREATE TABLE image_tasks("
       "  provider TEXT NOT NULL,"
       "  task_id TEXT NOT NULL,"
       "  instance_id TEXT NOT NULL,"
       "  self_id BIGINT NOT NULL,"
       "  group_id BIGINT NOT NULL,"
       "  user_id BIGINT NOT NULL,"
       "  temp_group_id BIGINT NOT NULL,"
       "  message_id BIGINT NOT NULL,"
       "  prompt TEXT NOT NULL,"
       "  reservation_id TEXT NOT NULL,"
       "  submitted_ms BIGINT NOT NULL,"
       "  PRIMARY KEY (provider, task_id));"
       // The bucket row's lock serialises every reserve of the bucket, across
       // instances; each statement below takes a fresh snapshot (READ
       // COMMITTED, a VOLATILE function), so the count sees every unit that
       // was granted before the lock was ours.
       "CREATE FUNCTION picbot_quota_reserve(p_bucket TEXT, p_instance TEXT, p_now BIGINT,"
       "    p_interval BIGINT, p_ttl BIGINT, p_limit BIGINT,"
       "    OUT granted BOOLEAN, OUT used BIGINT, OUT window_start BIGINT, OUT token TEXT)"
       " LANGUAGE plpgsql VOLATILE AS $$"
       " BEGIN"
       "   granted := false; used := 0; window_start := NULL; token := NULL;"
       "   IF p_limit <= 0 THEN RETURN; END IF;"
       "   INSERT INTO quota_buckets AS b(bucket, window_start_ms) VALUES (p_bucket, p_now)"
       "     ON CONFLICT (bucket) DO UPDATE SET window_start_ms = b.window_start_ms"
       "     RETURNING b.window_start_ms INTO window_start;"
       "   IF window_start + p_interval <= p_now THEN"
       "     DELETE FROM quota_uses u WHERE u.bucket = p_bucket;"
       "     UPDATE quota_buckets SET window_start_ms = p_now WHERE bucket = p_bucket;"
       "     window_start := p_now;"
       "   END IF;"
       "   SELECT count(*) INTO used FROM quota_uses u"
       "     WHERE u.bucket = p_bucket AND (u.state <> 0 OR u.created_ms > p_now - p_ttl);"
       "   IF used >= p_limit THEN RETURN; END IF;"
       "   token := replace(gen_random_uuid()::text, '-', '');"
       "   INSERT INTO quota_uses(bucket, token, instance_id, created_ms)"
       "     VALUES (p_bucket, token, p_instance, p_now);"
       "   granted := true; used := used + 1;"
       " END $$;"},
  };
  return kMigrations;
}

const PgStatement kReserve{"quota_reserve",
                           "SELECT granted, used, window_start, token FROM picbot_quota_reserve("
                           "$1::text, $2::text, $3::bigint, $4::bigint, $5::bigint, $6::bigint)"};
const PgStatement kCharge{"quota_charge",
                          "UPDATE quota_uses SET state = 1 WHERE bucket = $1::text AND token = $2::text"};
const PgStatement kMarkSending{
    "quota_mark_sending",
    "UPDATE quota_uses SET state = 2, sending_ms = $3::bigint, send_self_id = $4::bigint,"
    " send_group = $5::smallint, send_target = $6::bigint, send_size = $7::bigint, send_image_id = $8::text"
    " WHERE bucket = $1::text AND token = $2::text AND state <> 1"};
const PgStatement kUnmarkSending{
    "quota_unmark_sending",
    "UPDATE quota_uses SET state = 0 WHERE bucket = $1::text AND token = $2::text AND state = 2"};
const PgStatement kRelease{
    "quota_release", "DELETE FROM quota_uses WHERE bucket = $1::text AND token = $2::text AND state <> 1"};
const PgStatement kChargeUntargeted{
    "quota_charge_untargeted",
    "UPDATE quota_uses SET state = 1 WHERE instance_id = $1::text AND state = 2 AND send_target IS NULL"};
// A unit whose task is recorded stays held: its task is resumed.
const PgStatement kReleaseReserved{
    "quota_release_reserved",
    "DELETE FROM quota_uses u WHERE u.instance_id = $1::text AND u.state = 0 AND NOT EXISTS ("
    " SELECT 1 FROM image_tasks t WHERE t.reservation_id = u.bucket || '/' || u.token)"};
const PgStatement kSelectSending{
    "quota_select_sending",
    "SELECT bucket, token, sending_ms, send_self_id, send_group, send_target, send_size, send_image_id"
    " FROM quota_uses WHERE instance_id = $1::text AND state = 2 ORDER BY sending_ms"};
const PgStatement kRecordTask{
    "quota_record_task",
    "INSERT INTO image_tasks(provider, task_id, instance_id, self_id, group_id, user_id, temp_group_id,"
    " message_id, prompt, reservation_id, submitted_ms) VALUES ($1::text, $2::text, $3::text, $4::bigint,"
    " $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::text, $10::text, $11::bigint)"
    " ON CONFLICT (provider, task_id) DO UPDATE SET instance_id = EXCLUDED.instance_id,"
    " self_id = EXCLUDED.self_id, group_id = EXCLUDED.group_id, user_id = EXCLUDED.user_id,"
    " temp_group_id = EXCLUDED.temp_group_id, message_id = EXCLUDED.message_id, prompt = EXCLUDED.prompt,"
    " reservation_id = EXCLUDED.reservation_id, submitted_ms = EXCLUDED.submitted_ms"};
const PgStatement kRemoveTask{"quota_remove_task",
                              "DELETE FROM image_tasks WHERE provider = $1::text AND task_id = $2::text"};
const PgStatement kPendingTasks{
    "quota_pending_tasks",
    "SELECT provider, task_id, self_id, group_id, user_id, temp_group_id, message_id, prompt, reservation_id,"
    " submitted_ms FROM image_tasks WHERE instance_id = $1::text ORDER BY submitted_ms, provider, task_id"};
const PgStatement kUsage{
    "quota_usage",
    "SELECT b.window_start_ms, (SELECT count(*) FROM quota_uses u WHERE u.bucket = b.bucket"
    "   AND (u.state <> 0 OR u.created_ms > $2::bigint))"
    " FROM quota_buckets b WHERE b.bucket = $1::text"};
const PgStatement kListBuckets{
    "quota_list_buckets",
    "SELECT b.bucket, b.window_start_ms,"
    "  (SELECT count(*) FROM quota_uses u WHERE u.bucket = b.bucket AND u.state = 1),"
    "  (SELECT count(*) FROM quota_uses u WHERE u.bucket = b.bucket"
    "     AND (u.state = 2 OR (u.state = 0 AND u.created_ms > $2::bigint)))"
    " FROM quota_buckets b WHERE b.window_start_ms > $1::bigint ORDER BY b.bucket COLLATE \"C\""};
const PgStatement kForgetUses{"quota_forget_uses", "DELETE FROM quota_uses WHERE bucket = $1::text"};
const PgStatement kForgetBucket{"quota_forget_bucket", "DELETE FROM quota_buckets WHERE bucket = $1::text"};

std::string text(std::int64_t value) { return std::to_string(value); }

Status status_of(const Result<PgRows>& rows) {
  if (!rows.ok()) return rows.error();
  return {};
}

}  // namespace

Result<std::unique_ptr<PgQuotaStore>> PgQuotaStore::open(const Clock& clock, PgQuotaStoreOptions options) {
  options.pool.synchronous_commit = false;
  auto pool = store::pg::PgPool::open(options.pool);
  if (!pool.ok()) return pool.error();
  if (Status migrated = store::pg::migrate(**pool, "quota", migrations()); !migrated.ok()) {
    return migrated.error();
  }
  return std::unique_ptr<PgQuotaStore>(new PgQuotaStore(std::move(pool).value(), clock, options));
}

PgQuotaStore::PgQuotaStore(std::unique_ptr<store::pg::PgPool> pool, const Clock& clock,
                           const PgQuotaStoreOptions& options)
    : QuotaLedger(options.reservation_ttl),
      pool_(std::move(pool)),
      clock_(clock),
      instance_id_(options.instance_id) {}

std::int64_t PgQuotaStore::now_ms() const { return to_epoch_ms(clock_.now()); }

Result<ReserveOutcome> PgQuotaStore::try_reserve(const QuotaDecision& decision,
                                                 std::chrono::milliseconds reset_interval) {
  switch (decision.kind) {
    case QuotaDecision::kUnlimited:
      return unlimited_outcome();
    case QuotaDecision::kBlocked:
      return denial(0, 0, std::nullopt);
    case QuotaDecision::kCounted:
      break;
  }
  const std::int64_t interval_ms = reset_interval.count();
  const std::vector<PgParam> params = {
      decision.bucket,     instance_id_, text(now_ms()), text(interval_ms), text(reservation_ttl().count()),
      text(decision.limit)};
  Result<PgRows> rows = pool_->with_connection([&](PgConnection& c) { return c.run(kReserve, params); });
  if (!rows.ok()) return rows.error();
  std::optional<Clock::time_point> resets_at;
  if (!rows->is_null(0, 2)) resets_at = from_epoch_ms(rows->int64(0, 2) + interval_ms);
  const std::int64_t used = rows->int64(0, 1);
  if (!rows->boolean(0, 0)) return denial(decision.limit, used, resets_at);
  ReserveOutcome granted;
  granted.granted = true;
  granted.reservation_id = decision.bucket + "/" + std::string(rows->text(0, 3));
  granted.limit = decision.limit;
  granted.used = used;
  granted.remaining_after_commit = remaining(decision.limit, used);
  granted.resets_at = resets_at;
  return granted;
}

Status PgQuotaStore::commit(std::string_view reservation_id) {
  if (reservation_id.empty()) return {};
  const Error not_found =
      Error::not_found("reservation " + std::string(reservation_id) + " was released or its window ended");
  std::optional<ledger::ReservationKey> key = parse_reservation_id(reservation_id);
  if (!key) return not_found;
  Result<PgRows> rows = pool_->with_connection([&](PgConnection& c) {
    return c.run(kCharge, {std::string(key->bucket), std::string(key->token)});
  });
  if (!rows.ok()) return rows.error();
  if (rows->affected() == 0) return not_found;
  return {};
}

Status PgQuotaStore::mark_sending(std::string_view reservation_id, const SendingImage& image) {
  std::optional<ledger::ReservationKey> key = parse_reservation_id(reservation_id);
  if (!key) return {};
  const std::vector<PgParam> params = {
      std::string(key->bucket),  std::string(key->token), text(now_ms()),   text(image.self_id),
      text(image.group ? 1 : 0), text(image.target_id),   text(image.size), image.image_id};
  return status_of(pool_->with_connection([&](PgConnection& c) { return c.run(kMarkSending, params); }));
}

Status PgQuotaStore::unmark_sending(std::string_view reservation_id) {
  std::optional<ledger::ReservationKey> key = parse_reservation_id(reservation_id);
  if (!key) return {};
  return status_of(pool_->with_connection([&](PgConnection& c) {
    return c.run(kUnmarkSending, {std::string(key->bucket), std::string(key->token)});
  }));
}

Status PgQuotaStore::release(std::string_view reservation_id) {
  std::optional<ledger::ReservationKey> key = parse_reservation_id(reservation_id);
  if (!key) return {};  // "" (nothing to settle) or not one of ours: nothing to give back
  return status_of(pool_->with_connection([&](PgConnection& c) {
    return c.run(kRelease, {std::string(key->bucket), std::string(key->token)});
  }));
}

Result<RecoveredReservations> PgQuotaStore::recover_after_restart() {
  return pool_->transaction([&](PgConnection& c) -> Result<RecoveredReservations> {
    RecoveredReservations recovered;
    Result<PgRows> charged = c.run(kChargeUntargeted, {instance_id_});
    if (!charged.ok()) return charged.error();
    recovered.charged = charged->affected();
    Result<PgRows> released = c.run(kReleaseReserved, {instance_id_});
    if (!released.ok()) return released.error();
    recovered.released = released->affected();
    Result<PgRows> rows = c.run(kSelectSending, {instance_id_});
    if (!rows.ok()) return rows.error();
    for (int i = 0; i < rows->size(); ++i) {
      recovered.unconfirmed.push_back(UnconfirmedDelivery{
          .reservation_id = std::string(rows->text(i, 0)) + "/" + std::string(rows->text(i, 1)),
          .sending_since = from_epoch_ms(rows->int64(i, 2)),
          .image = SendingImage{.self_id = rows->int64(i, 3),
                                .group = rows->int64(i, 4) != 0,
                                .target_id = rows->int64(i, 5),
                                .size = rows->int64(i, 6),
                                .image_id = std::string(rows->text(i, 7))}});
    }
    return recovered;
  });
}

Status PgQuotaStore::record_task(const ImageTaskRecord& task) {
  const std::vector<PgParam> params = {task.provider,
                                       task.task_id,
                                       instance_id_,
                                       text(task.self_id),
                                       text(task.group_id),
                                       text(task.user_id),
                                       text(task.temp_group_id),
                                       text(task.message_id),
                                       task.prompt,
                                       task.reservation_id,
                                       text(to_epoch_ms(task.submitted))};
  return status_of(pool_->with_connection([&](PgConnection& c) { return c.run(kRecordTask, params); }));
}

Status PgQuotaStore::remove_task(std::string_view provider, std::string_view task_id) {
  return status_of(pool_->with_connection([&](PgConnection& c) {
    return c.run(kRemoveTask, {std::string(provider), std::string(task_id)});
  }));
}

Result<std::vector<ImageTaskRecord>> PgQuotaStore::pending_tasks() {
  Result<PgRows> rows =
      pool_->with_connection([&](PgConnection& c) { return c.run(kPendingTasks, {instance_id_}); });
  if (!rows.ok()) return rows.error();
  std::vector<ImageTaskRecord> tasks;
  for (int i = 0; i < rows->size(); ++i) {
    tasks.push_back(ImageTaskRecord{.provider = std::string(rows->text(i, 0)),
                                    .task_id = std::string(rows->text(i, 1)),
                                    .self_id = rows->int64(i, 2),
                                    .group_id = rows->int64(i, 3),
                                    .user_id = rows->int64(i, 4),
                                    .temp_group_id = rows->int64(i, 5),
                                    .message_id = rows->int64(i, 6),
                                    .prompt = std::string(rows->text(i, 7)),
                                    .reservation_id = std::string(rows->text(i, 8)),
                                    .submitted = from_epoch_ms(rows->int64(i, 9))});
  }
  return tasks;
}

Result<Usage> PgQuotaStore::usage(std::string_view bucket, std::int64_t limit,
                                  std::chrono::milliseconds reset_interval) {
  const std::int64_t now = now_ms();
  const std::int64_t interval_ms = reset_interval.count();
  Result<PgRows> rows = pool_->with_connection([&](PgConnection& c) {
    return c.run(kUsage, {std::string(bucket), text(now - reservation_ttl().count())});
  });
  if (!rows.ok()) return rows.error();
  Usage usage;
  usage.remaining = remaining(limit, 0);
  if (rows->size() == 0) return usage;
  const std::int64_t start_ms = rows->int64(0, 0);
  if (now >= start_ms + interval_ms) return usage;  // the window ended
  usage.used = rows->int64(0, 1);
  usage.remaining = remaining(limit, usage.used);
  usage.resets_at = from_epoch_ms(start_ms + interval_ms);
  return usage;
}

Result<std::vector<BucketUsage>> PgQuotaStore::list_buckets(std::chrono::milliseconds reset_interval) {
  const std::int64_t now = now_ms();
  const std::int64_t interval_ms = reset_interval.count();
  Result<PgRows> rows = pool_->with_connection([&](PgConnection& c) {
    return c.run(kListBuckets, {text(now - interval_ms), text(now - reservation_ttl().count())});
  });
  if (!rows.ok()) return rows.error();
  std::vector<BucketUsage> buckets;
  for (int i = 0; i < rows->size(); ++i) {
    const std::int64_t start_ms = rows->int64(i, 1);
    buckets.push_back(BucketUsage{.bucket = std::string(rows->text(i, 0)),
                                  .window_start = from_epoch_ms(start_ms),
                                  .resets_at = from_epoch_ms(start_ms + interval_ms),
                                  .committed = rows->int64(i, 2),
                                  .reserved = rows->int64(i, 3)});
  }
  return buckets;
}

Status PgQuotaStore::reset_all() {
  return pool_->transaction(
      [](PgConnection& c) { return c.exec("DELETE FROM quota_uses; DELETE FROM quota_buckets"); });
}

Status PgQuotaStore::reset_bucket(std::string_view bucket) {
  return pool_->transaction([&](PgConnection& c) -> Status {
    if (Status s = status_of(c.run(kForgetUses, {std::string(bucket)})); !s.ok()) return s;
    return status_of(c.run(kForgetBucket, {std::string(bucket)}));
  });
}

}  // namespace picbot::quota
