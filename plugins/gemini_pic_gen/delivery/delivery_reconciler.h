// DeliveryReconciler: settles the quota units a killed picbot left while
// their image was being sent (QuotaStore::recover_after_restart), so the
// counts end equal to the images users got.
//
// For each unit it waits for the bot account to connect, then reads the
// chat's history from NapCat (get_group_msg_history / get_friend_msg_history,
// newest first, page by page). An image from the bot, sent since the unit was
// marked, named by the image's MD5 (as QQ names it; by its byte size once
// the stored copy has expired), charges the unit; a history that reaches back past that moment without it
// gives the unit back. When NapCat cannot tell (the account stays away, the
// action fails, the chat is too busy to reach back that far) the unit is
// charged: the user may have the image. Each outcome is logged.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <vector>

#include "bot/core/worker_pool.h"
#include "bot/onebot/bot_api.h"
#include "image/storage/image_store.h"
#include "plugins/gemini_pic_gen/quota/quota_store.h"

namespace picbot::gemini {

using image::ImageMeta;
using image::ImageStore;
using image::StoredImage;

struct ReconcileOptions {
  std::chrono::milliseconds account_wait = std::chrono::minutes(10);  // for the account to connect
  int page_size = 50;                                                 // messages per history call
  int max_pages = 10;                                                 // then: cannot tell
};

class DeliveryReconciler {
 public:
  enum class Verdict { kDelivered, kNotDelivered, kUnknown };
  struct Summary {
    int charged = 0;   // delivered, or NapCat could not tell
    int released = 0;  // the history shows it never arrived
  };

  // api, images and workers must outlive every call.
  DeliveryReconciler(onebot::BotApi& api, ImageStore& images, WorkerPool& workers, ReconcileOptions options);

  // Commits or releases every one of `unconfirmed` in `quotas`, in order.
  // The MD5 comes from each image's stored copy while the ImageStore keeps it.
  boost::asio::awaitable<Summary> settle(std::vector<UnconfirmedDelivery> unconfirmed,
                                         AsyncQuotaStore& quotas);

  // Whether `delivery`'s image is in its chat's history: an image named by
  // `md5` (hex, any case), or when md5 is "" one of the image's byte size. The
  // reservation id is not used. The account must be connected (else kUnknown
  // after the call times out). Also used before a resend: NapCat may have
  // posted the image and lost only its answer.
  boost::asio::awaitable<Verdict> check(const UnconfirmedDelivery& delivery, std::string md5);

 private:
  // The MD5 of the stored copy of image_id, or "" once it has expired.
  boost::asio::awaitable<std::string> stored_md5(const std::string& image_id);

  onebot::BotApi& api_;
  ImageStore& images_;
  WorkerPool& workers_;
  ReconcileOptions options_;
};

}  // namespace picbot::gemini
