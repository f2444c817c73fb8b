#include "bot/quota/quota_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <latch>
#include <random>
#include <thread>

#include "bot/quota/open_ledger.h"
#include "bot/quota/pg_quota_store.h"
#include "bot/store/pg/pg_migrate.h"
#include "tests/support/postgres_server.h"

namespace picbot::quota {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr std::chrono::milliseconds kInterval = 60min;

QuotaDecision counted(std::string bucket, std::int64_t limit) {
  return QuotaDecision{QuotaDecision::kCounted, std::move(bucket), limit, QuotaTier::kDefault};
}

QuotaStoreOptions with_ttl(std::chrono::milliseconds ttl) {
  QuotaStoreOptions options;
  options.reservation_ttl = ttl;
  return options;
}

enum class Backend { kSqlite, kPostgres };

void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "SQLite" : "PostgreSQL";
}

// One throw-away PostgreSQL for the whole binary; each test gets its own
// database on it.
testing::PostgresServer& shared_postgres() {
  static std::unique_ptr<testing::PostgresServer> server = [] {
    auto started = testing::PostgresServer::start();
    if (!started.ok()) ADD_FAILURE() << started.error().to_string();
    return started.ok() ? std::move(started).value() : nullptr;
  }();
  if (!server)
    throw std::runtime_error("no PostgreSQL (" + testing::PostgresServer::unavailable_reason() + ")");
  return *server;
}

// A fresh database on the shared server: its URL.
std::string fresh_postgres_database() {
  static std::atomic<int> next{0};
  const std::string name = "quota_test_" + std::to_string(++next);
  Status created = shared_postgres().create_database(name);
  if (!created.ok()) ADD_FAILURE() << created.error().to_string();
  return shared_postgres().url(name);
}

// The ledger's tests, run on either backend. open() opens the same ledger
// again, as a restarted process would (same file; same database and
// instance_id).
class QuotaLedgerTest : public ::testing::Test {
 protected:
  explicit QuotaLedgerTest(Backend backend) : backend_(backend) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("picbot_quota_store_test_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    file_ = dir_ / "quota.db";
    if (backend_ == Backend::kPostgres) database_url_ = fresh_postgres_database();
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<QuotaLedger> open(const QuotaStoreOptions& options = {},
                                    const std::string& instance_id = "instance-a") {
    store_.reset();  // a restart: the old process is gone first
    return open_another(options, instance_id);
  }

  // A second ledger on the same database, alongside store_.
  std::unique_ptr<QuotaLedger> open_another(const QuotaStoreOptions& options = {},
                                            const std::string& instance_id = "instance-b") {
    LedgerPlace place;
    place.sqlite_file = file_;
    place.database_url = database_url_;
    place.instance_id = instance_id;
    place.max_connections = 8;
    auto store = open_ledger(place, clock_, options);
    if (!store.ok()) ADD_FAILURE() << store.error().to_string();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Reserves and asserts the outcome is granted; returns the reservation id.
  std::string reserve(const QuotaDecision& decision) {
    Result<ReserveOutcome> outcome = store_->try_reserve(decision, kInterval);
    EXPECT_TRUE(outcome.ok()) << outcome.error().to_string();
    EXPECT_TRUE(outcome->granted);
    return outcome->reservation_id;
  }

  void use(const QuotaDecision& decision) {
    Status committed = store_->commit(reserve(decision));
    EXPECT_TRUE(committed.ok()) << committed.error().to_string();
  }

  bool granted(const QuotaDecision& decision) {
    Result<ReserveOutcome> outcome = store_->try_reserve(decision, kInterval);
    EXPECT_TRUE(outcome.ok()) << outcome.error().to_string();
    return outcome->granted;
  }

  std::int64_t used(const std::string& bucket, std::int64_t limit = 10) {
    Result<Usage> usage = store_->usage(bucket, limit, kInterval);
    EXPECT_TRUE(usage.ok()) << usage.error().to_string();
    return usage->used;
  }

  Backend backend_;
  std::filesystem::path dir_;
  std::filesystem::path file_;
  std::string database_url_;  // PostgreSQL only
  ManualClock clock_;
  std::unique_ptr<QuotaLedger> store_;
};

class QuotaStoreTest : public QuotaLedgerTest, public ::testing::WithParamInterface<Backend> {
 protected:
  QuotaStoreTest() : QuotaLedgerTest(GetParam()) {}
};

INSTANTIATE_TEST_SUITE_P(Backends, QuotaStoreTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_name);

// What only the SQLite file has: its schema table, busy locks, connections.
class SqliteQuotaStoreTest : public QuotaLedgerTest {
 protected:
  SqliteQuotaStoreTest() : QuotaLedgerTest(Backend::kSqlite) {}
};

// What only the shared PostgreSQL ledger has: instances, the server.
class PgQuotaStoreTest : public QuotaLedgerTest {
 protected:
  PgQuotaStoreTest() : QuotaLedgerTest(Backend::kPostgres) {}
};

TEST_P(QuotaStoreTest, GrantsUpToTheLimitThenDenies) {
  const QuotaDecision d = counted("user:1", 3);
  const auto start = clock_.now();
  for (int i = 1; i <= 3; ++i) {
    Result<ReserveOutcome> outcome = store_->try_reserve(d, kInterval);
    ASSERT_TRUE(outcome.ok());
    EXPECT_TRUE(outcome->granted);
    EXPECT_FALSE(outcome->reservation_id.empty());
    EXPECT_EQ(outcome->limit, 3);
    EXPECT_EQ(outcome->used, i);
    EXPECT_EQ(outcome->remaining_after_commit, 3 - i);
    EXPECT_EQ(outcome->resets_at, start + kInterval);
    ASSERT_TRUE(store_->commit(outcome->reservation_id).ok());
    clock_.advance(1min);
  }
  Result<ReserveOutcome> denied = store_->try_reserve(d, kInterval);
  ASSERT_TRUE(denied.ok());
  EXPECT_FALSE(denied->granted);
  EXPECT_TRUE(denied->reservation_id.empty());
  EXPECT_EQ(denied->limit, 3);
  EXPECT_EQ(denied->used, 3);
  EXPECT_EQ(denied->remaining_after_commit, 0);
  EXPECT_EQ(denied->resets_at, start + kInterval);
}

TEST_P(QuotaStoreTest, UncommittedReservationsHoldTheirUnits) {
  const QuotaDecision d = counted("user:1", 2);
  reserve(d);
  reserve(d);
  EXPECT_FALSE(granted(d));
  EXPECT_EQ(used("user:1"), 2);
}

TEST_P(QuotaStoreTest, BucketsAreIndependent) {
  use(counted("user:1", 1));
  EXPECT_FALSE(granted(counted("user:1", 1)));
  EXPECT_TRUE(granted(counted("user:2", 1)));
  EXPECT_TRUE(granted(counted("group:100", 1)));
}

TEST_P(QuotaStoreTest, WindowResetsExactlyAtStartPlusInterval) {
  const QuotaDecision d = counted("user:1", 1);
  const auto start = clock_.now();
  use(d);
  clock_.set(start + kInterval - 1ms);
  EXPECT_FALSE(granted(d));
  Result<Usage> before = store_->usage("user:1", 1, kInterval);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->used, 1);
  EXPECT_EQ(before->remaining, 0);
  EXPECT_EQ(before->resets_at, start + kInterval);

  clock_.set(start + kInterval);
  Result<Usage> after = store_->usage("user:1", 1, kInterval);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->used, 0);
  EXPECT_EQ(after->remaining, 1);
  EXPECT_EQ(after->resets_at, std::nullopt);

