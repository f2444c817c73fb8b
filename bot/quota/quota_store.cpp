#include "bot/quota/quota_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "bot/core/millis.h"

namespace picbot::quota {
namespace {

using ledger::denial;
using ledger::parse_reservation_id;
using ledger::remaining;
using ledger::ReservationKey;
using ledger::unlimited_outcome;
using store::Database;
using store::Statement;
using Step = Statement::Step;

// quota_buckets: one row per bucket with an open (or ended, not yet cleared)
// window. quota_uses: one row per reservation (UseState::kReserved),
// reservation whose image is being sent (kSending, see mark_sending) or
// charged use (kCharged) in that window, so a window holds about `limit` rows
// and committing twice finds the same row. Keyed by (bucket, token) so a bucket's
// rows share a page: a reserve or commit dirties one or two pages.
// What a quota_uses row is, stored in its `committed` column (named when it
// held only 0 and 1; the numbers are part of the file format).
enum class UseState : int { kReserved = 0, kCharged = 1, kSending = 2 };

// sql with {reserved}, {charged} and {sending} replaced by the UseState
// numbers. The same text every time, so the statement cache still finds it.
std::string with_states(std::string_view sql) {
  return fmt::format(fmt::runtime(sql), fmt::arg("reserved", static_cast<int>(UseState::kReserved)),
                     fmt::arg("charged", static_cast<int>(UseState::kCharged)),
                     fmt::arg("sending", static_cast<int>(UseState::kSending)));
}

const std::vector<store::Migration>& migrations() {
  static const std::vector<store::Migration> kMigrations = {
      {1,
       "CREATE TABLE quota_buckets("
       "  bucket TEXT PRIMARY KEY,"
       "  window_start_ms INTEGER NOT NULL"
       ") WITHOUT ROWID;"
       "CREATE TABLE quota_uses("
       "  bucket TEXT NOT NULL,"
       "  token TEXT NOT NULL,"
       "  created_ms INTEGER NOT NULL,"
       "  committed INTEGER NOT NULL DEFAULT 0,"
       "  PRIMARY KEY (bucket, token)"
       ") WITHOUT ROWID;"},
      // Where a "sending" image went, for the check after a crash.
      {2,
       "ALTER TABLE quota_uses ADD COLUMN sending_ms INTEGER;"
       "ALTER TABLE quota_uses ADD COLUMN send_self_id INTEGER;"
       "ALTER TABLE quota_uses ADD COLUMN send_group INTEGER;"
       "ALTER TABLE quota_uses ADD COLUMN send_target INTEGER;"
       "ALTER TABLE quota_uses ADD COLUMN send_size INTEGER;"
       "ALTER TABLE quota_uses ADD COLUMN send_image_id TEXT;"},
      // Asynchronous tasks submitted upstream, until their drawing ends.
      {3,
       "CREATE TABLE image_tasks("
       "  provider TEXT NOT NULL,"
       "  task_id TEXT NOT NULL,"
       "  self_id INTEGER NOT NULL,"
       "  group_id INTEGER NOT NULL,"
       "  user_id INTEGER NOT NULL,"
       "  temp_group_id INTEGER NOT NULL,"
       "  message_id INTEGER NOT NULL,"
       "  prompt TEXT NOT NULL,"
       "  reservation_id TEXT NOT NULL,"
       "  submitted_ms INTEGER NOT NULL,"
       "  PRIMARY KEY (provider, task_id)"
       ") WITHOUT ROWID;"},
  };
  return kMigrations;
}

}  // namespace

// --- QuotaStore ---

Result<std::unique_ptr<QuotaStore>> QuotaStore::open(const std::filesystem::path& file, const Clock& clock,
                                                     const QuotaStoreOptions& options) {
  auto db = Database::open(file, options.database);
  if (!db.ok()) return db.error();
  if (Status migrated = (*db)->migrate(migrations()); !migrated.ok()) return migrated.error();
  return std::unique_ptr<QuotaStore>(new QuotaStore(std::move(db).value(), clock, options));
}

QuotaStore::QuotaStore(std::unique_ptr<Database> db, const Clock& clock, const QuotaStoreOptions& options)
    : QuotaLedger(options.reservation_ttl), db_(std::move(db)), clock_(clock), options_(options) {
  // 128 bits of seed, so stores opened at the same time never share tokens.
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device()};
  random_.seed(seed);
}

std::int64_t QuotaStore::now_ms() const { return to_epoch_ms(clock_.now()); }

