#include "bot/onebot/hub.h"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

namespace picbot::onebot {
namespace {
namespace asio = boost::asio;
using nlohmann::json;

class MemoryLink final : public Link {
 public:
  explicit MemoryLink(std::uint64_t id) : id_(id), description_("memory #" + std::to_string(id)) {}
  void send(std::string frame) override { sent.push_back(json::parse(frame)); }
  void send_gathered(std::string head, std::string body, std::string tail) override {
    gathered_body_bytes.push_back(body.size());
    Link::send_gathered(std::move(head), std::move(body), std::move(tail));
  }
  void close(int code) override {
    open = false;
    close_code = code;
  }
  void set_watchdog(std::chrono::milliseconds limit) override { watchdog = limit; }
  bool is_open() const override { return open; }
  std::uint64_t id() const override { return id_; }
  const std::string& description() const override { return description_; }

  std::vector<json> sent;
  std::vector<std::size_t> gathered_body_bytes;  // per send_gathered call
  bool open = true;
  int close_code = 0;
  std::chrono::milliseconds watchdog{0};

 private:
  std::uint64_t id_;
  std::string description_;
};

class RecordingSink final : public EventSink {
 public:
  void on_event(Event event) override { events.push_back(std::move(event)); }
  std::vector<Event> events;
};

class HubTest : public ::testing::Test {
 protected:
  std::shared_ptr<MemoryLink> open_link(std::uint64_t id, std::int64_t self_id) {
    auto link = std::make_shared<MemoryLink>(id);
    hub.on_open(link, LinkInfo{self_id, "Universal", false});
    return link;
  }

  // Starts a call and runs the loop until it has been sent.
  std::optional<ApiResult>& start_call(std::int64_t self_id, std::string action,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                       std::function<void(const json&)> on_stream = {}) {
    result.reset();
    auto run = [this, self_id, action = std::move(action), timeout,
                on_stream = std::move(on_stream)]() mutable -> asio::awaitable<void> {
      result.emplace(co_await hub.call(self_id, std::move(action), json::object(),
                                       CallOptions{timeout, std::move(on_stream)}));
    };
    asio::co_spawn(io, std::move(run), asio::detached);
    io.poll();
    io.restart();
    return result;
  }

  void answer(MemoryLink& link, const std::string& body) {
    hub.on_frame(link, body);
    io.poll();
    io.restart();
  }

  asio::io_context io;
  RecordingSink sink;
  Hub hub{io.get_executor(), Hub::Options{}, sink};
  std::optional<ApiResult> result;
};

TEST_F(HubTest, CallIsAnsweredByEcho) {
  auto link = open_link(1, 111);
  start_call(111, "send_group_msg");
  ASSERT_EQ(link->sent.size(), 1u);
  EXPECT_EQ(link->sent[0]["action"], "send_group_msg");
  const auto echo = link->sent[0]["echo"];
  answer(*link, json{{"status", "ok"}, {"retcode", 0}, {"data", {{"message_id", 5}}}, {"echo", echo}}.dump());
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok());
  EXPECT_EQ((*result)->at("message_id"), 5);
  EXPECT_EQ(hub.pending_calls(), 0u);
}

// Issue 23: a request of megabytes (an inline image) is handed to the link as
// head, params and tail, so the params text is moved, not copied into a joined
// frame on the event loop; a small one is one joined frame.
TEST_F(HubTest, ALargeRequestReachesTheLinkAsGatheredPiecesOfOneFrame) {
  auto link = open_link(1, 111);
  const std::string text(100 * 1024, 'a');
  std::optional<ApiResult> large;
  auto call = [&]() -> asio::awaitable<void> {
    std::string params = R"({"text":")" + text + R"("})";
    large.emplace(co_await hub.call_encoded(111, "send_group_msg", std::move(params), CallOptions{}));
  };
  asio::co_spawn(io, call, asio::detached);
  io.poll();
  io.restart();
  ASSERT_EQ(link->gathered_body_bytes.size(), 1u);
  EXPECT_EQ(link->gathered_body_bytes[0], text.size() + 11);
  ASSERT_EQ(link->sent.size(), 1u);
  EXPECT_EQ(link->sent[0]["action"], "send_group_msg");
  EXPECT_EQ(link->sent[0]["params"]["text"], text);
  answer(*link,
         json{{"status", "ok"}, {"retcode", 0}, {"data", nullptr}, {"echo", link->sent[0]["echo"]}}.dump());
  ASSERT_TRUE(large.has_value());
  EXPECT_TRUE(large->ok());

  start_call(111, "get_status");
  ASSERT_EQ(link->sent.size(), 2u);
  EXPECT_EQ(link->gathered_body_bytes.size(), 1u);
}

TEST_F(HubTest, RetcodeBecomesTypedErrorWithWording) {
  auto link = open_link(1, 111);
  start_call(111, "get_msg");
  answer(*link, json{{"status", "failed"},
                     {"retcode", 1200},
                     {"data", nullptr},
                     {"message", "msg"},
                     {"wording", "消息不存在"},
                     {"echo", link->sent[0]["echo"]}}
                    .dump());
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().kind, ApiError::Kind::kFailed);
  EXPECT_EQ(result->error().retcode, 1200);
  EXPECT_EQ(result->error().describe(), "failed: retcode 1200 (消息不存在)");
}