  Result<ReserveOutcome> next = store_->try_reserve(d, kInterval);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->granted);
  EXPECT_EQ(next->used, 1);
  EXPECT_EQ(next->resets_at, start + 2 * kInterval);  // the new window opens now
}

TEST_P(QuotaStoreTest, LaterUsesDoNotExtendTheWindow) {
  const QuotaDecision d = counted("user:1", 100);
  const auto start = clock_.now();
  use(d);
  for (int i = 0; i < 5; ++i) {
    clock_.advance(kInterval / 6);
    use(d);  // an active user, the case the original never reset
  }
  clock_.set(start + kInterval - 1ms);
  EXPECT_EQ(used("user:1", 100), 6);
  clock_.set(start + kInterval);
  EXPECT_EQ(used("user:1", 100), 0);
}

TEST_P(QuotaStoreTest, ReleaseGivesTheUnitBackAndKeepsTheWindow) {
  const QuotaDecision d = counted("user:1", 1);
  const auto start = clock_.now();
  std::string id = reserve(d);
  EXPECT_FALSE(granted(d));
  ASSERT_TRUE(store_->release(id).ok());
  ASSERT_TRUE(store_->release(id).ok());  // idempotent
  EXPECT_EQ(used("user:1"), 0);
  clock_.advance(1min);
  Result<ReserveOutcome> again = store_->try_reserve(d, kInterval);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->granted);
  EXPECT_EQ(again->resets_at, start + kInterval);  // the window opened at the first request
}

TEST_P(QuotaStoreTest, CommitTwiceCountsOnce) {
  const QuotaDecision d = counted("user:1", 5);
  std::string id = reserve(d);
  ASSERT_TRUE(store_->commit(id).ok());
  ASSERT_TRUE(store_->commit(id).ok());
  EXPECT_EQ(used("user:1"), 1);
}

