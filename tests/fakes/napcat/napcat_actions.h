// NapCatActions: the OneBot v11 actions the fake NapCat answers, and the
// messages it remembers for get_msg. Transport-free, so new actions (e.g.
// upload_file_stream) are added here without touching WebSocket code.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picbot::testing {

// One frame the bot sent, as the fake parsed it. `action` is empty and
// `params`/`echo` null when the frame was not a JSON object with an action.
struct ApiCall {
  int conn = 0;
  std::string action;
  nlohmann::json params;
  nlohmann::json echo;
  std::string raw;
  std::int64_t self_id = 0;  // the account of the connection it came on
};

// How the fake answers one call. retcode 0 answers status "ok" with `data`;
// anything else answers status "failed", data null. `wording` empty means the
// same as `message`. With `stream_frames`, one stream-action frame per entry
// (its data) goes out first, then the final response, also marked
// stream-action, as NapCat does for streamed actions.
struct ApiReply {
  int retcode = 0;
  nlohmann::json data;
  std::string message;
  std::string wording;
  std::chrono::milliseconds delay{0};
  bool no_reply = false;
  // The default action runs (a message is posted and kept for get_msg and
  // the history) but no answer is sent: NapCat did the work, the answer was lost.
  bool posted_without_answer = false;
  std::vector<nlohmann::json> stream_frames;

  static ApiReply ok(nlohmann::json data);
  static ApiReply failed(int retcode, std::string message);
};

// Called on the fake's network thread; must not block on the fake itself
// (FakeNapCat::connect or waits). Exceptions become retcode 1200.
using ApiHandler = std::function<ApiReply(const ApiCall&)>;

// NapCat's retcodes.
inline constexpr int kRetcodeOk = 0;
inline constexpr int kRetcodeFailed = 1200;
inline constexpr int kRetcodeBadParams = 1400;
inline constexpr int kRetcodeBadToken = 1403;
inline constexpr int kRetcodeUnknownAction = 1404;

// Thread-safe.
class NapCatActions {
 public:
  // Installs the default actions: send_group_msg, send_private_msg, send_msg
  // ({message_id}, params validated like NapCat: a missing target or message
  // is 1400, an empty message or an unreadable media file 1200), get_msg (a
  // remembered message or 1200 "消息不存在"), get_login_info,
  // upload_file_stream (see upload_file_stream()), and get_group_msg_history /
  // get_friend_msg_history (see history()).
  NapCatActions();

  // Answers `action` with `handler` instead of the default; a null handler
  // restores the default (or "unknown action").
  void set_handler(const std::string& action, ApiHandler handler);

  // The reply for `call`: its handler's answer, 1404 for an unknown action.
  ApiReply handle(const ApiCall& call) const;

  // Message ids, increasing, shared by events and sent messages.
  std::int64_t next_message_id();
  // Remembers a message event (message as an array) for get_msg.
  void remember(std::int64_t message_id, nlohmann::json message_event);
  std::optional<nlohmann::json> message(std::int64_t message_id) const;
  // Forgets every message, as a NapCat restart does.
  void forget_messages();

  // Where completed stream uploads are written.
  static std::filesystem::path stream_directory();

 private:
  // One upload_file_stream upload in progress.
  struct UploadStream {
    std::map<std::int64_t, std::string> chunks;  // decoded, by chunk_index
    std::int64_t total_chunks = 0;
    std::int64_t file_size = 0;
    std::string expected_sha256;  // lower-case hex; "" = not checked
    std::string filename;
  };

  ApiReply send_message(const ApiCall& call, const std::string& message_type);
  // {group_id | user_id, message_seq?, count? (20)}: the chat's remembered
  // messages with ids up to message_seq (0 or absent: the newest), the last
  // `count`, oldest first, as {messages}. Images the bot sent appear as QQ
  // stores them: file "<MD5>.png", a multimedia url, file_size.
  ApiReply history(const ApiCall& call, const std::string& message_type);
  // NapCat's stream upload: a chunk ({stream_id, chunk_data (base64),
  // chunk_index, total_chunks, file_size, expected_sha256?, filename?}) is
  // kept and answered {type:"stream", status:"chunk_received",
  // received_chunks, total_chunks}; {stream_id, is_complete:true} checks that
  // every chunk arrived and the size and sha256 match (1200 otherwise),
  // writes the file under stream_directory() and answers {type:"response",
  // status:"file_complete", file_path, file_size, sha256}.
  ApiReply upload_file_stream(const ApiCall& call);
  ApiReply complete_upload(const std::string& stream_id);

  mutable std::mutex mu_;
  std::map<std::string, ApiHandler> defaults_;       // set once in the constructor
  std::map<std::string, ApiHandler> overrides_;      // guarded by mu_
  std::map<std::int64_t, nlohmann::json> messages_;  // guarded by mu_
  std::int64_t last_message_id_ = 1000;              // guarded by mu_
  std::map<std::string, UploadStream> streams_;      // by stream_id; guarded by mu_
};

// Whether NapCat's action declares useStream (OneBotAction.useStream, set by
// UploadFileStream, DownloadFileStream, DownloadFileImageStream,
// DownloadFileRecordStream and TestStreamDownload in
// packages/napcat-onebot/action/stream/). Every answer to such an action is
// marked "stream-action" (one frame per upload_file_stream call, whatever its
// data.type), and a failure carries data {type:"error", data_type:"error"}
// (OB11Response.error in action/OneBotAction.ts).
bool uses_stream(std::string_view action);

// Reads an id given as a number or a numeric string (NapCat is lenient).
std::optional<std::int64_t> json_id(const nlohmann::json& value);

// A predicate for FakeNapCat::wait_for_call: calls of `action`.
inline std::function<bool(const ApiCall&)> action_is(std::string action) {
  return [action = std::move(action)](const ApiCall& call) { return call.action == action; };
}

}  // namespace picbot::testing
