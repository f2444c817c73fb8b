#include "bot/net/accept_pacer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

#include "bot/core/log_language.h"

namespace picbot::net {
namespace asio = boost::asio;

AcceptPacer::AcceptPacer(std::string listener, std::shared_ptr<spdlog::logger> logger, const Clock& clock)
    : listener_(std::move(listener)),
      logger_(std::move(logger)),
      throttle_(clock, {.burst = 1, .window = std::chrono::seconds(1), .max_keys = 1}) {}

bool AcceptPacer::is_resource_exhaustion(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  const int code = ec.value();
  return code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM;
}

asio::awaitable<void> AcceptPacer::after_failure(const boost::system::error_code& ec) {
  const bool exhausted = is_resource_exhaustion(ec);
  const auto verdict = throttle_.admit(listener_);
  if (verdict.log) {
    std::string pause_note;
    if (exhausted) pause_note = log::text("log.accept_paused", fmt::arg("ms", pause_.count()));
    std::string suppressed_note;
    if (verdict.suppressed > 0)
      suppressed_note = log::text("log.more_since_last_line", fmt::arg("count", verdict.suppressed));
    logger_->warn("{}", log::text("log.accept_failed", fmt::arg("listener", listener_),
                                  fmt::arg("reason", ec.message()), fmt::arg("pause", pause_note),
                                  fmt::arg("suppressed", suppressed_note)));
  }
  if (!exhausted) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, pause_);
  pause_ = std::min(pause_ * 2, kLongestPause);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace picbot::net
