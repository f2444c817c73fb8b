#include "bot/llm/retrying_caller.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"

namespace picbot::llm {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

const std::vector<std::string> kKeys = {"sk-or-v1-aaaaaaaaaaaa1111", "sk-or-v1-bbbbbbbbbbbb2222",
                                        "sk-or-v1-cccccccccccc3333"};

ProviderError make_error(FailureClass cls, std::optional<seconds> retry_after = std::nullopt) {
  return ProviderError{cls, 0, std::string(failure_class_name(cls)), retry_after};
}

// A scripted provider: per key, a queue of answers; an empty queue succeeds
// with the key's index. kHang waits until cancelled.
class ScriptedAttempts {
 public:
  struct Answer {
    std::optional<ProviderError> error;
    bool hang = false;
  };
  void push(std::size_t key, FailureClass cls, std::optional<seconds> retry_after = std::nullopt) {
    script_[kKeys[key]].push_back({make_error(cls, retry_after), false});
  }
  void push_hang(std::size_t key) { script_[kKeys[key]].push_back({std::nullopt, true}); }
  void fail_always(FailureClass cls) { always_ = cls; }

  RetryingCaller::Attempt<std::string> attempt() {
    return [this](const std::string& key) -> boost::asio::awaitable<Result<std::string, ProviderError>> {
      keys_used.push_back(key);
      if (always_) co_return make_error(*always_);
      auto& queue = script_[key];
      if (queue.empty()) co_return "image from " + key;
      Answer answer = queue.front();
      queue.pop_front();
      if (answer.hang) {
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::hours(1));
        co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        co_return make_error(FailureClass::kCancelled);
      }
      co_return *answer.error;
    };
  }

  std::vector<std::string> keys_used;

 private:
  std::map<std::string, std::deque<Answer>> script_;
  std::optional<FailureClass> always_;
};

class RetryingCallerTest : public ::testing::Test {
 protected:
  CallResult<std::string> call(RetrySettings settings = fast_settings()) {
    RetryingCaller caller(pool_, clock_, settings);
    std::optional<CallResult<std::string>> out;
    spawn(caller, script_, out);
    io_.restart();
    io_.run();
    return std::move(*out);
  }

  // Runs caller.call() on io_ and stores its result in out when done.
  void spawn(RetryingCaller& caller, ScriptedAttempts& script, std::optional<CallResult<std::string>>& out,
             boost::asio::cancellation_slot slot = {}) {
    boost::asio::co_spawn(
        io_,
        [&]() -> boost::asio::awaitable<void> {
          out.emplace(co_await caller.call<std::string>(script.attempt()));
        },
        boost::asio::bind_cancellation_slot(slot, [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        }));
  }

  static RetrySettings fast_settings() {
    return RetrySettings{.max_retry_attempts = 3,
                         .backoff_initial_seconds = 0.001,
                         .backoff_max_seconds = 0.002,
                         .deadline = milliseconds(5000)};
  }

  std::vector<std::size_t> key_order(const CallResult<std::string>& r) {
    std::vector<std::size_t> order;
    for (const auto& a : r.attempts) order.push_back(a.key_index);
    return order;
  }

  boost::asio::io_context io_;
  ManualClock clock_;
  KeyPool pool_{kKeys};
  ScriptedAttempts script_;
};

TEST_F(RetryingCallerTest, FirstKeySucceeds) {
  auto r = call();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(*r.result, "image from " + kKeys[0]);
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_FALSE(r.attempts[0].failure);
  EXPECT_EQ(pool_.snapshot(clock_.now())[0].successes, 1u);
}

TEST_F(RetryingCallerTest, RotationContinuesAcrossCalls) {
  EXPECT_EQ(call().attempts[0].key_index, 0u);
  EXPECT_EQ(call().attempts[0].key_index, 1u);
  EXPECT_EQ(call().attempts[0].key_index, 2u);
  EXPECT_EQ(call().attempts[0].key_index, 0u);
}

