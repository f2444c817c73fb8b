#include "bot/plugin/message_context.h"

#include "bot/core/log_language.h"
#include "bot/core/logging.h"

namespace picbot {

MessageContext::MessageContext(std::shared_ptr<const onebot::MessageEvent> event, onebot::BotApi& api,
                               std::shared_ptr<const BotSettings> settings)
    : event_(std::move(event)), api_(api), settings_(std::move(settings)) {}

namespace {
void put_at_sender_first(onebot::Message& message, std::int64_t user_id) {
  message.insert(message.begin(), onebot::Text{" "});
  message.insert(message.begin(), onebot::At{std::to_string(user_id), {}});
}
}  // namespace

std::string MessageContext::reply_params(const onebot::Message& message) const {
  const bool group = event_->is_group();
  // The params object is written as text: no JSON DOM on the reply path.
  std::string params = group ? R"({"group_id":)" : R"({"user_id":)";
  params += std::to_string(group ? event_->group_id : event_->user_id);
  // A temp chat: NapCat's send_private_msg reaches a stranger through the
  // group the chat started in (createContext in action/msg/SendMsg.ts).
  if (!group && event_->temp_group_id != 0) {
    params += R"(,"group_id":)";
    params += std::to_string(event_->temp_group_id);
  }
  params += R"(,"message":)";
  onebot::append_message_json(message, params);
  params += '}';
  return params;
}

boost::asio::awaitable<MessageIdResult> MessageContext::reply(onebot::Message message, bool at_sender) {
  if (at_sender && event_->is_group()) put_at_sender_first(message, event_->user_id);
  std::string params = reply_params(message);
  co_return co_await send_reply(std::move(params), message);
}

boost::asio::awaitable<MessageIdResult> MessageContext::reply(onebot::Message message, bool at_sender,
                                                              WorkerPool& encoder) {
  if (at_sender && event_->is_group()) put_at_sender_first(message, event_->user_id);
  auto encode = [this, &message] {
    std::string params = reply_params(message);
    // params holds the image now; the message lives until NapCat answers,
    // so its own copy is freed here, off the loop too.
    for (auto& segment : message) {
      if (auto* image = std::get_if<onebot::Image>(&segment)) std::string().swap(image->file);
    }
    return params;
  };
  std::string params = co_await encoder.run(encode);
  co_return co_await send_reply(std::move(params), message);
}

boost::asio::awaitable<MessageIdResult> MessageContext::send_reply(std::string params,
                                                                   const onebot::Message& message) {
  const bool group = event_->is_group();
  static auto logger = log::get("reply");
  if (logger->should_log(spdlog::level::info)) {
    logger->info("{}", log::text(group ? "log.reply_to_group" : "log.reply_to_user",
                                 fmt::arg("id", group ? event_->group_id : event_->user_id),
                                 fmt::arg("text", log::truncate(onebot::plain_text(message), 200))));
  }
  std::string action = group ? "send_group_msg" : "send_private_msg";
  onebot::CallOptions options;
  auto result =
      co_await api_.call_encoded(event_->self_id, std::move(action), std::move(params), std::move(options));
  if (!result) co_return result.error();
  const auto& data = result.value();
  co_return data.is_object() ? onebot::json_to_id(data.value("message_id", nlohmann::json()))
                             : std::int64_t{0};
}

boost::asio::awaitable<MessageIdResult> MessageContext::reply_text(std::string text, bool at_sender) {
  return reply(onebot::Message{onebot::Text{std::move(text)}}, at_sender);
}

boost::asio::awaitable<onebot::ApiResult> MessageContext::call_api(std::string action, nlohmann::json params,
                                                                   onebot::CallOptions options) {
  return api_.call(event_->self_id, std::move(action), std::move(params), std::move(options));
}

}  // namespace picbot
