#include "bot/quota/quota_ledger.h"

#include <algorithm>

namespace picbot::quota::ledger {

std::int64_t remaining(std::int64_t limit, std::int64_t used) {
  return limit < 0 ? -1 : std::max<std::int64_t>(0, limit - used);
}

ReserveOutcome unlimited_outcome() {
  ReserveOutcome outcome;
  outcome.granted = true;
  return outcome;  // limit and remaining keep their -1 (unlimited) defaults
}

ReserveOutcome denial(std::int64_t limit, std::int64_t used, std::optional<Clock::time_point> resets_at) {
  ReserveOutcome outcome;
  outcome.limit = limit;
  outcome.used = used;
  outcome.remaining_after_commit = 0;
  outcome.resets_at = resets_at;
  return outcome;
}

// Keyed by the id itself: commit and release find the row by its primary
// key without a second index.
std::optional<ReservationKey> parse_reservation_id(std::string_view id) {
  const std::size_t slash = id.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == id.size()) return std::nullopt;
  return ReservationKey{id.substr(0, slash), id.substr(slash + 1)};
}

}  // namespace picbot::quota::ledger
