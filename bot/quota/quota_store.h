// Quota store: drawing counts per bucket, kept in SQLite so they survive
// restarts and hold across several connections to one file.
//
// Semantics (fixing the original plugin):
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
//   start-up before any request, releases the reservations left before that
//   (they never left the bot) and returns those left "sending": they keep
//   counting until the caller has asked NapCat whether the image arrived and
//   commits or releases them (see DeliveryReconciler). Rows written before
//   the destination was recorded are charged at once. Nothing a dead process
//   held keeps counting until reservation_ttl. It assumes one picbot process
//   per database file.
// - Asynchronous tasks: record_task() keeps an upstream task id (and the
//   drawing it belongs to) from its submit until the drawing ends
//   (remove_task()). recover_after_restart() leaves the reservations of
//   recorded tasks held: the caller resumes those tasks (pending_tasks())
//   and commits or releases their units.
// - A check-and-reserve is one BEGIN IMMEDIATE transaction, so concurrent
//   requests, from any number of connections, never grant beyond the limit.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/quota/quota_decision.h"
#include "bot/store/database.h"

namespace picbot::quota {

struct QuotaStoreOptions {
  // Longer than the slowest generation, with every retry and key rotation.
  std::chrono::milliseconds reservation_ttl = std::chrono::minutes(15);
  store::DatabaseOptions database;
};

// The reservation TTL for an image chain whose drawings take at most
// chain_deadline: the deadline plus a margin for the queue.
std::chrono::milliseconds reservation_ttl_for(std::chrono::milliseconds chain_deadline);

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

// QuotaStore: synchronous and blocking; use it from one thread at a time (a
// worker thread; see AsyncQuotaStore). Errors are DB failures (code "busy"
// or "sqlite") or "not_found" from commit(). Every reset_interval passed in
// REQUIRES > 0 (QuotaConfig guarantees at least one minute).
class QuotaStore {
 public:
  // Opens or creates the database file and brings its schema up to date.
  // clock must outlive the store.
  static Result<std::unique_ptr<QuotaStore>> open(const std::filesystem::path& file, const Clock& clock,
                                                  const QuotaStoreOptions& options = {});

  // Grants and reserves one unit for decision, or says why not. kUnlimited
  // is granted without touching the database; kBlocked is denied with limit 0.
  Result<ReserveOutcome> try_reserve(const QuotaDecision& decision, std::chrono::milliseconds reset_interval);
  // Charges a reservation. Committing twice counts once. "not_found" when
  // it was released or its window has ended.
  Status commit(std::string_view reservation_id);
  // Records that the reservation's image is being sent to `image`'s chat
  // (see the header comment). Committed uses and unknown ids are left alone.
  Status mark_sending(std::string_view reservation_id, const SendingImage& image);
  // Records that the send failed and the image is not out.
  Status unmark_sending(std::string_view reservation_id);
  // Gives a reservation back (sending or not). Unknown ids and committed uses
  // are left alone.
  Status release(std::string_view reservation_id);
  // Settles what a previous process left (see the header comment).
  Result<RecoveredReservations> recover_after_restart();

  // Keeps task (replacing a record of the same provider and task id).
  Status record_task(const ImageTaskRecord& task);
  // Forgets a task; an unknown one is not an error.
  Status remove_task(std::string_view provider, std::string_view task_id);
  // Every recorded task, oldest submit first.
  Result<std::vector<ImageTaskRecord>> pending_tasks();

  // The bucket's state now. limit -1 gives remaining -1.
  Result<Usage> usage(std::string_view bucket, std::int64_t limit, std::chrono::milliseconds reset_interval);
  // Buckets whose window is open now, sorted by name.
  Result<std::vector<BucketUsage>> list_buckets(std::chrono::milliseconds reset_interval);

  Status reset_all();
  Status reset_bucket(std::string_view bucket);

  // Replaces options.reservation_ttl for every later call (a reload to a
  // slower chain). Thread-safe: may be called while a worker uses the store.
  void set_reservation_ttl(std::chrono::milliseconds ttl);
  std::chrono::milliseconds reservation_ttl() const;

 private:
  struct Window {
    std::optional<std::int64_t> start_ms;  // nullopt: no open window
    bool expired = false;                  // a window ended and is still stored
    std::int64_t used = 0;
  };

  QuotaStore(std::unique_ptr<store::Database> db, const Clock& clock, const QuotaStoreOptions& options);
  std::int64_t now_ms() const;
  Result<Window> read_window(std::string_view bucket, std::int64_t now_ms, std::int64_t interval_ms);
  Status forget_bucket(std::string_view bucket);
  std::string new_token();  // the random part of a reservation id

  std::unique_ptr<store::Database> db_;
  const Clock& clock_;
  QuotaStoreOptions options_;
  std::atomic<std::int64_t> reservation_ttl_ms_;  // options_.reservation_ttl, then set_reservation_ttl
  std::mt19937_64 random_;
};

// AsyncQuotaStore: QuotaStore for coroutines on the event loop. Each call runs
// on a WorkerPool thread, one at a time, and resumes the caller on its own
// executor. pool must outlive this object, and this object must outlive every
// call in flight. Parameters are taken by value so they outlive the call.
class AsyncQuotaStore {
 public:
  // Opens the store on a worker thread.
  static boost::asio::awaitable<Result<std::unique_ptr<AsyncQuotaStore>>> open(
      WorkerPool& pool, std::filesystem::path file, const Clock& clock, QuotaStoreOptions options = {});
  AsyncQuotaStore(WorkerPool& pool, std::unique_ptr<QuotaStore> store);

  boost::asio::awaitable<Result<ReserveOutcome>> try_reserve(QuotaDecision decision,
                                                             std::chrono::milliseconds reset_interval);
  boost::asio::awaitable<Status> commit(std::string reservation_id);
  boost::asio::awaitable<Status> mark_sending(std::string reservation_id, SendingImage image);
  boost::asio::awaitable<Status> unmark_sending(std::string reservation_id);
  boost::asio::awaitable<Status> release(std::string reservation_id);
  boost::asio::awaitable<Status> record_task(ImageTaskRecord task);
  boost::asio::awaitable<Status> remove_task(std::string provider, std::string task_id);
  boost::asio::awaitable<Result<std::vector<ImageTaskRecord>>> pending_tasks();
  boost::asio::awaitable<Result<Usage>> usage(std::string bucket, std::int64_t limit,
                                              std::chrono::milliseconds reset_interval);
  boost::asio::awaitable<Result<std::vector<BucketUsage>>> list_buckets(
      std::chrono::milliseconds reset_interval);
  boost::asio::awaitable<Status> reset_all();
  boost::asio::awaitable<Status> reset_bucket(std::string bucket);
  // At once, from any thread (see QuotaStore::set_reservation_ttl).
  void set_reservation_ttl(std::chrono::milliseconds ttl);

 private:
  // Runs fn(store) on a worker thread while holding mutex_.
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn&, QuotaStore&>> call(Fn fn);

  WorkerPool& pool_;
  std::mutex mutex_;  // the store's connection is used by one worker at a time
  std::unique_ptr<QuotaStore> store_;
};

}  // namespace picbot::quota
