// UploadQueue over the real S3 client (image/storage/s3/) against a real S3
// server (S3rver, tests/support/s3_server.h): the faults of issue 18 at the
// queue's level: an outage, a lost PUT answer, wrong credentials, a missing
// bucket. Every uploaded object is read back with boto3. The queue's clock is
// a ManualClock (its backoff is skipped by advancing it); the client signs
// with the real one (S3rver refuses a request time 15 minutes off).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bot/core/log_language.h"
#include "bot/net/http_client.h"
#include "image/storage/s3/s3_client.h"
#include "image/storage/upload_queue.h"
#include "tests/support/counting_proxy.h"
#include "tests/support/paths.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/s3_server.h"
#include "tests/support/temp_dir.h"

namespace picbot::image {
namespace {

using namespace std::chrono_literals;
using testing::S3Server;

std::string hash_of(int n) { return fmt::format("{:064x}", n + 0x5e3000); }
std::string key_of(const std::string& sha256) {
  return "picbot/" + sha256.substr(0, 2) + "/" + sha256 + ".png";
}
// 200 KB that differ per image.
std::string image_bytes(int n) {
  std::string bytes(200'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>((i * 31 + n * 7 + i / 253) & 0xFF);
  return bytes;
}

class UploadQueueS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    log::pin_language("en");
    const std::string reason = S3Server::unavailable_reason();
    ASSERT_EQ(reason, "");
    auto started = S3Server::start({"picbot"});
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    server_ = std::move(started).value();
  }
  void TearDown() override { close_queue(); }

  s3::S3Settings settings(const std::string& endpoint) const {
    s3::S3Settings s;
    s.endpoint = endpoint;
    s.region = "us-east-1";
    s.bucket = "picbot";
    s.access_key_id = S3Server::kAccessKeyId;
    s.secret_access_key = S3Server::kSecretAccessKey;
    s.key_prefix = "picbot";
    return s;
  }

  void open_queue(s3::S3Settings s, int max_parallel_uploads = 4) {
    auto made = s3::S3Client::create(std::move(s), http_, pool_, Clock::system());
    ASSERT_TRUE(made.ok()) << made.error().to_string();
    client_ = std::move(made).value();
    UploadQueue::ReadLocal read_local =
        [this](std::string sha256) -> boost::asio::awaitable<Result<std::string>> {
      const auto it = local_.find(sha256);
      if (it == local_.end()) co_return Error::not_found("no local copy");
      co_return it->second;
    };
    UploadQueueOptions options;
    options.file = dir_.path() / "uploads.sqlite3";
    options.max_parallel_uploads = max_parallel_uploads;
    auto opened =
        run(UploadQueue::open(io_.get_executor(), pool_, clock_, *client_, std::move(read_local), options));
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    queue_ = std::move(opened).value();
    queue_->set_uploaded_callback(
        [this](const std::string& sha256, const std::string&) -> boost::asio::awaitable<void> {
          uploaded_.push_back(sha256);
          if (on_uploaded_) on_uploaded_();
          co_return;
        });
    queue_->start();
  }

  void close_queue() {
    if (!queue_) return;
    run(queue_->stop());
    queue_.reset();
    client_.reset();
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return testing::run_coroutine(io_, std::move(task), 60s);
  }

  // Runs the loop (and the workers' completions) until pred holds.
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds timeout = 60s) {
    return testing::run_until(io_, std::move(pred), timeout);
  }

  std::string add_image(int n) {
    const std::string sha256 = hash_of(n);
    local_[sha256] = image_bytes(n);
    Status queued = run(queue_->enqueue(sha256, key_of(sha256), "image/png"));
    EXPECT_TRUE(queued.ok()) << queued.error().to_string();
    return sha256;
  }

  UploadStats stats() {
    auto s = run(queue_->stats());
    EXPECT_TRUE(s.ok());
    return s.value_or(UploadStats{});
  }

  UploadRow row_of(const std::string& sha256) {
    auto row = run(queue_->state(sha256));
    EXPECT_TRUE(row.ok() && row->has_value()) << sha256;
    return row.ok() ? row->value_or(UploadRow{}) : UploadRow{};
  }

  // The objects' bytes as boto3 reads them from the server.
  std::vector<std::string> read_with_boto3(const std::vector<std::string>& keys) {
    auto read = testing::read_with_boto3(server_->endpoint(), "picbot", keys);
    if (!read.ok()) ADD_FAILURE() << read.error().to_string();
    std::vector<std::string> bytes;
    if (read.ok())
      for (testing::Boto3Object& object : *read) bytes.push_back(std::move(object.bytes));
    return bytes;
  }

  testing::TempDir dir_;
  ManualClock clock_{Clock::system().now()};
  boost::asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  WorkerPool pool_{2};
  std::unique_ptr<S3Server> server_;
  std::unique_ptr<s3::S3Client> client_;
  std::unique_ptr<UploadQueue> queue_;
  std::map<std::string, std::string> local_;
  std::vector<std::string> uploaded_;
  std::function<void()> on_uploaded_;
};

