#include "tests/fakes/napcat/napcat_actions.h"

#include <openssl/evp.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/fakes/napcat/cq_encode.h"

namespace picbot::testing {
namespace {

using nlohmann::json;

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// NapCat takes a single segment or a plain string too; nullopt if unusable.
std::optional<json> normalize_message(const json& message) {
  if (message.is_array()) return message;
  if (message.is_object()) return json::array({message});
  if (message.is_string()) return json::array({{{"type", "text"}, {"data", {{"text", message}}}}});
  return std::nullopt;
}

// NapCat reads data.url, data.file or data.path, the first non-empty one, and
// fails with 识别URL失败 unless it can fetch it.
bool media_source_readable(const json& data) {
  std::string source;
  for (const char* key : {"url", "file", "path"}) {
    if (data.is_object() && data.contains(key) && data[key].is_string() &&
        !data[key].get<std::string>().empty()) {
      source = data[key].get<std::string>();
      break;
    }
  }
  if (source.empty()) return false;
  if (starts_with(source, "http://") || starts_with(source, "https://")) return true;
  if (starts_with(source, "base64://")) return source.size() > 9;
  if (starts_with(source, "data:")) return source.find(";base64,") != std::string::npos;
  if (starts_with(source, "file://")) source = source.substr(7);
  std::error_code ec;
  return std::filesystem::is_regular_file(source, ec);
}

bool is_media(const std::string& type) {
  return type == "image" || type == "record" || type == "video" || type == "file";
}

// Padded base64 (OpenSSL's decoder); nullopt for anything else.
std::optional<std::string> decode_base64(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '=' && padding < 2; ++it) ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string hex_digest(const std::string& bytes, const EVP_MD* algorithm, bool upper) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, algorithm, nullptr);
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(digits[digest[i] >> 4]);
    hex.push_back(digits[digest[i] & 0x0F]);
  }
  return hex;
}

std::string sha256_hex(const std::string& bytes) { return hex_digest(bytes, EVP_sha256(), false); }

// The bytes an image segment the bot sent stands for: base64:// data or a
// local file; nullopt for a URL (the fake fetches nothing).
std::optional<std::string> image_bytes(const json& data) {
  const std::string file = data.is_object() ? data.value("file", "") : "";
  if (starts_with(file, "base64://")) return decode_base64(file.substr(9));
  if (starts_with(file, "http://") || starts_with(file, "https://") || file.empty()) return std::nullopt;
  std::ifstream in(starts_with(file, "file://") ? file.substr(7) : file, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A sent image as QQ stores it and NapCat's history shows it: named by the
// upper-case MD5 of its bytes, with a multimedia URL and the byte size.
json as_stored_image(const json& segment) {
  const std::optional<std::string> bytes = image_bytes(segment.value("data", json()));
  if (!bytes) return segment;
  const bool jpeg = bytes->rfind("\xFF\xD8", 0) == 0;
  const std::string md5 = hex_digest(*bytes, EVP_md5(), true);
  return {{"type", "image"},
          {"data",
           {{"file", md5 + (jpeg ? ".jpg" : ".png")},
            {"subType", 0},
            {"url", "https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=fake-" + md5},
            {"file_size", std::to_string(bytes->size())}}}};
}

// Replaces all but [A-Za-z0-9._-] in a client-chosen name, so it cannot leave the directory.
std::string safe_file_name(const std::string& name) {
  std::string safe;
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    safe.push_back(keep ? c : '_');
  }
  if (safe.empty() || safe.find_first_not_of('.') == std::string::npos) safe = "upload.bin";
  return safe;
}

std::optional<std::int64_t> int_param(const json& params, const char* key) {
  if (!params.contains(key)) return std::nullopt;
  return json_id(params[key]);
}

}  // namespace

ApiReply ApiReply::ok(nlohmann::json data) {
  ApiReply reply;
  reply.data = std::move(data);
  return reply;
}

