// RateLimiter: one provider instance's upstream limits (image_providers.<name>:
// requests_per_second with burst, and max_concurrent). A token bucket of
// `burst` tokens refilled at requests_per_second, plus a cap on the calls in
// flight. A call that finds no token or no free slot waits, in FIFO order,
// instead of failing; it leaves the queue when it is granted, when its
// deadline passes (kRateLimited, "rate-limit wait past the deadline", which
// the fallback chain sends to the next provider), when its cancellation
// signal fires (kCancelled), or at shutdown (kCancelled).
//
// Time comes from the Clock: tokens refill by clock.now(), and a waiter
// expires once clock.now() reaches its deadline. Real timers only decide when
// to look again (the next token, the earliest deadline); tests that move a
// ManualClock call tick() to make the limiter look at once.
//
// Thread-safety: io_context thread only. Waiting coroutines and Permits may
// outlive the limiter: destroying it ends every wait (kCancelled), and a
// Permit released later changes nothing.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/llm/provider_error.h"

namespace picbot::image {

struct RateLimits {
  double requests_per_second = 0;  // 0 = no rate limit
  double burst = 1;                // bucket size; values below 1 count as 1
  std::size_t max_concurrent = 0;  // 0 = no cap
  bool unlimited() const { return requests_per_second <= 0 && max_concurrent == 0; }
  bool operator==(const RateLimits&) const = default;
};

// The limits of an image_providers.<name> section (absent keys: unlimited).
// "bad_config" naming `name` for a value of the wrong type or a negative one.
Result<RateLimits> rate_limits_from(const nlohmann::json& section, std::string_view name);

// Called once when a call has to wait, with its 1-based place among the
// waiters; the wait goes on (and may already be over) when it completes.
using QueuedCallback = std::function<boost::asio::awaitable<void>(std::size_t position)>;

// The error of a wait that reached its deadline.
llm::ProviderError rate_limit_wait_error(std::size_t waiting_ahead);

class RateLimiter {
  struct Core;

 public:
  // A granted call: holds one of the max_concurrent slots until destroyed.
  class Permit {
   public:
    Permit(Permit&& other) noexcept = default;
    Permit& operator=(Permit&& other) noexcept;
    ~Permit();

   private:
    friend class RateLimiter;
    explicit Permit(std::shared_ptr<Core> core) : core_(std::move(core)) {}
    void release();
    std::shared_ptr<Core> core_;
  };

  // REQUIRES: clock outlives the limiter and every wait.
  RateLimiter(const Clock& clock, RateLimits limits);
  ~RateLimiter();  // cancel_all()
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // A permit at once when nobody waits and a token and a slot are free;
  // else waits in FIFO order (see the top of this file). on_queued may be
  // empty. The bucket starts full. While it waits, its handler is the one
  // installed on cancel (cleared before it returns, so the caller's next
  // operation may bind the slot).
  boost::asio::awaitable<Result<Permit, llm::ProviderError>> acquire(Clock::time_point deadline,
                                                                     boost::asio::cancellation_slot cancel,
                                                                     QueuedCallback on_queued = {});

  // New limits apply at once, to the waiters too (a larger cap or a faster
  // rate lets them go; the bucket keeps its tokens up to the new burst).
  void reconfigure(RateLimits limits);
  // Ends every wait with kCancelled (shutdown). Later acquire() calls work.
  void cancel_all();
  // Grants and expires by clock.now() (its timers call it).
  void tick();

  const RateLimits& limits() const;
  std::size_t waiting() const;
  std::size_t running() const;

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace picbot::image