TEST_F(HubTest, PendingCallsFailAtOnceWhenLinkDrops) {
  auto link = open_link(1, 111);
  start_call(111, "send_group_msg");
  ASSERT_FALSE(result.has_value());
  hub.on_close(*link, "reset");
  io.poll();
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().kind, ApiError::Kind::kLinkClosed);
}

TEST_F(HubTest, WaitForAccountWakesWhenTheAccountReconnects) {
  auto first = open_link(1, 111);
  std::optional<bool> back;
  auto wait = [&]() -> asio::awaitable<void> {
    back = co_await hub.wait_for_account(111, std::chrono::seconds(30));
  };
  asio::co_spawn(io, wait, asio::detached);
  io.poll();
  io.restart();
  EXPECT_EQ(back, true) << "served now: no wait";

  hub.on_close(*first, "reset");
  back.reset();
  asio::co_spawn(io, wait, asio::detached);
  io.poll();
  io.restart();
  EXPECT_FALSE(back.has_value());
  open_link(2, 222);  // another account does not wake it
  io.poll();
  io.restart();
  EXPECT_FALSE(back.has_value());
  open_link(3, 111);
  io.poll();
  io.restart();
  EXPECT_EQ(back, true);
}

TEST_F(HubTest, WaitForAccountGivesUpAtTheDeadline) {
  std::optional<bool> back;
  auto wait = [&]() -> asio::awaitable<void> {
    back = co_await hub.wait_for_account(111, std::chrono::milliseconds(20));
  };
  asio::co_spawn(io, wait, asio::detached);
  io.run_for(std::chrono::seconds(2));
  EXPECT_EQ(back, false);
}

TEST_F(HubTest, CallTimesOut) {
  open_link(1, 111);
  start_call(111, "slow_action", std::chrono::milliseconds(20));
  io.run_for(std::chrono::seconds(2));
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().kind, ApiError::Kind::kTimeout);
  EXPECT_EQ(hub.pending_calls(), 0u);
}

