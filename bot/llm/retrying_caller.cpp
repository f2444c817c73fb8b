#include "bot/llm/retrying_caller.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>

#include "bot/core/duration_text.h"
#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/secret.h"

namespace picbot::llm {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

KeyOutcome key_outcome(const ProviderError& error) {
  KeyOutcome outcome;
  outcome.reason = error.to_string();
  switch (error.cls) {
    case FailureClass::kInvalidKey:
      outcome.kind = KeyOutcome::Kind::kInvalid;
      break;
    case FailureClass::kNoCredits:
      outcome.kind = KeyOutcome::Kind::kNoCredits;
      break;
    case FailureClass::kRateLimited:
      outcome.kind = KeyOutcome::Kind::kRateLimited;
      outcome.retry_after = error.retry_after;
      break;
    default:
      outcome.kind = KeyOutcome::Kind::kNeutral;
      break;
  }
  return outcome;
}

ProviderError deadline_error(const RetrySettings& settings, std::size_t attempts,
                             const std::optional<ProviderError>& last) {
  std::string message = "gave up after " + std::to_string(settings.deadline.count()) + " ms and " +
                        std::to_string(attempts) + " attempt(s)";
  if (last) message += "; last error: " + last->to_string();
  return ProviderError{FailureClass::kDeadline, 0, std::move(message), std::nullopt};
}

ProviderError cancelled_error() {
  return ProviderError{FailureClass::kCancelled, 0, "request cancelled", std::nullopt};
}

// An attempt that throws (a bug in it) must not hang the race until the
// deadline: the exception becomes an error value.
template <class Attempt>
boost::asio::awaitable<std::optional<ProviderError>> run_guarded(const Attempt& attempt,
                                                                 const std::string& key) {
  try {
    co_return co_await attempt(key);
  } catch (const std::exception& e) {
    co_return ProviderError{FailureClass::kBadResponse, 0,
                            sanitize_message(std::string("internal error: ") + e.what()), std::nullopt};
  }
}

// "key … cooling down for 4 min 32 s" when the key at index is cooling down
// after the outcome just reported.
void log_cooldown(spdlog::logger& log, const KeyPool& pool, std::size_t index, const std::string& masked,
                  Clock::time_point now) {
  for (const KeyState& state : pool.snapshot(now)) {
    if (state.index != index || state.status != KeyState::Status::kCoolingDown || !state.available_at)
      continue;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*state.available_at - now);
    log.warn("{}", picbot::log::text("log.key_cooling_down", fmt::arg("key", masked),
                                     fmt::arg("wait", format_duration(picbot::log::language(), wait))));
  }
}

}  // namespace

RetryAction retry_action(FailureClass cls) {
  switch (cls) {
    case FailureClass::kInvalidKey:
    case FailureClass::kNoCredits:
    case FailureClass::kRateLimited:
      return RetryAction::kNextKey;
    case FailureClass::kTransient:
    case FailureClass::kBadResponse:
      return RetryAction::kRetrySameKey;
    case FailureClass::kBadRequest:
    case FailureClass::kModelNotFound:
    case FailureClass::kNoEndpointForModalities:
    case FailureClass::kContentFiltered:
    case FailureClass::kCancelled:
    case FailureClass::kDeadline:
      return RetryAction::kStop;
  }
  return RetryAction::kStop;
}

milliseconds backoff_delay(const RetrySettings& settings, int retry) {
  if (retry < 1) return milliseconds(0);
  const double initial = std::max(0.0, settings.backoff_initial_seconds);
  const double cap = std::max(0.0, settings.backoff_max_seconds);
  const double seconds = std::min(initial * std::pow(2.0, retry - 1), cap);
  return milliseconds(static_cast<milliseconds::rep>(std::llround(seconds * 1000.0)));
}

RetryingCaller::RetryingCaller(KeyPool& pool, const Clock& clock, RetrySettings settings)
    : pool_(pool), clock_(clock), settings_(settings) {}

