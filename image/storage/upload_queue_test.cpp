#include "image/storage/upload_queue.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <vector>

#include "bot/core/log_language.h"
#include "tests/support/held_worker.h"
#include "tests/support/memory_bucket.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::image {
namespace {

using namespace std::chrono_literals;
using testing::MemoryBucket;
using Call = MemoryBucket::Call;

// A made-up content hash: 64 lower-case hex characters.
std::string hash_of(int n) { return fmt::format("{:064x}", n + 0xabc000); }
std::string key_of(const std::string& sha256) { return "img/" + sha256.substr(0, 2) + "/" + sha256 + ".png"; }

Error transient() {
  return Error::make("InternalError", "We encountered an internal error. Please try again.");
}
Error access_denied() { return Error::make("AccessDenied", "Access Denied"); }

TEST(UploadBackoff, DoublesFromTwoSecondsToFiveMinutes) {
  std::vector<long long> seconds;
  for (int failures = 1; failures <= 11; ++failures) {
    seconds.push_back(upload_backoff(failures, 2s, 5min).count() / 1000);
  }
  EXPECT_EQ(seconds, (std::vector<long long>{2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300}));
  EXPECT_EQ(upload_backoff(1000, 2s, 5min), 5min);
}

TEST(PermanentUploadError, CredentialsPermissionsAndAMissingBucketArePermanent) {
  for (const char* code : {"AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "NoSuchBucket",
                           "PermanentRedirect", "AuthorizationHeaderMalformed", "http_403"}) {
    EXPECT_TRUE(is_permanent_upload_error(Error::make(code, "x"))) << code;
  }
  for (const char* code : {"InternalError", "SlowDown", "ServiceUnavailable", "RequestTimeTooSkewed",
                           "timeout", "unavailable", "network", "disk"}) {
    EXPECT_FALSE(is_permanent_upload_error(Error::make(code, "x"))) << code;
  }
}

class UploadQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::set_language("en");
    open_queue();
  }
  void TearDown() override { close_queue(); }

  UploadQueueOptions options() {
    UploadQueueOptions o;
    o.file = dir_.path() / "uploads.sqlite3";
    o.max_parallel_uploads = max_parallel_;
    o.attempt_timeout = attempt_timeout_;
    return o;
  }

  // before_loop: UploadQueue::open_before_loop, as the host opens it.
  void open_queue(bool before_loop = false) {
    UploadQueue::ReadLocal read_local =
        [this](std::string sha256) -> boost::asio::awaitable<Result<std::string>> {
      // On a worker thread, as the store reads its files.
      co_return co_await pool_.run([this, &sha256]() -> Result<std::string> {
        std::lock_guard lock(local_mu_);
        const auto it = local_.find(sha256);
        if (it == local_.end()) return Error::not_found("no local copy of " + sha256);
        return it->second;
      });
    };
    Result<std::unique_ptr<UploadQueue>> opened =
        before_loop ? UploadQueue::open_before_loop(io_.get_executor(), pool_, clock_, bucket_,
                                                    std::move(read_local), options())
                    : run(UploadQueue::open(io_.get_executor(), pool_, clock_, bucket_, std::move(read_local),
                                            options()));
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    queue_ = std::move(opened).value();
    queue_->set_uploaded_callback(
        [this](const std::string& sha256, const std::string& key) -> boost::asio::awaitable<void> {
          uploaded_.push_back(sha256 + " " + key);
          co_return;
        });
    queue_->start();
  }

  void close_queue() {
    if (!queue_) return;
    run(queue_->stop());
    queue_.reset();
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return testing::run_coroutine(io_, std::move(task));
  }

  // Runs the loop (and the workers' completions) until pred holds.
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds timeout = 10s) {
    return testing::run_until(io_, std::move(pred), timeout);
  }

  // Keeps bytes as the local copy of a new hash and enqueues it.
  std::string add_image(int n, std::string bytes = "") {
    const std::string sha256 = hash_of(n);
    {
      std::lock_guard lock(local_mu_);
      local_[sha256] = bytes.empty() ? "png bytes of image " + std::to_string(n) : bytes;
    }
    Status queued = run(queue_->enqueue(sha256, key_of(sha256), "image/png"));
    EXPECT_TRUE(queued.ok()) << queued.error().to_string();
    return sha256;
  }

  UploadRow row_of(const std::string& sha256) {
    auto row = run(queue_->state(sha256));
    EXPECT_TRUE(row.ok());
    EXPECT_TRUE(row->has_value()) << sha256;
    return row->value_or(UploadRow{});
  }

  UploadStats stats() {
    auto s = run(queue_->stats());
    EXPECT_TRUE(s.ok());
    return s.value_or(UploadStats{});
  }

  // Moves the clock and lets the queue start what became due (synchronously).
  void advance(std::chrono::milliseconds d) {
    clock_.advance(d);
    queue_->recheck();
  }

  bool settled() {
    return run_until([&] { return queue_->running() == 0; });
  }

  testing::TempDir dir_;
  int max_parallel_ = 4;
  std::chrono::milliseconds attempt_timeout_ = 5min;
  ManualClock clock_;
  boost::asio::io_context io_;
  WorkerPool pool_{2};
  MemoryBucket bucket_;
  std::mutex local_mu_;
  std::map<std::string, std::string> local_;
  std::vector<std::string> uploaded_;
  std::unique_ptr<UploadQueue> queue_;
};

