#include "image/storage/upload_ledger.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace picbot::image {
namespace {

using namespace std::chrono_literals;

const std::string kSha(64, 'a');
const std::string kKey = "img/aa/" + kSha + ".png";

class UploadLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = UploadLedger::open(dir_.path() / "uploads.sqlite3");
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    ledger_ = std::move(opened).value();
  }
  UploadRow find(const std::string& key) {
    auto row = ledger_->find(key);
    EXPECT_TRUE(row.ok() && row->has_value()) << key;
    return row.ok() ? row->value_or(UploadRow{}) : UploadRow{};
  }

  testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<UploadLedger> ledger_;
};

TEST(UploadStateNames, RoundTrip) {
  for (UploadState s :
       {UploadState::kPending, UploadState::kUploading, UploadState::kUploaded, UploadState::kFailed}) {
    EXPECT_EQ(parse_upload_state(to_string(s)), s);
  }
  EXPECT_EQ(to_string(UploadState::kUploaded), "uploaded");
  EXPECT_FALSE(parse_upload_state("done"));
}

TEST_F(UploadLedgerTest, ARowGoesPendingUploadingUploaded) {
  auto row = ledger_->enqueue(kSha, kKey, "image/png", clock_.now());
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->state, UploadState::kPending);
  EXPECT_EQ(row->next_attempt, clock_.now());
  EXPECT_EQ(row->created, clock_.now());
  ASSERT_TRUE(ledger_->mark_uploading(kKey, clock_.now()).ok());
  EXPECT_EQ(find(kKey).state, UploadState::kUploading);
  EXPECT_EQ(find(kKey).attempts, 1);
  clock_.advance(3s);
  ASSERT_TRUE(ledger_->mark_uploaded(kKey, clock_.now()).ok());
  const UploadRow done = find(kKey);
  EXPECT_EQ(done.state, UploadState::kUploaded);
  EXPECT_EQ(done.updated, clock_.now());
  EXPECT_TRUE(ledger_->backlog()->empty());
}

TEST_F(UploadLedgerTest, EnqueueLeavesAKnownRowAloneButRevivesAFailedOne) {
  ASSERT_TRUE(ledger_->enqueue(kSha, kKey, "image/png", clock_.now()).ok());
  ASSERT_TRUE(ledger_->mark_uploading(kKey, clock_.now()).ok());
  auto again = ledger_->enqueue(kSha, kKey, "image/png", clock_.now() + 1s);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, UploadState::kUploading);
  ASSERT_TRUE(ledger_->mark_failed(kKey, "AccessDenied: Access Denied", clock_.now()).ok());
  clock_.advance(1min);
  auto revived = ledger_->enqueue(kSha, kKey, "image/png", clock_.now());
  ASSERT_TRUE(revived.ok());
  EXPECT_EQ(revived->state, UploadState::kPending);
  EXPECT_EQ(revived->attempts, 0);
  EXPECT_EQ(revived->next_attempt, clock_.now());
  EXPECT_EQ(revived->last_error, "AccessDenied: Access Denied") << "kept until the next attempt tells more";
}

TEST_F(UploadLedgerTest, RequeueUploadingPutsRowsCutOffBackToPending) {
  const std::string other(64, 'b');
  ASSERT_TRUE(ledger_->enqueue(kSha, kKey, "image/png", clock_.now()).ok());
  ASSERT_TRUE(ledger_->enqueue(other, "img/bb/x.png", "image/png", clock_.now()).ok());
  ASSERT_TRUE(ledger_->mark_uploading(kKey, clock_.now()).ok());
  auto requeued = ledger_->requeue_uploading(clock_.now());
  ASSERT_TRUE(requeued.ok());
  EXPECT_EQ(*requeued, 1);
  EXPECT_EQ(find(kKey).state, UploadState::kPending);
  EXPECT_EQ(ledger_->backlog()->size(), 2u);
}

TEST_F(UploadLedgerTest, RetryFailedAndMakePendingDue) {
  ASSERT_TRUE(ledger_->enqueue(kSha, kKey, "image/png", clock_.now()).ok());
  ASSERT_TRUE(ledger_->mark_uploading(kKey, clock_.now()).ok());
  ASSERT_TRUE(ledger_->mark_retry(kKey, "InternalError: x", clock_.now() + 8s, clock_.now()).ok());
  EXPECT_EQ(find(kKey).next_attempt, clock_.now() + 8s);
  EXPECT_EQ(*ledger_->make_pending_due(clock_.now()), 1);
  EXPECT_EQ(find(kKey).next_attempt, clock_.now());
  ASSERT_TRUE(ledger_->mark_failed(kKey, "NoSuchBucket: gone", clock_.now()).ok());
  auto keys = ledger_->retry_failed(clock_.now());
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, std::vector<std::string>{kKey});
  EXPECT_EQ(find(kKey).state, UploadState::kPending);
  EXPECT_EQ(find(kKey).attempts, 0);
}

TEST_F(UploadLedgerTest, CountsByStateAndTheOldestWaitingRow) {
  ASSERT_TRUE(ledger_->enqueue(kSha, kKey, "image/png", clock_.now()).ok());
  clock_.advance(1s);
  ASSERT_TRUE(ledger_->enqueue(std::string(64, 'c'), "c.png", "image/png", clock_.now()).ok());
  ASSERT_TRUE(ledger_->mark_failed("c.png", "x", clock_.now()).ok());
  auto counts = ledger_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->pending, 1);
  EXPECT_EQ(counts->failed, 1);
  EXPECT_EQ(counts->uploaded, 0);
  EXPECT_EQ(counts->oldest_waiting, clock_.now() - 1s);
  ASSERT_TRUE(ledger_->forget(kKey).ok());
  EXPECT_FALSE(ledger_->counts()->oldest_waiting);
}

}  // namespace
}  // namespace picbot::image