TEST_F(RetryingCallerTest, InvalidKeyIsDisabledAndNextKeyTriedAtOnce) {
  script_.push(0, FailureClass::kInvalidKey);
  auto r = call();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(key_order(r), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(r.attempts[0].failure, FailureClass::kInvalidKey);
  EXPECT_EQ(r.attempts[1].delay_before, milliseconds(0));
  EXPECT_EQ(pool_.snapshot(clock_.now())[0].status, KeyState::Status::kDisabled);
  // Later calls skip the disabled key.
  EXPECT_EQ(key_order(call()), (std::vector<std::size_t>{2}));
  EXPECT_EQ(key_order(call()), (std::vector<std::size_t>{1}));
}

TEST_F(RetryingCallerTest, NoCreditsCoolsKeyDownForAnHour) {
  script_.push(0, FailureClass::kNoCredits);
  auto r = call();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(key_order(r), (std::vector<std::size_t>{0, 1}));
  auto state = pool_.snapshot(clock_.now())[0];
  EXPECT_EQ(state.status, KeyState::Status::kCoolingDown);
  EXPECT_EQ(*state.available_at, clock_.now() + std::chrono::hours(1));
}

TEST_F(RetryingCallerTest, RateLimitCoolsKeyDownForRetryAfter) {
  script_.push(0, FailureClass::kRateLimited, seconds(7));
  auto r = call();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(key_order(r), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(*pool_.snapshot(clock_.now())[0].available_at, clock_.now() + seconds(7));
}

// A key cooling down used to leave no log line saying for how long; the line
// is in the log language with the wait read naturally.
TEST_F(RetryingCallerTest, ACoolDownIsLoggedWithItsWaitInTheLogLanguage) {
  auto logged = [](const std::string& text) {
    for (const auto& line : log::recent(50)) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  };
  log::set_language("en");
  script_.push(0, FailureClass::kRateLimited, seconds(272));
  ASSERT_TRUE(call().result.ok());
  EXPECT_TRUE(logged("cooling down for 4 min 32 s"));

  log::set_language("zh-CN");
  // Whichever key the pool picks next cools down.
  script_.push(1, FailureClass::kRateLimited, seconds(3605));
  script_.push(2, FailureClass::kRateLimited, seconds(3605));
  call();
  EXPECT_TRUE(logged("冷却 1 小时 5 秒"));
  log::set_language("en");
}

TEST_F(RetryingCallerTest, TransientRetriesSameKeyWithBackoff) {
  script_.push(0, FailureClass::kTransient);
  script_.push(0, FailureClass::kTransient);
  script_.push(0, FailureClass::kTransient);
  RetrySettings settings{.max_retry_attempts = 4,
                         .backoff_initial_seconds = 0.01,
                         .backoff_max_seconds = 0.015,
                         .deadline = milliseconds(5000)};
  const auto started = SteadyClock::now();
  auto r = call(settings);
  const auto elapsed = SteadyClock::now() - started;
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(key_order(r), (std::vector<std::size_t>{0, 0, 0, 0}));
  EXPECT_EQ(r.attempts[1].delay_before, milliseconds(10));
  EXPECT_EQ(r.attempts[2].delay_before, milliseconds(15));
  EXPECT_EQ(r.attempts[3].delay_before, milliseconds(15));
  EXPECT_GE(elapsed, milliseconds(40));
  EXPECT_LT(elapsed, milliseconds(2000));
  EXPECT_EQ(pool_.snapshot(clock_.now())[0].status, KeyState::Status::kActive);
}

TEST_F(RetryingCallerTest, TransientExhaustsKeyThenMovesOn) {
  for (int i = 0; i < 3; ++i) script_.push(0, FailureClass::kTransient);
  auto r = call();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(key_order(r), (std::vector<std::size_t>{0, 0, 0, 1}));
  EXPECT_EQ(r.attempts[3].delay_before, milliseconds(0));
}

TEST_F(RetryingCallerTest, AttemptsNeverExceedKeysTimesMax) {
  script_.fail_always(FailureClass::kTransient);
  auto r = call();
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().cls, FailureClass::kTransient);
  EXPECT_EQ(r.attempts.size(), 9u);
  EXPECT_EQ(key_order(r), (std::vector<std::size_t>{0, 0, 0, 1, 1, 1, 2, 2, 2}));
}

TEST_F(RetryingCallerTest, BadResponseIsRetried) {
  script_.push(0, FailureClass::kBadResponse);
  auto r = call();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(key_order(r), (std::vector<std::size_t>{0, 0}));
}

TEST_F(RetryingCallerTest, TerminalClassesStopAtOnce) {
  for (FailureClass cls : {FailureClass::kBadRequest, FailureClass::kModelNotFound,
                           FailureClass::kNoEndpointForModalities, FailureClass::kContentFiltered}) {
    KeyPool pool(kKeys);
    ScriptedAttempts script;
    script.push(0, cls);
    RetryingCaller caller(pool, clock_, fast_settings());
    std::optional<CallResult<std::string>> out;
    spawn(caller, script, out);
    io_.restart();
    io_.run();
    ASSERT_TRUE(out);
    ASSERT_FALSE(out->result.ok()) << failure_class_name(cls);
    EXPECT_EQ(out->result.error().cls, cls);
    EXPECT_EQ(out->attempts.size(), 1u) << failure_class_name(cls);
    EXPECT_EQ(pool.snapshot(clock_.now())[0].status, KeyState::Status::kActive);
  }
}

TEST_F(RetryingCallerTest, DeadlineCancelsHangingAttempt) {
  script_.push_hang(0);
  auto settings = fast_settings();
  settings.deadline = milliseconds(100);
  const auto started = SteadyClock::now();
  auto r = call(settings);
  const auto elapsed = SteadyClock::now() - started;
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().cls, FailureClass::kDeadline);
  EXPECT_EQ(r.attempts.size(), 1u);
  EXPECT_GE(elapsed, milliseconds(100));
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST_F(RetryingCallerTest, BackoffNeverSleepsPastDeadline) {
  script_.fail_always(FailureClass::kTransient);
  RetrySettings settings{.max_retry_attempts = 3,
                         .backoff_initial_seconds = 10,
                         .backoff_max_seconds = 10,
                         .deadline = milliseconds(200)};
  const auto started = SteadyClock::now();
  auto r = call(settings);
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().cls, FailureClass::kDeadline);
  EXPECT_NE(r.result.error().message.find("transient"), std::string::npos);
  EXPECT_EQ(r.attempts.size(), 1u);
  EXPECT_LT(SteadyClock::now() - started, milliseconds(3000));
}

