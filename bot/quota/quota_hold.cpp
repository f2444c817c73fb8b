#include "bot/quota/quota_hold.h"

#include <utility>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"

namespace picbot::quota {
namespace asio = boost::asio;

namespace {
auto logger() {
  static auto l = log::get("gemini_pic_gen");
  return l;
}
}  // namespace

QuotaHold::QuotaHold(AsyncQuotaStore& store, ReserveOutcome outcome)
    : store_(&store), outcome_(std::move(outcome)) {}

QuotaHold QuotaHold::adopt(AsyncQuotaStore& store, std::string reservation_id) {
  ReserveOutcome outcome;
  outcome.granted = true;
  outcome.reservation_id = std::move(reservation_id);
  return QuotaHold(store, std::move(outcome));
}

QuotaHold::QuotaHold(QuotaHold&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)), outcome_(std::move(other.outcome_)) {
  other.outcome_.reservation_id.clear();
}

QuotaHold& QuotaHold::operator=(QuotaHold&& other) noexcept {
  if (this != &other) {
    store_ = std::exchange(other.store_, nullptr);
    outcome_ = std::move(other.outcome_);
    other.outcome_.reservation_id.clear();
  }
  return *this;
}

asio::awaitable<Result<QuotaHold>> QuotaHold::reserve(AsyncQuotaStore& store, QuotaDecision decision,
                                                      std::chrono::milliseconds reset_interval) {
  auto reserved = co_await store.try_reserve(std::move(decision), reset_interval);
  if (!reserved) co_return reserved.error();
  co_return QuotaHold(store, std::move(reserved.value()));
}

asio::awaitable<void> QuotaHold::mark_sending(SendingImage image) {
  if (!holds()) co_return;
  if (Status s = co_await store_->mark_sending(outcome_.reservation_id, std::move(image)); !s) {
    logger()->error("{}", log::text("log.quota_store_failed", fmt::arg("reason", s.error().message)));
  }
}

asio::awaitable<void> QuotaHold::unmark_sending() {
  if (!holds()) co_return;
  if (Status s = co_await store_->unmark_sending(outcome_.reservation_id); !s) {
    logger()->error("{}", log::text("log.quota_store_failed", fmt::arg("reason", s.error().message)));
  }
}

asio::awaitable<void> QuotaHold::commit() {
  if (!holds()) co_return;
  std::string id = std::exchange(outcome_.reservation_id, std::string());
  if (Status s = co_await store_->commit(std::move(id)); !s) {
    logger()->error("{}", log::text("log.quota_commit_failed", fmt::arg("reason", s.error().message)));
  }
}

asio::awaitable<void> QuotaHold::release() {
  if (!holds()) co_return;
  std::string id = std::exchange(outcome_.reservation_id, std::string());
  if (Status s = co_await store_->release(std::move(id)); !s) {
    logger()->error("{}", log::text("log.quota_release_failed", fmt::arg("reason", s.error().message)));
  }
}

}  // namespace picbot::quota