std::string QuotaStore::new_token() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(32);
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = random_();
    for (int i = 0; i < 16; ++i, bits >>= 4) token.push_back(kHex[bits & 0xf]);
  }
  return token;
}

Result<QuotaStore::Window> QuotaStore::read_window(std::string_view bucket, std::int64_t now,
                                                   std::int64_t interval_ms) {
  Statement& start = db_->prepare("SELECT window_start_ms FROM quota_buckets WHERE bucket = ?1");
  Result<Step> row = start.bind_text(1, bucket).step();
  if (!row.ok()) return row.error();
  if (*row == Step::kDone) return Window{};
  const std::int64_t start_ms = start.column_int64(0);
  start.reset();
  if (now >= start_ms + interval_ms) return Window{std::nullopt, true, 0};

  static const std::string kCountUsed = with_states(
      "SELECT COUNT(*) FROM quota_uses WHERE bucket = ?1 AND (committed <> {reserved} OR created_ms > ?2)");
  Statement& count = db_->prepare(kCountUsed);
  row = count.bind_text(1, bucket).bind_int64(2, now - reservation_ttl().count()).step();
  if (!row.ok()) return row.error();
  const std::int64_t used = count.column_int64(0);
  count.reset();
  return Window{start_ms, false, used};
}

Status QuotaStore::forget_bucket(std::string_view bucket) {
  if (Status s = db_->prepare("DELETE FROM quota_uses WHERE bucket = ?1").bind_text(1, bucket).run();
      !s.ok()) {
    return s;
  }
  return db_->prepare("DELETE FROM quota_buckets WHERE bucket = ?1").bind_text(1, bucket).run();
}

Result<ReserveOutcome> QuotaStore::try_reserve(const QuotaDecision& decision,
                                               std::chrono::milliseconds reset_interval) {
  switch (decision.kind) {
    case QuotaDecision::kUnlimited:
      return unlimited_outcome();
    case QuotaDecision::kBlocked:
      return denial(0, 0, std::nullopt);
    case QuotaDecision::kCounted:
      break;
  }
  const std::string token = new_token();
  const std::int64_t interval_ms = reset_interval.count();
  return db_->transaction([&]() -> Result<ReserveOutcome> {
    const std::int64_t now = now_ms();
    Result<Window> window = read_window(decision.bucket, now, interval_ms);
    if (!window.ok()) return window.error();
    if (window->expired) {
      if (Status s = forget_bucket(decision.bucket); !s.ok()) return s.error();
    }
    if (window->used >= decision.limit) {
      std::optional<Clock::time_point> resets_at;
      if (window->start_ms) resets_at = from_epoch_ms(*window->start_ms + interval_ms);
      return denial(decision.limit, window->used, resets_at);
    }
    const std::int64_t start_ms = window->start_ms.value_or(now);
    if (!window->start_ms) {
      Status opened = db_->prepare("INSERT INTO quota_buckets(bucket, window_start_ms) VALUES (?1, ?2)")
                          .bind_text(1, decision.bucket)
                          .bind_int64(2, now)
                          .run();
      if (!opened.ok()) return opened.error();
    }
    Status reserved = db_->prepare("INSERT INTO quota_uses(bucket, token, created_ms) VALUES (?1, ?2, ?3)")
                          .bind_text(1, decision.bucket)
                          .bind_text(2, token)
                          .bind_int64(3, now)
                          .run();
    if (!reserved.ok()) return reserved.error();
    ReserveOutcome granted;
    granted.granted = true;
    granted.reservation_id = decision.bucket + "/" + token;
    granted.limit = decision.limit;
    granted.used = window->used + 1;
    granted.remaining_after_commit = remaining(decision.limit, granted.used);
    granted.resets_at = from_epoch_ms(start_ms + interval_ms);
    return granted;
  });
}

Status QuotaStore::commit(std::string_view reservation_id) {
  if (reservation_id.empty()) return {};
  const Error not_found =
      Error::not_found("reservation " + std::string(reservation_id) + " was released or its window ended");
  std::optional<ReservationKey> key = parse_reservation_id(reservation_id);
  if (!key) return not_found;
  static const std::string kCharge =
      with_states("UPDATE quota_uses SET committed = {charged} WHERE bucket = ?1 AND token = ?2");
  return db_->transaction([&]() -> Status {
    Status updated = db_->prepare(kCharge).bind_text(1, key->bucket).bind_text(2, key->token).run();
    if (!updated.ok()) return updated;
    if (db_->changes() == 0) return not_found;
    return {};
  });
}

