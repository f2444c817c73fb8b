#include "batch/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace picbot::batch {
namespace {

std::chrono::milliseconds doubling(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                   int retry) {
  const double factor = std::pow(2.0, std::min(retry - 1, 30));
  const double ms = std::min(static_cast<double>(initial.count()) * factor, static_cast<double>(max.count()));
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

}  // namespace

ErrorClass error_class_of(llm::FailureClass cls) {
  using llm::FailureClass;
  switch (cls) {
    case FailureClass::kRateLimited:
      return ErrorClass::kRateLimited;
    case FailureClass::kBadRequest:
      return ErrorClass::kBadRequest;
    case FailureClass::kTransient:
      return ErrorClass::kNetwork;
    case FailureClass::kDeadline:
      return ErrorClass::kTimeout;
    case FailureClass::kContentFiltered:
      return ErrorClass::kContentFiltered;
    case FailureClass::kBadResponse:
      return ErrorClass::kNoImage;
    case FailureClass::kInvalidKey:
    case FailureClass::kNoCredits:
      return ErrorClass::kInvalidKey;
    case FailureClass::kModelNotFound:
    case FailureClass::kNoEndpointForModalities:
      return ErrorClass::kModelUnavailable;
    case FailureClass::kCancelled:
      return ErrorClass::kCancelled;
  }
  return ErrorClass::kNetwork;
}

std::string_view error_class_name(ErrorClass cls) {
  switch (cls) {
    case ErrorClass::kRateLimited:
      return "rate_limited";
    case ErrorClass::kBadRequest:
      return "bad_request";
    case ErrorClass::kNetwork:
      return "network";
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kContentFiltered:
      return "content_filtered";
    case ErrorClass::kNoImage:
      return "no_image";
    case ErrorClass::kInvalidKey:
      return "invalid_key";
    case ErrorClass::kModelUnavailable:
      return "model_unavailable";
    case ErrorClass::kCancelled:
      return "cancelled";
  }
  return "network";
}

std::chrono::milliseconds try_timeout(const RetryPolicy& policy, int timeouts) {
  const double base = static_cast<double>(policy.base_timeout.count());
  const double grown = base * std::pow(policy.timeout_growth, std::min(timeouts, 60));
  return std::chrono::milliseconds(static_cast<long long>(std::min(grown, base * policy.timeout_cap_factor)));
}

RetryDecision decide_retry(const RetryPolicy& policy, ErrorClass cls, int tries,
                           std::optional<std::chrono::seconds> retry_after) {
  RetryDecision decision;
  if (tries >= policy.max_tries) return decision;
  switch (cls) {
    case ErrorClass::kRateLimited:
      decision.retry = true;
      decision.wait = retry_after ? std::chrono::milliseconds(*retry_after)
                                  : doubling(policy.rate_limit_initial, policy.rate_limit_max, tries);
      break;
    case ErrorClass::kNetwork:
      decision.retry = true;
      decision.wait = doubling(policy.network_initial, policy.network_max, tries);
      break;
    case ErrorClass::kTimeout:
    case ErrorClass::kContentFiltered:
    case ErrorClass::kNoImage:
      decision.retry = true;
      break;
    case ErrorClass::kBadRequest:
    case ErrorClass::kInvalidKey:
    case ErrorClass::kModelUnavailable:
    case ErrorClass::kCancelled:
      break;
  }
  return decision;
}

}  // namespace picbot::batch