ApiReply ApiReply::failed(int retcode, std::string message) {
  ApiReply reply;
  reply.retcode = retcode;
  reply.message = std::move(message);
  return reply;
}

std::optional<std::int64_t> json_id(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoll(s);
  }
  return std::nullopt;
}

NapCatActions::NapCatActions() {
  defaults_["send_group_msg"] = [this](const ApiCall& call) { return send_message(call, "group"); };
  defaults_["send_private_msg"] = [this](const ApiCall& call) { return send_message(call, "private"); };
  defaults_["send_msg"] = [this](const ApiCall& call) {
    const json& params = call.params;
    std::string type = params.is_object() ? params.value("message_type", "") : "";
    if (type.empty() && params.is_object()) type = params.contains("group_id") ? "group" : "private";
    if (type != "group" && type != "private") {
      return ApiReply::failed(kRetcodeBadParams, "message_type 必须为 group 或 private");
    }
    return send_message(call, type);
  };
  defaults_["get_msg"] = [this](const ApiCall& call) {
    const auto id = call.params.is_object() && call.params.contains("message_id")
                        ? json_id(call.params["message_id"])
                        : std::nullopt;
    if (!id) return ApiReply::failed(kRetcodeBadParams, "参数 message_id 缺失或无效");
    auto stored = message(*id);
    if (!stored) return ApiReply::failed(kRetcodeFailed, "消息不存在");
    return ApiReply::ok(std::move(*stored));
  };
  defaults_["get_login_info"] = [](const ApiCall& call) {
    return ApiReply::ok({{"user_id", call.self_id}, {"nickname", "fakebot"}});
  };
  defaults_["upload_file_stream"] = [this](const ApiCall& call) { return upload_file_stream(call); };
  defaults_["get_group_msg_history"] = [this](const ApiCall& call) { return history(call, "group"); };
  defaults_["get_friend_msg_history"] = [this](const ApiCall& call) { return history(call, "private"); };
}

ApiReply NapCatActions::history(const ApiCall& call, const std::string& message_type) {
  const json& params = call.params;
  const char* peer_key = message_type == "group" ? "group_id" : "user_id";
  const auto peer = params.is_object() ? int_param(params, peer_key) : std::nullopt;
  if (!peer) return ApiReply::failed(kRetcodeBadParams, std::string("参数 ") + peer_key + " 缺失或无效");
  const std::int64_t count = params.is_object() ? int_param(params, "count").value_or(20) : 20;
  const std::int64_t before = params.is_object() ? int_param(params, "message_seq").value_or(0) : 0;
  std::vector<json> page;
  {
    std::lock_guard lock(mu_);
    for (auto it = messages_.rbegin();
         it != messages_.rend() && static_cast<std::int64_t>(page.size()) < count; ++it) {
      const json& m = it->second;
      if (before > 0 && it->first > before) continue;
      if (m.value("message_type", "") != message_type) continue;
      const bool in_chat = message_type == "group" ? json_id(m.value("group_id", json())) == peer
                                                   : json_id(m.value("user_id", json())) == peer ||
                                                         json_id(m.value("target_id", json())) == peer;
      if (in_chat) page.push_back(m);
    }
  }
  json messages = json::array();  // oldest first, as NapCat answers
  for (auto it = page.rbegin(); it != page.rend(); ++it) {
    json m = std::move(*it);
    if (m.value("post_type", "") == "message_sent") {
      for (json& segment : m["message"]) {
        if (segment.value("type", "") == "image") segment = as_stored_image(segment);
      }
      m["raw_message"] = to_cq_string(m["message"]);
    }
    messages.push_back(std::move(m));
  }
  return ApiReply::ok({{"messages", std::move(messages)}});
}

bool uses_stream(std::string_view action) {
  return action == "upload_file_stream" || action == "download_file_stream" ||
         action == "download_file_image_stream" || action == "download_file_record_stream" ||
         action == "test_download_stream";
}

