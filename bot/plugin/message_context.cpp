#include "bot/plugin/message_context.h"

#include "bot/core/logging.h"

namespace picbot {

MessageContext::MessageContext(std::shared_ptr<const onebot::MessageEvent> event, onebot::BotApi& api,
                               std::shared_ptr<const BotSettings> settings)
    : event_(std::move(event)), api_(api), settings_(std::move(settings)) {}

boost::asio::awaitable<MessageIdResult> MessageContext::reply(onebot::Message message, bool at_sender) {
  nlohmann::json params;
  if (event_->is_group()) {
    if (at_sender) {
      message.insert(message.begin(), onebot::Text{" "});
      message.insert(message.begin(), onebot::At{std::to_string(event_->user_id), {}});
    }
    params = {{"group_id", event_->group_id}, {"message", onebot::message_to_json(message)}};
  } else {
    params = {{"user_id", event_->user_id}, {"message", onebot::message_to_json(message)}};
  }
  static auto logger = log::get("reply");
  logger->info("reply to {} {}: {}", event_->is_group() ? "group" : "user",
               event_->is_group() ? event_->group_id : event_->user_id,
               log::truncate(onebot::plain_text(message), 200));
  std::string action = event_->is_group() ? "send_group_msg" : "send_private_msg";
  auto result = co_await api_.call(event_->self_id, std::move(action), std::move(params));
  if (!result) co_return result.error();
  const auto& data = result.value();
  co_return data.is_object() ? onebot::json_to_id(data.value("message_id", nlohmann::json())) : std::int64_t{0};
}

boost::asio::awaitable<MessageIdResult> MessageContext::reply_text(std::string text, bool at_sender) {
  return reply(onebot::Message{onebot::Text{std::move(text)}}, at_sender);
}

boost::asio::awaitable<onebot::ApiResult> MessageContext::call_api(std::string action, nlohmann::json params,
                                                                   onebot::CallOptions options) {
  return api_.call(event_->self_id, std::move(action), std::move(params), std::move(options));
}

}  // namespace picbot
