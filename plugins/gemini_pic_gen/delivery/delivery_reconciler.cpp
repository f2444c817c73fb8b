#include "plugins/gemini_pic_gen/delivery/delivery_reconciler.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/onebot/ids.h"
#include "plugins/gemini_pic_gen/delivery/image_delivery.h"

namespace picbot::gemini {
namespace {

using nlohmann::json;

auto logger() {
  static auto l = log::get("gemini_pic_gen");
  return l;
}

// NapCat may run on another host: its clock and ours can differ this much.
constexpr std::int64_t kClockSlackSeconds = 120;

std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// An image segment of ours: QQ names a sent image "<MD5>.<ext>". Its
// file_size is the fallback once the stored copy (and so the MD5) is gone.
bool is_our_image(const json& segment, const SendingImage& image, const std::string& md5) {
  if (!segment.is_object() || onebot::field_string(segment, "type") != "image") return false;
  const auto data = segment.find("data");
  if (data == segment.end()) return false;
  if (!md5.empty()) {
    const std::string file = onebot::field_string(*data, "file");
    return equals_ignoring_case(file.substr(0, file.find('.')), md5);
  }
  return data->is_object() && data->contains("file_size") &&
         onebot::json_to_int((*data)["file_size"]) == std::optional<std::int64_t>(image.size);
}

bool is_the_delivery(const json& message, const UnconfirmedDelivery& delivery, const std::string& md5,
                     std::int64_t since_seconds) {
  if (!message.is_object() || onebot::field_id(message, "user_id") != delivery.image.self_id) return false;
  if (onebot::field_id(message, "time") < since_seconds) return false;
  const auto segments = message.find("message");
  return segments != message.end() && segments->is_array() &&
         std::any_of(segments->begin(), segments->end(),
                     [&](const json& segment) { return is_our_image(segment, delivery.image, md5); });
}

std::string chat_of(const SendingImage& image) {
  return (image.group ? "group " : "user ") + std::to_string(image.target_id);
}

}  // namespace

DeliveryReconciler::DeliveryReconciler(onebot::BotApi& api, ImageStore& images, WorkerPool& workers,
                                       ReconcileOptions options)
    : api_(api), images_(images), workers_(workers), options_(options) {}

boost::asio::awaitable<std::string> DeliveryReconciler::stored_md5(const std::string& image_id) {
  const std::optional<StoredImage> stored = images_.find(image_id);
  if (!stored) co_return std::string();
  const Result<std::string> bytes = co_await images_.read(*stored);
  if (!bytes) co_return std::string();
  // (GCC 12 miscompiles lambda temporaries in co_await: a named local.)
  auto hash = [&bytes] { return md5_hex(*bytes); };
  co_return co_await workers_.run(hash);
}

boost::asio::awaitable<DeliveryReconciler::Verdict> DeliveryReconciler::check(
    const UnconfirmedDelivery& delivery, std::string md5) {
  const SendingImage& image = delivery.image;
  const std::int64_t since = unix_seconds(delivery.sending_since) - kClockSlackSeconds;
  const std::string action = image.group ? "get_group_msg_history" : "get_friend_msg_history";
  json params = json::object();
  params[image.group ? "group_id" : "user_id"] = image.target_id;
  params["count"] = options_.page_size;
  std::int64_t anchor = 0;
  for (int page = 0; page < options_.max_pages; ++page) {
    if (anchor != 0) params["message_seq"] = anchor;
    onebot::ApiResult answer = co_await api_.call(image.self_id, action, params);
    if (!answer) {
      logger()->warn("{}", log::text("log.history_unreadable", fmt::arg("chat", chat_of(image)),
                                     fmt::arg("reason", answer.error().describe())));
      co_return Verdict::kUnknown;
    }
    const auto messages = answer->find("messages");  // end() for a non-object too
    if (messages == answer->end() || !messages->is_array()) {
      logger()->warn("{}", log::text("log.history_no_messages", fmt::arg("action", action)));
      co_return Verdict::kUnknown;
    }
    for (const json& message : *messages) {
      if (is_the_delivery(message, delivery, md5, since)) co_return Verdict::kDelivered;
    }
    // Oldest first: once the page starts before the send, nothing older matters.
    if (static_cast<int>(messages->size()) < options_.page_size) co_return Verdict::kNotDelivered;
    const json& oldest = messages->front();
    if (onebot::field_id(oldest, "time") < since) co_return Verdict::kNotDelivered;
    std::int64_t seq = onebot::field_id(oldest, "message_seq");
    if (seq == 0) seq = onebot::field_id(oldest, "message_id");
    if (seq == 0 || (anchor != 0 && seq >= anchor)) co_return Verdict::kUnknown;  // no way further back
    anchor = seq;
  }
  co_return Verdict::kUnknown;
}

boost::asio::awaitable<DeliveryReconciler::Summary> DeliveryReconciler::settle(
    std::vector<UnconfirmedDelivery> unconfirmed, AsyncQuotaStore& quotas) {
  Summary summary;
  std::map<std::int64_t, bool> online;  // accounts already waited for
  for (const UnconfirmedDelivery& delivery : unconfirmed) {
    const std::int64_t self_id = delivery.image.self_id;
    if (!online.contains(self_id))
      online[self_id] = co_await api_.wait_for_account(self_id, options_.account_wait);
    Verdict verdict = Verdict::kUnknown;
    if (online[self_id]) {
      std::string md5 = co_await stored_md5(delivery.image.image_id);
      verdict = co_await check(delivery, std::move(md5));
    }
    const std::string chat = chat_of(delivery.image);
    Status settled;
    if (verdict == Verdict::kNotDelivered) {
      settled = co_await quotas.release(delivery.reservation_id);
      ++summary.released;
      logger()->info("{}", log::text("log.quota_unit_returned", fmt::arg("chat", chat)));
    } else {
      settled = co_await quotas.commit(delivery.reservation_id);
      ++summary.charged;
      if (verdict == Verdict::kDelivered) {
        logger()->info("{}", log::text("log.quota_unit_charged", fmt::arg("chat", chat)));
      } else {
        logger()->warn("{}", log::text(online[self_id] ? "log.quota_unit_charged_unsure_history"
                                                       : "log.quota_unit_charged_unsure_offline",
                                       fmt::arg("chat", chat)));
      }
    }
    // not_found: the bucket's window ended meanwhile; nothing is left to settle.
    if (!settled && !settled.error().is_not_found()) {
      logger()->error("{}", log::text("log.quota_store_failed", fmt::arg("reason", settled.error().message)));
    }
  }
  co_return summary;
}

}  // namespace picbot::gemini
