#include "bot/app/sandbox.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/text.h"
#include "bot/onebot/base64.h"
#include "bot/onebot/cq_codec.h"
#include "bot/onebot/ids.h"
#include "bot/onebot/message.h"

namespace picbot {
namespace asio = boost::asio;
using nlohmann::json;

namespace {
auto logger() {
  static auto l = log::get("sandbox");
  return l;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The MIME type of base64 image data, from its first characters.
std::string_view image_mime(std::string_view base64) {
  if (base64.starts_with("iVBOR")) return "image/png";
  if (base64.starts_with("/9j/")) return "image/jpeg";
  if (base64.starts_with("UklGR")) return "image/webp";
  if (base64.starts_with("R0lGOD")) return "image/gif";
  return "application/octet-stream";
}

bool is_base64(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
  });
}

// A QQ number given as a JSON number or a string of digits. A missing, null
// or empty optional one is 0.
Result<std::int64_t> id_field(const json& body, const char* name, bool optional) {
  const auto found = body.find(name);
  const bool empty = found == body.end() || found->is_null() ||
                     (found->is_string() && found->get_ref<const std::string&>().empty());
  if (empty) {
    if (optional) return std::int64_t{0};
    return Error::bad_request(std::string(name) + " is missing");
  }
  std::int64_t value = 0;
  if (found->is_number_integer()) return found->get<std::int64_t>();
  if (found->is_string()) {
    const std::string text(trim(found->get_ref<const std::string&>()));
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool digits =
        !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && ec == std::errc() && end == text.data() + text.size()) return value;
  }
  return Error::bad_request(std::string(name) + " must be a QQ number (digits only), not " +
                            log::truncate(found->dump(), 40));
}

// raw_message as NapCat writes it: CQ codes, with an image's file shortened
// (a base64 image would be megabytes of text).
std::string raw_message(onebot::Message message) {
  for (auto& segment : message) {
    if (auto* image = std::get_if<onebot::Image>(&segment); image && image->file.starts_with("base64://"))
      image->file = "sandbox-image";
  }
  return onebot::to_cq(message);
}

onebot::ApiError failure(int retcode, std::string message) {
  return onebot::ApiError{onebot::ApiError::Kind::kFailed, retcode, std::move(message), {}};
}
}  // namespace

Sandbox::Sandbox(asio::any_io_executor executor, WorkerPool& workers, Handler handler)
    : executor_(std::move(executor)), workers_(workers), handler_(std::move(handler)) {}

void Sandbox::record(json entry) {
  const std::uint64_t id = next_entry_++;
  entry["id"] = id;
  entry["time"] = unix_now();
  entries_.push_back(Entry{id, std::move(entry)});
  while (entries_.size() > kMaxEntries) entries_.pop_front();
}

Result<Sandbox::Input> Sandbox::Input::from_json(const json& body) {
  if (!body.is_object()) return Error::make("bad_input", "expected a JSON object");
  Input input;
  auto user = id_field(body, "user_id", false);
  if (!user) return Error::make("bad_user_id", user.error().message);
  input.user_id = *user;
  auto group = id_field(body, "group_id", true);
  if (!group) return Error::make("bad_group_id", group.error().message);
  input.group_id = *group;
  if (body.contains("reply_to") && !body["reply_to"].is_null()) {
    auto reply = id_field(body, "reply_to", false);
    if (!reply) return Error::make("bad_input", reply.error().message);
    input.reply_to = *reply;
  }
  const json admin = body.value("admin", json(false));
  if (!admin.is_boolean()) return Error::make("bad_input", "admin must be true or false");
  input.admin = admin.get<bool>();
  const json text = body.value("text", json(""));
  if (!text.is_string()) return Error::make("bad_input", "text must be a string");
  input.text = text.get<std::string>();
  const json image = body.value("image", json(""));
  if (!image.is_string()) return Error::make("bad_input", "image must be base64 or a data: URL");
  std::string_view data = image.get_ref<const std::string&>();
  if (data.starts_with("data:")) {
    const auto comma = data.find(',');
    if (comma == std::string_view::npos || data.substr(0, comma).find(";base64") == std::string_view::npos)
      return Error::make("bad_input", "image: expected a base64 data: URL");
    data.remove_prefix(comma + 1);
  }
  if (!is_base64(data)) return Error::make("bad_input", "image: not base64");
  input.image_base64 = std::string(data);
  return input;
}

