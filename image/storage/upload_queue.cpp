#include "image/storage/upload_queue.h"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <exception>
#include <variant>

#include "bot/core/logging.h"
#include "image/log_messages.h"

namespace picbot::image {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// The S3 error codes another attempt cannot fix (AWS S3 API reference,
// "Error responses"; R2, MinIO and OSS answer with the same codes): wrong
// credentials, no permission, no such bucket, the wrong region or endpoint,
// an object the service refuses. The S3 client (image/storage/s3/s3_client.h)
// puts these in Error::code, and "http_<status>" for an answer without a
// code; its "unavailable" (network, timeouts, 5xx, 429, SlowDown) and
// RequestTimeTooSkewed (a clock that may be fixed) stay transient.
constexpr std::array<std::string_view, 16> kPermanentCodes = {
    "AccessDenied",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "NoSuchBucket",
    "InvalidBucketName",
    "AccountProblem",
    "EntityTooLarge",
    "too_large",
    "PermanentRedirect",
    "AuthorizationHeaderMalformed",
    "XAmzContentSHA256Mismatch",
    "http_301",
    "http_307",
    "http_400",
    "http_403",
};

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

constexpr std::size_t kMaxKeyBytes = 1024;  // S3's and R2's limit

// Furthest along first: the row state() reports for a hash with several keys.
int progress(UploadState state) {
  switch (state) {
    case UploadState::kUploaded:
      return 3;
    case UploadState::kUploading:
      return 2;
    case UploadState::kPending:
      return 1;
    case UploadState::kFailed:
      return 0;
  }
  return 0;
}

// The error as the row's last_error and the log show it: an S3 error code
// (CamelCase: "AccessDenied") names the failure, so it leads unless the
// message already names it; picbot's own codes ("timeout", "not_found") add
// nothing to their message.
std::string reason_of(const Error& error) {
  if (error.code.empty() || !std::isupper(static_cast<unsigned char>(error.code[0]))) return error.message;
  if (error.message.find(error.code) != std::string::npos) return error.message;
  return error.code + ": " + error.message;
}

}  // namespace

bool is_permanent_upload_error(const Error& error) {
  return std::find(kPermanentCodes.begin(), kPermanentCodes.end(), error.code) != kPermanentCodes.end();
}

milliseconds upload_backoff(int failures, milliseconds first, milliseconds cap) {
  milliseconds wait = first;
  for (int i = 1; i < failures && wait < cap; ++i) wait *= 2;
  return std::max(milliseconds(1), std::min(wait, cap));
}

// --- open, start, stop ---

// What open() reads from the file: blocking, for a worker or the start-up.
struct UploadQueue::Loaded {
  std::unique_ptr<UploadLedger> ledger;
  std::int64_t requeued = 0;
  std::vector<UploadRow> backlog;
};

Result<UploadQueue::Loaded> UploadQueue::load(const UploadQueueOptions& options, Clock::time_point now) {
  auto ledger = UploadLedger::open(options.file, options.database);
  if (!ledger.ok()) return ledger.error();
  Result<std::int64_t> requeued = (*ledger)->requeue_uploading(now);
  if (!requeued.ok()) return requeued.error();
  Result<std::vector<UploadRow>> backlog = (*ledger)->backlog();
  if (!backlog.ok()) return backlog.error();
  return Loaded{std::move(ledger).value(), *requeued, std::move(backlog).value()};
}

std::unique_ptr<UploadQueue> UploadQueue::make(asio::any_io_executor executor, WorkerPool& pool,
                                               const Clock& clock, ObjectBucket& bucket, ReadLocal read_local,
                                               UploadQueueOptions options, Loaded loaded) {
  if (loaded.requeued > 0) {
    log::get("storage")->info("{}",
                              log_text("log.image.upload_requeued", fmt::arg("count", loaded.requeued)));
  }
  std::unique_ptr<UploadQueue> queue(new UploadQueue(std::move(executor), pool, clock, bucket,
                                                     std::move(read_local), std::move(options),
                                                     std::move(loaded.ledger)));
  for (const UploadRow& row : loaded.backlog) queue->add_entry(row);
  std::lock_guard lock(queue->evict_mu_);
  queue->loaded_ = true;
  return queue;
}