std::filesystem::path NapCatActions::stream_directory() {
  return std::filesystem::temp_directory_path() / "fake-napcat-streams";
}

ApiReply NapCatActions::upload_file_stream(const ApiCall& call) {
  const json& params = call.params;
  if (!params.is_object() || !params.contains("stream_id") || !params["stream_id"].is_string() ||
      params["stream_id"].get_ref<const std::string&>().empty()) {
    return ApiReply::failed(kRetcodeBadParams, "参数 stream_id 缺失或无效");
  }
  const std::string stream_id = params["stream_id"].get<std::string>();
  if (params.value("is_complete", false)) return complete_upload(stream_id);

  const auto index = int_param(params, "chunk_index");
  const auto total = int_param(params, "total_chunks");
  const auto size = int_param(params, "file_size");
  if (!index || !total || !size || *total <= 0 || *index < 0 || *index >= *total || *size < 0 ||
      !params.contains("chunk_data") || !params["chunk_data"].is_string()) {
    return ApiReply::failed(kRetcodeBadParams, "分片参数缺失或无效");
  }
  auto chunk = decode_base64(params["chunk_data"].get<std::string>());
  if (!chunk) return ApiReply::failed(kRetcodeBadParams, "chunk_data 不是有效的 base64");

  std::lock_guard lock(mu_);
  UploadStream& stream = streams_[stream_id];
  if (stream.chunks.empty()) {
    stream.total_chunks = *total;
    stream.file_size = *size;
    stream.expected_sha256 = params.value("expected_sha256", "");
    stream.filename = params.value("filename", "");
  } else if (stream.total_chunks != *total || stream.file_size != *size) {
    return ApiReply::failed(kRetcodeFailed, "分片参数与流不一致");
  }
  stream.chunks[*index] = std::move(*chunk);
  return ApiReply::ok({{"type", "stream"},
                       {"status", "chunk_received"},
                       {"received_chunks", stream.chunks.size()},
                       {"total_chunks", stream.total_chunks}});
}

ApiReply NapCatActions::complete_upload(const std::string& stream_id) {
  UploadStream stream;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end()) return ApiReply::failed(kRetcodeFailed, "流 " + stream_id + " 不存在");
    stream = std::move(it->second);
    streams_.erase(it);
  }
  if (static_cast<std::int64_t>(stream.chunks.size()) != stream.total_chunks) {
    return ApiReply::failed(kRetcodeFailed, "分片不完整: 收到 " + std::to_string(stream.chunks.size()) + "/" +
                                                std::to_string(stream.total_chunks));
  }
  std::string bytes;
  for (auto& [index, chunk] : stream.chunks) bytes += chunk;
  if (static_cast<std::int64_t>(bytes.size()) != stream.file_size) {
    return ApiReply::failed(kRetcodeFailed, "文件大小不匹配: 期望 " + std::to_string(stream.file_size) +
                                                ", 实际 " + std::to_string(bytes.size()));
  }
  const std::string sha256 = sha256_hex(bytes);
  if (!stream.expected_sha256.empty() && stream.expected_sha256 != sha256) {
    return ApiReply::failed(kRetcodeFailed, "SHA256 校验失败");
  }
  std::error_code ec;
  std::filesystem::create_directories(stream_directory(), ec);
  const auto path = stream_directory() / safe_file_name(stream_id + "_" + stream.filename);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return ApiReply::failed(kRetcodeFailed, "写入文件失败: " + path.string());
  return ApiReply::ok({{"type", "response"},
                       {"status", "file_complete"},
                       {"file_path", path.string()},
                       {"file_size", bytes.size()},
                       {"sha256", sha256}});
}

void NapCatActions::set_handler(const std::string& action, ApiHandler handler) {
  std::lock_guard lock(mu_);
  if (handler) {
    overrides_[action] = std::move(handler);
  } else {
    overrides_.erase(action);
  }
}

