// QuotaHold: the quota unit one drawing has reserved, from try_reserve() to
// commit() or release(). It replaces "if there is a reservation and a store"
// at every step: a hold that holds nothing (quotas off, an unlimited or
// exempt requester, a denied request) makes every call a no-op.
//
// Store failures are logged and swallowed: the drawing goes on, and the
// store's own rules (reservation_ttl, recover_after_restart) settle what was
// left. Move-only; a moved-from or settled hold holds nothing.
// Thread-safety: io_context thread only. The store must outlive the hold.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "bot/core/result.h"
#include "bot/quota/quota_decision.h"
#include "bot/quota/quota_store.h"

namespace picbot::quota {

class QuotaHold {
 public:
  // Holds nothing.
  QuotaHold() = default;
  QuotaHold(QuotaHold&& other) noexcept;
  QuotaHold& operator=(QuotaHold&& other) noexcept;
  QuotaHold(const QuotaHold&) = delete;
  QuotaHold& operator=(const QuotaHold&) = delete;

  // Asks store for one unit of decision's bucket. The error is the store's;
  // otherwise outcome() says whether it was granted, and the hold holds the
  // unit when one was reserved.
  static boost::asio::awaitable<Result<QuotaHold>> reserve(AsyncQuotaStore& store, QuotaDecision decision,
                                                           std::chrono::milliseconds reset_interval);

  // Holds a unit an earlier process reserved (a resumed task's), by its id;
  // "" holds nothing.
  static QuotaHold adopt(AsyncQuotaStore& store, std::string reservation_id);

  bool holds() const { return store_ != nullptr && !outcome_.reservation_id.empty(); }
  const std::string& reservation_id() const { return outcome_.reservation_id; }
  // What try_reserve() answered; a default ReserveOutcome for an empty hold.
  const ReserveOutcome& outcome() const { return outcome_; }

  // The image is about to go to `image`'s chat (see QuotaStore::mark_sending).
  boost::asio::awaitable<void> mark_sending(SendingImage image);
  // The send failed and the image is known not to be out.
  boost::asio::awaitable<void> unmark_sending();
  // The image reached the chat: the unit becomes a use. Then holds nothing.
  boost::asio::awaitable<void> commit();
  // The drawing failed: the unit is given back. Then holds nothing.
  boost::asio::awaitable<void> release();

 private:
  QuotaHold(AsyncQuotaStore& store, ReserveOutcome outcome);

  AsyncQuotaStore* store_ = nullptr;
  ReserveOutcome outcome_;
};

}  // namespace picbot::quota