TEST_P(QuotaStoreTest, ReleaseDoesNotUndoACommit) {
  std::string id = reserve(counted("user:1", 5));
  ASSERT_TRUE(store_->commit(id).ok());
  ASSERT_TRUE(store_->release(id).ok());
  EXPECT_EQ(used("user:1"), 1);
}

TEST_P(QuotaStoreTest, CommitOfAReleasedReservationIsNotFound) {
  std::string id = reserve(counted("user:1", 5));
  ASSERT_TRUE(store_->release(id).ok());
  Status committed = store_->commit(id);
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().code, "not_found");
  EXPECT_EQ(used("user:1"), 0);
}

TEST_P(QuotaStoreTest, ReservationFromAnEndedWindowIsNotCharged) {
  const QuotaDecision d = counted("user:1", 5);
  std::string old_id = reserve(d);
  clock_.advance(kInterval);
  use(d);
  EXPECT_EQ(store_->commit(old_id).error().code, "not_found");
  EXPECT_EQ(used("user:1"), 1);
}

TEST_P(QuotaStoreTest, DanglingReservationStopsCountingAfterTtl) {
  store_ = open(with_ttl(5min));
  const QuotaDecision d = counted("user:1", 1);
  std::string dangling = reserve(d);  // its process "crashed"
  clock_.advance(5min - 1ms);
  EXPECT_FALSE(granted(d));
  EXPECT_EQ(used("user:1"), 1);
  clock_.advance(1ms);
  EXPECT_EQ(used("user:1"), 0);
  std::string fresh = reserve(d);
  ASSERT_TRUE(store_->commit(fresh).ok());
  // A late commit inside the same window is still charged.
  ASSERT_TRUE(store_->commit(dangling).ok());
  Result<Usage> usage = store_->usage("user:1", 1, kInterval);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->used, 2);
  EXPECT_EQ(usage->remaining, 0);
}

// A reload to a slower chain: a reservation taken before it must keep
// counting for the new, longer TTL, or a drawing still running would let
// its user draw again past the limit.
TEST_P(QuotaStoreTest, ALongerTtlSetAfterOpeningHoldsReservationsAlreadyTaken) {
  store_ = open(with_ttl(5min));
  const QuotaDecision d = counted("user:1", 1);
  reserve(d);
  store_->set_reservation_ttl(20min);
  EXPECT_EQ(store_->reservation_ttl(), 20min);
  clock_.advance(5min);
  EXPECT_EQ(used("user:1"), 1);
  EXPECT_FALSE(granted(d));
  Result<std::vector<BucketUsage>> buckets = store_->list_buckets(kInterval);
  ASSERT_TRUE(buckets.ok());
  ASSERT_EQ(buckets->size(), 1u);
  EXPECT_EQ((*buckets)[0].reserved, 1);
  clock_.advance(15min);
  EXPECT_EQ(used("user:1"), 0);
}

TEST_P(QuotaStoreTest, AShorterTtlLetsDanglingReservationsGoSooner) {
  store_ = open(with_ttl(20min));
  const QuotaDecision d = counted("user:1", 1);
  reserve(d);
  store_->set_reservation_ttl(5min);
  clock_.advance(5min);
  EXPECT_EQ(used("user:1"), 0);
}

TEST(ReservationTtl, OutlastsTheChainDeadlineByTheQueueMargin) {
  EXPECT_EQ(reservation_ttl_for(std::chrono::minutes(2)), std::chrono::minutes(7));
  EXPECT_GT(reservation_ttl_for(std::chrono::hours(1)), std::chrono::hours(1));
}

TEST(ReservationTtl, TheAsyncStoreTakesANewTtlAtOnce) {
  WorkerPool pool(1);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("picbot_quota_ttl_test_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    ManualClock clock;
    auto store = QuotaStore::open(dir / "quota.db", clock, with_ttl(5min));
    ASSERT_TRUE(store.ok());
    QuotaStore* raw = store->get();
    AsyncQuotaStore async(pool, std::move(store).value());
    async.set_reservation_ttl(12min);
    EXPECT_EQ(raw->reservation_ttl(), 12min);
  }
  std::filesystem::remove_all(dir);
}

static SendingImage image_for(std::int64_t user) {
  return SendingImage{.self_id = 10001,
                      .group = false,
                      .target_id = user,
                      .size = 1234,
                      .image_id = "0123456789abcdef0123456789abcdef"};
}