asio::awaitable<Result<std::unique_ptr<UploadQueue>>> UploadQueue::open(asio::any_io_executor executor,
                                                                        WorkerPool& pool, const Clock& clock,
                                                                        ObjectBucket& bucket,
                                                                        ReadLocal read_local,
                                                                        UploadQueueOptions options) {
  const Clock::time_point now = clock.now();
  Result<Loaded> loaded = co_await pool.run([&] { return load(options, now); });
  if (!loaded.ok()) co_return loaded.error();
  co_return make(std::move(executor), pool, clock, bucket, std::move(read_local), std::move(options),
                 std::move(loaded).value());
}

Result<std::unique_ptr<UploadQueue>> UploadQueue::open_before_loop(asio::any_io_executor executor,
                                                                   WorkerPool& pool, const Clock& clock,
                                                                   ObjectBucket& bucket, ReadLocal read_local,
                                                                   UploadQueueOptions options) {
  Result<Loaded> loaded = load(options, clock.now());
  if (!loaded.ok()) return loaded.error();
  return make(std::move(executor), pool, clock, bucket, std::move(read_local), std::move(options),
              std::move(loaded).value());
}

UploadQueue::UploadQueue(asio::any_io_executor executor, WorkerPool& pool, const Clock& clock,
                         ObjectBucket& bucket, ReadLocal read_local, UploadQueueOptions options,
                         std::unique_ptr<UploadLedger> ledger)
    : executor_(std::move(executor)),
      pool_(pool),
      serial_(pool.make_serial()),
      clock_(clock),
      bucket_(bucket),
      read_local_(std::move(read_local)),
      options_(std::move(options)),
      ledger_(std::move(ledger)),
      poller_(executor_, clock),
      retry_log_(log::get("storage"), "log.image.what_upload_retries", clock),
      idle_(executor_),
      max_parallel_(std::max(1, options_.max_parallel_uploads)) {
  register_log_messages();
  idle_.expires_at(asio::steady_timer::time_point::max());
}

UploadQueue::~UploadQueue() = default;

void UploadQueue::start() {
  if (started_ || stopping_) return;
  started_ = true;
  pump();
}

asio::awaitable<void> UploadQueue::stop() {
  stopping_ = true;
  // Ends the wake-ups, and the deadline every running attempt races against:
  // the attempts are cut short and settle as "stopped".
  poller_.shutdown();
  while (active_ > 0) co_await idle_.async_wait(asio::as_tuple(asio::use_awaitable));
}

template <class Awaitable>
void UploadQueue::spawn(Awaitable task) {
  ++active_;
  asio::co_spawn(executor_, std::move(task), [this](std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log::get("storage")->error("{}", log_text("log.image.upload_crashed", fmt::arg("reason", e.what())));
      }
    }
    finished();
  });
}

void UploadQueue::finished() {
  if (--active_ == 0) idle_.cancel();
}

template <class Fn>
asio::awaitable<std::invoke_result_t<Fn&, UploadLedger&>> UploadQueue::ledger_call(Fn fn) {
  co_return co_await pool_.run(serial_, [this, &fn] { return fn(*ledger_); });
}

// --- the rows in memory ---

void UploadQueue::add_entry(const UploadRow& row) {
  Entry entry{row.sha256, row.content_type, row.state, row.attempts, row.next_attempt};
  // A row left uploading is only seen here before open() requeued it.
  if (entry.state == UploadState::kUploading) entry.state = UploadState::kPending;
  if (entry.state == UploadState::kPending) due_.emplace(entry.due, row.key);
  backlog_.insert_or_assign(row.key, std::move(entry));
  std::lock_guard lock(evict_mu_);
  ++waiting_by_sha_[row.sha256];
}

void UploadQueue::erase_entry(const std::string& key) {
  const auto it = backlog_.find(key);
  if (it == backlog_.end()) return;
  if (it->second.state == UploadState::kPending) due_.erase({it->second.due, key});
  {
    std::lock_guard lock(evict_mu_);
    const auto count = waiting_by_sha_.find(it->second.sha256);
    if (count != waiting_by_sha_.end() && --count->second <= 0) waiting_by_sha_.erase(count);
  }
  backlog_.erase(it);
}