// Issue 23: the hub keeps one deadline timer for all pending calls instead of
// one per call; each call still times out at its own deadline, and nothing is
// left armed once no call is pending.
TEST_F(HubTest, CallsWithDifferentTimeoutsEachTimeOutAtTheirOwnDeadline) {
  auto link = open_link(1, 111);
  std::optional<ApiResult> slow, medium, fast;
  const auto call = [&](std::optional<ApiResult>& out, std::chrono::milliseconds timeout) {
    auto run = [&out, this, timeout]() -> asio::awaitable<void> {
      out.emplace(co_await hub.call(111, "action", json::object(), CallOptions{timeout, {}}));
    };
    asio::co_spawn(io, run, asio::detached);
  };
  call(slow, std::chrono::seconds(30));
  call(medium, std::chrono::milliseconds(300));
  call(fast, std::chrono::milliseconds(20));  // earlier than the armed deadline
  io.poll();
  ASSERT_EQ(link->sent.size(), 3u);
  EXPECT_EQ(hub.pending_calls(), 3u);

  while (!fast) ASSERT_GT(io.run_one_for(std::chrono::seconds(5)), 0u);
  EXPECT_EQ(fast->error().kind, ApiError::Kind::kTimeout);
  EXPECT_NE(fast->error().message.find("within 20 ms"), std::string::npos) << fast->error().message;
  EXPECT_FALSE(medium);
  EXPECT_FALSE(slow);

  while (!medium) ASSERT_GT(io.run_one_for(std::chrono::seconds(5)), 0u);
  EXPECT_EQ(medium->error().kind, ApiError::Kind::kTimeout);
  EXPECT_FALSE(slow);
  EXPECT_EQ(hub.pending_calls(), 1u);

  answer(*link,
         json{{"status", "ok"}, {"retcode", 0}, {"data", nullptr}, {"echo", link->sent[0]["echo"]}}.dump());
  ASSERT_TRUE(slow && slow->ok());
  EXPECT_EQ(hub.pending_calls(), 0u);
  io.poll();
  EXPECT_TRUE(io.stopped()) << "a timer is still armed with no call pending";
}

TEST_F(HubTest, ACancelledCallEndsAtOnceAndLeavesNothingPending) {
  auto link = open_link(1, 111);
  asio::cancellation_signal signal;
  auto run = [this]() -> asio::awaitable<void> {
    result.emplace(
        co_await hub.call(111, "action", json::object(), CallOptions{std::chrono::seconds(30), {}}));
  };
  asio::co_spawn(io, run, asio::bind_cancellation_slot(signal.slot(), asio::detached));
  io.poll();
  ASSERT_EQ(hub.pending_calls(), 1u);
  signal.emit(asio::cancellation_type::terminal);
  io.poll();
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().kind, ApiError::Kind::kTimeout);
  EXPECT_EQ(hub.pending_calls(), 0u);
  EXPECT_TRUE(io.stopped()) << "a timer is still armed with no call pending";
  // A late answer finds nothing to wake.
  answer(*link,
         json{{"status", "ok"}, {"retcode", 0}, {"data", nullptr}, {"echo", link->sent[0]["echo"]}}.dump());
}

TEST_F(HubTest, NoLinkForUnknownAccount) {
  open_link(1, 111);
  start_call(222, "send_group_msg");
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().kind, ApiError::Kind::kNoLink);
}

TEST_F(HubTest, StreamFramesReachCallerInOrder) {
  auto link = open_link(1, 111);
  std::vector<int> seen;
  start_call(111, "download_file_stream", std::chrono::seconds(5),
             [&](const json& data) { seen.push_back(data["index"].get<int>()); });
  const auto echo = link->sent[0]["echo"];
  for (int i = 0; i < 3; ++i) {
    answer(*link, json{{"status", "ok"},
                       {"retcode", 0},
                       {"stream", "stream-action"},
                       {"data", {{"type", "stream"}, {"index", i}}},
                       {"echo", echo}}
                      .dump());
  }
  EXPECT_FALSE(result.has_value());
  answer(*link, json{{"status", "ok"},
                     {"retcode", 0},
                     {"stream", "stream-action"},
                     {"data", {{"type", "response"}, {"done", true}}},
                     {"echo", echo}}
                    .dump());
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2}));
  ASSERT_TRUE(result && result->ok());
  EXPECT_TRUE((*result)->at("done").get<bool>());
}

