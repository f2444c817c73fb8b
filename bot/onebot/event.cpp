#include "bot/onebot/event.h"

#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <limits>

#include "bot/core/json_limits.h"
#include "bot/onebot/ids.h"
#include "bot/onebot/json_view.h"
#include "bot/onebot/simd_view.h"

namespace picbot::onebot {
namespace {

Error bad_event(std::string message) { return Error::make("bad_event", std::move(message)); }
Error bad_frame(std::string message) { return Error::make("bad_frame", std::move(message)); }

// Json: nlohmann::json (strings are moved out), const boost::json::value (a
// frame's arena) or SimdValue (a frame's simdjson document).
template <class Json>
Result<Event> parse_message_event(Json& event, bool self_sent) {
  MessageEvent out;
  out.self_sent = self_sent;
  out.time = field_id(event, "time");
  out.self_id = field_id(event, "self_id");
  out.message_type = take_string(event, "message_type");
  if (out.message_type.empty()) return bad_event("message event without message_type");
  out.user_id = field_id(event, "user_id");
  if (out.user_id == 0) return bad_event("message event without user_id");
  const std::int64_t group_id = field_id(event, "group_id");
  if (out.message_type == "group") {
    if (group_id == 0) return bad_event("group message event without group_id");
    out.group_id = group_id;
  } else {
    // NapCat's handleTempGroupMessage: a temp chat is private; its group_id is where it started.
    out.temp_group_id = group_id;
  }
  out.message_id = field_id(event, "message_id");
  out.sub_type = take_string(event, "sub_type");
  out.raw_message = take_string(event, "raw_message");
  out.group_name = take_string(event, "group_name");

  auto message_field = find_field(event, "message");
  if (!message_field) return bad_event("message event without message");
  auto message = parse_message(std::move(*message_field));
  if (!message) return bad_event("message event: " + message.error().message);
  out.message = std::move(*message);

  if (auto sender = find_field(event, "sender"); sender && sender->is_object()) {
    out.sender.user_id = field_id(*sender, "user_id");
    out.sender.nickname = take_string(*sender, "nickname");
    out.sender.card = take_string(*sender, "card");
    out.sender.role = take_string(*sender, "role");
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

template <class Json>
ApiResponse parse_api_response(Json& frame) {
  ApiResponse out;
  out.status = take_string(frame, "status");
  if (const auto retcode_field = find_field(frame, "retcode")) {
    const std::int64_t retcode = json_to_int(*retcode_field).value_or(0);
    const bool fits =
        retcode >= std::numeric_limits<int>::min() && retcode <= std::numeric_limits<int>::max();
    out.retcode = fits ? static_cast<int>(retcode) : -1;
  }
  if (auto data = find_field(frame, "data")) out.data = to_owned_json(*data);
  if (auto echo = find_field(frame, "echo")) out.echo = to_owned_json(*echo);
  out.message = take_string(frame, "message");
  out.wording = take_string(frame, "wording");
  out.stream = take_string(frame, "stream");
  return out;
}

// The nlohmann::json path: frames Boost.JSON refused (to report nlohmann's
// error text, or to accept what it accepts).
Result<Frame> parse_frame_dom(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed) return bad_frame("not JSON: " + parsed.error().message);
  nlohmann::json& frame = *parsed;
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

Result<Frame> parse_frame_boost(std::string_view text) {
  // One arena per frame: a NapCat message event fits the stack buffer, so the
  // parse itself allocates nothing; the typed event copies what it keeps.
  alignas(std::max_align_t) unsigned char arena[8192];
  boost::json::monotonic_resource resource(arena, sizeof arena);
  boost::system::error_code ec;
  const boost::json::value frame = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec,
                                                      &resource, bounded_json_options());
  if (ec == boost::json::error::too_deep) {
    return bad_frame("not JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (ec) return parse_frame_dom(text);
  if (!frame.is_object())
    return bad_frame(std::string("frame is not a JSON object but ") + type_name_of(frame));
  if (const auto* post_type = find_field(frame, "post_type")) {
    if (post_type->is_string() &&
        (post_type->get_string() == "message" || post_type->get_string() == "message_sent")) {
      auto event = parse_message_event(frame, post_type->get_string() == "message_sent");
      if (!event) return event.error();
      return Frame(std::move(*event));
    }
    // Meta, notice and request events are rare and keep JSON parts: one path.
    auto event = parse_event(to_nlohmann(frame));
    if (!event) return event.error();
    return Frame(std::move(*event));
  }
  if (find_field(frame, "echo") || find_field(frame, "retcode")) return Frame(parse_api_response(frame));
  return bad_frame("frame has neither post_type nor echo/retcode");
}

// Frames up to this size take simdjson's path. Its parser keeps buffers of
// about 15 times the largest document it has parsed, for the thread's
// lifetime; larger frames (download streams, forwarded histories) take the
// Boost.JSON arena, whose memory goes with the frame.
constexpr std::size_t kSimdMaxFrameBytes = 32 * 1024;

// One simdjson parser per thread, reused: after the first frames a parse
// allocates nothing. Its depth limit is kMaxJsonDepth, the same as
// bounded_json_options() (event_test checks the boundary).
struct FrameParser {
  FrameParser() : parser(kSimdMaxFrameBytes) {
    ready = parser.allocate(4096, kMaxJsonDepth) == simdjson::SUCCESS && parser.max_depth() == kMaxJsonDepth;
  }
  simdjson::dom::parser parser;
  bool ready = false;
};

// The fast path: a full, validating parse (simdjson's DOM; its on-demand API
// would leave the unread rest of a frame unchecked, and a frame broken after
// the fields dispatch reads must still be refused), then only the fields the
// typed event needs are read from the document. nullopt: the frame takes
// parse_frame_boost, which gives the error text of a frame simdjson refused
// and parses what simdjson cannot hold (integers beyond 64 bits, doubles out
// of range, which Boost.JSON keeps as doubles), and frames above
// kSimdMaxFrameBytes.
std::optional<Result<Frame>> parse_frame_simd(std::string_view text) {
  if (text.size() > kSimdMaxFrameBytes) return std::nullopt;
  thread_local FrameParser frame_parser;
  if (!frame_parser.ready) return std::nullopt;
  simdjson::dom::element root;
  // The text is copied once into the parser's padded buffer (simdjson reads
  // SIMDJSON_PADDING bytes past the end).
  if (frame_parser.parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
  if (!root.is_object())
    return bad_frame(std::string("frame is not a JSON object but ") + type_name_of(SimdValue(root)));
  const SimdObjectIndex index(root.get_object().value_unsafe());
  SimdValue frame(root, index);
  if (const auto post_type = find_field(frame, "post_type")) {
    if (post_type->is_string()) {
      const std::string_view name = post_type->element().get_string().value_unsafe();
      if (name == "message" || name == "message_sent") {
        auto event = parse_message_event(frame, name == "message_sent");
        if (!event) return Result<Frame>(event.error());
        return Result<Frame>(Frame(std::move(*event)));
      }
    }
    // Meta, notice and request events are rare and keep JSON parts: one path.
    auto event = parse_event(to_nlohmann(frame));
    if (!event) return Result<Frame>(event.error());
    return Result<Frame>(Frame(std::move(*event)));
  }
  if (find_field(frame, "echo") || find_field(frame, "retcode"))
    return Result<Frame>(Frame(parse_api_response(frame)));
  return Result<Frame>(bad_frame("frame has neither post_type nor echo/retcode"));
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
  if (auto frame = parse_frame_simd(text)) return std::move(*frame);
  return parse_frame_boost(text);
}

}  // namespace picbot::onebot