TEST_F(UploadQueueS3Test, TheBucketServerStoppedDuring50UploadsLosesNothing) {
  // One upload at a time, so the server goes away between two PUTs: S3rver
  // 3.7.1 stopped in the middle of one can leave that object's metadata file
  // empty and answer 500 for the key ever after, which no real bucket does.
  // (A PUT cut off on the way is APutWhoseAnswerWasLostIsNotSentAgain.)
  open_queue(settings(server_->endpoint()), 1);
  // The server goes away as the 5th upload lands (on the event loop, so
  // nothing else moves meanwhile): the 45 others meet a dead server.
  on_uploaded_ = [&] {
    if (uploaded_.size() == 5) {
      ASSERT_TRUE(server_->stop());
    }
  };
  std::vector<std::string> hashes;
  for (int i = 0; i < 50; ++i) hashes.push_back(add_image(i));
  ASSERT_TRUE(run_until([&] { return uploaded_.size() >= 5 && queue_->running() == 0; }));
  UploadStats during = stats();
  EXPECT_EQ(during.uploaded, static_cast<std::int64_t>(uploaded_.size()));
  EXPECT_EQ(during.pending, 50 - during.uploaded) << "every other image waits; none failed";
  EXPECT_EQ(during.failed, 0);
  for (const std::string& sha : hashes) {
    if (std::find(uploaded_.begin(), uploaded_.end(), sha) != uploaded_.end()) continue;
    const UploadRow row = row_of(sha);
    EXPECT_EQ(row.state, UploadState::kPending);
    EXPECT_FALSE(row.last_error.empty());
    EXPECT_FALSE(queue_->may_evict(sha));
  }

  on_uploaded_ = nullptr;
  ASSERT_TRUE(server_->restart().ok());
  // The next attempts come by themselves as their backoffs end: the clock
  // jumps past them whenever nothing runs.
  ASSERT_TRUE(run_until([&] {
    if (queue_->running() == 0) {
      clock_.advance(5min);
      queue_->recheck();
    }
    return uploaded_.size() == 50;
  }));
  EXPECT_EQ(stats().uploaded, 50);
  std::vector<std::string> keys;
  for (const std::string& sha : hashes) keys.push_back(key_of(sha));
  const std::vector<std::string> read = read_with_boto3(keys);
  ASSERT_EQ(read.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(read[i] == image_bytes(i)) << "image " << i;
}

TEST_F(UploadQueueS3Test, APutWhoseAnswerWasLostIsNotSentAgain) {
  auto proxy = testing::CountingProxy::start(server_->endpoint());
  ASSERT_TRUE(proxy.ok()) << proxy.error().to_string();
  open_queue(settings((*proxy)->endpoint()));
  (*proxy)->hold_puts();
  const std::string sha = add_image(1);
  // The server has the object; the queue is still waiting for the answer.
  ASSERT_TRUE(run_until([&] { return (*proxy)->held() == 1; }));
  close_queue();  // the attempt is cut short: the row goes back to pending
  (*proxy)->release();

  open_queue(settings((*proxy)->endpoint()));
  ASSERT_TRUE(run_until([&] { return uploaded_.size() == 1; }));
  EXPECT_EQ(row_of(sha).state, UploadState::kUploaded);
  EXPECT_EQ((*proxy)->puts("/picbot/" + key_of(sha)), 1) << "the HEAD found it: no second PUT";
  EXPECT_EQ(read_with_boto3({key_of(sha)}), std::vector<std::string>{image_bytes(1)});
}

TEST_F(UploadQueueS3Test, AnUnknownAccessKeyFailsTheUploadWithAClearMessage) {
  // S3rver checks no signature, so a wrong secret cannot be produced for
  // real; an access key id it does not know is refused (InvalidAccessKeyId),
  // as R2 and AWS refuse one.
  s3::S3Settings wrong = settings(server_->endpoint());
  wrong.access_key_id = "NOT-A-KEY";
  wrong.secret_access_key = "secret-that-must-not-show-0123456789";
  open_queue(wrong);
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return stats().failed == 1; }));
  const UploadRow row = row_of(sha);
  EXPECT_EQ(row.state, UploadState::kFailed);
  EXPECT_EQ(row.attempts, 1) << "not retried";
  EXPECT_NE(row.last_error.find("InvalidAccessKeyId"), std::string::npos) << row.last_error;
  EXPECT_EQ(row.last_error.find("secret-that-must-not-show"), std::string::npos) << row.last_error;
  EXPECT_FALSE(queue_->may_evict(sha));
}

TEST_F(UploadQueueS3Test, AMissingBucketFailsTheUpload) {
  s3::S3Settings missing = settings(server_->endpoint());
  missing.bucket = "no-such-bucket";
  open_queue(missing);
  const std::string sha = add_image(1);
  ASSERT_TRUE(run_until([&] { return stats().failed == 1; }));
  const UploadRow row = row_of(sha);
  EXPECT_NE(row.last_error.find("NoSuchBucket"), std::string::npos) << row.last_error;
}

}  // namespace
}  // namespace picbot::image