TEST_P(QuotaStoreTest, RestartReleasesHeldReservationsAndReturnsTheSendingOnesStillCounting) {
  const auto a = counted("user:1", 10);
  use(a);                                  // committed: stays
  const std::string held = reserve(a);     // died before sending: released
  const std::string sending = reserve(a);  // died while sending: unconfirmed
  const auto marked_at = clock_.now();
  ASSERT_TRUE(store_->mark_sending(sending, image_for(1)).ok());
  EXPECT_EQ(used("user:1"), 3);
  store_ = open();
  auto recovered = store_->recover_after_restart();
  ASSERT_TRUE(recovered.ok()) << recovered.error().to_string();
  EXPECT_EQ(recovered->charged, 0);
  EXPECT_EQ(recovered->released, 1);
  ASSERT_EQ(recovered->unconfirmed.size(), 1u);
  const UnconfirmedDelivery& left = recovered->unconfirmed[0];
  EXPECT_EQ(left.reservation_id, sending);
  EXPECT_EQ(left.sending_since, marked_at);
  EXPECT_EQ(left.image.self_id, 10001);
  EXPECT_FALSE(left.image.group);
  EXPECT_EQ(left.image.target_id, 1);
  EXPECT_EQ(left.image.size, 1234);
  EXPECT_EQ(left.image.image_id, "0123456789abcdef0123456789abcdef");
  // At once, not after reservation_ttl; and the released one is gone for good.
  EXPECT_EQ(store_->commit(held).error().code, "not_found");
  // The unconfirmed one counts, past reservation_ttl too, until it is settled.
  clock_.advance(30min);
  EXPECT_EQ(used("user:1"), 2);
  ASSERT_TRUE(store_->release(sending).ok()) << "the history showed it never arrived";
  EXPECT_EQ(used("user:1"), 1);
}

TEST_P(QuotaStoreTest, AnUnconfirmedDeliveryCommittedAfterTheCheckCountsOnce) {
  const auto a = counted("user:1", 10);
  const std::string sending = reserve(a);
  ASSERT_TRUE(store_->mark_sending(sending, image_for(1)).ok());
  store_ = open();
  ASSERT_TRUE(store_->recover_after_restart().ok());
  ASSERT_TRUE(store_->commit(sending).ok());
  ASSERT_TRUE(store_->commit(sending).ok());
  EXPECT_EQ(used("user:1"), 1);
  // Settled: the next restart has nothing left to check.
  auto again = store_->recover_after_restart();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unconfirmed.empty());
}

TEST_F(SqliteQuotaStoreTest, SendingRowsWithoutADestinationAreChargedAtRestart) {
  // A database written before destinations were recorded.
  const auto a = counted("user:1", 10);
  const std::string sending = reserve(a);
  ASSERT_TRUE(store_->mark_sending(sending, image_for(1)).ok());
  store_.reset();
  {
    auto db = store::Database::open(file_);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("UPDATE quota_uses SET send_target = NULL").ok());
  }
  store_ = open();
  auto recovered = store_->recover_after_restart();
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->charged, 1);
  EXPECT_TRUE(recovered->unconfirmed.empty());
  EXPECT_EQ(used("user:1"), 1);
}

TEST_P(QuotaStoreTest, ReleaseGivesBackASendingReservation) {
  const auto a = counted("user:1", 10);
  const std::string sending = reserve(a);
  ASSERT_TRUE(store_->mark_sending(sending, image_for(1)).ok());
  ASSERT_TRUE(store_->release(sending).ok());
  EXPECT_EQ(used("user:1"), 0);
  // A sending reservation keeps counting past reservation_ttl (it is settled at restart).
  const std::string again = reserve(a);
  ASSERT_TRUE(store_->mark_sending(again, image_for(1)).ok());
  clock_.advance(30min);
  EXPECT_EQ(used("user:1"), 1);
  // A send that failed (waiting for a reconnect) is back to reserved: a restart releases it.
  ASSERT_TRUE(store_->unmark_sending(again).ok());
  auto recovered = store_->recover_after_restart();
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->charged, 0);
  EXPECT_EQ(recovered->released, 1);
  EXPECT_TRUE(recovered->unconfirmed.empty());
}

TEST_P(QuotaStoreTest, StateSurvivesReopeningTheFile) {
  const QuotaDecision d = counted("user:1", 3);
  const auto start = clock_.now();
  use(d);
  std::string pending = reserve(d);
  store_ = open();
  Result<Usage> usage = store_->usage("user:1", 3, kInterval);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->used, 2);
  EXPECT_EQ(usage->remaining, 1);
  EXPECT_EQ(usage->resets_at, start + kInterval);
  ASSERT_TRUE(store_->commit(pending).ok());
  EXPECT_EQ(used("user:1"), 2);
}

TEST_P(QuotaStoreTest, ResetBucketClearsOnlyThatBucket) {
  use(counted("user:1", 1));
  use(counted("group:100", 1));
  ASSERT_TRUE(store_->reset_bucket("user:1").ok());
  EXPECT_EQ(used("user:1"), 0);
  EXPECT_EQ(used("group:100"), 1);
  EXPECT_TRUE(granted(counted("user:1", 1)));
}

