#include "bot/app/sandbox.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "bot/core/logging.h"
#include "bot/onebot/base64.h"
#include "bot/onebot/cq_codec.h"
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

Result<std::uint64_t> Sandbox::send(std::int64_t user_id, std::int64_t group_id, bool admin,
                                    std::string text) {
  if (user_id <= 0) return Error::make("bad_input", "user_id must be a positive QQ number");
  if (group_id < 0) return Error::make("bad_input", "group_id must be 0 (private chat) or a group number");
  if (text.empty()) return Error::make("bad_input", "the message is empty");
  auto event = std::make_shared<onebot::MessageEvent>();
  event->time = unix_now();
  event->self_id = kSelfId;
  event->message_id = next_message_id_++;
  event->user_id = user_id;
  event->group_id = group_id;
  event->message_type = group_id ? "group" : "private";
  event->sub_type = group_id ? "normal" : "friend";
  event->raw_message = text;
  // CQ codes typed by hand ([CQ:at,qq=100000]) work as they do from NapCat.
  auto parsed = onebot::parse_cq(text);
  event->message = parsed ? std::move(*parsed) : onebot::Message{onebot::Text{text}};
  event->sender = onebot::Sender{user_id, "sandbox-" + std::to_string(user_id), "", group_id ? "member" : ""};
  record({{"direction", "in"},
          {"user_id", user_id},
          {"group_id", group_id},
          {"admin", admin},
          {"message_id", event->message_id},
          {"segments", onebot::message_to_json(event->message)}});
  const std::uint64_t id = next_entry_ - 1;
  logger()->info("sandbox: message {} from {} in {}{}", event->message_id, user_id,
                 group_id ? "group " + std::to_string(group_id) : std::string("private chat"),
                 admin ? " (as admin)" : "");
  asio::co_spawn(executor_, handler_(std::move(event), *this, admin),
                 log::log_failure(logger(), "sandbox: handler"));
  return id;
}

json Sandbox::messages_after(std::uint64_t after) const {
  json messages = json::array();
  for (const auto& entry : entries_) {
    if (entry.id > after) messages.push_back(entry.value);
  }
  return {{"messages", std::move(messages)}};
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
    record({{"direction", "out"},
            {"action", action},
            {"user_id", params.value("user_id", std::int64_t{0})},
            {"group_id", action == "send_private_msg" ? 0 : group_id},
            {"message_id", message_id},
            {"segments", std::move(segments)}});
    co_return json{{"message_id", message_id}};
  }
  if (action == "get_login_info") co_return json{{"user_id", kSelfId}, {"nickname", "picbot sandbox"}};
  if (action == "get_msg") co_return failure(1200, "消息不存在 (the sandbox keeps no message history)");
  logger()->info("sandbox: action {} is not available in the sandbox", action);
  co_return failure(1404, action + " is not available in the sandbox");
}

}  // namespace picbot