ApiReply NapCatActions::handle(const ApiCall& call) const {
  ApiHandler handler;
  {
    std::lock_guard lock(mu_);
    if (auto it = overrides_.find(call.action); it != overrides_.end()) handler = it->second;
  }
  if (!handler) {
    if (auto it = defaults_.find(call.action); it != defaults_.end()) handler = it->second;
  }
  if (!handler) return ApiReply::failed(kRetcodeUnknownAction, "不支持的API " + call.action);
  try {
    ApiReply reply = handler(call);
    if (reply.posted_without_answer) {
      if (auto it = defaults_.find(call.action); it != defaults_.end()) (void)it->second(call);
      reply.no_reply = true;
    }
    return reply;
  } catch (const std::exception& e) {
    return ApiReply::failed(kRetcodeFailed, e.what());
  }
}

std::int64_t NapCatActions::next_message_id() {
  std::lock_guard lock(mu_);
  return ++last_message_id_;
}

void NapCatActions::remember(std::int64_t message_id, nlohmann::json message_event) {
  std::lock_guard lock(mu_);
  messages_[message_id] = std::move(message_event);
}

std::optional<nlohmann::json> NapCatActions::message(std::int64_t message_id) const {
  std::lock_guard lock(mu_);
  auto it = messages_.find(message_id);
  if (it == messages_.end()) return std::nullopt;
  return it->second;
}

void NapCatActions::forget_messages() {
  std::lock_guard lock(mu_);
  messages_.clear();
}

ApiReply NapCatActions::send_message(const ApiCall& call, const std::string& message_type) {
  const json& params = call.params;
  const char* target_key = message_type == "group" ? "group_id" : "user_id";
  const auto target =
      params.is_object() && params.contains(target_key) ? json_id(params[target_key]) : std::nullopt;
  if (!target) return ApiReply::failed(kRetcodeBadParams, std::string("参数 ") + target_key + " 缺失或无效");
  const auto message =
      params.is_object() && params.contains("message") ? normalize_message(params["message"]) : std::nullopt;
  if (!message) return ApiReply::failed(kRetcodeBadParams, "参数 message 缺失或无效");
  if (message->empty())
    return ApiReply::failed(kRetcodeFailed, "消息体无法解析, 请检查是否发送了不支持的消息类型");
  for (const auto& segment : *message) {
    if (!segment.is_object() || !segment.contains("type") || !segment["type"].is_string()) {
      return ApiReply::failed(kRetcodeFailed, "消息体无法解析, 请检查是否发送了不支持的消息类型");
    }
    if (is_media(segment["type"].get<std::string>()) &&
        !media_source_readable(segment.value("data", json()))) {
      return ApiReply::failed(kRetcodeFailed, "识别URL失败");
    }
  }

  const std::int64_t id = next_message_id();
  json sent = {{"time", unix_seconds()},
               {"self_id", call.self_id},
               {"post_type", "message_sent"},
               {"message_type", message_type},
               {"sub_type", message_type == "group" ? "normal" : "friend"},
               {"message_id", id},
               {"message_seq", id},
               {"real_id", id},
               {"user_id", call.self_id},
               {"message", *message},
               {"raw_message", to_cq_string(*message)},
               {"font", 14},
               {"message_format", "array"},
               {"sender", {{"user_id", call.self_id}, {"nickname", "fakebot"}, {"card", ""}}}};
  if (message_type == "group") {
    sent["group_id"] = *target;
    sent["sender"]["role"] = "member";
  } else {
    sent["target_id"] = *target;
    // send_private_msg with a group_id opens a temp chat through that group
    // (createContext in action/msg/SendMsg.ts); NapCat reports it as
    // handleTempGroupMessage does.
    if (const auto via = params.contains("group_id") ? json_id(params["group_id"]) : std::nullopt) {
      sent["sub_type"] = "group";
      sent["group_id"] = *via;
    }
  }
  remember(id, std::move(sent));
  return ApiReply::ok({{"message_id", id}});
}

}  // namespace picbot::testing