TEST_F(UploadQueueTest, UploadsAnEnqueuedImageAndTellsTheStore) {
  const std::string sha = add_image(1, "\x89PNG the bytes");
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  EXPECT_EQ(uploaded_[0], sha + " " + key_of(sha));
  auto object = bucket_.object(key_of(sha));
  ASSERT_TRUE(object);
  EXPECT_EQ(object->bytes, "\x89PNG the bytes");
  EXPECT_EQ(object->content_type, "image/png");
  EXPECT_EQ(object->cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(bucket_.calls(Call::kHead), 1) << "a HEAD before the PUT";
  EXPECT_EQ(bucket_.puts(key_of(sha)), 1);
  ASSERT_TRUE(settled());
  const UploadRow row = row_of(sha);
  EXPECT_EQ(row.state, UploadState::kUploaded);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.last_error, "");
  EXPECT_TRUE(run(queue_->is_uploaded(sha)).value_or(false));
  EXPECT_TRUE(queue_->may_evict(sha));
  EXPECT_EQ(stats().uploaded, 1);
}

TEST_F(UploadQueueTest, ALocalCopyIsNotEvictableUntilItsUploadIsDone) {
  bucket_.hold();
  const std::string sha = add_image(1);
  EXPECT_FALSE(queue_->may_evict(sha)) << "pending or uploading";
  ASSERT_TRUE(run_until([&] { return bucket_.waiting() == 1; }));
  EXPECT_FALSE(queue_->may_evict(sha));
  EXPECT_EQ(row_of(sha).state, UploadState::kUploading);
  EXPECT_TRUE(queue_->may_evict(hash_of(99))) << "never enqueued: no upload is wanted";
  bucket_.release();
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  ASSERT_TRUE(settled());
  EXPECT_TRUE(queue_->may_evict(sha));
}

// The store marks the image remote in the callback; were the row uploaded
// first, a crash between the two would leave a local copy evictable that
// the store still thinks is local only (and would forget once it expired).
TEST_F(UploadQueueTest, TheStoreIsToldBeforeTheRowSaysUploaded) {
  std::vector<UploadState> seen;
  queue_->set_uploaded_callback(
      [&](const std::string& sha256, const std::string&) -> boost::asio::awaitable<void> {
        auto row = co_await queue_->state(sha256);
        seen.push_back(row.ok() && row->has_value() ? (*row)->state : UploadState::kFailed);
        uploaded_.push_back(sha256);
      });
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], UploadState::kUploading);
  ASSERT_TRUE(settled());
  EXPECT_EQ(row_of(sha).state, UploadState::kUploaded);
}

TEST_F(UploadQueueTest, IdenticalBytesAlreadyInTheBucketAreNotUploadedAgain) {
  const std::string sha = hash_of(1);
  bucket_.set_object(key_of(sha), "png bytes of image 1");
  add_image(1);
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  EXPECT_EQ(bucket_.calls(Call::kPut), 0);
  EXPECT_EQ(row_of(sha).state, UploadState::kUploaded);

  // Enqueued again (a second drawing with the same bytes): nothing more.
  add_image(1);
  ASSERT_TRUE(settled());
  EXPECT_EQ(bucket_.calls(Call::kHead), 1);
  EXPECT_EQ(bucket_.calls(Call::kPut), 0);
  EXPECT_EQ(uploaded_.size(), 1u);
}

