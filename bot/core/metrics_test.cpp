#include "bot/core/metrics.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

TEST(MetricsTest, CountersRenderWithHelpTypeAndEscapedLabels) {
  Metrics m;
  m.increment("picbot_api_calls_total", "OneBot API calls", {{"action", "send_msg"}, {"result", "ok"}});
  m.increment("picbot_api_calls_total", "OneBot API calls", {{"action", "send_msg"}, {"result", "ok"}}, 2);
  m.increment("picbot_odd_total", "odd", {{"v", "a\"b\\c\nd"}});
  const std::string text = m.render();
  EXPECT_NE(text.find("# HELP picbot_api_calls_total OneBot API calls\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE picbot_api_calls_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_api_calls_total{action=\"send_msg\",result=\"ok\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("picbot_odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics m;
  m.observe("picbot_latency_seconds", "latency", 0.3, {}, {0.1, 1, 10});
  m.observe("picbot_latency_seconds", "latency", 5, {}, {0.1, 1, 10});
  m.observe("picbot_latency_seconds", "latency", 50, {}, {0.1, 1, 10});
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE picbot_latency_seconds histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_bucket{le=\"0.1\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_bucket{le=\"1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_bucket{le=\"10\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_sum 55.3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_count 3\n"), std::string::npos) << text;
}

TEST(MetricsTest, SetCounterReplacesTheValue) {
  Metrics m;
  m.set_counter("picbot_commands_total", "commands", {}, 4);
  m.set_counter("picbot_commands_total", "commands", {}, 7);
  EXPECT_NE(m.render().find("picbot_commands_total 7\n"), std::string::npos) << m.render();
}

// Issue 23: hot paths resolve their series once; a handle adds to the same
// series increment()/observe() reach by name and labels.
TEST(MetricsTest, HandlesAddToTheSeriesTheirNameAndLabelsName) {
  Metrics m;
  const Metrics::Counter calls = m.counter("picbot_api_calls_total", "calls", {{"action", "send_msg"}});
  calls.increment();
  calls.increment(2);
  calls.increment(-1);  // counters only go up
  m.increment("picbot_api_calls_total", "calls", {{"action", "send_msg"}});
  const Metrics::Histogram latency = m.histogram("picbot_latency_seconds", "latency", {}, {0.1, 1});
  latency.observe(0.5);
  m.observe("picbot_latency_seconds", "latency", 2, {}, {0.1, 1});
  // A handle for a name of the other kind does nothing, as increment() does.
  m.counter("picbot_latency_seconds", "latency").increment();
  m.histogram("picbot_api_calls_total", "calls").observe(1);
  Metrics::Counter().increment();

  const std::string text = m.render();
  EXPECT_NE(text.find("picbot_api_calls_total{action=\"send_msg\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_bucket{le=\"1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_count 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("picbot_latency_seconds_sum 2.5\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("picbot_latency_seconds{"), std::string::npos) << text;
}

}  // namespace
}  // namespace picbot
