#include "bot/store/pg/pg_migrate.h"

#include <gtest/gtest.h>

#include "bot/core/log_language.h"
#include "tests/support/postgres_server.h"

namespace picbot::store::pg {
namespace {

using testing::PostgresServer;

class PgMigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(PostgresServer::unavailable_reason(), "");
    auto server = PostgresServer::start();
    ASSERT_TRUE(server.ok()) << server.error().to_string();
    server_ = std::move(server).value();
    PgPoolOptions options;
    options.url = server_->url();
    auto pool = PgPool::open(options);
    ASSERT_TRUE(pool.ok()) << pool.error().to_string();
    pool_ = std::move(pool).value();
  }

  std::unique_ptr<PostgresServer> server_;
  std::unique_ptr<PgPool> pool_;
};

const std::vector<PgMigration> kTwoSteps = {
    {1, "CREATE TABLE a(x INTEGER)"},
    {2, "ALTER TABLE a ADD COLUMN y INTEGER"},
};

TEST_F(PgMigrateTest, AppliesTheStepsOnceAndRecordsTheVersion) {
  EXPECT_EQ(schema_version(*pool_, "quota").value_or(-1), 0);
  ASSERT_TRUE(migrate(*pool_, "quota", {kTwoSteps[0]}).ok());
  EXPECT_EQ(schema_version(*pool_, "quota").value_or(-1), 1);
  Status again = migrate(*pool_, "quota", kTwoSteps);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(schema_version(*pool_, "quota").value_or(-1), 2);
  ASSERT_TRUE(migrate(*pool_, "quota", kTwoSteps).ok());  // nothing left to do
  EXPECT_EQ(schema_version(*pool_, "other").value_or(-1), 0);
}

TEST_F(PgMigrateTest, AFailingStepLeavesNothingBehind) {
  Status failed = migrate(*pool_, "quota", {{1, "CREATE TABLE b(x INTEGER)"}, {2, "NOT SQL"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(schema_version(*pool_, "quota").value_or(-1), 0);
  ASSERT_TRUE(migrate(*pool_, "quota", {{1, "CREATE TABLE b(x INTEGER)"}}).ok());  // b was rolled back
}

TEST_F(PgMigrateTest, ADatabaseNewerThanTheBinaryIsRefusedWithTheMessage) {
  log::pin_language("en");
  ASSERT_TRUE(migrate(*pool_, "quota", kTwoSteps).ok());
  Status refused = migrate(*pool_, "quota", {kTwoSteps[0]});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kSchemaNewer);
  EXPECT_NE(refused.error().message.find("quota schema is at version 2, newer than the 1 this binary knows"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(schema_version(*pool_, "quota").value_or(-1), 2);
}

}  // namespace
}  // namespace picbot::store::pg
