// RetryPolicy: what `picbot batch` does after a failed try of one image,
// by error class, on top of the provider's own key rotation (the provider
// moves to its next key on 429/401/402 at once; this decides whether the
// image is tried again and after how long):
//   rate limited (429)   wait Retry-After, else 10 s doubling per try (capped at 2 min)
//   bad request (400)    recorded, never retried
//   network (5xx, reset) the standard backoff: 2 s doubling per try (capped at 1 min)
//   timeout              retried at once, the timeout raised 1.5x per try (capped at 4x)
//   content filter, no image   retried at once (the prompt may be optimised)
//   key, credit, model problems, cancelled   not retried
// Pure functions: no clock, no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "bot/llm/provider_error.h"

namespace picbot::batch {

// The batch processor's error classes, as its metadata names them.
enum class ErrorClass {
  kRateLimited,
  kBadRequest,
  kNetwork,
  kTimeout,
  kContentFiltered,
  kNoImage,
  kInvalidKey,  // also no credits
  kModelUnavailable,
  kCancelled,
};

ErrorClass error_class_of(llm::FailureClass cls);
// "rate_limited", "bad_request", "network", "timeout", "content_filtered", "no_image",
// "invalid_key", "model_unavailable", "cancelled".
std::string_view error_class_name(ErrorClass cls);

struct RetryPolicy {
  int max_tries = 5;  // --max-retries: tries per image, the first included
  std::chrono::milliseconds base_timeout{180'000};
  std::chrono::milliseconds rate_limit_initial{10'000};
  std::chrono::milliseconds rate_limit_max{120'000};
  std::chrono::milliseconds network_initial{2'000};
  std::chrono::milliseconds network_max{60'000};
  double timeout_growth = 1.5;
  double timeout_cap_factor = 4;  // the timeout never exceeds base_timeout * this
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds wait{0};     // before the next try
  std::chrono::milliseconds timeout{0};  // of the next try
};

// After try number `tries` (1-based) of an image failed with cls.
// retry_after: the 429's Retry-After, when the upstream sent one.
RetryDecision decide_retry(const RetryPolicy& policy, ErrorClass cls, int tries,
                           std::optional<std::chrono::seconds> retry_after);

// The timeout of try number `tries` (1-based) when every earlier one timed
// out `timeouts` times: base_timeout * growth^timeouts, capped.
std::chrono::milliseconds try_timeout(const RetryPolicy& policy, int timeouts);

}  // namespace picbot::batch
