// UploadQueue: gets stored images into the bucket, durably. Each object key
// asked for with enqueue() has a row in uploads.sqlite3 (UploadLedger) that
// goes pending → uploading → uploaded | failed; neither a restart, a crash
// nor a bucket outage loses one (PicGate's queue, which these semantics fix,
// left every row pending and evicted unuploaded images).
//
// - An attempt asks the bucket first (HEAD): an object of the same size under
//   the key counts as uploaded, so identical bytes go up once. Otherwise the
//   bytes come from read_local(sha256) and are PUT.
// - At most max_parallel_uploads attempts run at once; each has
//   attempt_timeout.
// - A transient failure (network, 5xx, timeout, a disk error) is retried
//   after 2 s, doubling up to 5 min, for as long as it takes. A permanent one
//   (is_permanent_upload_error: credentials, permissions, no such bucket; or
//   the local copy is gone) fails the row at once; retry_failed() or a new
//   enqueue of the key queues it again.
// - open() puts rows an earlier process left uploading back to pending.
// - stop() cuts the running attempts short; their rows go back to pending.
// - may_evict(sha256) is false while any row of the hash is not uploaded, so
//   the store's retention never deletes a local copy the bucket lacks.
//
// Threading: every member runs on the executor's thread (the event loop's),
// except may_evict(), which any thread may call. Database work runs on the
// WorkerPool, one job at a time. REQUIRES: the executor, pool, clock and
// bucket outlive the queue; stop() has completed (or start() was never
// called) before the queue is destroyed.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/throttled_log.h"
#include "bot/core/worker_pool.h"
#include "image/storage/object_bucket.h"
#include "image/storage/upload_ledger.h"
#include "image/task_poller.h"

namespace picbot::image {

struct UploadQueueOptions {
  std::filesystem::path file;  // data_dir/uploads.sqlite3
  int max_parallel_uploads = 4;
  std::chrono::milliseconds first_retry{2000};                   // after the first failure
  std::chrono::milliseconds max_retry{std::chrono::minutes(5)};  // the doubling stops here
  std::chrono::milliseconds attempt_timeout{std::chrono::minutes(5)};
  // Objects are content-addressed: the bytes under a key never change.
  std::string cache_control = "public, max-age=31536000, immutable";
  store::DatabaseOptions database;
};

// What the console's storage page shows.
struct UploadStats {
  std::int64_t pending = 0, uploading = 0, uploaded = 0, failed = 0;
  // How long the oldest row still waiting (pending or uploading) has waited;
  // zero when none waits.
  std::chrono::milliseconds oldest_pending_age{0};
};

// True when another attempt cannot fix the error: the bucket refused the
// credentials or the permission, or the bucket does not exist. Its codes are
// the S3 error codes ObjectBucket errors carry (object_bucket.h).
bool is_permanent_upload_error(const Error& error);

// The wait after `failures` failed attempts in a row (1 for the first): first,
// doubling, never above cap.
std::chrono::milliseconds upload_backoff(int failures, std::chrono::milliseconds first,
                                         std::chrono::milliseconds cap);

class UploadQueue {
 public:
  // The bytes of the local copy with this content hash; Error::not_found when
  // there is none. Runs on the executor (the disk work on the WorkerPool).
  using ReadLocal = std::function<boost::asio::awaitable<Result<std::string>>(std::string sha256)>;
  // Awaited on the executor each time a key is found in the bucket, before
  // its row says uploaded (so it may be told twice for one key, after a
  // crash between the two; never zero times).
  using UploadedCallback =
      std::function<boost::asio::awaitable<void>(const std::string& sha256, const std::string& key)>;

  // Opens (creating) options.file on the pool, puts rows left uploading back
  // to pending and loads the rows not yet uploaded. Uploads begin at start().
  static boost::asio::awaitable<Result<std::unique_ptr<UploadQueue>>> open(
      boost::asio::any_io_executor executor, WorkerPool& pool, const Clock& clock, ObjectBucket& bucket,
      ReadLocal read_local, UploadQueueOptions options);
  // The same, blocking the calling thread: for the host's start-up, before
  // the event loop runs (as the quota store opens), so no save finds the
  // queue missing.
  static Result<std::unique_ptr<UploadQueue>> open_before_loop(boost::asio::any_io_executor executor,
                                                               WorkerPool& pool, const Clock& clock,
                                                               ObjectBucket& bucket, ReadLocal read_local,
                                                               UploadQueueOptions options);
  ~UploadQueue();
  UploadQueue(const UploadQueue&) = delete;
  UploadQueue& operator=(const UploadQueue&) = delete;

  // REQUIRES: on the executor, before start() or while no upload runs.
  void set_uploaded_callback(UploadedCallback callback) { on_uploaded_ = std::move(callback); }

  // Begins uploading what is due. Idempotent; does nothing after stop().
  void start();
  // Stops for good: attempts in flight are cut short and their rows go back
  // to pending; completes once nothing of the queue runs any more.
  boost::asio::awaitable<void> stop();

  // Asks for the bytes with this hash to be in the bucket under key (see
  // UploadLedger::enqueue for a key already known). The row is on disk when
  // this returns. Errors: "bad_request" for a sha256 that is not 64 lower-case
  // hex characters or an empty key; the database's.
  boost::asio::awaitable<Status> enqueue(std::string sha256, std::string key, std::string content_type);