void UploadQueue::make_pending(const std::string& key, Clock::time_point due) {
  const auto it = backlog_.find(key);
  if (it == backlog_.end()) return;
  Entry& entry = it->second;
  if (entry.state == UploadState::kPending) due_.erase({entry.due, key});
  entry.state = UploadState::kPending;
  entry.due = due;
  due_.emplace(due, key);
}

bool UploadQueue::may_evict(std::string_view sha256) const {
  std::lock_guard lock(evict_mu_);
  return loaded_ && waiting_by_sha_.find(std::string(sha256)) == waiting_by_sha_.end();
}

// --- scheduling ---

void UploadQueue::pump() {
  if (!started_ || stopping_) return;
  const Clock::time_point now = clock_.now();
  while (running_ < max_parallel_ && !due_.empty() && due_.begin()->first <= now) {
    const std::string key = due_.begin()->second;
    due_.erase(due_.begin());
    Entry& entry = backlog_.at(key);
    entry.state = UploadState::kUploading;
    ++entry.attempts;
    ++running_;
    spawn(upload(key));
  }
  if (running_ < max_parallel_ && !due_.empty()) arm(due_.begin()->first);
}

void UploadQueue::arm(Clock::time_point due) {
  // A wake-up already set for this time or earlier pumps, and arms again.
  if (armed_for_ && *armed_for_ <= due) return;
  armed_for_ = due;
  spawn(wake_at(due));
}

asio::awaitable<void> UploadQueue::wake_at(Clock::time_point due) {
  const TaskPoller::Wake wake = co_await poller_.wait_until(due);
  if (armed_for_ == due) armed_for_.reset();
  if (wake == TaskPoller::Wake::kDue) pump();
}

void UploadQueue::set_max_parallel_uploads(int n) {
  max_parallel_ = std::max(1, n);
  pump();
}

void UploadQueue::recheck() {
  poller_.recheck();
  pump();
}

// --- one attempt ---

asio::awaitable<void> UploadQueue::upload(std::string key) {
  using namespace asio::experimental::awaitable_operators;
  const auto found = backlog_.find(key);
  if (found == backlog_.end()) {  // forgotten before this coroutine began
    --running_;
    pump();
    co_return;
  }
  const Entry entry = found->second;
  const Clock::time_point started = clock_.now();
  Status marked = co_await ledger_call([&](UploadLedger& l) { return l.mark_uploading(key, started); });
  Outcome outcome;
  if (!marked.ok()) {
    outcome = Outcome{Outcome::kRetry, marked.error()};
  } else if (stopping_) {
    outcome.kind = Outcome::kStopped;
  } else {
    // The deadline is on the queue's clock; stop() ends it at once.
    auto attempt_op = attempt(key, entry);
    auto deadline_op = poller_.wait_until(started + options_.attempt_timeout);
    std::variant<Outcome, TaskPoller::Wake> raced =
        co_await (std::move(attempt_op) || std::move(deadline_op));
    if (raced.index() == 0) {
      outcome = std::move(std::get<0>(raced));
    } else if (std::get<1>(raced) == TaskPoller::Wake::kDue) {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.attempt_timeout).count();
      outcome = Outcome{Outcome::kRetry, Error::make("timeout", log_text("log.image.upload_timed_out",
                                                                         fmt::arg("seconds", seconds)))};
    } else {
      outcome.kind = Outcome::kStopped;
    }
  }
  co_await settle(key, entry, outcome);
  --running_;
  pump();
}

UploadQueue::Outcome UploadQueue::classify(const Error& error) const {
  return Outcome{is_permanent_upload_error(error) ? Outcome::kFailed : Outcome::kRetry, error};
}

