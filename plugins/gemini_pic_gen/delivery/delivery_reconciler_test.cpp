#include "plugins/gemini_pic_gen/delivery/delivery_reconciler.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "bot/onebot/base64.h"
#include "image/storage/local_image_store.h"
#include "plugins/gemini_pic_gen/delivery/image_delivery.h"
#include "tests/fakes/napcat/in_process_bot_api.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::gemini {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiReply;
using testing::run_coroutine;
using Verdict = DeliveryReconciler::Verdict;

constexpr std::int64_t kBot = 10001;
constexpr std::int64_t kUser = 20002;
constexpr std::int64_t kGroup = 30003;
const auto kInterval = std::chrono::milliseconds(std::chrono::hours(1));

json image_message(const std::string& bytes) {
  return json::array({{{"type", "image"}, {"data", {{"file", "base64://" + onebot::base64_encode(bytes)}}}}});
}

// A real quota store and image store and the fake NapCat's actions behind an
// in-process BotApi; the clock follows the wall clock, as NapCat's times do.
class DeliveryReconcilerTest : public ::testing::Test {
 protected:
  DeliveryReconcilerTest() : clock_(std::chrono::system_clock::now()) {
    auto store = QuotaStore::open(dir_.path() / "quota.db", clock_);
    EXPECT_TRUE(store.ok());
    quotas_ = std::make_unique<AsyncQuotaStore>(workers_, std::move(store).value());
  }

  // A unit for `bucket` marked as being sent to the chat, with the image in
  // the image store (kept) or already expired from it.
  UnconfirmedDelivery sending(const std::string& bucket, const std::string& bytes, bool group,
                              bool kept = true) {
    std::string image_id = "00000000000000000000000000000000";  // not in the store
    if (kept) {
      auto stored = run_coroutine(io_, images_.save(bytes, "png", ImageMeta{}));
      EXPECT_TRUE(stored.ok());
      image_id = stored->id;
    }
    QuotaDecision decision{QuotaDecision::kCounted, bucket, 10, QuotaTier::kDefault};
    auto reserved = run_coroutine(io_, quotas_->try_reserve(decision, kInterval));
    EXPECT_TRUE(reserved.ok() && reserved->granted);
    SendingImage image{.self_id = kBot,
                       .group = group,
                       .target_id = group ? kGroup : kUser,
                       .size = static_cast<std::int64_t>(bytes.size()),
                       .image_id = image_id};
    EXPECT_TRUE(run_coroutine(io_, quotas_->mark_sending(reserved->reservation_id, image)).ok());
    return UnconfirmedDelivery{reserved->reservation_id, clock_.now(), image};
  }

  // The bot's send as NapCat records it.
  void deliver(const UnconfirmedDelivery& d, const std::string& bytes) {
    json params = {{"message", image_message(bytes)}};
    params[d.image.group ? "group_id" : "user_id"] = d.image.target_id;
    const ApiReply reply = api_.actions.handle(
        {0, d.image.group ? "send_group_msg" : "send_private_msg", params, nullptr, "", kBot});
    ASSERT_EQ(reply.retcode, 0) << reply.message;
  }

  void chatter(int messages) {
    for (int i = 0; i < messages; ++i) {
      const std::int64_t id = api_.actions.next_message_id();
      api_.actions.remember(id, {{"time", std::time(nullptr)},
                                 {"message_type", "private"},
                                 {"post_type", "message"},
                                 {"message_id", id},
                                 {"message_seq", id},
                                 {"user_id", kUser},
                                 {"message", json::array({{{"type", "text"}, {"data", {{"text", "hi"}}}}})}});
    }
  }

  std::int64_t used(const std::string& bucket) {
    auto usage = run_coroutine(io_, quotas_->usage(bucket, 10, kInterval));
    EXPECT_TRUE(usage.ok());
    return usage->used;
  }

  DeliveryReconciler reconciler(ReconcileOptions options = {}) {
    return DeliveryReconciler(api_, images_, workers_, options);
  }

  picbot::testing::TempDir dir_;
  ManualClock clock_;
  boost::asio::io_context io_;
  WorkerPool workers_{1};
  std::unique_ptr<AsyncQuotaStore> quotas_;
  image::LocalImageStore images_{io_.get_executor(), workers_, clock_,
                                 image::LocalImageStore::Options{.dir = dir_.path() / "images"}};
  picbot::testing::InProcessBotApi api_;
};