TEST_P(QuotaStoreTest, ResetAllClearsEveryBucket) {
  use(counted("user:1", 1));
  use(counted("group:100", 1));
  ASSERT_TRUE(store_->reset_all().ok());
  EXPECT_EQ(used("user:1"), 0);
  EXPECT_EQ(used("group:100"), 0);
  Result<std::vector<BucketUsage>> buckets = store_->list_buckets(kInterval);
  ASSERT_TRUE(buckets.ok());
  EXPECT_TRUE(buckets->empty());
}

TEST_P(QuotaStoreTest, UnlimitedAndBlockedDecisionsNeedNoRows) {
  Result<ReserveOutcome> unlimited = store_->try_reserve(
      QuotaDecision{QuotaDecision::kUnlimited, "user:1", -1, QuotaTier::kAdmin}, kInterval);
  ASSERT_TRUE(unlimited.ok());
  EXPECT_TRUE(unlimited->granted);
  EXPECT_TRUE(unlimited->reservation_id.empty());
  EXPECT_EQ(unlimited->remaining_after_commit, -1);
  EXPECT_TRUE(store_->commit(unlimited->reservation_id).ok());

  Result<ReserveOutcome> blocked =
      store_->try_reserve(QuotaDecision{QuotaDecision::kBlocked, "user:1", 0, QuotaTier::kUser}, kInterval);
  ASSERT_TRUE(blocked.ok());
  EXPECT_FALSE(blocked->granted);
  EXPECT_EQ(blocked->limit, 0);
  EXPECT_EQ(blocked->resets_at, std::nullopt);

  Result<std::vector<BucketUsage>> buckets = store_->list_buckets(kInterval);
  ASSERT_TRUE(buckets.ok());
  EXPECT_TRUE(buckets->empty());
  Result<Usage> usage = store_->usage("user:1", -1, kInterval);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->remaining, -1);
}

TEST_P(QuotaStoreTest, ListBucketsShowsOpenWindowsOnly) {
  store_ = open(with_ttl(5min));
  const auto start = clock_.now();
  use(counted("user:9", 5));  // its window will have ended
  clock_.advance(kInterval / 2);
  const auto second = clock_.now();
  use(counted("group:100", 5));
  use(counted("group:100", 5));
  reserve(counted("group:100", 5));
  reserve(counted("user:1", 5));
  clock_.set(start + kInterval);

  Result<std::vector<BucketUsage>> buckets = store_->list_buckets(kInterval);
  ASSERT_TRUE(buckets.ok()) << buckets.error().to_string();
  ASSERT_EQ(buckets->size(), 2u);
  EXPECT_EQ((*buckets)[0].bucket, "group:100");
  EXPECT_EQ((*buckets)[0].window_start, second);
  EXPECT_EQ((*buckets)[0].resets_at, second + kInterval);
  EXPECT_EQ((*buckets)[0].committed, 2);
  EXPECT_EQ((*buckets)[0].reserved, 0);  // older than the ttl by now
  EXPECT_EQ((*buckets)[1].bucket, "user:1");
  EXPECT_EQ((*buckets)[1].committed, 0);

  clock_.set(second + 1min);  // user:9's window is open again, the reservations live
  buckets = store_->list_buckets(kInterval);
  ASSERT_TRUE(buckets.ok());
  ASSERT_EQ(buckets->size(), 3u);
  EXPECT_EQ((*buckets)[0].reserved, 1);
  EXPECT_EQ((*buckets)[1].reserved, 1);
  EXPECT_EQ((*buckets)[2].bucket, "user:9");
  EXPECT_EQ((*buckets)[2].committed, 1);
}

TEST_F(SqliteQuotaStoreTest, SchemaVersionIsRecordedOnce) {
  store_ = open();
  auto db = store::Database::open(file_);
  ASSERT_TRUE(db.ok());
  store::Statement& versions = (*db)->prepare("SELECT COUNT(*), MAX(version) FROM schema_version");
  ASSERT_EQ(*versions.step(), store::Statement::Step::kRow);
  EXPECT_EQ(versions.column_int64(0), 3) << "one row per migration, however often the file is opened";
  EXPECT_EQ(versions.column_int64(1), 3);
}

ImageTaskRecord task_for(std::string task_id, std::string reservation_id, Clock::time_point submitted) {
  return ImageTaskRecord{.provider = "ds",
                         .task_id = std::move(task_id),
                         .self_id = 10001,
                         .group_id = 20002,
                         .user_id = 30003,
                         .temp_group_id = 0,
                         .message_id = 44,
                         .prompt = "一只猫 a cat",
                         .reservation_id = std::move(reservation_id),
                         .submitted = submitted};
}