Result<std::uint64_t> Sandbox::send(Input input) {
  if (input.user_id <= 0) return Error::make("bad_input", "user_id must be a positive QQ number");
  if (input.group_id < 0)
    return Error::make("bad_input", "group_id must be 0 (private chat) or a group number");
  if (input.text.empty() && input.image_base64.empty())
    return Error::make("bad_input", "the message is empty");
  if (input.reply_to && find_message(*input.reply_to) == nullptr) {
    return Error::make("bad_input",
                       "no message " + std::to_string(*input.reply_to) + " in the sandbox to quote");
  }
  onebot::Message message;
  if (input.reply_to) message.push_back(onebot::Reply{std::to_string(*input.reply_to), std::nullopt});
  if (!input.text.empty()) {
    // CQ codes typed by hand ([CQ:at,qq=100000]) work as they do from NapCat.
    auto parsed = onebot::parse_cq(input.text);
    if (parsed) {
      for (auto& segment : *parsed) message.push_back(std::move(segment));
    } else {
      message.push_back(onebot::Text{input.text});
    }
  }
  // NapCat sends an http url; base64:// is what the reference-image code
  // decodes without a download.
  if (!input.image_base64.empty()) message.push_back(onebot::Image{.file = "base64://" + input.image_base64});

  const std::int64_t user_id = input.user_id;
  const std::int64_t group_id = input.group_id;
  auto event = std::make_shared<onebot::MessageEvent>();
  event->time = unix_now();
  event->self_id = kSelfId;
  event->message_id = next_message_id_++;
  event->user_id = user_id;
  event->group_id = group_id;
  event->message_type = group_id ? "group" : "private";
  event->sub_type = group_id ? "normal" : "friend";
  event->raw_message = raw_message(message);
  event->message = std::move(message);
  event->sender = onebot::Sender{user_id, "sandbox-" + std::to_string(user_id), "", group_id ? "member" : ""};
  json segments = onebot::message_to_json(event->message);
  for (auto& seg : segments) {
    if (seg.value("type", "") != "image") continue;
    const std::string payload = seg["data"].value("file", "").substr(9);  // after "base64://"
    seg["data"] = {{"src", "data:" + std::string(image_mime(payload)) + ";base64," + payload}};
  }
  record({{"direction", "in"},
          {"user_id", user_id},
          {"group_id", group_id},
          {"admin", input.admin},
          {"message_id", event->message_id},
          {"segments", std::move(segments)}});
  const std::uint64_t id = next_entry_ - 1;
  const std::string chat = group_id ? log::text("log.sandbox_in_group", fmt::arg("group", group_id))
                                    : log::text("log.sandbox_in_private");
  const std::string as_admin = input.admin ? log::text("log.sandbox_as_admin") : std::string();
  logger()->info(
      "{}", log::text("log.sandbox_message", fmt::arg("id", event->message_id), fmt::arg("user", user_id),
                      fmt::arg("chat", chat), fmt::arg("admin", as_admin)));
  asio::co_spawn(executor_, handle(std::move(event), input.admin),
                 log::log_failure(logger(), "log.what_sandbox_handler"));
  return id;
}

asio::awaitable<void> Sandbox::handle(std::shared_ptr<const onebot::MessageEvent> event, bool admin) {
  const std::uint64_t replies_before = replies_sent_;
  const std::int64_t message_id = event->message_id;
  std::string silence = co_await handler_(std::move(event), *this, admin);
  // Replies of another message handled meanwhile count too: then no note.
  if (replies_sent_ != replies_before) co_return;
  if (silence.empty()) silence = "console.sandbox.no_reply";
  record({{"direction", "note"}, {"message_id", message_id}, {"label", std::move(silence)}});
}

const json* Sandbox::find_message(std::int64_t message_id) const {
  for (const auto& entry : entries_) {
    const json& value = entry.value;
    if (value.value("direction", "") != "note" && value.value("message_id", std::int64_t{0}) == message_id)
      return &value;
  }
  return nullptr;
}

