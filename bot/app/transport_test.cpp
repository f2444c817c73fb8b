#include "bot/app/transport.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/support/wait.h"

namespace picbot {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

// Text of each message event, on any thread.
class RecordingSink final : public onebot::EventSink {
 public:
  void on_event(onebot::Event event) override {
    if (auto* message = std::get_if<onebot::MessageEvent>(&event)) {
      std::lock_guard lock(mutex_);
      texts_.push_back(message->raw_message);
    }
  }
  std::vector<std::string> texts() const {
    std::lock_guard lock(mutex_);
    return texts_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> texts_;
};

// A Transport in forward mode against the fake NapCat (the fake is the
// server, as NapCat's websocketServers entry). The Transport lives on its own
// loop thread; each step runs there and the test waits for it.
class TransportTest : public ::testing::Test {
 protected:
  template <class Fn>
  auto on_loop(Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  void SetUp() override {
    port_ = fake_.listen();
    loop_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    // As App does: stop, and let every session end before the hub goes (a
    // session still reading would hand its next frame to a freed hub).
    if (transport_) {
      on_loop([&] { transport_->stop(); });
      EXPECT_TRUE(wait_for_links(0));
    }
    on_loop([&] { transport_.reset(); });
    work_.reset();
    loop_.join();
  }

  // Waits until the hub, not just the fake, has n links (the fake counts a
  // connection when its side of the upgrade is done, a moment earlier).
  bool wait_for_links(std::size_t n) {
    return testing::wait_until([&] { return on_loop([&] { return transport_->hub().links().size(); }) == n; },
                               10s);
  }

  json config(json onebot) const {
    onebot["mode"] = "forward";
    onebot["url"] = "ws://127.0.0.1:" + std::to_string(port_) + "/";
    return {{"onebot", std::move(onebot)}};
  }

  testing::FakeNapCat fake_;
  std::uint16_t port_ = 0;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::thread loop_;
  RecordingSink sink_;
  std::unique_ptr<Transport> transport_;
};

TEST_F(TransportTest, EventsReachTheSinkSetAfterConstruction) {
  ASSERT_TRUE(on_loop([&] {
    transport_ = std::make_unique<Transport>(io_.get_executor(), config(json::object()));
    transport_->deliver_events_to(sink_);
    return transport_->start(config(json::object()), "en");
  }));
  ASSERT_TRUE(fake_.wait_for_connections(1, 10s));
  ASSERT_TRUE(wait_for_links(1));
  fake_.send_group_message(fake_.connection_ids().front(), 20001, 30001, "hello");
  EXPECT_TRUE(testing::wait_until([&] { return sink_.texts() == std::vector<std::string>{"hello"}; }, 10s));
}

TEST_F(TransportTest, AnApiTimeoutChangeKeepsTheLinkAndAnyOtherOnebotChangeReconnects) {
  const json before = config({{"api_timeout_seconds", 30}});
  ASSERT_TRUE(on_loop([&] {
    transport_ = std::make_unique<Transport>(io_.get_executor(), before);
    transport_->deliver_events_to(sink_);
    return transport_->start(before, "en");
  }));
  ASSERT_TRUE(fake_.wait_for_connections(1, 10s));
  ASSERT_TRUE(wait_for_links(1));
  const int first = fake_.connection_ids().front();

  const json faster = config({{"api_timeout_seconds", 5}});
  ASSERT_TRUE(on_loop([&] {
    transport_->set_options(faster);
    return transport_->reconnect_if_changed(before, faster, "en");
  }));
  EXPECT_FALSE(fake_.wait_for_peer_close(first, 300ms));

  const json other_backoff = config({{"api_timeout_seconds", 5}, {"reconnect_max_seconds", 10}});
  ASSERT_TRUE(on_loop([&] { return transport_->reconnect_if_changed(faster, other_backoff, "en"); }));
  EXPECT_EQ(fake_.wait_for_peer_close(first, 10s), 1000);
  EXPECT_TRUE(testing::wait_until(
      [&] {
        const auto ids = fake_.connection_ids();
        return ids.size() == 1 && ids.front() != first;
      },
      10s));
}

TEST_F(TransportTest, StopClosesEveryLinkWithCode1000) {
  ASSERT_TRUE(on_loop([&] {
    transport_ = std::make_unique<Transport>(io_.get_executor(), config(json::object()));
    transport_->deliver_events_to(sink_);
    return transport_->start(config(json::object()), "en");
  }));
  ASSERT_TRUE(fake_.wait_for_connections(1, 10s));
  ASSERT_TRUE(wait_for_links(1));
  // connection_ids() lists open connections only: read the id before stop()
  // closes it (reading it after was front() of an empty vector, a segfault in
  // ~40 % of runs).
  const std::vector<int> ids = fake_.connection_ids();
  ASSERT_EQ(ids.size(), 1u);
  on_loop([&] { transport_->stop(); });
  EXPECT_EQ(fake_.wait_for_peer_close(ids.front(), 10s), 1000);
}

}  // namespace
}  // namespace picbot
