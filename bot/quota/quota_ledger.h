// QuotaLedger: the drawing counts per bucket, behind one interface with two
// backends: QuotaStore (SQLite, quota.sqlite3 in data_dir, the default) and
// PgQuotaStore (PostgreSQL at database.url, shared by several picbot
// instances). open_ledger() picks one from the config; AsyncQuotaStore runs
// either on the WorkerPool.
//
// Semantics (both backends; quota_store.h and pg_quota_store.h add their own):
// - A bucket's window opens at its first granted reservation and ends
//   reset_interval later; later uses do not move it. When it ends, the whole
//   bucket is forgotten, including reservations still in flight (committing
//   one of those afterwards returns "not_found" and is not charged).
// - Only delivered images count: try_reserve() holds a unit, commit() turns it
//   into a use, release() gives it back. A released reservation leaves the
//   window open: the window marks the first request, not the first image.
// - A reservation neither committed nor released within reservation_ttl stops
//   counting (its process probably died). Committing it later, inside the same
//   window, still charges it.
// - Crash recovery: mark_sending(id, image) is called just before the image
//   goes to the chat, with where it goes. recover_after_restart(), run once at
//   start-up before any request, releases the reservations this process's
//   previous run left before that (they never left the bot) and returns those
//   left "sending": they keep counting until the caller has asked NapCat
//   whether the image arrived and commits or releases them (see
//   DeliveryReconciler). Rows written before the destination was recorded are
//   charged at once.
// - Asynchronous tasks: record_task() keeps an upstream task id (and the
//   drawing it belongs to) from its submit until the drawing ends
//   (remove_task()). recover_after_restart() leaves the reservations of
//   recorded tasks held: the caller resumes those tasks (pending_tasks())
//   and commits or releases their units.
// - Concurrent check-and-reserves, from any number of connections (and, on
//   PostgreSQL, instances), never grant beyond the limit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/quota/quota_decision.h"

namespace picbot::quota {

// The answer to try_reserve(). A limit or remaining of -1 means unlimited.
struct ReserveOutcome {
  bool granted = false;
  // Pass to commit() or release(); "<bucket>/<random token>", otherwise
  // opaque. Empty when there is nothing to settle (unlimited, blocked or
  // denied); commit("") and release("") do nothing.
  std::string reservation_id;
  std::int64_t limit = -1;
  // Uses counted in the window, including this reservation when granted.
  std::int64_t used = 0;
  std::int64_t remaining_after_commit = -1;
  // When the window ends; nullopt when no window is open.
  std::optional<Clock::time_point> resets_at;
};

struct Usage {
  std::int64_t used = 0;                       // committed uses + live reservations
  std::int64_t remaining = -1;                 // -1: unlimited
  std::optional<Clock::time_point> resets_at;  // nullopt: no window open
};

// Where a reservation's image was being sent, so that after a crash the
// chat's history can tell whether it arrived.
struct SendingImage {
  std::int64_t self_id = 0;    // the bot account that sent it
  bool group = false;          // a group chat (else a private one)
  std::int64_t target_id = 0;  // group_id or user_id
  std::int64_t size = 0;       // bytes of the image
  std::string image_id;        // its ImageStore id, "" if none
};

// A reservation a dead process left while its image was being sent.
struct UnconfirmedDelivery {
  std::string reservation_id;
  Clock::time_point sending_since;
  SendingImage image;
};

// An asynchronous task submitted upstream (and paid for) whose drawing had
// not ended: where its image goes, so a restart polls it again instead of
// submitting it twice (table image_tasks, keyed by provider and task_id).
struct ImageTaskRecord {
  std::string provider;  // the image_providers instance that took it
  std::string task_id;
  std::int64_t self_id = 0;        // the bot account that received the request
  std::int64_t group_id = 0;       // 0: a private chat
  std::int64_t user_id = 0;        // who asked
  std::int64_t temp_group_id = 0;  // a private temp chat's group, else 0
  std::int64_t message_id = 0;     // the request's message, 0 if unknown
  std::string prompt;              // for the log and the stored image
  std::string reservation_id;      // its quota unit; "" when nothing is held
  Clock::time_point submitted;
};

// What recover_after_restart() did.
struct RecoveredReservations {
  std::int64_t charged = 0;   // left sending, with no destination recorded
  std::int64_t released = 0;  // left before sending
  // Left sending with a destination: still counting until settled.
  std::vector<UnconfirmedDelivery> unconfirmed;
};

// One bucket with an open window, for the web console.
struct BucketUsage {
  std::string bucket;
  Clock::time_point window_start;
  Clock::time_point resets_at;
  std::int64_t committed = 0;
  std::int64_t reserved = 0;  // live reservations only
};

// QuotaLedger: synchronous and blocking; call it from a worker thread (see
// AsyncQuotaStore), never the event loop. Errors are the backend's (SQLite:
// "busy", "sqlite"; PostgreSQL: "unavailable", "conflict", "postgres") or
// "not_found" from commit(). Every reset_interval passed in REQUIRES > 0
// (QuotaConfig guarantees at least one minute). concurrent() says whether
// several threads may call it at once.
class QuotaLedger {
 public:
  virtual ~QuotaLedger() = default;