// NapCat's UploadFileStream declares useStream, so each call (a chunk) gets
// exactly one frame marked stream-action whose data.type is "stream"
// (packages/napcat-onebot/action/OneBotAction.ts, stream/UploadFileStream.ts).
TEST_F(HubTest, UploadChunkIsAnsweredByItsOneStreamActionFrame) {
  auto link = open_link(1, 111);
  start_call(111, "upload_file_stream");
  answer(*link, json{{"status", "ok"},
                     {"retcode", 0},
                     {"stream", "stream-action"},
                     {"data", {{"type", "stream"}, {"status", "chunk_received"}, {"received_chunks", 1}}},
                     {"echo", link->sent[0]["echo"]}}
                    .dump());
  ASSERT_TRUE(result && result->ok()) << "the chunk's single frame is its answer";
  EXPECT_EQ((*result)->at("status"), "chunk_received");
  EXPECT_EQ(hub.pending_calls(), 0u);
}

// OB11Response.error for a streamed action: status failed, data {type: "error"}.
TEST_F(HubTest, DownloadStreamEndsWithAnErrorFrame) {
  auto link = open_link(1, 111);
  int frames = 0;
  start_call(111, "download_file_stream", std::chrono::seconds(5), [&](const json&) { ++frames; });
  const auto echo = link->sent[0]["echo"];
  answer(*link, json{{"status", "ok"},
                     {"retcode", 0},
                     {"stream", "stream-action"},
                     {"data", {{"type", "stream"}, {"index", 0}}},
                     {"echo", echo}}
                    .dump());
  EXPECT_FALSE(result.has_value());
  answer(*link, json{{"status", "failed"},
                     {"retcode", 1200},
                     {"stream", "stream-action"},
                     {"data", {{"type", "error"}, {"data_type", "error"}}},
                     {"message", "file not found"},
                     {"echo", echo}}
                    .dump());
  EXPECT_EQ(frames, 1);
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().retcode, 1200);
  EXPECT_EQ(hub.pending_calls(), 0u);
}

TEST_F(HubTest, AnswerOnAnotherLinkIsIgnoredAndTheRealAnswerWins) {
  auto first = open_link(1, 111);
  auto second = open_link(2, 222);
  start_call(111, "get_msg");
  const auto echo = first->sent[0]["echo"];
  answer(*second,
         json{{"status", "ok"}, {"retcode", 0}, {"data", {{"forged", true}}}, {"echo", echo}}.dump());
  EXPECT_FALSE(result.has_value()) << "a frame on link 2 cannot answer a call sent on link 1";
  EXPECT_EQ(hub.pending_calls(), 1u);
  answer(*first,
         json{{"status", "ok"}, {"retcode", 0}, {"data", {{"forged", false}}}, {"echo", echo}}.dump());
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ((*result)->at("forged"), false);
}

TEST_F(HubTest, EchoesAre128RandomBits) {
  auto link = open_link(1, 111);
  start_call(111, "get_msg");
  start_call(111, "get_msg");
  ASSERT_EQ(link->sent.size(), 2u);
  for (const json& frame : link->sent) {
    ASSERT_TRUE(frame["echo"].is_string()) << frame.dump();
    const std::string echo = frame["echo"];
    EXPECT_EQ(echo.size(), 32u);
    EXPECT_EQ(echo.find_first_not_of("0123456789abcdef"), std::string::npos) << echo;
  }
  EXPECT_NE(link->sent[0]["echo"], link->sent[1]["echo"]);
}

