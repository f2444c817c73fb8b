// Hub: the OneBot session layer above the transport. It tracks every link and
// which QQ account (self_id) each one serves, matches API responses to calls
// by echo, and hands events to the EventSink.
//
// Guarantees:
//  - An account that reconnects is served by its newest link; calls made
//    after the reconnect go out on the new link.
//  - Calls pending on a link fail at once (kLinkClosed) when it drops.
//  - A call is answered only by a frame on the link it went out on, and its
//    echo is 128 random bits: another link (a second account, or anyone
//    holding the token) cannot answer it.
//  - A call without its own timeout waits Options::api_timeout.
//  - NapCat's heartbeat interval is clamped to [kMinHeartbeat, kMaxHeartbeat]
//    before the watchdog (3x) is set from it.
//  - wait_for_account() wakes as soon as the account is served again.
//  - A malformed frame is logged (warn, truncated copy) and skipped; the link
//    stays up.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bot/onebot/bot_api.h"
#include "bot/onebot/event.h"
#include "bot/onebot/link.h"

namespace picbot::onebot {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Called for every parsed event, on the io_context thread.
  virtual void on_event(Event event) = 0;
};

struct LinkStatus {
  std::uint64_t link_id = 0;
  std::int64_t self_id = 0;
  std::string description;
  std::string role;
  std::chrono::system_clock::time_point connected_at;
  std::uint64_t frames_in = 0;
  std::uint64_t frames_out = 0;
};

struct HubCounters {
  std::uint64_t frames_in = 0;
  std::uint64_t events = 0;
  std::uint64_t malformed_frames = 0;
  std::uint64_t api_calls = 0;
  std::uint64_t api_failures = 0;
};

class Hub final : public LinkHandler, public BotApi {
 public:
  struct Options {
    // Until NapCat reports its heartbeat interval, the watchdog allows 3×this.
    std::chrono::milliseconds heartbeat_interval{30'000};
    // How long a call waits for its answer unless CallOptions::timeout is set
    // (onebot.api_timeout_seconds).
    std::chrono::milliseconds api_timeout{30'000};
  };

  // The heartbeat intervals the watchdog accepts (the schema's range for
  // onebot.heartbeat_interval_seconds); NapCat's reported one is clamped to it.
  static constexpr std::chrono::milliseconds kMinHeartbeat{100};
  static constexpr std::chrono::milliseconds kMaxHeartbeat{3'600'000};

  Hub(boost::asio::any_io_executor executor, Options options, EventSink& sink);
  ~Hub() override;

  // LinkHandler
  void on_open(const std::shared_ptr<Link>& link, const LinkInfo& info) override;
  void on_frame(Link& link, std::string_view frame) override;
  void on_close(Link& link, std::string_view reason) override;

  // BotApi
  using BotApi::call;
  boost::asio::awaitable<ApiResult> call(std::int64_t self_id, std::string action, nlohmann::json params,
                                         CallOptions options) override;
  boost::asio::awaitable<ApiResult> call_encoded(std::int64_t self_id, std::string action,
                                                 std::string params_json, CallOptions options) override;
  boost::asio::awaitable<bool> wait_for_account(std::int64_t self_id,
                                                std::chrono::milliseconds timeout) override;

  // Closes every link cleanly (WebSocket close code).
  void close_all(int code = 1000);

  std::vector<LinkStatus> links() const;
  const HubCounters& counters() const { return counters_; }
  std::size_t pending_calls() const { return pending_.size(); }
  // Applies to calls made and links opened from now on.
  void set_options(Options options) { options_ = options; }

 private:
  struct LinkEntry;
  struct PendingCall;
  struct Deadlines;  // the pending calls ordered by deadline (intrusive: no allocation per call)

  // Sets the call's result (once), takes it off the deadlines and wakes it.
  void finish(PendingCall& call, ApiResult result);
  void schedule(PendingCall& call);
  void unschedule(PendingCall& call);
  void arm_deadline_timer(std::chrono::steady_clock::time_point at);
  void on_deadline();
  // Completes when the call is finished, its deadline passes, or the caller cancels.
  template <class Token>
  auto async_wait_answer(PendingCall& call, Token&& token);

  void register_account(LinkEntry& entry, std::int64_t self_id);
  // Gives the link a watchdog of 3× interval, clamped to the accepted range.
  void set_heartbeat(LinkEntry& entry, std::chrono::milliseconds interval);
  void handle_response(Link& link, ApiResponse response);
  void handle_event(LinkEntry& entry, Event event);
  Link* pick_link(std::int64_t self_id);
  boost::asio::awaitable<void> learn_self_id(std::uint64_t link_id);
  // Sends one request on `link` and waits for its answer (or the timeout,
  // cancellation, or the link dropping).
  boost::asio::awaitable<ApiResult> send_and_wait(Link& link, std::string_view action,
                                                  std::string params_json, CallOptions options);

  boost::asio::any_io_executor executor_;
  Options options_;
  EventSink& sink_;
  std::unordered_map<std::uint64_t, std::unique_ptr<LinkEntry>> links_;  // by link id
  std::unordered_map<std::int64_t, std::uint64_t> accounts_;             // self_id -> link id
  std::unordered_map<std::string, PendingCall*> pending_;                // echo -> call
  // Every pending call's deadline, driving one timer for the hub (a timer per
  // call cost more than the rest of a call's bookkeeping).
  std::unique_ptr<Deadlines> deadlines_;
  boost::asio::steady_timer deadline_timer_;
  bool deadline_armed_ = false;
  std::chrono::steady_clock::time_point armed_deadline_{};
  std::shared_ptr<int> alive_ =
      std::make_shared<int>(0);  // the timer's handler outliving the hub sees it gone
  // Timers of wait_for_account() callers, cancelled when their account registers.
  std::multimap<std::int64_t, boost::asio::steady_timer*> account_waiters_;
  HubCounters counters_;
};

}  // namespace picbot::onebot
