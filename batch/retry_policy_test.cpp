#include "batch/retry_policy.h"

#include <gtest/gtest.h>

namespace picbot::batch {
namespace {
using namespace std::chrono_literals;

TEST(RetryPolicy, RateLimitWaitsRetryAfterWhenGivenElseDoublesFromTenSeconds) {
  const RetryPolicy policy;
  EXPECT_EQ(decide_retry(policy, ErrorClass::kRateLimited, 1, 7s).wait, 7s);
  EXPECT_EQ(decide_retry(policy, ErrorClass::kRateLimited, 1, std::nullopt).wait, 10s);
  EXPECT_EQ(decide_retry(policy, ErrorClass::kRateLimited, 2, std::nullopt).wait, 20s);
  EXPECT_EQ(decide_retry(policy, ErrorClass::kRateLimited, 3, std::nullopt).wait, 40s);
  RetryPolicy many = policy;
  many.max_tries = 50;
  EXPECT_EQ(decide_retry(many, ErrorClass::kRateLimited, 20, std::nullopt).wait, 120s);
}

TEST(RetryPolicy, BadRequestIsNeverRetried) {
  const RetryPolicy policy;
  EXPECT_FALSE(decide_retry(policy, ErrorClass::kBadRequest, 1, std::nullopt).retry);
  EXPECT_FALSE(decide_retry(policy, ErrorClass::kInvalidKey, 1, std::nullopt).retry);
  EXPECT_FALSE(decide_retry(policy, ErrorClass::kCancelled, 1, std::nullopt).retry);
}

TEST(RetryPolicy, NetworkErrorsGetTheStandardExponentialBackoff) {
  const RetryPolicy policy;
  EXPECT_EQ(decide_retry(policy, ErrorClass::kNetwork, 1, std::nullopt).wait, 2s);
  EXPECT_EQ(decide_retry(policy, ErrorClass::kNetwork, 2, std::nullopt).wait, 4s);
  EXPECT_EQ(decide_retry(policy, ErrorClass::kNetwork, 4, std::nullopt).wait, 16s);
}

TEST(RetryPolicy, TimeoutsRetryAtOnceWithTheTimeoutRaisedOneAndAHalfTimesCapped) {
  RetryPolicy policy;
  policy.base_timeout = 10s;
  EXPECT_TRUE(decide_retry(policy, ErrorClass::kTimeout, 1, std::nullopt).retry);
  EXPECT_EQ(decide_retry(policy, ErrorClass::kTimeout, 1, std::nullopt).wait, 0ms);
  EXPECT_EQ(try_timeout(policy, 0), 10s);
  EXPECT_EQ(try_timeout(policy, 1), 15s);
  EXPECT_EQ(try_timeout(policy, 2), 22500ms);
  EXPECT_EQ(try_timeout(policy, 10), 40s);  // capped at 4x
}

TEST(RetryPolicy, StopsAfterMaxTries) {
  RetryPolicy policy;
  policy.max_tries = 3;
  EXPECT_TRUE(decide_retry(policy, ErrorClass::kNetwork, 2, std::nullopt).retry);
  EXPECT_FALSE(decide_retry(policy, ErrorClass::kNetwork, 3, std::nullopt).retry);
  EXPECT_FALSE(decide_retry(policy, ErrorClass::kContentFiltered, 3, std::nullopt).retry);
}

TEST(RetryPolicy, EveryProviderFailureClassMapsToABatchClass) {
  EXPECT_EQ(error_class_of(llm::FailureClass::kRateLimited), ErrorClass::kRateLimited);
  EXPECT_EQ(error_class_of(llm::FailureClass::kTransient), ErrorClass::kNetwork);
  EXPECT_EQ(error_class_of(llm::FailureClass::kDeadline), ErrorClass::kTimeout);
  EXPECT_EQ(error_class_of(llm::FailureClass::kBadResponse), ErrorClass::kNoImage);
  EXPECT_EQ(error_class_of(llm::FailureClass::kNoCredits), ErrorClass::kInvalidKey);
  EXPECT_EQ(error_class_name(ErrorClass::kContentFiltered), "content_filtered");
}

}  // namespace
}  // namespace picbot::batch
