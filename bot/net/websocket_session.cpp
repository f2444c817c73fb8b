#include "bot/net/websocket_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"

namespace picbot::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
std::atomic<std::uint64_t> g_next_link_id{1};

auto logger() {
  static auto l = log::get("transport");
  return l;
}
}  // namespace

template <class NextLayer>
WebSocketSession<NextLayer>::WebSocketSession(Stream ws, std::string description,
                                              onebot::LinkHandler& handler, SessionOptions options)
    : ws_(std::move(ws)),
      description_(std::move(description)),
      handler_(handler),
      options_(options),
      id_(g_next_link_id++),
      watchdog_(ws_.get_executor()),
      last_frame_(std::chrono::steady_clock::now()) {
  ws_.read_message_max(options_.max_message_bytes);
  ws_.auto_fragment(false);
  // The handshake is done; the watchdog replaces the idle timeout, and the
  // close handshake gets a short grace period.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(2);
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
}

template <class NextLayer>
WebSocketSession<NextLayer>::~WebSocketSession() = default;

template <class NextLayer>
asio::awaitable<void> WebSocketSession<NextLayer>::run(onebot::LinkInfo info) {
  auto self = this->shared_from_this();
  handler_.on_open(self, info);
  asio::co_spawn(ws_.get_executor(), watchdog_loop(), asio::detached);
  beast::flat_buffer buffer;
  std::string reason;
  while (true) {
    auto [ec, bytes] = co_await ws_.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == websocket::error::closed) {
        reason = log::text("log.closed_with_code", fmt::arg("code", ws_.reason().code));
      } else if (ec == websocket::error::message_too_big) {
        reason = log::text("log.frame_too_large", fmt::arg("bytes", options_.max_message_bytes));
      } else {
        reason = ec.message();
      }
      break;
    }
    last_frame_ = std::chrono::steady_clock::now();
    const auto data = buffer.cdata();
    handler_.on_frame(*this, std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer.consume(buffer.size());
    // A 50 MB frame must not pin 50 MB for the rest of the link's life.
    if (buffer.capacity() > 1024 * 1024) buffer.shrink_to_fit();
  }
  open_ = false;
  watchdog_.cancel();
  handler_.on_close(*this, reason);
}

template <class NextLayer>
void WebSocketSession<NextLayer>::send(std::string frame) {
  send_gathered({}, std::move(frame), {});
}

template <class NextLayer>
void WebSocketSession<NextLayer>::send_gathered(std::string head, std::string body, std::string tail) {
  if (!open_ || closing_) {
    logger()->debug("link #{}: frame dropped, link is closing", id_);
    return;
  }
  queued_bytes_ += head.size() + body.size() + tail.size();
  queue_.push_back({std::move(head), std::move(body), std::move(tail)});
  if (queued_bytes_ > options_.max_queued_bytes) {
    abort(log::text("log.abort_queue_full", fmt::arg("bytes", options_.max_queued_bytes)));
    return;
  }
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(ws_.get_executor(), write_loop(), asio::detached);
  }
}

template <class NextLayer>
asio::awaitable<void> WebSocketSession<NextLayer>::write_loop() {
  auto self = this->shared_from_this();
  while (open_ && !queue_.empty()) {
    const auto& [head, body, tail] = queue_.front();
    // One WebSocket message from three buffers: Beast writes them with the
    // frame header in one gathered write, without joining them first.
    const std::array<asio::const_buffer, 3> pieces{asio::buffer(head), asio::buffer(body),
                                                   asio::buffer(tail)};
    auto [ec, n] = co_await ws_.async_write(pieces, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (open_) abort(log::text("log.abort_write_failed", fmt::arg("reason", ec.message())));
      break;
    }
    queued_bytes_ -= head.size() + body.size() + tail.size();
    queue_.pop_front();
  }
  if (open_ && closing_) {
    auto [ec] = co_await ws_.async_close(websocket::close_reason(static_cast<std::uint16_t>(close_code_)),
                                         asio::as_tuple(asio::use_awaitable));
    if (ec) abort(log::text("log.abort_close_failed", fmt::arg("reason", ec.message())));
  }
  writing_ = false;
  if (!open_) {
    queue_.clear();
    queued_bytes_ = 0;
  }
}

template <class NextLayer>
void WebSocketSession<NextLayer>::close(int code) {
  if (!open_ || closing_) return;
  closing_ = true;
  close_code_ = code;
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(ws_.get_executor(), write_loop(), asio::detached);
  }
}

template <class NextLayer>
void WebSocketSession<NextLayer>::set_watchdog(std::chrono::milliseconds silence_limit) {
  silence_limit_ = silence_limit;
  watchdog_.cancel();  // re-arms with the new limit
}

template <class NextLayer>
asio::awaitable<void> WebSocketSession<NextLayer>::watchdog_loop() {
  auto self = this->shared_from_this();
  while (open_) {
    const auto deadline = last_frame_ + silence_limit_;
    if (std::chrono::steady_clock::now() >= deadline) {
      logger()->warn("{}", log::text("log.link_silent", fmt::arg("link", id_), fmt::arg("peer", description_),
                                     fmt::arg("ms", silence_limit_.count())));
      abort(log::text("log.abort_peer_silent"));
      co_return;
    }
    watchdog_.expires_at(deadline);
    co_await watchdog_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

template <class NextLayer>
void WebSocketSession<NextLayer>::abort(const std::string& why) {
  logger()->warn("{}", log::text("log.link_aborted", fmt::arg("link", id_), fmt::arg("peer", description_),
                                 fmt::arg("reason", why)));
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

template class WebSocketSession<beast::tcp_stream>;
template class WebSocketSession<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace picbot::net
