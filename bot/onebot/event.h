// OneBot v11 frames as they arrive on a NapCat WebSocket: events (post_type)
// and API responses (echo/retcode) share one socket. parse_frame runs on every
// frame, so it parses the text once and moves strings out of the parsed
// document instead of copying them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "bot/core/result.h"
#include "bot/onebot/ids.h"
#include "bot/onebot/message.h"

namespace picbot::onebot {

// Members have default initializers so designated initializers compile
// cleanly under -Wextra (tests and the web sandbox build events by hand).

struct Sender {
  std::int64_t user_id = 0;
  std::string nickname{}, card{}, role{};  // role: owner/admin/member, groups only
};

// post_type "message", or "message_sent" (the bot's own messages) with self_sent set.
struct MessageEvent {
  std::int64_t time = 0, self_id = 0, message_id = 0, user_id = 0;
  // The group chat the event is in; 0 unless message_type is "group", so
  // every rule keyed on it (allow-lists, wake, quotas, sessions) treats a
  // private chat as private.
  std::int64_t group_id = 0;
  // A private temp chat started from a group (NapCat: message_type "private",
  // sub_type "group", group_id = the group): that group. The reply still goes
  // to user_id with send_private_msg, which needs this group_id to reach a
  // stranger. 0 otherwise.
  std::int64_t temp_group_id = 0;
  std::string message_type{}, sub_type{}, raw_message{}, group_name{};
  Message message{};
  Sender sender{};
  bool self_sent = false;  // post_type message_sent

  bool is_group() const { return group_id != 0; }
};

struct NoticeEvent {
  std::int64_t time = 0, self_id = 0;
  std::string notice_type{}, sub_type{};
  nlohmann::json raw{};  // the whole event object
};

struct RequestEvent {
  std::int64_t time = 0, self_id = 0;
  std::string request_type{};
  nlohmann::json raw{};  // the whole event object
};

// meta_event_type "lifecycle" (sub_type connect/enable/disable) or "heartbeat".
struct MetaEvent {
  std::int64_t time = 0, self_id = 0;
  std::string meta_event_type{}, sub_type{};
  std::int64_t interval_ms = 0;  // heartbeat interval; 0 when absent
  nlohmann::json status{};       // heartbeat status ({"online":true,"good":true}); null when absent
};

using Event = std::variant<MessageEvent, NoticeEvent, RequestEvent, MetaEvent>;

// The answer to an API call, matched to its request by echo. Streamed actions
// answer one request with several frames sharing an echo (stream "stream-action").
struct ApiResponse {
  std::string status{};  // "ok" or "failed"
  int retcode = 0;
  nlohmann::json data{}, echo{};
  std::string message{}, wording{}, stream{};

  bool ok() const { return status == "ok" && retcode == 0; }
};

using Frame = std::variant<Event, ApiResponse>;

// Parses one WebSocket text frame. An object with post_type is an event;
// without post_type but with echo or retcode it is an API response. Ids and
// numbers may be JSON numbers or numeric strings. Fails with code "bad_frame"
// ("not JSON: ...", "frame is not a JSON object but array", "frame has neither
// post_type nor echo/retcode") or with parse_event's error. Never throws; the
// error message does not include the frame text (callers log a truncated copy).
Result<Frame> parse_frame(std::string_view text);

// Parses an event object. Fails with code "bad_event" and a specific message
// ("event without post_type", "unknown post_type 'x'", "message event without
// user_id", "group message event without group_id", "message event: segment
// 1: ...", ...). message_type alone decides group or private: a private
// event's group_id becomes temp_group_id. Never throws. The rvalue overload moves strings, the message
// and raw/status objects out of event instead of copying them.
Result<Event> parse_event(const nlohmann::json& event);
Result<Event> parse_event(nlohmann::json&& event);

}  // namespace picbot::onebot
