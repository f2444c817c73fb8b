// RetryingCaller: the one retry loop for provider calls (image generation,
// chat). It picks keys from a KeyPool, runs an attempt per key, and decides
// from the attempt's FailureClass whether to retry the same key after a
// backoff, move to the next key, or stop, all under one deadline.
//
// Policy (see retry_action()):
//   kInvalidKey   -> disable the key, next key at once
//   kNoCredits    -> key cools down (1 h), next key at once
//   kRateLimited  -> key cools down (Retry-After or 30 s), next key at once
//   kTransient, kBadResponse -> same key again after backoff
//                    min(initial * 2^(n-1), max) before retry n (2, 4, 8, 10 s by default)
//   anything else (bad request, model not found, no endpoint, content filtered,
//                  cancelled, deadline) -> stop and return the error
// Each key gets at most max_retry_attempts attempts and is used at most once
// per call, so attempts <= keys * max_retry_attempts. A backoff never sleeps
// past the deadline: when the deadline would pass first, the call ends with
// kDeadline at once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/llm/key_pool.h"
#include "bot/llm/provider_error.h"

namespace picbot::llm {

struct RetrySettings {
  int max_retry_attempts = 3;  // attempts per key; values below 1 count as 1
  double backoff_initial_seconds = 2;
  double backoff_max_seconds = 10;
  std::chrono::milliseconds deadline{180'000};  // the whole call, all keys and backoffs included
};

enum class RetryAction { kRetrySameKey, kNextKey, kStop };
RetryAction retry_action(FailureClass cls);

// The wait before retry number `retry` (1-based) of the same key.
std::chrono::milliseconds backoff_delay(const RetrySettings& settings, int retry);

// One attempt, for tests and metrics.
struct AttemptRecord {
  std::size_t key_index = 0;
  std::string masked_key;
  std::chrono::milliseconds delay_before{0};  // backoff slept before this attempt
  std::chrono::milliseconds duration{0};
  std::optional<FailureClass> failure;  // nullopt: the attempt succeeded
};

template <class T>
struct CallResult {
  Result<T, ProviderError> result;
  std::vector<AttemptRecord> attempts;
};

// Not thread-safe; create one per call or reuse it from one coroutine at a
// time. pool and clock must outlive it. Backoff and deadline timers run on the
// awaiting coroutine's executor and never block it.
class RetryingCaller {
 public:
  // attempt(key) performs one request with key. It must honour cancellation
  // (HttpClient does): the deadline cancels it.
  template <class T>
  using Attempt = std::function<boost::asio::awaitable<Result<T, ProviderError>>(const std::string& key)>;

  RetryingCaller(KeyPool& pool, const Clock& clock, RetrySettings settings);

  // Runs attempts until one succeeds or the policy above stops. With no
  // usable key at all, fails without an attempt: kInvalidKey when no key is
  // configured or all are disabled, else the class of the key that becomes
  // usable first (kRateLimited / kNoCredits) with retry_after set.
  template <class T>
  boost::asio::awaitable<CallResult<T>> call(Attempt<T> attempt);

 private:
  using ErasedAttempt =
      std::function<boost::asio::awaitable<std::optional<ProviderError>>(const std::string&)>;
  struct ErasedOutcome {
    std::optional<ProviderError> error;  // nullopt: success
    std::vector<AttemptRecord> attempts;
  };

  boost::asio::awaitable<ErasedOutcome> run(ErasedAttempt attempt);
  ProviderError no_usable_key_error() const;

  KeyPool& pool_;
  const Clock& clock_;
  RetrySettings settings_;
};

template <class T>
boost::asio::awaitable<CallResult<T>> RetryingCaller::call(Attempt<T> attempt) {
  std::optional<T> value;
  ErasedOutcome outcome = co_await run(
      [&value, &attempt](const std::string& key) -> boost::asio::awaitable<std::optional<ProviderError>> {
        Result<T, ProviderError> result = co_await attempt(key);
        if (!result.ok()) co_return std::move(result.error());
        value = std::move(result).value();
        co_return std::nullopt;
      });
  if (outcome.error) co_return CallResult<T>{std::move(*outcome.error), std::move(outcome.attempts)};
  co_return CallResult<T>{std::move(*value), std::move(outcome.attempts)};
}

}  // namespace picbot::llm
