// MessageContext: what a command, tool or hook handler sees of the message
// that triggered it, and the narrow way back to the chat: reply() and
// call_api(). It lives as long as the handler's coroutine.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bot/core/message_table.h"
#include "bot/core/worker_pool.h"
#include "bot/onebot/bot_api.h"
#include "bot/onebot/event.h"
#include "bot/onebot/message.h"
#include "bot/plugin/bot_settings.h"
#include "bot/plugin/command_spec.h"

namespace picbot {

using MessageIdResult = Result<std::int64_t, onebot::ApiError>;

class MessageContext {
 public:
  MessageContext(std::shared_ptr<const onebot::MessageEvent> event, onebot::BotApi& api,
                 std::shared_ptr<const BotSettings> settings);
  virtual ~MessageContext() = default;

  const onebot::MessageEvent& event() const { return *event_; }
  const std::shared_ptr<const onebot::MessageEvent>& shared_event() const { return event_; }
  const BotSettings& settings() const { return *settings_; }
  bool is_group() const { return event_->is_group(); }
  bool is_admin() const { return settings_->is_admin(event_->user_id); }
  const std::string& language() const { return settings_->language; }

  // Formats a message-table entry in the configured language.
  template <class... Args>
  std::string tr(std::string_view key, Args&&... args) const {
    return picbot::tr(language(), key, std::forward<Args>(args)...);
  }

  // Sends a message to the chat the event came from: send_group_msg in a
  // group, else send_private_msg (with the temp chat's group_id, if any). In
  // groups, at_sender puts an @ of the sender in front. Returns NapCat's
  // message_id.
  boost::asio::awaitable<MessageIdResult> reply(onebot::Message message, bool at_sender = false);
  // As reply(), with the request's text written on a worker of `encoder`, not
  // on the event loop: for a message of megabytes (an inline base64 image).
  boost::asio::awaitable<MessageIdResult> reply(onebot::Message message, bool at_sender, WorkerPool& encoder);
  boost::asio::awaitable<MessageIdResult> reply_text(std::string text, bool at_sender = false);

  // Calls any OneBot action on the account that received the event.
  boost::asio::awaitable<onebot::ApiResult> call_api(std::string action, nlohmann::json params,
                                                     onebot::CallOptions options = {});

  onebot::BotApi& api() { return api_; }

 private:
  // The params of the send_*_msg call that carries message to this chat.
  // Reads only the immutable event: safe on any thread.
  std::string reply_params(const onebot::Message& message) const;
  boost::asio::awaitable<MessageIdResult> send_reply(std::string params, const onebot::Message& message);

  std::shared_ptr<const onebot::MessageEvent> event_;
  onebot::BotApi& api_;
  std::shared_ptr<const BotSettings> settings_;
};

// CommandContext: a MessageContext plus the command line, parsed against
// the command's declaration.
class CommandContext : public MessageContext {
 public:
  // Builds the usage text; called at most once, on the first usage() (most
  // commands never need it, and building it formats every variant's line).
  using UsageBuilder = std::function<std::string()>;

  CommandContext(MessageContext base, std::string command, std::string line, Arguments args = {},
                 UsageBuilder usage = {})
      : MessageContext(std::move(base)),
        command_(std::move(command)),
        line_(std::move(line)),
        args_(std::move(args)),
        usage_builder_(std::move(usage)) {}
  // The name the user typed (may be an alias), without prefix.
  const std::string& command() const { return command_; }
  // Everything after the command name, trimmed, as typed.
  const std::string& line() const { return line_; }
  // The declared arguments, typed: args().text("prompt"), args().integer("n").
  const Arguments& args() const { return args_; }
  // The reply the host gives for a line that does not fit the declaration
  // ("用法：/draw <描述> …"), for a handler that finds a value out of range.
  // "" when the context was made without a builder.
  const std::string& usage() const {
    if (!usage_) usage_ = usage_builder_ ? usage_builder_() : std::string();
    return *usage_;
  }

 private:
  std::string command_;
  std::string line_;
  Arguments args_;
  UsageBuilder usage_builder_;
  mutable std::optional<std::string> usage_;
};

}  // namespace picbot
