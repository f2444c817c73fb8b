#include "bench/load_napcat_link.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>

namespace picbot::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kBadExamples = 3;

bool is_send_action(const std::string& action) {
  return action == "send_group_msg" || action == "send_private_msg" || action == "send_msg";
}
}  // namespace

struct NapCatLink::Impl {
  explicit Impl(const std::atomic<bool>& interrupted_flag)
      : interrupted(interrupted_flag), ws(io), wake(io) {}

  // Drives the io_context until `done()` holds, the link fails, the deadline
  // passes or the run is interrupted. Returns done().
  template <class Done>
  bool run_until(Done done, SteadyTime deadline) {
    while (!done()) {
      if (!error.empty() || interrupted || std::chrono::steady_clock::now() >= deadline) return false;
      if (io.stopped()) io.restart();
      io.run_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  void fail(std::string why) {
    if (error.empty()) error = std::move(why);
    open = false;
    wake.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
  }

  // NapCat's answer: success with a fresh message_id for the send actions,
  // the account for get_login_info (Koishi's adapter waits for it before it
  // counts the bot online), 1404 for anything else.
  std::string answer(const json& call) {
    const std::string action = call.value("action", "");
    std::string frame;
    if (is_send_action(action)) {
      frame = R"({"status":"ok","retcode":0,"data":{"message_id":)" + std::to_string(next_message_id++) +
              R"(},"message":"","wording":"")";
    } else if (action == "get_login_info") {
      frame = R"({"status":"ok","retcode":0,"data":{"user_id":)" + std::to_string(self_id) +
              R"(,"nickname":"bench"},"message":"","wording":"")";
    } else {
      frame = R"({"status":"failed","retcode":1404,"data":null,"message":"不支持的Api )" + action +
              R"(","wording":"不支持的Api )" + action + "\"";
    }
    if (const auto echo = call.find("echo"); echo != call.end()) frame += R"(,"echo":)" + echo->dump();
    frame += R"(,"stream":"normal-action"})";
    return frame;
  }

  asio::awaitable<void> connect_and_handshake(std::uint16_t port, std::string path, std::int64_t self_id,
                                              std::string token) {
    this->self_id = self_id;
    const asio::ip::tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
    auto [connect_ec] = co_await beast::get_lowest_layer(ws).async_connect(endpoint, use_tuple);
    if (connect_ec) {
      fail("connect: " + connect_ec.message());
      co_return;
    }
    beast::get_lowest_layer(ws).socket().set_option(asio::ip::tcp::no_delay(true));
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout timeouts =
        websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.idle_timeout = websocket::stream_base::none();
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator([self_id, token](websocket::request_type& request) {
      request.set("X-Self-ID", std::to_string(self_id));
      request.set("X-Client-Role", "Universal");
      request.set(beast::http::field::user_agent, "OneBot/11");
      request.set(beast::http::field::authorization, "Bearer " + token);
    }));
    const std::string host = "127.0.0.1:" + std::to_string(port);
    websocket::response_type response;
    auto [handshake_ec] = co_await ws.async_handshake(response, host, path, use_tuple);
    if (handshake_ec) {
      fail("handshake: " + handshake_ec.message() + " (HTTP " + std::to_string(response.result_int()) + ")");
      co_return;
    }
    open = true;
    asio::co_spawn(io, read_loop(), asio::detached);
    asio::co_spawn(io, write_loop(), asio::detached);
  }

  asio::awaitable<void> read_loop() {
    beast::flat_buffer buffer;
    while (open) {
      auto [ec, bytes] = co_await ws.async_read(buffer, use_tuple);
      if (ec) {
        if (ec == websocket::error::closed) {
          peer_closed = true;
          if (!closing) fail("the bot closed the link");
        } else if (!closing) {
          fail("read: " + ec.message());
        }
        co_return;
      }
      const auto now = std::chrono::steady_clock::now();
      const std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
      handle_frame(text, now);
      buffer.consume(buffer.size());
    }
  }

  void handle_frame(std::string_view text, SteadyTime now) {
    json call = json::parse(text, nullptr, false);
    if (call.is_discarded() || !call.is_object() || !call.contains("action")) {
      note_bad(text);
      return;
    }
    answers.push_back(answer(call));
    ++answers_queued;
    wake.cancel();
    if (!flooding) return;
    const std::optional<std::size_t> index = (*match)(call);
    if (!index || *index >= next_event || answered[*index]) {
      note_bad(text);
      return;
    }
    answered[*index] = true;
    if (*index != outcome.replies) ++outcome.out_of_order;
    ++outcome.replies;
    outcome.latency_us[*index] = std::chrono::duration<double, std::micro>(now - sent_at[*index]).count();
    outcome.last_reply = now;
    if (outcome.replies == events.size()) answers_needed = answers_queued;
  }

  void note_bad(std::string_view text) {
    ++outcome.bad_calls;
    if (outcome.bad_examples.size() < kBadExamples) outcome.bad_examples.emplace_back(text.substr(0, 300));
  }