ProviderError RetryingCaller::no_usable_key_error() const {
  const std::vector<KeyState> states = pool_.snapshot(clock_.now());
  if (states.empty()) {
    return ProviderError{FailureClass::kInvalidKey, 0, "no API key configured", std::nullopt};
  }
  const KeyState* soonest = nullptr;
  for (const KeyState& state : states) {
    if (state.available_at && (!soonest || *state.available_at < *soonest->available_at)) soonest = &state;
  }
  if (!soonest) {
    return ProviderError{
        FailureClass::kInvalidKey, 0,
        "all " + std::to_string(states.size()) +
            " API key(s) are disabled (rejected with 401/403); fix them and reload the config",
        std::nullopt};
  }
  const auto wait = std::chrono::ceil<std::chrono::seconds>(*soonest->available_at - clock_.now());
  const FailureClass cls =
      soonest->cause == KeyOutcome::Kind::kNoCredits ? FailureClass::kNoCredits : FailureClass::kRateLimited;
  return ProviderError{cls, 0,
                       "no usable API key: the first becomes usable again in " +
                           std::to_string(wait.count()) + " s (" + soonest->reason + ")",
                       wait};
}

boost::asio::awaitable<RetryingCaller::ErasedOutcome> RetryingCaller::run(ErasedAttempt attempt) {
  using namespace boost::asio::experimental::awaitable_operators;
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  auto log = log::get("llm");
  const auto executor = co_await boost::asio::this_coro::executor;
  const auto deadline_at = SteadyClock::now() + settings_.deadline;
  boost::asio::steady_timer deadline_timer(executor, deadline_at);
  boost::asio::steady_timer backoff_timer(executor);
  const int per_key = std::max(1, settings_.max_retry_attempts);

  ErasedOutcome outcome;
  std::vector<std::size_t> tried;
  std::optional<ProviderError> last_error;
  while (auto slot = pool_.next(clock_.now(), tried)) {
    tried.push_back(slot->index);
    const std::string masked = mask_secret(slot->key);
    for (int n = 0; n < per_key; ++n) {
      const milliseconds delay = backoff_delay(settings_, n);
      if (SteadyClock::now() + delay >= deadline_at) {
        outcome.error = deadline_error(settings_, outcome.attempts.size(), last_error);
        co_return outcome;
      }
      if (delay.count() > 0) {
        backoff_timer.expires_after(delay);
        auto [ec] = co_await backoff_timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        if (ec) {
          outcome.error = cancelled_error();
          co_return outcome;
        }
      }
      const auto started = SteadyClock::now();
      auto raced = co_await (run_guarded(attempt, slot->key) ||
                             deadline_timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)));
      AttemptRecord record{slot->index, masked, delay,
                           duration_cast<milliseconds>(SteadyClock::now() - started), std::nullopt};
      if (raced.index() == 1) {
        const bool deadline_passed = SteadyClock::now() >= deadline_at;
        record.failure = deadline_passed ? FailureClass::kDeadline : FailureClass::kCancelled;
        outcome.attempts.push_back(std::move(record));
        outcome.error = deadline_passed ? deadline_error(settings_, outcome.attempts.size(), last_error)
                                        : cancelled_error();
        co_return outcome;
      }
      std::optional<ProviderError> error = std::move(std::get<0>(raced));
      if (error && error->cls == FailureClass::kCancelled && SteadyClock::now() >= deadline_at) {
        error = deadline_error(settings_, outcome.attempts.size() + 1, last_error);
      }
      if (!error) {
        outcome.attempts.push_back(std::move(record));
        pool_.report(*slot, KeyOutcome::success(), clock_.now());
        co_return outcome;
      }
      record.failure = error->cls;
      outcome.attempts.push_back(std::move(record));
      if (error->cls != FailureClass::kCancelled && error->cls != FailureClass::kDeadline) {
        const auto now = clock_.now();
        pool_.report(*slot, key_outcome(*error), now);
        log->warn("{}",
                  picbot::log::text("log.key_attempt_failed", fmt::arg("attempt", outcome.attempts.size()),
                                    fmt::arg("key", masked), fmt::arg("reason", error->to_string())));
        log_cooldown(*log, pool_, slot->index, masked, now);
      }
      const RetryAction action = retry_action(error->cls);
      last_error = std::move(error);
      if (action == RetryAction::kStop) {
        outcome.error = std::move(last_error);
        co_return outcome;
      }
      if (action == RetryAction::kNextKey) {
        if (last_error->cls == FailureClass::kInvalidKey) {
          log->warn("{}", picbot::log::text("log.key_disabled", fmt::arg("key", masked)));
        }
        break;
      }
    }
  }
  outcome.error = last_error ? std::move(last_error) : no_usable_key_error();
  co_return outcome;
}

}  // namespace picbot::llm