TEST_P(QuotaStoreTest, TaskRecordsAreWrittenReadBackInSubmitOrderAndRemoved) {
  const auto first_at = clock_.now();
  ASSERT_TRUE(store_->record_task(task_for("t-2", "user:1/x", first_at + 5s)).ok());
  ASSERT_TRUE(store_->record_task(task_for("t-1", "", first_at)).ok());
  store_ = open();  // they survive the process
  auto tasks = store_->pending_tasks();
  ASSERT_TRUE(tasks.ok()) << tasks.error().to_string();
  ASSERT_EQ(tasks->size(), 2u);
  const ImageTaskRecord& t = (*tasks)[0];
  EXPECT_EQ(t.provider, "ds");
  EXPECT_EQ(t.task_id, "t-1");
  EXPECT_EQ(t.self_id, 10001);
  EXPECT_EQ(t.group_id, 20002);
  EXPECT_EQ(t.user_id, 30003);
  EXPECT_EQ(t.message_id, 44);
  EXPECT_EQ(t.prompt, "一只猫 a cat");
  EXPECT_EQ(t.reservation_id, "");
  EXPECT_EQ(t.submitted, first_at);
  EXPECT_EQ((*tasks)[1].task_id, "t-2");
  EXPECT_EQ((*tasks)[1].reservation_id, "user:1/x");
  // Writing the same task again replaces it; removing twice is fine.
  ASSERT_TRUE(store_->record_task(task_for("t-2", "user:1/y", first_at + 5s)).ok());
  ASSERT_TRUE(store_->remove_task("ds", "t-1").ok());
  ASSERT_TRUE(store_->remove_task("ds", "t-1").ok());
  ASSERT_TRUE(store_->remove_task("other", "t-2").ok()) << "another provider's task of that id";
  tasks = store_->pending_tasks();
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].reservation_id, "user:1/y");
}

TEST_P(QuotaStoreTest, RestartKeepsTheUnitOfARecordedTaskHeldAndReleasesTheOthers) {
  const auto a = counted("user:1", 10);
  const std::string polling = reserve(a);  // its task was being polled
  const std::string held = reserve(a);     // died before any submit
  ASSERT_TRUE(store_->record_task(task_for("t-1", polling, clock_.now())).ok());
  store_ = open();
  auto recovered = store_->recover_after_restart();
  ASSERT_TRUE(recovered.ok()) << recovered.error().to_string();
  EXPECT_EQ(recovered->released, 1);
  EXPECT_EQ(store_->commit(held).error().code, "not_found");
  EXPECT_EQ(used("user:1"), 1) << "the resumed task's unit still counts";
  ASSERT_TRUE(store_->commit(polling).ok()) << "delivered after the restart: charged once";
  ASSERT_TRUE(store_->remove_task("ds", "t-1").ok());
  EXPECT_EQ(used("user:1"), 1);
}

TEST_F(SqliteQuotaStoreTest, ADatabaseOfTheSecondSchemaGainsTheTaskTableAndKeepsItsRows) {
  store_.reset();
  std::filesystem::remove(file_);
  {
    // The schema as it was before image_tasks (migrations 1 and 2).
    auto db = store::Database::open(file_);
    ASSERT_TRUE(db.ok());
    const std::vector<store::Migration> before = {
        {1,
         "CREATE TABLE quota_buckets(bucket TEXT PRIMARY KEY, window_start_ms INTEGER NOT NULL) WITHOUT "
         "ROWID;"
         "CREATE TABLE quota_uses(bucket TEXT NOT NULL, token TEXT NOT NULL, created_ms INTEGER NOT NULL,"
         " committed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (bucket, token)) WITHOUT ROWID;"},
        {2,
         "ALTER TABLE quota_uses ADD COLUMN sending_ms INTEGER;"
         "ALTER TABLE quota_uses ADD COLUMN send_self_id INTEGER;"
         "ALTER TABLE quota_uses ADD COLUMN send_group INTEGER;"
         "ALTER TABLE quota_uses ADD COLUMN send_target INTEGER;"
         "ALTER TABLE quota_uses ADD COLUMN send_size INTEGER;"
         "ALTER TABLE quota_uses ADD COLUMN send_image_id TEXT;"},
    };
    ASSERT_TRUE((*db)->migrate(before).ok());
  }
  store_ = open();
  ASSERT_NE(store_, nullptr);
  use(counted("user:1", 10));
  ASSERT_TRUE(store_->record_task(task_for("t-1", "", clock_.now())).ok());
  store_ = open();
  EXPECT_EQ(used("user:1"), 1);
  auto tasks = store_->pending_tasks();
  ASSERT_TRUE(tasks.ok()) << tasks.error().to_string();
  EXPECT_EQ(tasks->size(), 1u);
}

