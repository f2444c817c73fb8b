// FakeNapCat: a loopback stand-in for NapCat's OneBot v11 WebSocket side,
// used to drive the real picbot binary in integration tests. It speaks the
// wire format in shared/notes/onebot-napcat.md: forward mode (the fake is the
// server) and reverse mode (the fake connects to the bot), lifecycle and
// heartbeat events, NapCat-shaped API responses, several accounts at once.
//
// Thread-safety: every public method may be called from any thread except the
// fake's own network thread (i.e. not from inside an ApiHandler). Methods that
// send only queue the frame; frames to one connection go out in call order.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/result.h"
#include "tests/fakes/napcat/napcat_actions.h"

namespace picbot::testing {

// Why a reverse connect failed. http_status is the refused upgrade's status
// (e.g. 401), or 0 when no HTTP answer came (refused TCP, timeout, ...).
struct ConnectError {
  int http_status = 0;
  std::string message;
};
using ConnectResult = picbot::Result<int, ConnectError>;

class FakeNapCat {
 public:
  struct Options {
    std::string token;             // forward mode: what the bot must present ("" = none)
    std::int64_t self_id = 10001;  // forward mode account
    int heartbeat_interval_ms = 30000;
    bool send_lifecycle = true;
    bool send_heartbeats = false;
    bool message_as_cq_string = false;  // messagePostFormat "string"
  };

  // Starts the network thread. Nothing listens until listen().
  explicit FakeNapCat(Options options);
  FakeNapCat();
  // Drops every connection (no close frame) and joins the network thread.
  ~FakeNapCat();
  FakeNapCat(const FakeNapCat&) = delete;
  FakeNapCat& operator=(const FakeNapCat&) = delete;

  // ---- Connections ------------------------------------------------------
  // Forward mode: listens on 127.0.0.1:<returned port> and accepts WebSocket
  // upgrades on any path; "/api" connections get no events, others ("/",
  // "/event") get events too. Token: "?access_token=" or "Authorization:
  // Bearer". A wrong token gets the upgrade, one 1403 frame, then a close
  // (no status code). Calling it again returns the same port.
  std::uint16_t listen();

  // Reverse mode: connects to ws://127.0.0.1:port<path> as NapCat account
  // `self_id`, with NapCat's headers. Returns the connection id, or why the
  // connection failed. Waits at most about 10 s.
  ConnectResult connect(std::uint16_t port, std::string path, std::int64_t self_id, std::string token);

  // Open connections (upgrade done, not closed), and their ids in order.
  std::size_t connection_count() const;
  std::vector<int> connection_ids() const;
  // Waits until at least n connections are open.
  bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout);
  // Forward mode: headers (names lowercased) and target of the last upgrade
  // request, accepted or not.
  std::map<std::string, std::string> last_upgrade_headers() const;
  std::string last_upgrade_target() const;
  // Forward mode: upgrades answered with 1403.
  std::size_t auth_failure_count() const;

  // Abrupt TCP close (FIN, no close frame), after frames already queued.
  void drop(int conn);
  // Clean WebSocket close with `code`, after frames already queued.
  void close(int conn, int code = 1000);
  // Waits until `conn` is closed. Returns the close code the BOT sent (1005
  // for a close frame without code), -1 if the bot dropped TCP without a close
  // frame; nullopt at the deadline or if the fake closed it itself.
  std::optional<int> wait_for_peer_close(int conn, std::chrono::milliseconds timeout);

  // ---- Events (fake -> bot) ---------------------------------------------
  // A group message event in NapCat's full shape. `message` is an array of
  // segments, one segment, or a string taken as plain text; it is sent as a
  // CQ string when Options::message_as_cq_string. Returns its message_id;
  // get_msg can fetch it afterwards.
  std::int64_t send_group_message(int conn, std::int64_t group_id, std::int64_t user_id,
                                  nlohmann::json message, std::string nickname = "tester",
                                  std::string role = "member");
  // A private (sub_type "friend") message event; see send_group_message.
  std::int64_t send_private_message(int conn, std::int64_t user_id, nlohmann::json message,
                                    std::string nickname = "tester");
  // A temp chat message started from group_id, shaped as NapCat's
  // handleTempGroupMessage (packages/napcat-onebot/api/msg.ts) sends it:
  // message_type "private", sub_type "group", group_id set, temp_source 0.
  std::int64_t send_temp_message(int conn, std::int64_t group_id, std::int64_t user_id,
                                 nlohmann::json message, std::string nickname = "临时会话");
  // Any event object, sent as is (notices, requests, ...).
  void send_event(int conn, const nlohmann::json& event);
  // One text frame exactly as given (malformed frames included).
  void send_raw(int conn, std::string frame);
  void send_heartbeat(int conn);

  // ---- API (bot -> fake) ------------------------------------------------
  // Every frame the bot sent, in arrival order.
  std::vector<ApiCall> calls() const;
  // Waits for a call (among those with index >= skip, old ones included)
  // matching pred; pred runs under the fake's lock and must not call it.
  std::optional<ApiCall> wait_for_call(std::function<bool(const ApiCall&)> pred,
                                       std::chrono::milliseconds timeout, std::size_t skip = 0);
  std::size_t count_calls(const std::string& action) const;

  // Replaces the answer to `action` (null restores the default). Extension
  // point for actions the defaults lack (upload_file_stream, get_image, ...).
  void set_handler(std::string action, ApiHandler handler);
  // Message ids known to get_msg are forgotten (a NapCat restart).
  void forget_messages();

 private:
  class Connection;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace picbot::testing
