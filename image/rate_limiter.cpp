#include "image/rate_limiter.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <list>
#include <optional>

#include "image/cancellable.h"

namespace picbot::image {
namespace asio = boost::asio;
using std::chrono::steady_clock;

namespace {

// A token counts as whole within this much, so a timer that fires exactly
// when the next token is due never finds 0.9999999 of one.
constexpr double kTokenEpsilon = 1e-9;

// The real time until `at` by clock, at least 1 ms, at most one hour (a
// ManualClock may be anywhere; the timer then only looks again).
steady_clock::duration real_delay(const Clock& clock, Clock::time_point at) {
  const auto left = at - clock.now();
  return std::clamp<steady_clock::duration>(std::chrono::duration_cast<steady_clock::duration>(left),
                                            std::chrono::milliseconds(1), std::chrono::hours(1));
}

}  // namespace

Result<RateLimits> rate_limits_from(const nlohmann::json& section, std::string_view name) {
  RateLimits limits;
  auto bad = [&](std::string_view problem) {
    return Error::make("bad_config", "image_providers." + std::string(name) + ": " + std::string(problem));
  };
  if (!section.is_object()) return limits;
  try {
    limits.requests_per_second = section.value("requests_per_second", 0.0);
    limits.burst = section.value("burst", 1.0);
    const long long concurrent = section.value("max_concurrent", 0LL);
    if (concurrent < 0) return bad("max_concurrent must be >= 0");
    limits.max_concurrent = static_cast<std::size_t>(concurrent);
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("a rate limit has the wrong type: ") + e.what());
  }
  if (!(limits.requests_per_second >= 0) || !std::isfinite(limits.requests_per_second)) {
    return bad("requests_per_second must be >= 0");
  }
  if (!std::isfinite(limits.burst)) return bad("burst must be a number");
  limits.burst = std::max(1.0, limits.burst);
  return limits;
}

llm::ProviderError rate_limit_wait_error(std::size_t waiting_ahead) {
  return llm::ProviderError{llm::FailureClass::kRateLimited, 0,
                            "rate-limit wait past the deadline (" + std::to_string(waiting_ahead) +
                                " call(s) were ahead in the queue)",
                            std::nullopt};
}

struct RateLimiter::Core : std::enable_shared_from_this<Core> {
  struct Waiter {
    enum class State { kWaiting, kGranted, kExpired, kCancelled, kShutdown };
    State state = State::kWaiting;
    Clock::time_point deadline;
    std::size_t ahead_when_queued = 0;
    std::optional<asio::steady_timer> wake;
    void finish(State s) {
      state = s;
      if (wake) wake->cancel();
    }
  };

  Core(const Clock& c, RateLimits l) : clock(c), limits(l), tokens(l.burst), refilled_at(c.now()) {}

  void refill(Clock::time_point now) {
    if (limits.requests_per_second > 0 && now > refilled_at) {
      const double seconds = std::chrono::duration<double>(now - refilled_at).count();
      tokens = std::min(limits.burst, tokens + seconds * limits.requests_per_second);
    }
    refilled_at = now;
  }
  bool has_token() const { return limits.requests_per_second <= 0 || tokens >= 1 - kTokenEpsilon; }
  bool has_slot() const { return limits.max_concurrent == 0 || running < limits.max_concurrent; }
  void take() {
    if (limits.requests_per_second > 0) tokens = std::max(0.0, tokens - 1);
    ++running;
  }

  // Expires waiters past their deadline, grants the queue's head while it
  // may start, and arms the refill timer when a token is what it waits for.
  void tick() {
    const auto now = clock.now();
    refill(now);
    for (auto it = waiters.begin(); it != waiters.end();) {
      if ((*it)->deadline <= now) {
        (*it)->finish(Waiter::State::kExpired);
        it = waiters.erase(it);
      } else {
        ++it;
      }
    }
    while (!waiters.empty() && has_token() && has_slot()) {
      take();
      waiters.front()->finish(Waiter::State::kGranted);
      waiters.pop_front();
    }
    if (!waiters.empty() && !has_token()) schedule_refill();
  }

  void schedule_refill() {
    if (refill_pending || !executor) return;
    if (!refill_timer) refill_timer.emplace(*executor);
    const double seconds = (1 - tokens) / limits.requests_per_second;
    const auto due = refilled_at + std::chrono::duration_cast<Clock::time_point::duration>(
                                       std::chrono::duration<double>(seconds));
    refill_timer->expires_after(real_delay(clock, due));
    refill_pending = true;
    refill_timer->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: whoever cancelled cleared refill_pending
      if (auto core = weak.lock()) {
        core->refill_pending = false;
        core->tick();
      }
    });
  }

  void cancel_refill() {
    if (refill_timer) refill_timer->cancel();
    refill_pending = false;
  }

  void remove(const std::shared_ptr<Waiter>& waiter) { waiters.remove(waiter); }

  const Clock& clock;
  RateLimits limits;
  double tokens;
  Clock::time_point refilled_at;
  std::size_t running = 0;
  std::list<std::shared_ptr<Waiter>> waiters;
  std::optional<asio::any_io_executor> executor;
  std::optional<asio::steady_timer> refill_timer;
  bool refill_pending = false;
};

