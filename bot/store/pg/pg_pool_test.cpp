#include "bot/store/pg/pg_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/postgres_server.h"

namespace picbot::store::pg {
namespace {

using testing::PostgresServer;

class PgPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(PostgresServer::unavailable_reason(), "");
    auto server = PostgresServer::start();
    ASSERT_TRUE(server.ok()) << server.error().to_string();
    server_ = std::move(server).value();
  }

  std::unique_ptr<PgPool> open_pool(std::size_t connections = 2) {
    PgPoolOptions options;
    options.url = server_->url();
    options.max_connections = connections;
    options.acquire_timeout = std::chrono::milliseconds(2000);
    auto pool = PgPool::open(options);
    EXPECT_TRUE(pool.ok()) << pool.error().to_string();
    return pool.ok() ? std::move(pool).value() : nullptr;
  }

  std::unique_ptr<PostgresServer> server_;
};

const PgStatement kInsert{"t_insert", "INSERT INTO t(k, v) VALUES ($1::text, $2::bigint) RETURNING v"};
const PgStatement kSelect{"t_select", "SELECT v, note FROM t WHERE k = $1::text"};

TEST(MaskDatabaseUrl, HidesThePasswordAndKeepsTheRest) {
  EXPECT_EQ(mask_database_url("postgresql://picbot:s3cr3t-pw@db.example:5432/picbot"),
            "postgresql://picbot:••••@db.example:5432/picbot");
  EXPECT_EQ(mask_database_url("postgres://u:p%40ss@h/db?sslmode=require"),
            "postgres://u:••••@h/db?sslmode=require");
  EXPECT_EQ(mask_database_url("host=db user=u password='x y' dbname=p"),
            "host=db user=u password=•••• dbname=p");
  EXPECT_EQ(mask_database_url("postgresql://h/db?user=u&password=hunter22"),
            "postgresql://h/db?user=u&password=••••");
  EXPECT_EQ(mask_database_url("postgresql://u@h/db"), "postgresql://u@h/db");
}

TEST_F(PgPoolTest, RunsPreparedStatementsWithParameters) {
  auto pool = open_pool();
  ASSERT_TRUE(pool);
  Status created = pool->with_connection([](PgConnection& c) {
    return c.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v BIGINT NOT NULL, note TEXT)");
  });
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  // A value SQL would choke on goes through as a parameter, untouched.
  const std::string key = "x'); DROP TABLE t; --";
  auto inserted = pool->with_connection([&](PgConnection& c) { return c.run(kInsert, {key, "42"}); });
  ASSERT_TRUE(inserted.ok()) << inserted.error().to_string();
  EXPECT_EQ(inserted->affected(), 1);
  EXPECT_EQ(inserted->int64(0, 0), 42);
  auto selected = pool->with_connection([&](PgConnection& c) { return c.run(kSelect, {key}); });
  ASSERT_TRUE(selected.ok());
  ASSERT_EQ(selected->size(), 1);
  EXPECT_EQ(selected->int64(0, 0), 42);
  EXPECT_TRUE(selected->is_null(0, 1));
}

TEST_F(PgPoolTest, AUniqueViolationIsAConstraintError) {
  auto pool = open_pool();
  ASSERT_TRUE(pool);
  ASSERT_TRUE(pool->with_connection([](PgConnection& c) {
                    return c.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v BIGINT, note TEXT)");
                  })
                  .ok());
  ASSERT_TRUE(pool->with_connection([](PgConnection& c) { return c.run(kInsert, {"a", "1"}); }).ok());
  auto again = pool->with_connection([](PgConnection& c) { return c.run(kInsert, {"a", "2"}); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, kConstraint);
}

TEST_F(PgPoolTest, NoServerIsUnavailableAndTheUrlIsMaskedInTheError) {
  PgPoolOptions options;
  options.url = "postgresql://picbot:VerySecretPassword@127.0.0.1:1/picbot";
  auto pool = PgPool::open(options);
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.error().code, kUnavailable);
  EXPECT_EQ(pool.error().message.find("VerySecretPassword"), std::string::npos) << pool.error().message;
  EXPECT_NE(pool.error().message.find("picbot:••••@127.0.0.1:1"), std::string::npos) << pool.error().message;
}

TEST_F(PgPoolTest, FailsCleanlyWhileTheServerIsDownAndReconnectsAfterItRestarts) {
  auto pool = open_pool(3);
  ASSERT_TRUE(pool);
  ASSERT_TRUE(pool->with_connection([](PgConnection& c) {
                    return c.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v BIGINT, note TEXT)");
                  })
                  .ok());
  ASSERT_TRUE(server_->stop());
  auto down = pool->with_connection([](PgConnection& c) { return c.run(kInsert, {"a", "1"}); });
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, kUnavailable) << down.error().to_string();
  ASSERT_TRUE(server_->restart().ok());
  auto up = pool->with_connection([](PgConnection& c) { return c.run(kInsert, {"a", "1"}); });
  ASSERT_TRUE(up.ok()) << up.error().to_string();
}

TEST_F(PgPoolTest, AnIdleConnectionTheRestartClosedIsReplacedBeforeUse) {
  auto pool = open_pool(1);
  ASSERT_TRUE(pool);
  ASSERT_TRUE(pool->with_connection([](PgConnection& c) {
                    return c.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v BIGINT, note TEXT)");
                  })
                  .ok());
  ASSERT_EQ(pool->open_connections(), 1u);
  ASSERT_TRUE(server_->restart().ok());
  // The one idle connection died with the old server; the call must not see it.
  auto inserted = pool->with_connection([](PgConnection& c) { return c.run(kInsert, {"a", "1"}); });
  ASSERT_TRUE(inserted.ok()) << inserted.error().to_string();
}

TEST_F(PgPoolTest, NeverOpensMoreThanItsBound) {
  auto pool = open_pool(2);
  ASSERT_TRUE(pool);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Status s = pool->with_connection([&](PgConnection& c) {
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        Status slept = c.exec("SELECT pg_sleep(0.05)");
        --inside;
        return slept;
      });
      EXPECT_TRUE(s.ok()) << s.error().to_string();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_LE(pool->open_connections(), 2u);
}

TEST_F(PgPoolTest, ASerializationFailureRunsTheTransactionAgain) {
  auto pool = open_pool(2);
  ASSERT_TRUE(pool);
  int runs = 0;
  Status s = pool->transaction([&](PgConnection& c) -> Status {
    ++runs;
    if (runs == 1) return c.exec("DO $$ BEGIN RAISE EXCEPTION 'retry me' USING ERRCODE = '40001'; END $$");
    return {};
  });
  EXPECT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace picbot::store::pg