TEST_F(UploadQueueTest, AnObjectOfAnotherSizeUnderTheKeyIsReplaced) {
  const std::string sha = hash_of(1);
  bucket_.set_object(key_of(sha), "a truncated upload");
  add_image(1, "the whole image, longer than that");
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  EXPECT_EQ(bucket_.puts(key_of(sha)), 1);
  EXPECT_EQ(bucket_.object(key_of(sha))->bytes, "the whole image, longer than that");
}

TEST_F(UploadQueueTest, TransientFailuresAreRetriedAfterTwoSecondsDoublingToFiveMinutes) {
  bucket_.fail_always(transient(), Call::kPut);
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return bucket_.calls(Call::kPut) == 1 && queue_->running() == 0; }));
  const std::vector<std::chrono::milliseconds> waits = {2s,   4s,   8s,   16s,  32s, 64s,
                                                        128s, 256s, 300s, 300s, 300s};
  for (std::size_t i = 0; i < waits.size(); ++i) {
    const UploadRow row = row_of(sha);
    ASSERT_EQ(row.state, UploadState::kPending);
    EXPECT_EQ(row.attempts, static_cast<int>(i) + 1);
    EXPECT_EQ(row.next_attempt, clock_.now() + waits[i]) << "after failure " << i + 1;
    EXPECT_NE(row.last_error.find("InternalError"), std::string::npos) << row.last_error;
    EXPECT_FALSE(queue_->may_evict(sha));
    advance(waits[i] - 1ms);
    EXPECT_EQ(queue_->running(), 0) << "not before its time, failure " << i + 1;
    advance(1ms);
    EXPECT_EQ(queue_->running(), 1) << "due, failure " << i + 1;
    ASSERT_TRUE(run_until(
        [&] { return bucket_.calls(Call::kPut) == static_cast<int>(i) + 2 && queue_->running() == 0; }));
  }
  bucket_.clear_faults();
  advance(300s);
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  EXPECT_EQ(row_of(sha).state, UploadState::kUploaded);
  EXPECT_EQ(row_of(sha).attempts, 13);
  EXPECT_TRUE(queue_->may_evict(sha));
}

TEST_F(UploadQueueTest, APermanentErrorFailsTheRowAtOnceWithoutRetries) {
  bucket_.fail_always(access_denied(), Call::kPut);
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return bucket_.calls(Call::kPut) == 1; }));
  ASSERT_TRUE(settled());
  UploadRow row = row_of(sha);
  EXPECT_EQ(row.state, UploadState::kFailed);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.last_error, "AccessDenied: Access Denied");
  advance(1h);
  ASSERT_TRUE(settled());
  EXPECT_EQ(bucket_.calls(Call::kPut), 1) << "a failed row is not retried by itself";
  EXPECT_FALSE(queue_->may_evict(sha)) << "a failed upload keeps its local copy";
  EXPECT_EQ(stats().failed, 1);
  auto failed = run(queue_->failed(10));
  ASSERT_TRUE(failed.ok());
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ(failed->front().key, key_of(sha));
  EXPECT_EQ(failed->front().last_error, "AccessDenied: Access Denied");

  // Fixed; the operator retries.
  bucket_.clear_faults();
  auto retried = run(queue_->retry_failed());
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, 1);
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  row = row_of(sha);
  EXPECT_EQ(row.state, UploadState::kUploaded);
  EXPECT_EQ(row.attempts, 1) << "attempts count from the retry";
}

TEST_F(UploadQueueTest, AMissingBucketOnTheHeadFailsTheRow) {
  bucket_.fail_always(Error::make("NoSuchBucket", "The specified bucket does not exist"), Call::kHead);
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return bucket_.calls(Call::kHead) == 1; }));
  ASSERT_TRUE(settled());
  EXPECT_EQ(row_of(sha).state, UploadState::kFailed);
  EXPECT_EQ(bucket_.calls(Call::kPut), 0);
}

TEST_F(UploadQueueTest, EnqueueingAFailedKeyAgainQueuesIt) {
  bucket_.fail_next(1, access_denied(), Call::kPut);
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return bucket_.calls(Call::kPut) == 1; }));
  ASSERT_TRUE(settled());
  ASSERT_EQ(row_of(sha).state, UploadState::kFailed);
  add_image(1);
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  EXPECT_EQ(bucket_.puts(key_of(sha)), 1);
}

