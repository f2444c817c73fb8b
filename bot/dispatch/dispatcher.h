// Dispatcher: turns message events into work. It drops groups the bot must
// ignore, runs message hooks, routes commands (aliases, admin-only checks),
// and hands other wake-ups to the chat handler (the LLM agent). Every handler
// runs in its own coroutine, so a slow one never delays another message.
//
// Backpressure: at most Options::max_in_flight message handlers run at once,
// and at most Options::max_in_flight_per_account for one account (self_id),
// so an account whose link stops answering (its handlers each wait out their
// API calls) slows only itself. Further events wait, parsed, in a FIFO backlog
// per account (a few hundred bytes each instead of a coroutine stack of ~5 KB
// plus a pending write); a freed slot goes to the next account with a waiting
// event, in turn. The transport keeps reading: API responses arrive on the
// same socket as events and the running handlers need them to finish, so
// pausing reads could deadlock. Beyond Options::max_backlog queued events in
// all, or max_backlog_per_account for one account, new ones are dropped with
// a warning (overload). When a burst has drained, free heap is returned to
// the OS (malloc_trim), at most once per Options::trim_interval.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <map>
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
  std::uint64_t events_queued = 0;   // waited in the backlog for a free slot
  std::uint64_t events_dropped = 0;  // backlog full
  std::size_t max_backlog_seen = 0;
};

class Dispatcher final : public onebot::EventSink {
 public:
  // Called for a wake-up that is not a command: the LLM agent when enabled.
  using ChatHandler = std::function<boost::asio::awaitable<void>(MessageContext&, const Wake&)>;

  struct Options {
    std::size_t max_in_flight = 256;             // message handlers running at once
    std::size_t max_in_flight_per_account = 64;  // ... for one account (self_id)
    std::size_t max_backlog = 200'000;           // parsed events waiting for a slot
    std::size_t max_backlog_per_account = 50'000;
    std::chrono::milliseconds trim_interval{1000};
  };

  Dispatcher(boost::asio::any_io_executor executor, onebot::BotApi& api, CommandRegistry& registry,
             std::shared_ptr<const BotSettings> settings, Options options);
  Dispatcher(boost::asio::any_io_executor executor, onebot::BotApi& api, CommandRegistry& registry,
             std::shared_ptr<const BotSettings> settings)
      : Dispatcher(std::move(executor), api, registry, std::move(settings), Options{}) {}

  void on_event(onebot::Event event) override;

  // Handles one message with replies going through `api` (the sandbox uses
  // its own) and, when given, `settings` instead of the current ones (the
  // sandbox's "as admin"). Completes when every handler it started has finished.
  boost::asio::awaitable<void> handle_message(std::shared_ptr<const onebot::MessageEvent> event,
                                              onebot::BotApi& api,
                                              std::shared_ptr<const BotSettings> settings = nullptr);

  void set_settings(std::shared_ptr<const BotSettings> settings) { settings_ = std::move(settings); }
  std::shared_ptr<const BotSettings> settings() const { return settings_; }
  void set_chat_handler(ChatHandler handler) { chat_handler_ = std::move(handler); }
  const DispatchCounters& counters() const { return counters_; }
  std::size_t in_flight() const { return in_flight_; }
  std::size_t backlog() const { return backlog_size_; }

 private:
  using SharedEvent = std::shared_ptr<const onebot::MessageEvent>;

  // One account's share: its running handlers and its waiting events.
  struct Account {
    std::size_t in_flight = 0;
    std::deque<SharedEvent> backlog;
  };

  void start_handler(SharedEvent event);
  void on_handler_done(std::int64_t self_id, std::exception_ptr error);
  // Starts the oldest waiting event of the next account (in turn) that has
  // a free slot, if the global budget allows.
  void start_next_waiting();
  void schedule_trim();
  // Picks the variant, checks admin rights, parses the arguments (or replies
  // with the usage) and runs the handler.
  boost::asio::awaitable<void> run_command(MessageContext& ctx, const Wake& wake,
                                           std::vector<CommandRegistry::EntryPtr> variants);

  boost::asio::any_io_executor executor_;
  onebot::BotApi& api_;
  CommandRegistry& registry_;
  std::shared_ptr<const BotSettings> settings_;
  ChatHandler chat_handler_;
  DispatchCounters counters_;
  Options options_;
  std::size_t in_flight_ = 0;
  std::map<std::int64_t, Account> accounts_;  // by self_id; only accounts with work
  std::size_t backlog_size_ = 0;              // waiting events, all accounts
  std::int64_t last_served_ = 0;              // the account a freed slot went to last
  std::size_t handled_since_trim_ = 0;
  bool trim_armed_ = false;
  std::chrono::steady_clock::time_point last_trim_{};
  boost::asio::steady_timer trim_timer_;
};

}  // namespace picbot
