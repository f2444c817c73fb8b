// Dispatcher: turns message events into work. It drops groups the bot must
// ignore, runs message hooks, routes commands (aliases, admin-only checks),
// and hands other wake-ups to the chat handler (the LLM agent). Every handler
// runs in its own coroutine, so a slow one never delays another message.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>

#include "bot/dispatch/wake.h"
#include "bot/onebot/bot_api.h"
#include "bot/onebot/hub.h"
#include "bot/plugin/command_registry.h"
#include "bot/plugin/message_context.h"

namespace picbot {

struct DispatchCounters {
  std::uint64_t messages_in = 0;
  std::uint64_t commands_run = 0;
  std::uint64_t commands_denied = 0;
  std::uint64_t handler_errors = 0;
};

class Dispatcher final : public onebot::EventSink {
 public:
  // Called for a wake-up that is not a command: the LLM agent when enabled.
  using ChatHandler = std::function<boost::asio::awaitable<void>(MessageContext&, const Wake&)>;

  Dispatcher(boost::asio::any_io_executor executor, onebot::BotApi& api, CommandRegistry& registry,
             std::shared_ptr<const BotSettings> settings);

  void on_event(onebot::Event event) override;

  // Handles one message with replies going through `api` (the sandbox uses
  // its own). Completes when every handler it started has finished.
  boost::asio::awaitable<void> handle_message(std::shared_ptr<const onebot::MessageEvent> event,
                                              onebot::BotApi& api);

  void set_settings(std::shared_ptr<const BotSettings> settings) { settings_ = std::move(settings); }
  std::shared_ptr<const BotSettings> settings() const { return settings_; }
  void set_chat_handler(ChatHandler handler) { chat_handler_ = std::move(handler); }
  const DispatchCounters& counters() const { return counters_; }

 private:
  boost::asio::awaitable<void> run_command(CommandContext& ctx, const CommandRegistry::Entry& entry);

  boost::asio::any_io_executor executor_;
  onebot::BotApi& api_;
  CommandRegistry& registry_;
  std::shared_ptr<const BotSettings> settings_;
  ChatHandler chat_handler_;
  DispatchCounters counters_;
};

}  // namespace picbot