TEST_F(DeliveryReconcilerTest, AnImageInThePrivateHistoryIsChargedAndAMissingOneGivenBack) {
  const std::string arrived = picbot::testing::make_png("arrived", 4096);
  const UnconfirmedDelivery a = sending("user:a", arrived, false);
  const std::string lost = picbot::testing::make_png("lost", 4096);
  ASSERT_EQ(lost.size(), arrived.size());
  const UnconfirmedDelivery b = sending("user:b", lost, false);
  deliver(a, arrived);
  chatter(3);
  auto r = reconciler();
  EXPECT_EQ(run_coroutine(io_, r.check(a, md5_hex(arrived))), Verdict::kDelivered);
  EXPECT_EQ(run_coroutine(io_, r.check(b, md5_hex(lost))), Verdict::kNotDelivered);
  // settle() hashes the stored copies: b has a's size, only the MD5 tells them apart.
  const auto summary = run_coroutine(io_, r.settle({a, b}, *quotas_));
  EXPECT_EQ(summary.charged, 1);
  EXPECT_EQ(summary.released, 1);
  EXPECT_EQ(used("user:a"), 1);
  EXPECT_EQ(used("user:b"), 0);
  ASSERT_FALSE(api_.calls.empty());
  EXPECT_EQ(api_.calls[0].action, "get_friend_msg_history");
  EXPECT_EQ(api_.calls[0].params["user_id"], kUser);
}

TEST_F(DeliveryReconcilerTest, GroupHistoryMatchesByMd5AndIgnoresOtherSendersImages) {
  const std::string bytes = picbot::testing::make_png("group", 8192);
  const UnconfirmedDelivery d = sending("group:x", bytes, true);
  // Another member posts the very same picture: not the bot's delivery.
  const std::int64_t id = api_.actions.next_message_id();
  api_.actions.remember(
      id, {{"time", std::time(nullptr)},
           {"message_type", "group"},
           {"group_id", kGroup},
           {"message_id", id},
           {"user_id", kUser},
           {"post_type", "message"},
           {"message",
            {{{"type", "image"}, {"data", {{"file", onebot::base64_encode(bytes)}, {"file_size", "1"}}}}}}});
  auto r = reconciler();
  EXPECT_EQ(run_coroutine(io_, r.check(d, md5_hex(bytes))), Verdict::kNotDelivered);
  deliver(d, bytes);
  EXPECT_EQ(run_coroutine(io_, r.check(d, md5_hex(bytes))), Verdict::kDelivered);
  EXPECT_EQ(api_.calls.back().action, "get_group_msg_history");
}

TEST_F(DeliveryReconcilerTest, WithoutTheStoredCopyTheByteSizeIdentifiesTheImage) {
  const std::string bytes = picbot::testing::make_png("swept", 5000);
  const UnconfirmedDelivery d = sending("user:s", bytes, false, /*kept=*/false);
  auto r = reconciler();
  EXPECT_EQ(run_coroutine(io_, r.check(d, "")), Verdict::kNotDelivered);
  deliver(d, bytes);
  EXPECT_EQ(run_coroutine(io_, r.check(d, "")), Verdict::kDelivered);
  EXPECT_EQ(run_coroutine(io_, r.settle({d}, *quotas_)).charged, 1);
}

TEST_F(DeliveryReconcilerTest, PagesBackThroughABusyChatAndGivesUpWhenItCannotReachTheSend) {
  const std::string bytes = picbot::testing::make_png("busy", 4096);
  const UnconfirmedDelivery d = sending("user:p", bytes, false);
  deliver(d, bytes);
  chatter(12);
  EXPECT_EQ(run_coroutine(io_, reconciler({.page_size = 5, .max_pages = 3}).check(d, md5_hex(bytes))),
            Verdict::kDelivered);
  api_.calls.clear();
  EXPECT_EQ(run_coroutine(io_, reconciler({.page_size = 5, .max_pages = 2}).check(d, md5_hex(bytes))),
            Verdict::kUnknown);
  EXPECT_EQ(api_.calls.size(), 2u);
  // The unit is charged when the history cannot tell.
  const auto summary = run_coroutine(io_, reconciler({.page_size = 5, .max_pages = 2}).settle({d}, *quotas_));
  EXPECT_EQ(summary.charged, 1);
  EXPECT_EQ(used("user:p"), 1);
}

TEST_F(DeliveryReconcilerTest, AFailingHistoryActionOrAnAbsentAccountChargesTheUnit) {
  const UnconfirmedDelivery a = sending("user:f", picbot::testing::make_png("f", 2048), false);
  const UnconfirmedDelivery b = sending("user:g", picbot::testing::make_png("g", 2048), false);
  api_.actions.set_handler("get_friend_msg_history",
                           [](const testing::ApiCall&) { return ApiReply::failed(1404, "不支持的API"); });
  auto r = reconciler();
  EXPECT_EQ(run_coroutine(io_, r.check(a, "")), Verdict::kUnknown);
  EXPECT_EQ(run_coroutine(io_, r.settle({a}, *quotas_)).charged, 1);
  api_.actions.set_handler("get_friend_msg_history", nullptr);
  api_.accounts_online = false;
  api_.calls.clear();
  EXPECT_EQ(run_coroutine(io_, r.settle({b}, *quotas_)).charged, 1);
  EXPECT_TRUE(api_.calls.empty()) << "no history call for an account that is not connected";
  EXPECT_EQ(used("user:f"), 1);
  EXPECT_EQ(used("user:g"), 1);
}

}  // namespace
}  // namespace picbot::gemini