TEST_F(SqliteQuotaStoreTest, BusyDatabaseIsAClearError) {
  QuotaStoreOptions impatient;
  impatient.database = {.busy_timeout = 1ms, .busy_attempts = 2, .busy_backoff = 1ms};
  store_ = open(impatient);
  auto holder = store::Database::open(file_);
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE((*holder)->exec("BEGIN IMMEDIATE").ok());
  Result<ReserveOutcome> outcome = store_->try_reserve(counted("user:1", 5), kInterval);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, store::kBusyError);
  EXPECT_THAT(outcome.error().message, HasSubstr("database busy"));
  ASSERT_TRUE((*holder)->exec("COMMIT").ok());
  EXPECT_TRUE(granted(counted("user:1", 5)));
}

// 100 threads, each with its own connection to the same file, race for 10
// units: only BEGIN IMMEDIATE's check-and-reserve keeps this exact.
TEST_F(SqliteQuotaStoreTest, ConcurrentConnectionsNeverGrantBeyondTheLimit) {
  constexpr int kThreads = 100;
  constexpr std::int64_t kLimit = 10;
  std::filesystem::remove(file_);  // the threads also race to create the schema
  store_.reset();
  std::latch ready(kThreads);
  std::vector<int> granted_by(kThreads, 0);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto store = QuotaStore::open(file_, clock_);
      ready.arrive_and_wait();
      if (!store.ok()) {
        errors[i] = store.error().to_string();
        return;
      }
      Result<ReserveOutcome> outcome = (*store)->try_reserve(counted("group:100", kLimit), kInterval);
      if (!outcome.ok()) {
        errors[i] = outcome.error().to_string();
        return;
      }
      granted_by[i] = outcome->granted ? 1 : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& error : errors) EXPECT_EQ(error, "");
  EXPECT_EQ(std::count(granted_by.begin(), granted_by.end(), 1), kLimit);
  store_ = open();
  EXPECT_EQ(used("group:100"), kLimit);
}

TEST_F(SqliteQuotaStoreTest, AsyncStoreRunsOnTheWorkerPool) {
  boost::asio::io_context io;
  WorkerPool pool(2);
  store_.reset();
  std::optional<Result<ReserveOutcome>> reserved;
  std::optional<Result<Usage>> usage;
  std::optional<Status> committed;
  const auto loop_thread = std::this_thread::get_id();
  bool resumed_on_loop = false;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        auto store = co_await AsyncQuotaStore::open(pool, file_, clock_);
        if (!store.ok()) co_return;
        reserved = co_await (*store)->try_reserve(counted("user:1", 3), kInterval);
        if (!reserved->ok()) co_return;
        committed = co_await (*store)->commit((*reserved)->reservation_id);
        usage = co_await (*store)->usage("user:1", 3, kInterval);
        resumed_on_loop = std::this_thread::get_id() == loop_thread;
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  ASSERT_TRUE(reserved && reserved->ok());
  EXPECT_TRUE((*reserved)->granted);
  ASSERT_TRUE(committed && committed->ok());
  ASSERT_TRUE(usage && usage->ok());
  EXPECT_EQ((*usage)->used, 1);
  EXPECT_EQ((*usage)->remaining, 2);
  EXPECT_TRUE(resumed_on_loop);
}