// The shape of NapCat's GetMsg answer (packages/napcat-onebot/action/msg/
// GetMsg.ts): time, message_type, message_id = real_id = message_seq,
// sender, message (array form), raw_message, font, group_id, user_id.
json Sandbox::get_msg_answer(const json& entry) const {
  const bool out = entry.value("direction", "") == "out";
  const std::int64_t message_id = entry.value("message_id", std::int64_t{0});
  const std::int64_t group_id = entry.value("group_id", std::int64_t{0});
  const std::int64_t sender_id = out ? kSelfId : entry.value("user_id", std::int64_t{0});
  json segments = entry.value("segments", json::array());
  for (auto& seg : segments) {
    if (seg.value("type", "") != "image") continue;
    // Back from the page's data: URL to what NapCat gives: a file and a url.
    const std::string src = seg["data"].value("src", "");
    const auto comma = src.find(";base64,");
    const std::string file =
        src.starts_with("data:") && comma != std::string::npos ? "base64://" + src.substr(comma + 8) : src;
    seg["data"] = {{"file", file}, {"url", file.starts_with("base64://") ? "" : file}};
  }
  auto message = onebot::parse_message(segments);
  json answer{{"time", entry.value("time", std::int64_t{0})},
              {"message_type", group_id ? "group" : "private"},
              {"message_id", message_id},
              {"real_id", message_id},
              {"message_seq", message_id},
              {"sender",
               {{"user_id", sender_id},
                {"nickname", out ? "picbot sandbox" : "sandbox-" + std::to_string(sender_id)}}},
              {"message", segments},
              {"raw_message", message ? raw_message(*message) : std::string()},
              {"font", 14},
              {"user_id", sender_id}};
  if (group_id) answer["group_id"] = group_id;
  return answer;
}

json Sandbox::messages_after(std::uint64_t after) const {
  json messages = json::array();
  for (const auto& entry : entries_) {
    if (entry.id > after) messages.push_back(entry.value);
  }
  return {{"self_id", kSelfId}, {"messages", std::move(messages)}};
}

asio::awaitable<json> Sandbox::displayable(json segments) {
  for (auto& seg : segments) {
    if (seg.value("type", "") != "image" || !seg.contains("data")) continue;
    json& data = seg["data"];
    const std::string file = data.value("file", data.value("url", ""));
    if (file.starts_with("base64://")) {
      const std::string_view payload = std::string_view(file).substr(9);
      data = {{"src", "data:" + std::string(image_mime(payload)) + ";base64," + std::string(payload)}};
    } else if (file.starts_with("file://") || file.starts_with("/")) {
      const std::string path = file.starts_with("file://") ? file.substr(7) : file;
      auto read = [path] {
        std::ifstream in(path, std::ios::binary);
        std::stringstream content;
        content << in.rdbuf();
        return content.str();
      };
      std::string bytes = co_await workers_.run(read);
      const std::string encoded = onebot::base64_encode(bytes);
      data = {{"src", "data:" + std::string(image_mime(encoded)) + ";base64," + encoded}};
    } else {
      data = {{"src", file}};  // http(s) URLs, e.g. picbot's own /images/<id>
    }
  }
  co_return segments;
}

asio::awaitable<onebot::ApiResult> Sandbox::call(std::int64_t self_id, std::string action, json params,
                                                 onebot::CallOptions options) {
  if (action == "send_msg" || action == "send_group_msg" || action == "send_private_msg") {
    auto message = onebot::parse_message(params.contains("message") ? params["message"] : json());
    if (!message) co_return failure(1400, "bad message: " + message.error().message);
    const std::int64_t group_id = params.value("group_id", std::int64_t{0});
    const std::int64_t message_id = next_message_id_++;
    json raw = onebot::message_to_json(std::move(*message));
    json segments = co_await displayable(std::move(raw));
    ++replies_sent_;
    record({{"direction", "out"},
            {"action", action},
            {"user_id", params.value("user_id", std::int64_t{0})},
            {"group_id", action == "send_private_msg" ? 0 : group_id},
            {"message_id", message_id},
            {"segments", std::move(segments)}});
    co_return json{{"message_id", message_id}};
  }
  if (action == "get_login_info") co_return json{{"user_id", kSelfId}, {"nickname", "picbot sandbox"}};
  if (action == "get_msg") {
    const json id = params.value("message_id", json());
    auto message_id = onebot::json_to_int(id);
    const json* entry = message_id ? find_message(*message_id) : nullptr;
    // NapCat fails with "消息不存在" for an unknown id (GetMsg.ts).
    if (entry == nullptr) co_return failure(1200, "消息不存在");
    co_return get_msg_answer(*entry);
  }
  logger()->info("{}", log::text("log.sandbox_action_unavailable", fmt::arg("action", action)));
  co_return failure(1404, action + " is not available in the sandbox");
}

}  // namespace picbot