RateLimiter::Permit& RateLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release();
    core_ = std::move(other.core_);
  }
  return *this;
}

RateLimiter::Permit::~Permit() { release(); }

void RateLimiter::Permit::release() {
  if (!core_) return;
  std::shared_ptr<Core> core = std::move(core_);
  if (core->running > 0) --core->running;
  core->tick();
}

RateLimiter::RateLimiter(const Clock& clock, RateLimits limits)
    : core_(std::make_shared<Core>(clock, limits)) {}

RateLimiter::~RateLimiter() {
  cancel_all();
  core_->cancel_refill();
}

asio::awaitable<Result<RateLimiter::Permit, llm::ProviderError>> RateLimiter::acquire(
    Clock::time_point deadline, asio::cancellation_slot cancel, QueuedCallback on_queued) {
  using Waiter = Core::Waiter;
  // The coroutine keeps the core alive: the limiter may go away while it waits.
  std::shared_ptr<Core> core = core_;
  const auto executor = co_await asio::this_coro::executor;
  if (!core->executor) core->executor = executor;
  const auto now = core->clock.now();
  core->refill(now);
  if (core->waiters.empty() && core->has_token() && core->has_slot()) {
    core->take();
    co_return Permit(core);
  }
  if (deadline <= now) co_return rate_limit_wait_error(core->waiters.size());

  auto waiter = std::make_shared<Waiter>();
  waiter->deadline = deadline;
  waiter->ahead_when_queued = core->waiters.size();
  waiter->wake.emplace(executor);
  core->waiters.push_back(waiter);
  core->tick();  // arms the refill timer
  // The signal may come at any point of the wait, the on_queued reply included.
  if (cancel.is_connected()) {
    cancel.assign([weak_waiter = std::weak_ptr<Waiter>(waiter),
                   weak_core = std::weak_ptr<Core>(core)](asio::cancellation_type) {
      auto w = weak_waiter.lock();
      auto c = weak_core.lock();
      if (!w || !c || w->state != Waiter::State::kWaiting) return;
      w->finish(Waiter::State::kCancelled);
      c->remove(w);
      c->tick();
    });
  }
  if (on_queued && waiter->state == Waiter::State::kWaiting) {
    co_await on_queued(waiter->ahead_when_queued + 1);
  }
  while (waiter->state == Waiter::State::kWaiting) {
    waiter->wake->expires_after(real_delay(core->clock, deadline));
    co_await waiter->wake->async_wait(asio::as_tuple(asio::use_awaitable));
    // Woken without a new state: the real timer reached the deadline; it
    // expires when the clock agrees.
    if (waiter->state == Waiter::State::kWaiting) core->tick();
  }
  if (cancel.is_connected()) cancel.clear();  // the provider's own call uses it next
  switch (waiter->state) {
    case Waiter::State::kGranted:
      co_return Permit(core);
    case Waiter::State::kExpired:
      co_return rate_limit_wait_error(waiter->ahead_when_queued);
    case Waiter::State::kCancelled:
      co_return cancelled_error();
    case Waiter::State::kShutdown:
    case Waiter::State::kWaiting:
      break;
  }
  co_return llm::ProviderError{llm::FailureClass::kCancelled, 0, "rate-limit wait ended by shutdown",
                               std::nullopt};
}

void RateLimiter::reconfigure(RateLimits limits) {
  limits.burst = std::max(1.0, limits.burst);
  core_->refill(core_->clock.now());
  if (core_->limits.requests_per_second <= 0) core_->tokens = limits.burst;  // a new bucket starts full
  core_->limits = limits;
  core_->tokens = std::min(core_->tokens, limits.burst);
  core_->cancel_refill();
  core_->tick();
}

void RateLimiter::cancel_all() {
  for (const auto& waiter : core_->waiters) waiter->finish(Core::Waiter::State::kShutdown);
  core_->waiters.clear();
  core_->cancel_refill();
}

void RateLimiter::tick() { core_->tick(); }

const RateLimits& RateLimiter::limits() const { return core_->limits; }
std::size_t RateLimiter::waiting() const { return core_->waiters.size(); }
std::size_t RateLimiter::running() const { return core_->running; }

}  // namespace picbot::image