TEST_F(UploadQueueTest, AtMostMaxParallelUploadsRunAtOnce) {
  close_queue();
  max_parallel_ = 3;
  open_queue();
  bucket_.hold();
  for (int i = 0; i < 10; ++i) add_image(i);
  ASSERT_TRUE(run_until([&] { return bucket_.waiting() == 3; }));
  EXPECT_EQ(queue_->running(), 3);
  EXPECT_EQ(stats().pending, 7);
  bucket_.release();
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 10; }));
  EXPECT_EQ(bucket_.peak_in_flight(), 3);
  EXPECT_EQ(bucket_.calls(Call::kPut), 10);
  EXPECT_EQ(stats().uploaded, 10);
}

TEST_F(UploadQueueTest, ARaisedParallelBoundStartsMoreAtOnce) {
  close_queue();
  max_parallel_ = 1;
  open_queue();
  bucket_.hold();
  for (int i = 0; i < 5; ++i) add_image(i);
  ASSERT_TRUE(run_until([&] { return bucket_.waiting() == 1; }));
  queue_->set_max_parallel_uploads(4);
  EXPECT_EQ(queue_->running(), 4);
  ASSERT_TRUE(run_until([&] { return bucket_.waiting() == 4; }));
  bucket_.release();
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 5; }));
  EXPECT_EQ(bucket_.peak_in_flight(), 4);
}

TEST_F(UploadQueueTest, RowsADeadProcessLeftUploadingAreUploadedAfterARestart) {
  close_queue();
  const std::string sha = hash_of(7);
  {
    // What a process killed mid-upload leaves: the row is "uploading".
    auto ledger = UploadLedger::open(options().file);
    ASSERT_TRUE(ledger.ok());
    ASSERT_TRUE((*ledger)->enqueue(sha, key_of(sha), "image/png", clock_.now()).ok());
    ASSERT_TRUE((*ledger)->mark_uploading(key_of(sha), clock_.now()).ok());
    local_[sha] = "bytes of seven";
  }
  open_queue(/*before_loop=*/true);
  EXPECT_FALSE(queue_->may_evict(sha));
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  EXPECT_EQ(bucket_.puts(key_of(sha)), 1);
  const UploadRow row = row_of(sha);
  EXPECT_EQ(row.state, UploadState::kUploaded);
  EXPECT_EQ(row.attempts, 2);
}

TEST_F(UploadQueueTest, StopCutsARunningUploadShortAndItsRowIsPendingForTheNextStart) {
  bucket_.hold();
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return bucket_.waiting() == 1; }));
  close_queue();
  EXPECT_EQ(bucket_.waiting(), 0) << "the held call was cancelled";
  {
    auto ledger = UploadLedger::open(options().file);
    ASSERT_TRUE(ledger.ok());
    auto row = (*ledger)->find(key_of(sha));
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->state, UploadState::kPending);
    EXPECT_NE((*row)->last_error.find("stopped"), std::string::npos) << (*row)->last_error;
  }
  bucket_.release();
  open_queue();
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  EXPECT_EQ(bucket_.puts(key_of(sha)), 1);
}

TEST_F(UploadQueueTest, AnAttemptThatHangsTimesOutAndIsRetried) {
  close_queue();
  attempt_timeout_ = 30s;
  open_queue();
  bucket_.hold();
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return bucket_.waiting() == 1; }));
  advance(30s);
  ASSERT_TRUE(settled());
  EXPECT_EQ(bucket_.waiting(), 0);
  UploadRow row = row_of(sha);
  EXPECT_EQ(row.state, UploadState::kPending);
  EXPECT_NE(row.last_error.find("timed out after 30 s"), std::string::npos) << row.last_error;
  EXPECT_EQ(row.next_attempt, clock_.now() + 2s);
  bucket_.release();
  advance(2s);
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
}

TEST_F(UploadQueueTest, UploadPendingNowSkipsTheBackoff) {
  bucket_.fail_next(1, transient(), Call::kPut);
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return bucket_.calls(Call::kPut) == 1; }));
  ASSERT_TRUE(settled());
  ASSERT_EQ(row_of(sha).state, UploadState::kPending);
  auto now = run(queue_->upload_pending_now());
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(*now, 1);
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
}

TEST_F(UploadQueueTest, AGoneLocalCopyFailsTheRowUnlessTheBucketHasTheObject) {
  const std::string gone = hash_of(1);
  ASSERT_TRUE(run(queue_->enqueue(gone, key_of(gone), "image/png")).ok());
  const std::string remote_only = hash_of(2);
  bucket_.set_object(key_of(remote_only), "uploaded earlier");
  ASSERT_TRUE(run(queue_->enqueue(remote_only, key_of(remote_only), "image/png")).ok());
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  ASSERT_TRUE(settled());
  EXPECT_EQ(uploaded_[0], remote_only + " " + key_of(remote_only));
  const UploadRow row = row_of(gone);
  EXPECT_EQ(row.state, UploadState::kFailed);
  EXPECT_NE(row.last_error.find("local copy is gone"), std::string::npos) << row.last_error;
}

