#include "bot/web/health.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace picbot::web {
namespace {

TEST(HealthTest, ReportsStatusVersionUptimeAndLinks) {
  boost::asio::io_context io;
  auto handler = make_health_handler([] { return std::size_t{2}; });
  HttpRequest request;
  auto future = boost::asio::co_spawn(io, handler(request), boost::asio::use_future);
  io.run();
  const HttpResponse response = future.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_TRUE(body["version"].is_string());
  EXPECT_GE(body["uptime_seconds"].get<long long>(), 0);
  EXPECT_EQ(body["onebot"]["links"], 2);
}

}  // namespace
}  // namespace picbot::web
