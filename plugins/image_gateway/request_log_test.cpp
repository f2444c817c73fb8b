#include "plugins/image_gateway/request_log.h"

#include <gtest/gtest.h>

namespace picbot::gateway {
namespace {

TEST(RequestLog, KeepsTheLast100NewestFirstAndEachKeysTotals) {
  RequestLog log;
  for (int i = 0; i < 120; ++i) {
    log.add({1000 + i, i % 2 == 0 ? "webui" : "phone", "images/generations", "m", i % 10 == 0 ? 502 : 200, 5,
             i % 10 == 0 ? 0 : 1});
  }
  const nlohmann::json listed = log.to_json();
  ASSERT_EQ(listed["recent"].size(), RequestLog::kKept);
  EXPECT_EQ(listed["recent"][0]["time_ms"], 1119);
  EXPECT_EQ(listed["recent"][99]["time_ms"], 1020);
  const RequestLog::Totals webui = log.totals("webui");
  EXPECT_EQ(webui.requests, 60);
  EXPECT_EQ(webui.failures, 12);
  EXPECT_EQ(webui.images, 48);
  EXPECT_EQ(webui.last_ms, 1118);
  EXPECT_EQ(listed["per_key"]["phone"]["last_ms"], 1119);
  EXPECT_EQ(log.totals("nobody").requests, 0);
  EXPECT_EQ(log.totals("nobody").last_ms, 0);
}

}  // namespace
}  // namespace picbot::gateway
