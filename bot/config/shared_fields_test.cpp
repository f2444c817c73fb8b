#include "bot/config/shared_fields.h"

#include <gtest/gtest.h>

namespace picbot::config {
namespace {

TEST(SharedFields, RetryFieldsKeepTheirKeysDefaultsAndBounds) {
  const Field attempts = retry_attempts_field(20);
  EXPECT_EQ(attempts.key, "max_retry_attempts");
  EXPECT_EQ(attempts.default_value, 3);
  EXPECT_EQ(attempts.min, 1);
  EXPECT_EQ(attempts.max, 20);
  const Field initial = backoff_initial_field(60);
  EXPECT_EQ(initial.key, "backoff_initial_seconds");
  EXPECT_EQ(initial.default_value, 2.0);
  EXPECT_EQ(initial.max, 60);
  const Field longest = backoff_max_field();
  EXPECT_EQ(longest.key, "backoff_max_seconds");
  EXPECT_EQ(longest.default_value, 10.0);
  EXPECT_EQ(longest.max, 600);
}

TEST(SharedFields, ProxyDescribesItsUpstreamInBothLanguages) {
  const Field proxy = proxy_field("访问 OpenRouter 的代理", "Proxy for OpenRouter");
  EXPECT_EQ(proxy.key, "proxy");
  EXPECT_EQ(proxy.default_value, "");
  EXPECT_NE(proxy.description_zh.find("OpenRouter"), std::string::npos);
  EXPECT_NE(proxy.description_en.find("Proxy for OpenRouter"), std::string::npos);
}

}  // namespace
}  // namespace picbot::config