// Two instances on one database: each with its own pool, both racing for the
// last units of one bucket. The bucket row's lock keeps the count exact.
TEST_F(PgQuotaStoreTest, TwoInstancesNeverGrantBeyondTheLimitTogether) {
  constexpr int kThreadsPerInstance = 8;
  constexpr int kReservesPerThread = 25;
  constexpr std::int64_t kLimit = 100;
  std::unique_ptr<QuotaLedger> other = open_another();
  ASSERT_NE(other, nullptr);
  std::latch ready(2 * kThreadsPerInstance);
  std::atomic<int> grants{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (QuotaLedger* ledger : {store_.get(), other.get()}) {
    for (int t = 0; t < kThreadsPerInstance; ++t) {
      threads.emplace_back([&, ledger] {
        ready.arrive_and_wait();
        for (int i = 0; i < kReservesPerThread; ++i) {
          Result<ReserveOutcome> outcome = ledger->try_reserve(counted("group:100", kLimit), kInterval);
          if (!outcome.ok()) {
            ++errors;
          } else if (outcome->granted) {
            ++grants;
          }
        }
      });
    }
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(grants.load(), kLimit) << "2 x 200 reserves against a limit of 100";
  EXPECT_EQ(used("group:100", kLimit), kLimit);
}

TEST_F(PgQuotaStoreTest, AStartingInstanceReleasesOnlyItsOwnReservations) {
  std::unique_ptr<QuotaLedger> other = open_another();
  ASSERT_NE(other, nullptr);
  const auto d = counted("user:1", 10);
  const std::string mine = reserve(d);
  Result<ReserveOutcome> theirs = other->try_reserve(d, kInterval);
  ASSERT_TRUE(theirs.ok() && theirs->granted);
  Result<ReserveOutcome> theirs_sending = other->try_reserve(d, kInterval);
  ASSERT_TRUE(theirs_sending.ok() && theirs_sending->granted);
  ASSERT_TRUE(other->mark_sending(theirs_sending->reservation_id, image_for(1)).ok());
  ASSERT_TRUE(other->record_task(task_for("t-b", "", clock_.now())).ok());

  store_ = open();  // instance-a restarts; instance-b keeps running
  auto recovered = store_->recover_after_restart();
  ASSERT_TRUE(recovered.ok()) << recovered.error().to_string();
  EXPECT_EQ(recovered->released, 1);
  EXPECT_TRUE(recovered->unconfirmed.empty()) << "instance-b's image in flight is not ours to check";
  auto tasks = store_->pending_tasks();
  ASSERT_TRUE(tasks.ok());
  EXPECT_TRUE(tasks->empty()) << "instance-b's task is not ours to resume";
  EXPECT_EQ(store_->commit(mine).error().code, "not_found");
  EXPECT_TRUE(other->commit(theirs->reservation_id).ok()) << "instance-b's unit survived a's start";
  EXPECT_TRUE(other->commit(theirs_sending->reservation_id).ok());
  EXPECT_EQ(used("user:1"), 2);
}

TEST_F(PgQuotaStoreTest, ResetsAndUsageAreSharedByEveryInstance) {
  std::unique_ptr<QuotaLedger> other = open_another();
  ASSERT_NE(other, nullptr);
  use(counted("user:1", 2));
  Result<ReserveOutcome> second = other->try_reserve(counted("user:1", 2), kInterval);
  ASSERT_TRUE(second.ok() && second->granted);
  EXPECT_EQ(second->used, 2) << "instance-b sees instance-a's use";
  ASSERT_TRUE(other->commit(second->reservation_id).ok());
  EXPECT_FALSE(granted(counted("user:1", 2)));
  ASSERT_TRUE(other->reset_bucket("user:1").ok());  // /reset_images on instance-b
  EXPECT_TRUE(granted(counted("user:1", 2)));
  ASSERT_TRUE(store_->reset_all().ok());  // the console on instance-a
  Result<std::vector<BucketUsage>> buckets = other->list_buckets(kInterval);
  ASSERT_TRUE(buckets.ok());
  EXPECT_TRUE(buckets->empty());
}

TEST_F(PgQuotaStoreTest, TheSchemaIsVersionedAndANewerOneIsRefused) {
  auto pool = store::pg::PgPool::open({.url = database_url_});
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ(store::pg::schema_version(**pool, "quota").value_or(-1), 1);
  store_ = open();  // opening again migrates nothing
  EXPECT_EQ(store::pg::schema_version(**pool, "quota").value_or(-1), 1);
  Status bumped = (*pool)->with_connection(
      [](store::pg::PgConnection& c) { return c.exec("UPDATE schema_version SET version = 99"); });
  ASSERT_TRUE(bumped.ok());
  store_.reset();
  LedgerPlace place{.sqlite_file = file_, .database_url = database_url_, .instance_id = "instance-a"};
  auto refused = open_ledger(place, clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, store::pg::kSchemaNewer);
}

TEST_F(PgQuotaStoreTest, CallsFailCleanlyWhileTheServerIsDownAndCountNothingTwice) {
  // Its own server: this one is stopped and started again.
  auto server = testing::PostgresServer::start();
  ASSERT_TRUE(server.ok()) << server.error().to_string();
  LedgerPlace place{.sqlite_file = file_, .database_url = (*server)->url(), .instance_id = "instance-a"};
  auto opened = open_ledger(place, clock_);
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  store_ = std::move(opened).value();
  use(counted("user:1", 3));
  ASSERT_TRUE((*server)->stop());
  Result<ReserveOutcome> down = store_->try_reserve(counted("user:1", 3), kInterval);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, "unavailable");
  ASSERT_TRUE((*server)->restart().ok());
  EXPECT_EQ(used("user:1", 3), 1) << "the failed reserve left nothing";
  use(counted("user:1", 3));
  EXPECT_EQ(used("user:1", 3), 2);
}

TEST_F(PgQuotaStoreTest, TheAsyncStoreOverlapsCallsOnTheWorkerPool) {
  boost::asio::io_context io;
  WorkerPool pool(4);
  AsyncQuotaStore async(pool, std::move(store_));
  int granted_count = 0;
  for (int i = 0; i < 20; ++i) {
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          Result<ReserveOutcome> outcome = co_await async.try_reserve(counted("user:1", 10), kInterval);
          if (outcome.ok() && outcome->granted) ++granted_count;
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  }
  io.run();
  EXPECT_EQ(granted_count, 10);
}

}  // namespace
}  // namespace picbot::quota