TEST_F(RetryingCallerTest, NoKeysConfigured) {
  pool_.replace_keys({});
  auto r = call();
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().cls, FailureClass::kInvalidKey);
  EXPECT_EQ(r.result.error().message, "no API key configured");
  EXPECT_TRUE(r.attempts.empty());
}

TEST_F(RetryingCallerTest, AllKeysFailingOrUnavailable) {
  for (std::size_t k = 0; k < 3; ++k) script_.push(k, FailureClass::kRateLimited, seconds(20 + k));
  auto r = call();
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().cls, FailureClass::kRateLimited);
  EXPECT_EQ(r.attempts.size(), 3u);

  clock_.advance(seconds(5));
  auto unavailable = call();
  ASSERT_FALSE(unavailable.result.ok());
  EXPECT_TRUE(unavailable.attempts.empty());
  EXPECT_EQ(unavailable.result.error().cls, FailureClass::kRateLimited);
  EXPECT_EQ(unavailable.result.error().retry_after, seconds(15));

  for (std::size_t k = 0; k < 3; ++k) {
    pool_.report(KeySlot{k, kKeys[k], 0}, KeyOutcome{KeyOutcome::Kind::kInvalid, std::nullopt, "401"},
                 clock_.now());
  }
  auto disabled = call();
  EXPECT_EQ(disabled.result.error().cls, FailureClass::kInvalidKey);
  EXPECT_NE(disabled.result.error().message.find("disabled"), std::string::npos);
}

TEST_F(RetryingCallerTest, CallerCancellation) {
  script_.push_hang(0);
  RetryingCaller caller(pool_, clock_, fast_settings());
  boost::asio::cancellation_signal signal;
  std::optional<CallResult<std::string>> out;
  spawn(caller, script_, out, signal.slot());
  boost::asio::steady_timer trigger(io_, milliseconds(20));
  trigger.async_wait(
      [&](boost::system::error_code) { signal.emit(boost::asio::cancellation_type::terminal); });
  io_.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->result.ok());
  EXPECT_EQ(out->result.error().cls, FailureClass::kCancelled);
}

TEST(BackoffTest, DefaultsGiveTwoFourEightTen) {
  RetrySettings settings;
  EXPECT_EQ(backoff_delay(settings, 0), milliseconds(0));
  EXPECT_EQ(backoff_delay(settings, 1), milliseconds(2000));
  EXPECT_EQ(backoff_delay(settings, 2), milliseconds(4000));
  EXPECT_EQ(backoff_delay(settings, 3), milliseconds(8000));
  EXPECT_EQ(backoff_delay(settings, 4), milliseconds(10000));
  EXPECT_EQ(backoff_delay(settings, 9), milliseconds(10000));
}

}  // namespace
}  // namespace picbot::llm