asio::awaitable<UploadQueue::Outcome> UploadQueue::attempt(std::string key, Entry entry) {
  // Cut short by the deadline (operator||), a wait here throws; nothing is
  // awaited after the catch.
  try {
    Result<std::optional<ObjectInfo>> head = co_await bucket_.head(key);
    if (!head.ok()) co_return classify(head.error());
    const std::optional<ObjectInfo> existing = std::move(head).value();
    Result<std::string> bytes = Error::not_found("no local store to read from");
    if (read_local_) bytes = co_await read_local_(entry.sha256);
    if (!bytes.ok()) {
      // Without a local copy an object already there is as good as it gets.
      if (existing) co_return Outcome{Outcome::kUploaded, {}, true, existing->size};
      if (bytes.error().is_not_found()) {
        co_return Outcome{Outcome::kFailed, Error::not_found(log_text("log.image.upload_local_gone"))};
      }
      co_return Outcome{Outcome::kRetry, bytes.error()};
    }
    const std::size_t size = bytes->size();
    if (existing && existing->size == size) co_return Outcome{Outcome::kUploaded, {}, true, size};
    std::string cache_control = options_.cache_control;
    Status put =
        co_await bucket_.put(key, std::move(bytes).value(), entry.content_type, std::move(cache_control));
    if (!put.ok()) co_return classify(put.error());
    co_return Outcome{Outcome::kUploaded, {}, false, size};
  } catch (const std::exception& e) {
    co_return Outcome{Outcome::kRetry, Error::unavailable(e.what())};
  }
}

asio::awaitable<void> UploadQueue::settle(const std::string& key, const Entry& entry,
                                          const Outcome& outcome) {
  auto log = log::get("storage");
  const auto it = backlog_.find(key);
  if (it == backlog_.end()) co_return;  // forgotten while it ran
  const Clock::time_point now = clock_.now();
  Status recorded;
  switch (outcome.kind) {
    case Outcome::kUploaded: {
      // The store hears first: a crash before the row says uploaded leaves
      // it pending, and the next attempt's HEAD finds the object and tells
      // the store again.
      if (on_uploaded_) co_await on_uploaded_(entry.sha256, key);
      recorded = co_await ledger_call([&](UploadLedger& l) { return l.mark_uploaded(key, now); });
      erase_entry(key);
      if (outcome.already_there) {
        log->info("{}", log_text("log.image.upload_already_there", fmt::arg("key", key)));
      } else {
        log->info("{}", log_text("log.image.upload_done", fmt::arg("key", key),
                                 fmt::arg("bytes", outcome.bytes), fmt::arg("attempt", entry.attempts)));
      }
      break;
    }
    case Outcome::kRetry: {
      const milliseconds wait = upload_backoff(entry.attempts, options_.first_retry, options_.max_retry);
      const std::string reason = reason_of(outcome.error);
      recorded =
          co_await ledger_call([&](UploadLedger& l) { return l.mark_retry(key, reason, now + wait, now); });
      make_pending(key, now + wait);
      retry_log_.log(spdlog::level::warn, "bucket:" + outcome.error.code, [&] {
        return log_text("log.image.upload_retry", fmt::arg("key", key), fmt::arg("attempt", entry.attempts),
                        fmt::arg("seconds", std::chrono::duration_cast<std::chrono::seconds>(wait).count()),
                        fmt::arg("reason", reason));
      });
      break;
    }
    case Outcome::kFailed: {
      const std::string reason = reason_of(outcome.error);
      recorded = co_await ledger_call([&](UploadLedger& l) { return l.mark_failed(key, reason, now); });
      if (const auto failed = backlog_.find(key); failed != backlog_.end())
        failed->second.state = UploadState::kFailed;
      log->error("{}", log_text("log.image.upload_failed", fmt::arg("key", key), fmt::arg("reason", reason)));
      break;
    }
    case Outcome::kStopped: {
      const std::string reason = log_text("log.image.upload_stopped");
      recorded = co_await ledger_call([&](UploadLedger& l) { return l.mark_retry(key, reason, now, now); });
      make_pending(key, now);
      break;
    }
  }
  if (!recorded.ok()) {
    log->error("{}",
               log_text("log.image.upload_db_failed", fmt::arg("reason", recorded.error().to_string())));
  }
}

// --- the API ---

asio::awaitable<Status> UploadQueue::enqueue(std::string sha256, std::string key, std::string content_type) {
  if (!is_sha256_hex(sha256))
    co_return Error::bad_request("not a lower-case hex SHA-256: " + sha256.substr(0, 80));
  if (key.empty() || key.size() > kMaxKeyBytes) {
    co_return Error::bad_request("an object key must have 1 to 1024 bytes");
  }
  const Clock::time_point now = clock_.now();
  Result<UploadRow> row =
      co_await ledger_call([&](UploadLedger& l) { return l.enqueue(sha256, key, content_type, now); });
  if (!row.ok()) co_return row.error();
  if (row->state == UploadState::kPending) {
    const auto it = backlog_.find(key);
    if (it == backlog_.end()) {
      add_entry(*row);
    } else if (it->second.state == UploadState::kFailed) {
      it->second.attempts = 0;
      make_pending(key, row->next_attempt);
    }
    pump();
  }
  co_return Status{};
}

