#include "tests/support/postgres_server.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

namespace picbot::testing {
namespace {

bool accepts_queries(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* result = PQexec(conn, "SELECT 1");
    ok = PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
  }
  PQfinish(conn);
  return ok;
}

TEST(PostgresServer, StartsStopsAndRestartsWithItsData) {
  ASSERT_EQ(PostgresServer::unavailable_reason(), "");
  auto server = PostgresServer::start();
  ASSERT_TRUE(server.ok()) << server.error().to_string();
  PostgresServer& pg = **server;
  ASSERT_TRUE(accepts_queries(pg.url()));

  PGconn* conn = PQconnectdb(pg.url().c_str());
  PQclear(PQexec(conn, "CREATE TABLE kept(x int); INSERT INTO kept VALUES (7)"));
  PQfinish(conn);

  ASSERT_TRUE(pg.stop());
  EXPECT_FALSE(pg.running());
  EXPECT_FALSE(accepts_queries(pg.url()));

  ASSERT_TRUE(pg.restart().ok());
  conn = PQconnectdb(pg.url().c_str());
  PGresult* result = PQexec(conn, "SELECT x FROM kept");
  ASSERT_EQ(PQresultStatus(result), PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(result, 0, 0), "7");
  PQclear(result);
  PQfinish(conn);
}

}  // namespace
}  // namespace picbot::testing
