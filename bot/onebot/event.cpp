#include "bot/onebot/event.h"

#include <limits>

#include "bot/onebot/ids.h"

namespace picbot::onebot {
namespace {

Error bad_event(std::string message) { return Error::make("bad_event", std::move(message)); }
Error bad_frame(std::string message) { return Error::make("bad_frame", std::move(message)); }

// Re-parses with exceptions on to learn where the text went wrong; only runs
// for frames that already failed, so the happy path parses once.
std::string describe_parse_error(std::string_view text) {
  try {
    [[maybe_unused]] const nlohmann::json unused = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // Drop the "[json.exception.parse_error.101] " prefix.
    std::string_view what = e.what();
    if (const auto prefix_end = what.find("] "); prefix_end != std::string_view::npos) {
      what.remove_prefix(prefix_end + 2);
    }
    return std::string(what);
  }
  return "parse error";
}

Result<Event> parse_message_event(nlohmann::json& event, bool self_sent) {
  MessageEvent out;
  out.self_sent = self_sent;
  out.time = field_id(event, "time");
  out.self_id = field_id(event, "self_id");
  out.message_type = take_string(event, "message_type");
  if (out.message_type.empty()) return bad_event("message event without message_type");
  out.user_id = field_id(event, "user_id");
  if (out.user_id == 0) return bad_event("message event without user_id");
  out.group_id = field_id(event, "group_id");
  if (out.message_type == "group" && out.group_id == 0)
    return bad_event("group message event without group_id");
  out.message_id = field_id(event, "message_id");
  out.sub_type = take_string(event, "sub_type");
  out.raw_message = take_string(event, "raw_message");
  out.group_name = take_string(event, "group_name");

  const auto message_it = event.find("message");
  if (message_it == event.end()) return bad_event("message event without message");
  auto message = parse_message(std::move(*message_it));
  if (!message) return bad_event("message event: " + message.error().message);
  out.message = std::move(*message);

  if (const auto sender_it = event.find("sender"); sender_it != event.end() && sender_it->is_object()) {
    nlohmann::json& sender = *sender_it;
    out.sender.user_id = field_id(sender, "user_id");
    out.sender.nickname = take_string(sender, "nickname");
    out.sender.card = take_string(sender, "card");
    out.sender.role = take_string(sender, "role");
  }
  if (out.sender.user_id == 0) out.sender.user_id = out.user_id;
  return Event(std::move(out));
}

Result<Event> parse_meta_event(nlohmann::json& event) {
  MetaEvent out;
  out.time = field_id(event, "time");
  out.self_id = field_id(event, "self_id");
  out.meta_event_type = take_string(event, "meta_event_type");
  if (out.meta_event_type.empty()) return bad_event("meta_event without meta_event_type");
  out.sub_type = take_string(event, "sub_type");
  out.interval_ms = field_id(event, "interval");
  if (const auto status_it = event.find("status"); status_it != event.end())
    out.status = std::move(*status_it);
  return Event(std::move(out));
}

// Notice and request events keep the whole object, so their fields are copied, not moved.
Result<Event> parse_notice_event(nlohmann::json&& event) {
  NoticeEvent out;
  out.time = field_id(event, "time");
  out.self_id = field_id(event, "self_id");
  out.notice_type = field_string(event, "notice_type");
  if (out.notice_type.empty()) return bad_event("notice event without notice_type");
  out.sub_type = field_string(event, "sub_type");
  out.raw = std::move(event);
  return Event(std::move(out));
}

Result<Event> parse_request_event(nlohmann::json&& event) {
  RequestEvent out;
  out.time = field_id(event, "time");
  out.self_id = field_id(event, "self_id");
  out.request_type = field_string(event, "request_type");
  if (out.request_type.empty()) return bad_event("request event without request_type");
  out.raw = std::move(event);
  return Event(std::move(out));
}

ApiResponse parse_api_response(nlohmann::json& frame) {
  ApiResponse out;
  out.status = take_string(frame, "status");
  if (const auto it = frame.find("retcode"); it != frame.end()) {
    const std::int64_t retcode = json_to_int(*it).value_or(0);
    const bool fits =
        retcode >= std::numeric_limits<int>::min() && retcode <= std::numeric_limits<int>::max();
    out.retcode = fits ? static_cast<int>(retcode) : -1;
  }
  if (const auto it = frame.find("data"); it != frame.end()) out.data = std::move(*it);
  if (const auto it = frame.find("echo"); it != frame.end()) out.echo = std::move(*it);
  out.message = take_string(frame, "message");
  out.wording = take_string(frame, "wording");
  out.stream = take_string(frame, "stream");
  return out;
}

}  // namespace

Result<Event> parse_event(const nlohmann::json& event) { return parse_event(nlohmann::json(event)); }

Result<Event> parse_event(nlohmann::json&& event) {
  if (!event.is_object()) return bad_event(std::string("event is not an object but ") + event.type_name());
  const auto post_type_it = event.find("post_type");
  if (post_type_it == event.end() || !post_type_it->is_string()) return bad_event("event without post_type");
  const std::string& post_type = post_type_it->get_ref<const std::string&>();
  if (post_type == "message" || post_type == "message_sent") {
    return parse_message_event(event, post_type == "message_sent");
  }
  if (post_type == "meta_event") return parse_meta_event(event);
  if (post_type == "notice") return parse_notice_event(std::move(event));
  if (post_type == "request") return parse_request_event(std::move(event));
  return bad_event("unknown post_type '" + post_type.substr(0, 64) + "'");
}

Result<Frame> parse_frame(std::string_view text) {
  nlohmann::json frame = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (frame.is_discarded()) return bad_frame("not JSON: " + describe_parse_error(text));
  if (!frame.is_object())
    return bad_frame(std::string("frame is not a JSON object but ") + frame.type_name());
  if (frame.contains("post_type")) {
    auto event = parse_event(std::move(frame));
    if (!event) return event.error();
    return Frame(std::move(*event));
  }
  if (frame.contains("echo") || frame.contains("retcode")) return Frame(parse_api_response(frame));
  return bad_frame("frame has neither post_type nor echo/retcode");
}

}  // namespace picbot::onebot