TEST_F(HubTest, CallWithoutItsOwnTimeoutWaitsTheConfiguredApiTimeout) {
  open_link(1, 111);
  hub.set_options(Hub::Options{.api_timeout = std::chrono::milliseconds(20)});
  start_call(111, "slow_action", std::chrono::milliseconds(0));
  io.run_for(std::chrono::seconds(2));
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().kind, ApiError::Kind::kTimeout);
  EXPECT_NE(result->error().message.find("within 20 ms"), std::string::npos) << result->error().message;

  // A reload's new value applies to the next call.
  io.restart();
  hub.set_options(Hub::Options{.api_timeout = std::chrono::milliseconds(30)});
  start_call(111, "slow_action", std::chrono::milliseconds(0));
  io.run_for(std::chrono::seconds(2));
  ASSERT_TRUE(result && !result->ok());
  EXPECT_NE(result->error().message.find("within 30 ms"), std::string::npos) << result->error().message;
}

TEST_F(HubTest, HeartbeatIntervalIsClampedBeforeTheWatchdogIsSet) {
  auto link = open_link(1, 111);
  // 3 × this overflows a signed 64-bit count of milliseconds.
  answer(
      *link,
      R"({"time":1,"self_id":111,"post_type":"meta_event","meta_event_type":"heartbeat","interval":4611686018427387904,"status":{}})");
  EXPECT_TRUE(link->open);
  EXPECT_EQ(link->watchdog, Hub::kMaxHeartbeat * 3);
  answer(
      *link,
      R"({"time":1,"self_id":111,"post_type":"meta_event","meta_event_type":"heartbeat","interval":1,"status":{}})");
  EXPECT_EQ(link->watchdog, Hub::kMinHeartbeat * 3);
  EXPECT_EQ(sink.events.size(), 2u);
}

TEST_F(HubTest, ReconnectedAccountIsServedByNewLink) {
  auto old_link = open_link(1, 111);
  auto new_link = open_link(2, 111);
  EXPECT_FALSE(old_link->open) << "the replaced link is closed";
  EXPECT_EQ(old_link->close_code, 1000);
  // The old link's late close must not unregister the account.
  hub.on_close(*old_link, "closed");
  start_call(111, "send_group_msg");
  EXPECT_TRUE(old_link->sent.empty());
  ASSERT_EQ(new_link->sent.size(), 1u);
}

TEST_F(HubTest, TwoAccountsEachGetTheirOwnLink) {
  auto a = open_link(1, 111);
  auto b = open_link(2, 222);
  start_call(222, "send_private_msg");
  start_call(111, "send_group_msg");
  ASSERT_EQ(a->sent.size(), 1u);
  ASSERT_EQ(b->sent.size(), 1u);
  EXPECT_EQ(a->sent[0]["action"], "send_group_msg");
  EXPECT_EQ(b->sent[0]["action"], "send_private_msg");
}

TEST_F(HubTest, MalformedFrameIsSkippedAndEventsStillFlow) {
  auto link = open_link(1, 111);
  answer(*link, "{not json");
  answer(*link, "[1,2,3]");
  EXPECT_EQ(hub.counters().malformed_frames, 2u);
  EXPECT_TRUE(link->open);
  answer(
      *link,
      R"({"time":1,"self_id":111,"post_type":"meta_event","meta_event_type":"heartbeat","interval":5000,"status":{}})");
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(link->watchdog, std::chrono::milliseconds(15000)) << "watchdog is 3x the heartbeat interval";
}

TEST_F(HubTest, ForwardLinkLearnsAccountFromLoginInfo) {
  auto link = std::make_shared<MemoryLink>(7);
  hub.on_open(link, LinkInfo{0, "Universal", true});
  io.poll();
  io.restart();
  ASSERT_EQ(link->sent.size(), 1u);
  EXPECT_EQ(link->sent[0]["action"], "get_login_info");
  answer(*link, json{{"status", "ok"},
                     {"retcode", 0},
                     {"data", {{"user_id", 333}, {"nickname", "bot"}}},
                     {"echo", link->sent[0]["echo"]}}
                    .dump());
  ASSERT_EQ(hub.links().size(), 1u);
  EXPECT_EQ(hub.links()[0].self_id, 333);
}

}  // namespace
}  // namespace picbot::onebot