  // False while some row of sha256 is not uploaded (pending, uploading or
  // failed), and before open() has loaded the rows; true otherwise,
  // including for a hash never enqueued (no upload is wanted). Thread-safe.
  bool may_evict(std::string_view sha256) const;

  // True when some key of sha256 is uploaded.
  boost::asio::awaitable<Result<bool>> is_uploaded(std::string sha256);
  // The row of sha256 furthest along (uploaded, uploading, pending, failed),
  // or nullopt when it was never enqueued.
  boost::asio::awaitable<Result<std::optional<UploadRow>>> state(std::string sha256);
  boost::asio::awaitable<Result<UploadStats>> stats();
  // Up to limit failed rows with their last error, the most recent first
  // (the console's storage page says why).
  boost::asio::awaitable<Result<std::vector<UploadRow>>> failed(int limit);

  // Tries every pending row now, whatever its backoff. Returns how many rows
  // were waiting for their next attempt.
  boost::asio::awaitable<Result<std::int64_t>> upload_pending_now();
  // Queues every failed row again (attempts from 0), due now. Returns how many.
  boost::asio::awaitable<Result<std::int64_t>> retry_failed();
  // Drops the row of key (its image is gone for good). A running attempt
  // finishes, but its outcome is not recorded.
  boost::asio::awaitable<Status> forget(std::string key);
  // Deletes the objects of sha256 from the bucket and forgets their rows
  // (storage.delete_remote_on_expiry, when the image's record expires). A row
  // whose object could not be deleted is kept. Errors: the bucket's first
  // error, the database's.
  boost::asio::awaitable<Status> remove_remote(std::string sha256);

  // The bound on parallel attempts from now on (a config reload); values
  // below 1 count as 1. Attempts already running finish.
  void set_max_parallel_uploads(int n);

  // Reads the clock again and starts what is due (after a clock jump; a
  // test's ManualClock::advance). The queue's timer does the same.
  void recheck();

  // Attempts running now.
  int running() const { return running_; }

 private:
  struct Entry {
    std::string sha256, content_type;
    UploadState state = UploadState::kPending;
    int attempts = 0;
    Clock::time_point due;
  };
  struct Outcome {
    enum Kind { kUploaded, kRetry, kFailed, kStopped } kind = kUploaded;
    Error error;  // for kRetry, kFailed
    bool already_there = false;
    std::size_t bytes = 0;
  };

  struct Loaded;
  static Result<Loaded> load(const UploadQueueOptions& options, Clock::time_point now);
  static std::unique_ptr<UploadQueue> make(boost::asio::any_io_executor executor, WorkerPool& pool,
                                           const Clock& clock, ObjectBucket& bucket, ReadLocal read_local,
                                           UploadQueueOptions options, Loaded loaded);

  UploadQueue(boost::asio::any_io_executor executor, WorkerPool& pool, const Clock& clock,
              ObjectBucket& bucket, ReadLocal read_local, UploadQueueOptions options,
              std::unique_ptr<UploadLedger> ledger);

  // Runs fn(ledger) on the worker pool, one job at a time.
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn&, UploadLedger&>> ledger_call(Fn fn);

  void add_entry(const UploadRow& row);
  void erase_entry(const std::string& key);
  void make_pending(const std::string& key, Clock::time_point due);
  void pump();
  void arm(Clock::time_point due);
  boost::asio::awaitable<void> wake_at(Clock::time_point due);
  boost::asio::awaitable<void> upload(std::string key);
  boost::asio::awaitable<Outcome> attempt(std::string key, Entry entry);
  boost::asio::awaitable<void> settle(const std::string& key, const Entry& entry, const Outcome& outcome);
  Outcome classify(const Error& error) const;
  // Marks the end of a coroutine the queue spawned (stop() waits for all).
  void finished();
  template <class Awaitable>
  void spawn(Awaitable task);

  boost::asio::any_io_executor executor_;
  WorkerPool& pool_;
  WorkerPool::Serial serial_;
  const Clock& clock_;
  ObjectBucket& bucket_;
  ReadLocal read_local_;
  UploadedCallback on_uploaded_;
  const UploadQueueOptions options_;
  std::unique_ptr<UploadLedger> ledger_;
  TaskPoller poller_;  // backoff wake-ups and attempt deadlines, on clock_
  ThrottledLog retry_log_;
  boost::asio::steady_timer idle_;  // cancelled when the last spawned coroutine ends

  bool started_ = false, stopping_ = false;
  int max_parallel_;
  int running_ = 0;  // attempts in flight
  int active_ = 0;   // coroutines spawned and not ended
  std::optional<Clock::time_point> armed_for_;
  std::map<std::string, Entry> backlog_;                     // by key: every row not uploaded
  std::set<std::pair<Clock::time_point, std::string>> due_;  // pending rows by due time

  mutable std::mutex evict_mu_;
  bool loaded_ = false;                                  // guarded by evict_mu_
  std::unordered_map<std::string, int> waiting_by_sha_;  // rows not uploaded, by hash; guarded by evict_mu_
};

}  // namespace picbot::image
