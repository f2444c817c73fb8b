// QuotaStore: the quota ledger (see quota_ledger.h) in SQLite, so counts
// survive restarts and hold across several connections to one file.
//
// Its own: a check-and-reserve is one BEGIN IMMEDIATE transaction, so
// concurrent requests, from any number of connections, never grant beyond the
// limit. Crash recovery assumes one picbot process per database file.
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
#include "bot/quota/quota_ledger.h"
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

// QuotaStore: synchronous and blocking; use it from one thread at a time (a
// worker thread; see AsyncQuotaStore). Errors are DB failures (code "busy"
// or "sqlite") or "not_found" from commit().
class QuotaStore final : public QuotaLedger {
 public:
  // Opens or creates the database file and brings its schema up to date.
  // clock must outlive the store.
  static Result<std::unique_ptr<QuotaStore>> open(const std::filesystem::path& file, const Clock& clock,
                                                  const QuotaStoreOptions& options = {});

  bool concurrent() const override { return false; }
  Result<ReserveOutcome> try_reserve(const QuotaDecision& decision,
                                     std::chrono::milliseconds reset_interval) override;
  Status commit(std::string_view reservation_id) override;
  Status mark_sending(std::string_view reservation_id, const SendingImage& image) override;
  Status unmark_sending(std::string_view reservation_id) override;
  Status release(std::string_view reservation_id) override;
  Result<RecoveredReservations> recover_after_restart() override;
  Status record_task(const ImageTaskRecord& task) override;
  Status remove_task(std::string_view provider, std::string_view task_id) override;
  Result<std::vector<ImageTaskRecord>> pending_tasks() override;
  Result<Usage> usage(std::string_view bucket, std::int64_t limit,
                      std::chrono::milliseconds reset_interval) override;
  Result<std::vector<BucketUsage>> list_buckets(std::chrono::milliseconds reset_interval) override;
  Status reset_all() override;
  Status reset_bucket(std::string_view bucket) override;

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
  std::mt19937_64 random_;
};

// AsyncQuotaStore: a QuotaLedger for coroutines on the event loop. Each call
// runs on a WorkerPool thread (one at a time unless the ledger is
// concurrent()) and resumes the caller on its own executor. pool must outlive this object, and this object
// must outlive every call in flight. Parameters are taken by value so they outlive the call.
class AsyncQuotaStore {
 public:
  // Opens a SQLite store on a worker thread.
  static boost::asio::awaitable<Result<std::unique_ptr<AsyncQuotaStore>>> open(
      WorkerPool& pool, std::filesystem::path file, const Clock& clock, QuotaStoreOptions options = {});
  AsyncQuotaStore(WorkerPool& pool, std::unique_ptr<QuotaLedger> store);

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
  // Runs fn(store) on a worker thread, holding mutex_ unless the ledger is
  // concurrent().
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn&, QuotaLedger&>> call(Fn fn);

  WorkerPool& pool_;
  std::mutex mutex_;  // a SQLite store's connection is used by one worker at a time
  std::unique_ptr<QuotaLedger> store_;
};

}  // namespace picbot::quota