TEST_F(UploadQueueTest, EnqueueRefusesABadHashOrKey) {
  Status bad_hash = run(queue_->enqueue("ABC", "img/x.png", "image/png"));
  ASSERT_FALSE(bad_hash.ok());
  EXPECT_TRUE(bad_hash.error().is_bad_request());
  Status upper = run(queue_->enqueue(std::string(64, 'A'), "img/x.png", "image/png"));
  EXPECT_FALSE(upper.ok());
  Status no_key = run(queue_->enqueue(hash_of(1), "", "image/png"));
  EXPECT_FALSE(no_key.ok());
  Status long_key = run(queue_->enqueue(hash_of(1), std::string(1025, 'k'), "image/png"));
  EXPECT_FALSE(long_key.ok());
  EXPECT_EQ(stats().pending, 0);
}

TEST_F(UploadQueueTest, StatsCountRowsByStateWithTheOldestWaitingAge) {
  bucket_.hold();
  add_image(1);
  clock_.advance(90s);
  add_image(2);
  ASSERT_TRUE(run_until([&] { return bucket_.waiting() == 2; }));
  clock_.advance(10s);
  UploadStats s = stats();
  EXPECT_EQ(s.uploading, 2);
  EXPECT_EQ(s.pending, 0);
  EXPECT_EQ(s.oldest_pending_age, 100s);
  bucket_.release();
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 2; }));
  s = stats();
  EXPECT_EQ(s.uploaded, 2);
  EXPECT_EQ(s.oldest_pending_age, 0ms);
}

TEST_F(UploadQueueTest, ForgetDropsAWaitingRow) {
  bucket_.fail_always(transient(), Call::kPut);
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return bucket_.calls(Call::kPut) == 1; }));
  ASSERT_TRUE(settled());
  ASSERT_TRUE(run(queue_->forget(key_of(sha))).ok());
  EXPECT_TRUE(queue_->may_evict(sha));
  EXPECT_FALSE(run(queue_->state(sha)).value().has_value());
  advance(1h);
  EXPECT_EQ(queue_->running(), 0);
}

TEST_F(UploadQueueTest, TheDatabaseIsWrittenOnAWorkerNotOnTheEventLoop) {
  close_queue();
  // Both threads of pool_ held: opening cannot make progress on the loop.
  testing::HeldWorker first(pool_), second(pool_);
  bool done = false;
  boost::asio::co_spawn(
      io_,
      [&]() -> boost::asio::awaitable<void> {
        auto opened =
            co_await UploadQueue::open(io_.get_executor(), pool_, clock_, bucket_, nullptr, options());
        done = opened.ok();
        if (opened.ok()) co_await (*opened)->stop();
      },
      boost::asio::detached);
  io_.restart();
  io_.poll();
  EXPECT_FALSE(done) << "opening waits for a worker";
  first.release();
  second.release();
  EXPECT_TRUE(run_until([&] { return done; }));
}

TEST_F(UploadQueueTest, AnEnqueuedRowIsOnDiskWhenEnqueueReturns) {
  bucket_.hold();
  const std::string sha = add_image(1);
  auto ledger = UploadLedger::open(options().file);
  ASSERT_TRUE(ledger.ok());
  auto row = (*ledger)->find(key_of(sha));
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->sha256, sha);
  EXPECT_EQ((*row)->content_type, "image/png");
  bucket_.release();
}

TEST_F(UploadQueueTest, RemoveRemoteDeletesTheObjectAndForgetsTheRow) {
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  ASSERT_TRUE(settled());
  bucket_.fail_next(1, transient(), Call::kRemove);
  Status failed = run(queue_->remove_remote(sha));
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(bucket_.object(key_of(sha))) << "kept";
  EXPECT_TRUE(run(queue_->state(sha)).value().has_value()) << "the row stays for the next try";
  Status removed = run(queue_->remove_remote(sha));
  ASSERT_TRUE(removed.ok()) << removed.error().to_string();
  EXPECT_FALSE(bucket_.object(key_of(sha)));
  EXPECT_FALSE(run(queue_->state(sha)).value().has_value());
}

}  // namespace
}  // namespace picbot::image