Status QuotaStore::mark_sending(std::string_view reservation_id, const SendingImage& image) {
  std::optional<ReservationKey> key = parse_reservation_id(reservation_id);
  if (!key) return {};
  static const std::string kMarkSending = with_states(
      "UPDATE quota_uses SET committed = {sending}, sending_ms = ?3, send_self_id = ?4, send_group = ?5,"
      " send_target = ?6, send_size = ?7, send_image_id = ?8"
      " WHERE bucket = ?1 AND token = ?2 AND committed <> {charged}");
  return db_->transaction([&] {
    return db_->prepare(kMarkSending)
        .bind_text(1, key->bucket)
        .bind_text(2, key->token)
        .bind_int64(3, now_ms())
        .bind_int64(4, image.self_id)
        .bind_int64(5, image.group ? 1 : 0)
        .bind_int64(6, image.target_id)
        .bind_int64(7, image.size)
        .bind_text(8, image.image_id)
        .run();
  });
}

Status QuotaStore::unmark_sending(std::string_view reservation_id) {
  std::optional<ReservationKey> key = parse_reservation_id(reservation_id);
  if (!key) return {};
  static const std::string kUnmarkSending = with_states(
      "UPDATE quota_uses SET committed = {reserved} WHERE bucket = ?1 AND token = ?2 AND committed = "
      "{sending}");
  return db_->transaction(
      [&] { return db_->prepare(kUnmarkSending).bind_text(1, key->bucket).bind_text(2, key->token).run(); });
}

Result<RecoveredReservations> QuotaStore::recover_after_restart() {
  static const std::string kChargeUntargeted = with_states(
      "UPDATE quota_uses SET committed = {charged} WHERE committed = {sending} AND send_target IS NULL");
  // A unit whose task is recorded stays held: its task is resumed.
  static const std::string kReleaseReserved = with_states(
      "DELETE FROM quota_uses WHERE committed = {reserved} AND NOT EXISTS (SELECT 1 FROM image_tasks t"
      " WHERE t.reservation_id = quota_uses.bucket || '/' || quota_uses.token)");
  static const std::string kSelectSending = with_states(
      "SELECT bucket, token, sending_ms, send_self_id, send_group, send_target, send_size, send_image_id"
      " FROM quota_uses WHERE committed = {sending} ORDER BY sending_ms");
  return db_->transaction([&]() -> Result<RecoveredReservations> {
    RecoveredReservations recovered;
    if (Status s = db_->exec(kChargeUntargeted); !s.ok()) return s.error();
    recovered.charged = db_->changes();
    if (Status s = db_->exec(kReleaseReserved); !s.ok()) return s.error();
    recovered.released = db_->changes();
    Statement& select = db_->prepare(kSelectSending);
    for (;;) {
      Result<Step> row = select.step();
      if (!row.ok()) return row.error();
      if (*row == Step::kDone) return recovered;
      recovered.unconfirmed.push_back(UnconfirmedDelivery{
          .reservation_id = std::string(select.column_text(0)) + "/" + std::string(select.column_text(1)),
          .sending_since = from_epoch_ms(select.column_int64(2)),
          .image = SendingImage{.self_id = select.column_int64(3),
                                .group = select.column_int64(4) != 0,
                                .target_id = select.column_int64(5),
                                .size = select.column_int64(6),
                                .image_id = std::string(select.column_text(7))}});
    }
  });
}

Status QuotaStore::record_task(const ImageTaskRecord& task) {
  static const std::string kInsert =
      "INSERT OR REPLACE INTO image_tasks(provider, task_id, self_id, group_id, user_id, temp_group_id,"
      " message_id, prompt, reservation_id, submitted_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
  return db_->transaction([&] {
    return db_->prepare(kInsert)
        .bind_text(1, task.provider)
        .bind_text(2, task.task_id)
        .bind_int64(3, task.self_id)
        .bind_int64(4, task.group_id)
        .bind_int64(5, task.user_id)
        .bind_int64(6, task.temp_group_id)
        .bind_int64(7, task.message_id)
        .bind_text(8, task.prompt)
        .bind_text(9, task.reservation_id)
        .bind_int64(10, to_epoch_ms(task.submitted))
        .run();
  });
}

