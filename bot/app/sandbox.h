// Sandbox: the web console's chat sandbox. The admin types a message as any
// user, in a group or a private chat, as admin or not; it goes through the
// real dispatcher, agent and plugins. Only the OneBot link is replaced: the
// sandbox is the BotApi the handlers reply through, and answers send_*_msg
// like NapCat ({"message_id": N}) while recording the message for the page.
// Images sent as base64:// or file:// become data: URLs the page can show.
// get_msg answers "not found"; other actions fail with retcode 1404.
//
// The transcript keeps the last kMaxEntries messages (both directions).
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/onebot/bot_api.h"
#include "bot/onebot/event.h"

namespace picbot {

class Sandbox final : public onebot::BotApi {
 public:
  static constexpr std::int64_t kSelfId = 100000;  // the bot's account in the sandbox
  static constexpr std::size_t kMaxEntries = 200;

  // Runs one message through the host (Dispatcher::handle_message with this
  // api and, for "as admin", settings that list the user as admin).
  using Handler = std::function<boost::asio::awaitable<void>(std::shared_ptr<const onebot::MessageEvent>,
                                                             onebot::BotApi&, bool admin)>;

  Sandbox(boost::asio::any_io_executor executor, WorkerPool& workers, Handler handler);

  // Records the user's message and starts handling it. Errors "bad_input"
  // for a user_id <= 0, a negative group_id or empty text.
  Result<std::uint64_t> send(std::int64_t user_id, std::int64_t group_id, bool admin, std::string text);

  // {"messages":[{id, direction:"in"|"out", user_id, group_id, time, segments}]}
  // for entries with id > after. Image segments carry data.src.
  nlohmann::json messages_after(std::uint64_t after) const;

  using BotApi::call;
  boost::asio::awaitable<onebot::ApiResult> call(std::int64_t self_id, std::string action,
                                                 nlohmann::json params, onebot::CallOptions options) override;

 private:
  struct Entry {
    std::uint64_t id;
    nlohmann::json value;
  };
  void record(nlohmann::json entry);
  boost::asio::awaitable<nlohmann::json> displayable(nlohmann::json segments);

  boost::asio::any_io_executor executor_;
  WorkerPool& workers_;
  Handler handler_;
  std::deque<Entry> entries_;
  std::uint64_t next_entry_ = 1;
  std::int64_t next_message_id_ = 1;
};

}  // namespace picbot