asio::awaitable<Result<bool>> UploadQueue::is_uploaded(std::string sha256) {
  Result<std::optional<UploadRow>> row = co_await state(std::move(sha256));
  if (!row.ok()) co_return row.error();
  co_return row->has_value() && (*row)->state == UploadState::kUploaded;
}

asio::awaitable<Result<std::optional<UploadRow>>> UploadQueue::state(std::string sha256) {
  Result<std::vector<UploadRow>> rows =
      co_await ledger_call([&](UploadLedger& l) { return l.find_sha256(sha256); });
  if (!rows.ok()) co_return rows.error();
  if (rows->empty()) co_return std::optional<UploadRow>();
  auto best = std::max_element(rows->begin(), rows->end(), [](const UploadRow& a, const UploadRow& b) {
    return progress(a.state) < progress(b.state);
  });
  co_return std::optional<UploadRow>(std::move(*best));
}

asio::awaitable<Result<UploadStats>> UploadQueue::stats() {
  Result<UploadCounts> counts = co_await ledger_call([](UploadLedger& l) { return l.counts(); });
  if (!counts.ok()) co_return counts.error();
  UploadStats stats{counts->pending, counts->uploading, counts->uploaded, counts->failed};
  if (counts->oldest_waiting) {
    stats.oldest_pending_age = std::max(
        milliseconds(0), std::chrono::duration_cast<milliseconds>(clock_.now() - *counts->oldest_waiting));
  }
  co_return stats;
}

asio::awaitable<Result<std::vector<UploadRow>>> UploadQueue::failed(int limit) {
  co_return co_await ledger_call([limit](UploadLedger& l) { return l.failed(limit); });
}

asio::awaitable<Result<std::int64_t>> UploadQueue::upload_pending_now() {
  const Clock::time_point now = clock_.now();
  Result<std::int64_t> made_due =
      co_await ledger_call([&](UploadLedger& l) { return l.make_pending_due(now); });
  if (!made_due.ok()) co_return made_due.error();
  std::vector<std::string> later;
  for (auto it = due_.upper_bound({now, std::string()}); it != due_.end(); ++it) later.push_back(it->second);
  for (const std::string& key : later) make_pending(key, now);
  pump();
  co_return made_due;
}

asio::awaitable<Result<std::int64_t>> UploadQueue::retry_failed() {
  const Clock::time_point now = clock_.now();
  Result<std::vector<std::string>> keys =
      co_await ledger_call([&](UploadLedger& l) { return l.retry_failed(now); });
  if (!keys.ok()) co_return keys.error();
  for (const std::string& key : *keys) {
    const auto it = backlog_.find(key);
    if (it == backlog_.end() || it->second.state != UploadState::kFailed) continue;
    it->second.attempts = 0;
    make_pending(key, now);
  }
  pump();
  co_return static_cast<std::int64_t>(keys->size());
}

asio::awaitable<Status> UploadQueue::forget(std::string key) {
  Status forgotten = co_await ledger_call([&](UploadLedger& l) { return l.forget(key); });
  if (!forgotten.ok()) co_return forgotten;
  erase_entry(key);
  co_return Status{};
}

asio::awaitable<Status> UploadQueue::remove_remote(std::string sha256) {
  Result<std::vector<UploadRow>> rows =
      co_await ledger_call([&](UploadLedger& l) { return l.find_sha256(sha256); });
  if (!rows.ok()) co_return rows.error();
  std::optional<Error> first_error;
  for (const UploadRow& row : *rows) {
    Status removed = co_await bucket_.remove(row.key);
    if (!removed.ok()) {
      if (!first_error) first_error = removed.error();
      continue;
    }
    Status forgotten = co_await forget(row.key);
    if (!forgotten.ok() && !first_error) first_error = forgotten.error();
  }
  if (first_error) co_return *first_error;
  co_return Status{};
}

}  // namespace picbot::image