Status QuotaStore::remove_task(std::string_view provider, std::string_view task_id) {
  static const std::string kDelete = "DELETE FROM image_tasks WHERE provider = ?1 AND task_id = ?2";
  return db_->transaction(
      [&] { return db_->prepare(kDelete).bind_text(1, provider).bind_text(2, task_id).run(); });
}

Result<std::vector<ImageTaskRecord>> QuotaStore::pending_tasks() {
  static const std::string kSelect =
      "SELECT provider, task_id, self_id, group_id, user_id, temp_group_id, message_id, prompt,"
      " reservation_id, submitted_ms FROM image_tasks ORDER BY submitted_ms, provider, task_id";
  return db_->transaction(
      [&]() -> Result<std::vector<ImageTaskRecord>> {
        Statement& select = db_->prepare(kSelect);
        std::vector<ImageTaskRecord> tasks;
        for (;;) {
          Result<Step> row = select.step();
          if (!row.ok()) return row.error();
          if (*row == Step::kDone) return tasks;
          tasks.push_back(ImageTaskRecord{.provider = std::string(select.column_text(0)),
                                          .task_id = std::string(select.column_text(1)),
                                          .self_id = select.column_int64(2),
                                          .group_id = select.column_int64(3),
                                          .user_id = select.column_int64(4),
                                          .temp_group_id = select.column_int64(5),
                                          .message_id = select.column_int64(6),
                                          .prompt = std::string(select.column_text(7)),
                                          .reservation_id = std::string(select.column_text(8)),
                                          .submitted = from_epoch_ms(select.column_int64(9))});
        }
      },
      Database::Mode::kDeferred);
}

Status QuotaStore::release(std::string_view reservation_id) {
  std::optional<ReservationKey> key = parse_reservation_id(reservation_id);
  if (!key) return {};  // "" (nothing to settle) or not one of ours: nothing to give back
  static const std::string kRelease =
      with_states("DELETE FROM quota_uses WHERE bucket = ?1 AND token = ?2 AND committed <> {charged}");
  return db_->transaction(
      [&] { return db_->prepare(kRelease).bind_text(1, key->bucket).bind_text(2, key->token).run(); });
}

Result<Usage> QuotaStore::usage(std::string_view bucket, std::int64_t limit,
                                std::chrono::milliseconds reset_interval) {
  const std::int64_t interval_ms = reset_interval.count();
  return db_->transaction(
      [&]() -> Result<Usage> {
        Result<Window> window = read_window(bucket, now_ms(), interval_ms);
        if (!window.ok()) return window.error();
        Usage usage;
        usage.used = window->used;
        usage.remaining = remaining(limit, window->used);
        if (window->start_ms) usage.resets_at = from_epoch_ms(*window->start_ms + interval_ms);
        return usage;
      },
      Database::Mode::kDeferred);
}

Result<std::vector<BucketUsage>> QuotaStore::list_buckets(std::chrono::milliseconds reset_interval) {
  const std::int64_t now = now_ms();
  const std::int64_t interval_ms = reset_interval.count();
  return db_->transaction(
      [&]() -> Result<std::vector<BucketUsage>> {
        static const std::string kSelectBuckets = with_states(
            "SELECT b.bucket, b.window_start_ms,"
            "  (SELECT COUNT(*) FROM quota_uses u WHERE u.bucket = b.bucket AND u.committed = {charged}),"
            "  (SELECT COUNT(*) FROM quota_uses u"
            "     WHERE u.bucket = b.bucket"
            "       AND (u.committed = {sending} OR (u.committed = {reserved} AND u.created_ms > ?2)))"
            " FROM quota_buckets b WHERE b.window_start_ms > ?1 ORDER BY b.bucket");
        Statement& select = db_->prepare(kSelectBuckets);
        select.bind_int64(1, now - interval_ms).bind_int64(2, now - reservation_ttl().count());
        std::vector<BucketUsage> buckets;
        for (;;) {
          Result<Step> row = select.step();
          if (!row.ok()) return row.error();
          if (*row == Step::kDone) return buckets;
          const std::int64_t start_ms = select.column_int64(1);
          buckets.push_back(BucketUsage{.bucket = std::string(select.column_text(0)),
                                        .window_start = from_epoch_ms(start_ms),
                                        .resets_at = from_epoch_ms(start_ms + interval_ms),
                                        .committed = select.column_int64(2),
                                        .reserved = select.column_int64(3)});
        }
      },
      Database::Mode::kDeferred);
}

