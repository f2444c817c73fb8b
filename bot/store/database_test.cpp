#include "bot/store/database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace picbot::store {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Step = Statement::Step;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("picbot_database_test_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    file_ = dir_ / "test.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Database> open(const DatabaseOptions& options = {}) {
    auto db = Database::open(file_, options);
    EXPECT_TRUE(db.ok()) << db.error().to_string();
    return std::move(db).value();
  }

  // Returns the first column of the first row of sql as an integer.
  static std::int64_t scalar(Database& db, std::string_view sql) {
    Statement& statement = db.prepare(sql);
    Result<Step> row = statement.step();
    EXPECT_TRUE(row.ok()) << row.error().to_string();
    EXPECT_EQ(*row, Step::kRow);
    const std::int64_t value = statement.column_int64(0);
    statement.reset();
    return value;
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
};

TEST_F(DatabaseTest, OpenAppliesConnectionSettings) {
  auto db = open();
  Statement& journal = db->prepare("PRAGMA journal_mode");
  ASSERT_EQ(*journal.step(), Step::kRow);
  EXPECT_EQ(journal.column_text(0), "wal");
  journal.reset();
  EXPECT_EQ(scalar(*db, "PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(scalar(*db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(scalar(*db, "PRAGMA busy_timeout"), 5000);
}

TEST_F(DatabaseTest, BusyTimeoutIsConfigurable) {
  auto db = open({.busy_timeout = std::chrono::milliseconds(250)});
  EXPECT_EQ(scalar(*db, "PRAGMA busy_timeout"), 250);
}

TEST_F(DatabaseTest, OpenFailureIsAnErrorValue) {
  auto db = Database::open(dir_ / "missing" / "dir" / "x.db");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, kSqliteError);
  EXPECT_THAT(db.error().message, HasSubstr("x.db"));
}

TEST_F(DatabaseTest, MigrationsRunOnceAndAreRecorded) {
  std::vector<Migration> migrations = {
      {2, "INSERT INTO t(x) VALUES (1)"},
      {1, "CREATE TABLE t(x INTEGER)"},
  };
  {
    auto db = open();
    ASSERT_TRUE(db->migrate(migrations).ok());
    ASSERT_TRUE(db->migrate(migrations).ok());
  }
  auto db = open();
  ASSERT_TRUE(db->migrate(migrations).ok());
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM t"), 1);

  migrations.push_back({3, "INSERT INTO t(x) VALUES (3)"});
  ASSERT_TRUE(db->migrate(migrations).ok());
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM t"), 2);

  std::vector<std::int64_t> versions;
  Statement& recorded = db->prepare("SELECT version FROM schema_version ORDER BY version");
  while (*recorded.step() == Step::kRow) versions.push_back(recorded.column_int64(0));
  EXPECT_EQ(versions, (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(DatabaseTest, FailedMigrationIsRolledBackAndNotRecorded) {
  auto db = open();
  Status migrated = db->migrate({
      {1, "CREATE TABLE t(x INTEGER)"},
      {2, "CREATE TABLE u(x INTEGER); INSERT INTO nope VALUES (1)"},
  });
  ASSERT_FALSE(migrated.ok());
  EXPECT_THAT(migrated.error().message, HasSubstr("migration 2"));
  EXPECT_THAT(migrated.error().message, HasSubstr("no such table: nope"));
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'u'"), 0);
  EXPECT_EQ(scalar(*db, "SELECT MAX(version) FROM schema_version"), 1);
}

TEST_F(DatabaseTest, MigrationVersionsMustBePositiveAndUnique) {
  auto db = open();
  EXPECT_FALSE(db->migrate({{1, "SELECT 1"}, {1, "SELECT 2"}}).ok());
  EXPECT_FALSE(db->migrate({{0, "SELECT 1"}}).ok());
}

TEST_F(DatabaseTest, PrepareCachesBySqlText) {
  auto db = open();
  Statement& first = db->prepare("SELECT 1");
  EXPECT_EQ(&first, &db->prepare("SELECT 1"));
  EXPECT_NE(&first, &db->prepare("SELECT 2"));
}

TEST_F(DatabaseTest, PrepareHandsOutAResetStatementWithoutBindings) {
  auto db = open();
  Statement& echo = db->prepare("SELECT ?1");
  ASSERT_EQ(*echo.bind_int64(1, 7).step(), Step::kRow);
  Statement& again = db->prepare("SELECT ?1");
  ASSERT_EQ(*again.step(), Step::kRow);
  EXPECT_TRUE(again.column_is_null(0));
}

TEST_F(DatabaseTest, StatementBindsAndReadsEveryType) {
  auto db = open();
  ASSERT_TRUE(db->exec("CREATE TABLE v(i INTEGER, t TEXT, b BLOB, n TEXT, e BLOB)").ok());
  const std::vector<std::uint8_t> blob = {0, 1, 2, 255};
  Status inserted = db->prepare("INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?5)")
                        .bind_int64(1, -(std::int64_t{1} << 40))
                        .bind_text(2, "绘图 text")
                        .bind_blob(3, blob)
                        .bind_null(4)
                        .bind_blob(5, {})
                        .run();
  ASSERT_TRUE(inserted.ok()) << inserted.error().to_string();

  Statement& select = db->prepare("SELECT i, t, b, n, e FROM v");
  ASSERT_EQ(*select.step(), Step::kRow);
  EXPECT_EQ(select.column_int64(0), -(std::int64_t{1} << 40));
  EXPECT_EQ(select.column_text(1), "绘图 text");
  auto read = select.column_blob(2);
  EXPECT_EQ(std::vector<std::uint8_t>(read.begin(), read.end()), blob);
  EXPECT_TRUE(select.column_is_null(3));
  EXPECT_FALSE(select.column_is_null(4));  // an empty blob is not NULL
  EXPECT_TRUE(select.column_blob(4).empty());
  EXPECT_EQ(*select.step(), Step::kDone);
}

TEST_F(DatabaseTest, PrepareAndBindErrorsAreReportedByStep) {
  auto db = open();
  Result<Step> syntax = db->prepare("SELEC 1").step();
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, kSqliteError);
  EXPECT_THAT(syntax.error().message, HasSubstr("syntax error"));

  Result<Step> range = db->prepare("SELECT ?1").bind_int64(5, 1).step();
  ASSERT_FALSE(range.ok());
  EXPECT_THAT(range.error().message, HasSubstr("out of range"));
}

TEST_F(DatabaseTest, StatementCompiledBeforeItsTableExistsWorksOnceItDoes) {
  auto db = open();
  EXPECT_FALSE(db->prepare("SELECT COUNT(*) FROM later").step().ok());
  ASSERT_TRUE(db->exec("CREATE TABLE later(x)").ok());
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM later"), 0);
}

TEST_F(DatabaseTest, ExecReportsTheSqliteMessage) {
  auto db = open();
  Status status = db->exec("INSERT INTO nowhere VALUES (1)");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, kSqliteError);
  EXPECT_THAT(status.error().message, HasSubstr("no such table: nowhere"));
}

TEST_F(DatabaseTest, TransactionCommitsOnSuccessAndRollsBackOnError) {
  auto db = open();
  ASSERT_TRUE(db->exec("CREATE TABLE t(x INTEGER)").ok());
  Result<int> committed = db->transaction([&]() -> Result<int> {
    if (Status s = db->prepare("INSERT INTO t VALUES (?1)").bind_int64(1, 1).run(); !s.ok()) return s.error();
    return 42;
  });
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(*committed, 42);

  Status rolled_back = db->transaction([&]() -> Status {
    if (Status s = db->prepare("INSERT INTO t VALUES (?1)").bind_int64(1, 2).run(); !s.ok()) return s;
    return Error::make("app", "changed my mind");
  });
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_EQ(rolled_back.error().code, "app");
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM t"), 1);
}

TEST_F(DatabaseTest, TransactionFinishesHalfReadSelects) {
  auto db = open();
  ASSERT_TRUE(db->exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3);").ok());
  Status status = db->transaction([&]() -> Status {
    Result<Step> first = db->prepare("SELECT x FROM t").step();  // left mid-run on purpose
    if (!first.ok()) return first.error();
    return db->prepare("INSERT INTO t VALUES (4)").run();
  });
  ASSERT_TRUE(status.ok()) << status.error().to_string();
  auto other = open();
  EXPECT_EQ(scalar(*other, "SELECT COUNT(*) FROM t"), 4);
}

TEST_F(DatabaseTest, BusyLockIsRetriedThenReportedClearly) {
  auto holder = open();
  ASSERT_TRUE(holder->exec("CREATE TABLE t(x INTEGER)").ok());
  auto db = open({.busy_timeout = std::chrono::milliseconds(1),
                  .busy_attempts = 3,
                  .busy_backoff = std::chrono::milliseconds(1)});
  ASSERT_TRUE(holder->exec("BEGIN IMMEDIATE").ok());  // hold the write lock

  int immediate_runs = 0;
  Status immediate = db->transaction([&]() -> Status {
    ++immediate_runs;
    return {};
  });
  ASSERT_FALSE(immediate.ok());
  EXPECT_EQ(immediate.error().code, kBusyError);
  EXPECT_THAT(immediate.error().message, StartsWith("database busy after 3 attempts"));
  EXPECT_EQ(immediate_runs, 0);  // the lock was never ours

  // A deferred transaction learns of the lock only at its first write, inside
  // fn: the whole transaction is run again each time.
  int deferred_runs = 0;
  Status deferred = db->transaction(
      [&]() -> Status {
        ++deferred_runs;
        return db->prepare("INSERT INTO t VALUES (1)").run();
      },
      Database::Mode::kDeferred);
  ASSERT_FALSE(deferred.ok());
  EXPECT_EQ(deferred.error().code, kBusyError);
  EXPECT_EQ(deferred_runs, 3);

  ASSERT_TRUE(holder->exec("COMMIT").ok());
  Status after = db->transaction([&] { return db->prepare("INSERT INTO t VALUES (2)").run(); });
  EXPECT_TRUE(after.ok());
}

TEST_F(DatabaseTest, InMemoryDatabaseOpens) {
  auto db = Database::open(":memory:");
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  EXPECT_TRUE((*db)->exec("CREATE TABLE t(x)").ok());
}

}  // namespace
}  // namespace picbot::store