  // The single writer: answers first, then queued frames, then flood events
  // while the window allows.
  asio::awaitable<void> write_loop() {
    while (open) {
      std::string frame;
      std::uint64_t* written = nullptr;
      const std::string* data = &frame;
      if (!answers.empty()) {
        frame = std::move(answers.front());
        answers.pop_front();
        written = &answers_written;
      } else if (!frames.empty()) {
        frame = std::move(frames.front());
        frames.pop_front();
        written = &frames_written;
      } else if (flooding && next_event < events.size() &&
                 (window == 0 || next_event - outcome.replies < window)) {
        const std::size_t index = next_event++;
        sent_at[index] = std::chrono::steady_clock::now();
        if (index == 0) outcome.first_sent = sent_at[index];
        data = &events[index];
        written = &outcome.sent;
      } else if (closing) {
        // A failed close needs no handling: the caller closes the socket next.
        (void)co_await ws.async_close(websocket::close_code::normal, use_tuple);
        close_sent = true;
        co_return;
      } else {
        wake.expires_at(SteadyTime::max());
        co_await wake.async_wait(use_tuple);
        continue;
      }
      auto [ec, bytes] = co_await ws.async_write(asio::buffer(*data), use_tuple);
      if (ec) {
        fail("write: " + ec.message());
        co_return;
      }
      ++*written;
    }
  }

  asio::io_context io{1};
  const std::atomic<bool>& interrupted;
  websocket::stream<beast::tcp_stream> ws;
  asio::steady_timer wake;  // parks the writer while it has nothing to write
  bool open = false;
  bool closing = false;
  bool close_sent = false;
  bool peer_closed = false;
  std::string error;

  std::deque<std::string> answers;
  std::uint64_t answers_queued = 0;
  std::uint64_t answers_written = 0;
  std::uint64_t answers_needed = 0;
  std::deque<std::string> frames;
  std::uint64_t frames_queued = 0;
  std::uint64_t frames_written = 0;
  std::uint64_t next_message_id = 1;
  std::int64_t self_id = 0;

  // The flood in progress (or the last one).
  bool flooding = false;
  std::vector<std::string> events;
  std::size_t window = 0;
  const Matcher* match = nullptr;
  std::size_t next_event = 0;
  std::vector<SteadyTime> sent_at;
  std::vector<bool> answered;
  FloodOutcome outcome;
};

NapCatLink::NapCatLink(const std::atomic<bool>& interrupted) : impl_(std::make_unique<Impl>(interrupted)) {}

NapCatLink::~NapCatLink() {
  // Let the read and write loops see the closed socket and finish.
  impl_->fail("link destroyed");
  impl_->io.restart();
  impl_->io.run_for(std::chrono::milliseconds(100));
}

std::optional<std::string> NapCatLink::connect(std::uint16_t port, const std::string& path,
                                               std::int64_t self_id, const std::string& token,
                                               std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  asio::co_spawn(impl.io, impl.connect_and_handshake(port, path, self_id, token), asio::detached);
  if (impl.run_until([&] { return impl.open; }, std::chrono::steady_clock::now() + timeout))
    return std::nullopt;
  if (impl.error.empty())
    impl.fail("connect: no handshake within " + std::to_string(timeout.count()) + " ms");
  return impl.error;
}

std::optional<std::string> NapCatLink::send(std::string frame, std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.open) return impl.error.empty() ? "link not open" : impl.error;
  impl.frames.push_back(std::move(frame));
  const std::uint64_t target = ++impl.frames_queued;
  impl.wake.cancel();
  if (impl.run_until([&] { return impl.frames_written >= target; },
                     std::chrono::steady_clock::now() + timeout)) {
    return std::nullopt;
  }
  if (impl.error.empty())
    impl.fail("send: frame not written within " + std::to_string(timeout.count()) + " ms");
  return impl.error;
}

FloodOutcome NapCatLink::flood(std::vector<std::string> events, std::size_t window, const Matcher& match,
                               std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  impl.outcome = FloodOutcome{};
  if (!impl.open) {
    impl.outcome.error = impl.error.empty() ? "link not open" : impl.error;
    return impl.outcome;
  }
  impl.events = std::move(events);
  const std::size_t count = impl.events.size();
  impl.window = window;
  impl.match = &match;
  impl.next_event = 0;
  impl.sent_at.assign(count, SteadyTime{});
  impl.answered.assign(count, false);
  impl.outcome.latency_us.assign(count, 0.0);
  impl.answers_needed = count == 0 ? impl.answers_queued : ~std::uint64_t{0};
  impl.flooding = true;
  impl.wake.cancel();
  const bool done = impl.run_until(
      [&] { return impl.outcome.replies == count && impl.answers_written >= impl.answers_needed; },
      std::chrono::steady_clock::now() + timeout);
  impl.flooding = false;
  if (!done) {
    std::string why = impl.error;
    if (why.empty()) {
      why = impl.interrupted.load() ? "interrupted"
                                    : "timeout after " + std::to_string(timeout.count()) + " ms";
      // An event may still be mid-write: a failed link is never reused.
      impl.fail(why);
    }
    impl.outcome.error =
        why + " (" + std::to_string(impl.outcome.replies) + "/" + std::to_string(count) + " replies)";
  }
  return impl.outcome;
}

std::uint64_t NapCatLink::calls_answered() const { return impl_->answers_queued; }

void NapCatLink::close(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.open) return;
  impl.closing = true;
  impl.wake.cancel();
  impl.run_until([&] { return impl.peer_closed || !impl.open; }, std::chrono::steady_clock::now() + timeout);
  impl.open = false;
  beast::error_code ignored;
  beast::get_lowest_layer(impl.ws).socket().close(ignored);
}

}  // namespace picbot::bench