Status QuotaStore::reset_all() {
  return db_->transaction([&]() -> Status {
    if (Status s = db_->exec("DELETE FROM quota_uses"); !s.ok()) return s;
    return db_->exec("DELETE FROM quota_buckets");
  });
}

Status QuotaStore::reset_bucket(std::string_view bucket) {
  return db_->transaction([&] { return forget_bucket(bucket); });
}

std::chrono::milliseconds reservation_ttl_for(std::chrono::milliseconds chain_deadline) {
  return chain_deadline + std::chrono::minutes(5);
}

// --- AsyncQuotaStore ---

boost::asio::awaitable<Result<std::unique_ptr<AsyncQuotaStore>>> AsyncQuotaStore::open(
    WorkerPool& pool, std::filesystem::path file, const Clock& clock, QuotaStoreOptions options) {
  Result<std::unique_ptr<QuotaStore>> opened =
      co_await pool.run([&] { return QuotaStore::open(file, clock, options); });
  if (!opened.ok()) co_return opened.error();
  co_return std::make_unique<AsyncQuotaStore>(pool, std::move(opened).value());
}

AsyncQuotaStore::AsyncQuotaStore(WorkerPool& pool, std::unique_ptr<QuotaLedger> store)
    : pool_(pool), store_(std::move(store)) {}

template <class Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&, QuotaLedger&>> AsyncQuotaStore::call(Fn fn) {
  co_return co_await pool_.run([this, &fn] {
    std::unique_lock lock(mutex_, std::defer_lock);
    if (!store_->concurrent()) lock.lock();
    return fn(*store_);
  });
}

boost::asio::awaitable<Result<ReserveOutcome>> AsyncQuotaStore::try_reserve(
    QuotaDecision decision, std::chrono::milliseconds reset_interval) {
  co_return co_await call([&](QuotaLedger& s) { return s.try_reserve(decision, reset_interval); });
}

boost::asio::awaitable<Status> AsyncQuotaStore::commit(std::string reservation_id) {
  co_return co_await call([&](QuotaLedger& s) { return s.commit(reservation_id); });
}

boost::asio::awaitable<Status> AsyncQuotaStore::mark_sending(std::string reservation_id, SendingImage image) {
  co_return co_await call([&](QuotaLedger& s) { return s.mark_sending(reservation_id, image); });
}

boost::asio::awaitable<Status> AsyncQuotaStore::unmark_sending(std::string reservation_id) {
  co_return co_await call([&](QuotaLedger& s) { return s.unmark_sending(reservation_id); });
}

boost::asio::awaitable<Status> AsyncQuotaStore::release(std::string reservation_id) {
  co_return co_await call([&](QuotaLedger& s) { return s.release(reservation_id); });
}

boost::asio::awaitable<Status> AsyncQuotaStore::record_task(ImageTaskRecord task) {
  co_return co_await call([&](QuotaLedger& s) { return s.record_task(task); });
}

boost::asio::awaitable<Status> AsyncQuotaStore::remove_task(std::string provider, std::string task_id) {
  co_return co_await call([&](QuotaLedger& s) { return s.remove_task(provider, task_id); });
}

boost::asio::awaitable<Result<std::vector<ImageTaskRecord>>> AsyncQuotaStore::pending_tasks() {
  co_return co_await call([&](QuotaLedger& s) { return s.pending_tasks(); });
}

boost::asio::awaitable<Result<Usage>> AsyncQuotaStore::usage(std::string bucket, std::int64_t limit,
                                                             std::chrono::milliseconds reset_interval) {
  co_return co_await call([&](QuotaLedger& s) { return s.usage(bucket, limit, reset_interval); });
}

boost::asio::awaitable<Result<std::vector<BucketUsage>>> AsyncQuotaStore::list_buckets(
    std::chrono::milliseconds reset_interval) {
  co_return co_await call([&](QuotaLedger& s) { return s.list_buckets(reset_interval); });
}

boost::asio::awaitable<Status> AsyncQuotaStore::reset_all() {
  co_return co_await call([](QuotaLedger& s) { return s.reset_all(); });
}

void AsyncQuotaStore::set_reservation_ttl(std::chrono::milliseconds ttl) { store_->set_reservation_ttl(ttl); }

boost::asio::awaitable<Status> AsyncQuotaStore::reset_bucket(std::string bucket) {
  co_return co_await call([&](QuotaLedger& s) { return s.reset_bucket(bucket); });
}

}  // namespace picbot::quota
