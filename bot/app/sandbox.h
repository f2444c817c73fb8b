// Sandbox: the web console's chat sandbox. The admin types a message as any
// user, in a group or a private chat, as admin or not; it goes through the
// real dispatcher, agent and plugins. Only the OneBot link is replaced: the
// sandbox is the BotApi the handlers reply through, and answers send_*_msg
// like NapCat ({"message_id": N}) while recording the message for the page.
// Images sent as base64:// or file:// become data: URLs the page can show.
// The admin can attach an image (sent to the handlers as a base64:// image
// segment, which the reference-image code decodes) and quote an earlier
// sandbox message (a reply segment); get_msg answers for the sandbox's own
// messages as NapCat's GetMsg does. Other actions fail with retcode 1404.
// When a message got no reply, the transcript says why ("note" entries).
//
// The transcript keeps the last kMaxEntries messages (both directions).
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
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
  // api and, for "as admin", settings that list the user as admin). Returns
  // the console label key of the reason the message gets no reply, shown
  // when it got none ("" for none known).
  using Handler = std::function<boost::asio::awaitable<std::string>(
      std::shared_ptr<const onebot::MessageEvent>, onebot::BotApi&, bool admin)>;

  // One message typed in the page.
  struct Input {
    std::int64_t user_id = 0;
    std::int64_t group_id = 0;  // 0: private chat
    bool admin = false;
    std::string text;                      // CQ codes allowed
    std::optional<std::int64_t> reply_to;  // message_id of an earlier sandbox message
    std::string image_base64;              // an attached image, without "base64://"

    // From {"user_id", "group_id", "admin", "text", "reply_to", "image"}:
    // ids as numbers or digit strings ("" or null group_id: private chat),
    // image as base64 or a data: URL. Errors "bad_user_id", "bad_group_id",
    // "bad_input" with a message naming the field.
    static Result<Input> from_json(const nlohmann::json& body);
  };

  Sandbox(boost::asio::any_io_executor executor, WorkerPool& workers, Handler handler);

  // Records the user's message and starts handling it. Errors "bad_input"
  // for a user_id <= 0, a negative group_id, no text and no image, or a
  // reply_to that is not a message of the transcript.
  Result<std::uint64_t> send(Input input);

  // {"self_id", "messages":[{id, direction:"in"|"out"|"note", user_id, group_id, time,
  // message_id, segments}]} for entries with id > after. Image segments carry
  // data.src; "note" entries carry "label" (a console label key) and
  // "message_id" (the message they are about) instead of segments.
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
  // The recorded message with this message_id (in or out), or null.
  const nlohmann::json* find_message(std::int64_t message_id) const;
  // NapCat's get_msg answer for a recorded message.
  nlohmann::json get_msg_answer(const nlohmann::json& entry) const;
  boost::asio::awaitable<void> handle(std::shared_ptr<const onebot::MessageEvent> event, bool admin);

  boost::asio::any_io_executor executor_;
  WorkerPool& workers_;
  Handler handler_;
  std::deque<Entry> entries_;
  std::uint64_t next_entry_ = 1;
  std::int64_t next_message_id_ = 1;
  std::uint64_t replies_sent_ = 0;  // out entries so far
};

}  // namespace picbot