  // True when calls from several threads may overlap (a connection pool);
  // false: one thread at a time.
  virtual bool concurrent() const = 0;

  // Grants and reserves one unit for decision, or says why not. kUnlimited
  // is granted without touching the database; kBlocked is denied with limit 0.
  virtual Result<ReserveOutcome> try_reserve(const QuotaDecision& decision,
                                             std::chrono::milliseconds reset_interval) = 0;
  // Charges a reservation. Committing twice counts once. "not_found" when
  // it was released or its window has ended.
  virtual Status commit(std::string_view reservation_id) = 0;
  // Records that the reservation's image is being sent to `image`'s chat
  // (see the header comment). Committed uses and unknown ids are left alone.
  virtual Status mark_sending(std::string_view reservation_id, const SendingImage& image) = 0;
  // Records that the send failed and the image is not out.
  virtual Status unmark_sending(std::string_view reservation_id) = 0;
  // Gives a reservation back (sending or not). Unknown ids and committed uses
  // are left alone.
  virtual Status release(std::string_view reservation_id) = 0;
  // Settles what a previous run of this process left (see the header comment).
  virtual Result<RecoveredReservations> recover_after_restart() = 0;

  // Keeps task (replacing a record of the same provider and task id).
  virtual Status record_task(const ImageTaskRecord& task) = 0;
  // Forgets a task; an unknown one is not an error.
  virtual Status remove_task(std::string_view provider, std::string_view task_id) = 0;
  // Every recorded task of this process, oldest submit first.
  virtual Result<std::vector<ImageTaskRecord>> pending_tasks() = 0;

  // The bucket's state now. limit -1 gives remaining -1.
  virtual Result<Usage> usage(std::string_view bucket, std::int64_t limit,
                              std::chrono::milliseconds reset_interval) = 0;
  // Buckets whose window is open now, sorted by name.
  virtual Result<std::vector<BucketUsage>> list_buckets(std::chrono::milliseconds reset_interval) = 0;

  virtual Status reset_all() = 0;
  virtual Status reset_bucket(std::string_view bucket) = 0;

  // Replaces the reservation TTL for every later call (a reload to a slower
  // chain). Thread-safe: may be called while a worker uses the ledger.
  void set_reservation_ttl(std::chrono::milliseconds ttl) { reservation_ttl_ms_.store(ttl.count()); }
  std::chrono::milliseconds reservation_ttl() const {
    return std::chrono::milliseconds(reservation_ttl_ms_.load());
  }

 protected:
  explicit QuotaLedger(std::chrono::milliseconds reservation_ttl)
      : reservation_ttl_ms_(reservation_ttl.count()) {}

 private:
  std::atomic<std::int64_t> reservation_ttl_ms_;
};

// For the backends: shared answers and the reservation id's format.
namespace ledger {
// limit - used, at least 0; -1 when limit is -1 (unlimited).
std::int64_t remaining(std::int64_t limit, std::int64_t used);
ReserveOutcome unlimited_outcome();
ReserveOutcome denial(std::int64_t limit, std::int64_t used, std::optional<Clock::time_point> resets_at);
// A reservation id is "<bucket>/<token>"; nullopt when id is not one.
struct ReservationKey {
  std::string_view bucket;
  std::string_view token;
};
std::optional<ReservationKey> parse_reservation_id(std::string_view id);
}  // namespace ledger

}  // namespace picbot::quota
