// WebSocketSession: one open OneBot WebSocket (either direction) as a Link:
// a read loop, a write queue with a single writer, a watchdog, and an
// explicit close. Internal to bot/net: it includes Beast.
//
// Lifetime: owned by shared_ptr; run() keeps it alive until the link closes,
// then calls LinkHandler::on_close exactly once.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <memory>
#include <string>

#include "bot/onebot/link.h"

namespace picbot::net {

struct SessionOptions {
  std::size_t max_message_bytes = 64 * 1024 * 1024;
  std::size_t max_queued_bytes = 256 * 1024 * 1024;  // beyond this the link is dropped
};

template <class NextLayer>
class WebSocketSession final : public onebot::Link,
                               public std::enable_shared_from_this<WebSocketSession<NextLayer>> {
 public:
  using Stream = boost::beast::websocket::stream<NextLayer>;

  // REQUIRES: ws has completed its handshake.
  WebSocketSession(Stream ws, std::string description, onebot::LinkHandler& handler, SessionOptions options);
  ~WebSocketSession() override;

  // Announces the link to the handler, then reads until the link closes.
  boost::asio::awaitable<void> run(onebot::LinkInfo info);

  void send(std::string frame) override;
  void send_gathered(std::string head, std::string body, std::string tail) override;
  void close(int code) override;
  void set_watchdog(std::chrono::milliseconds silence_limit) override;
  bool is_open() const override { return open_; }
  std::uint64_t id() const override { return id_; }
  const std::string& description() const override { return description_; }

 private:
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<void> watchdog_loop();
  void abort(const std::string& why);

  Stream ws_;
  std::string description_;
  onebot::LinkHandler& handler_;
  SessionOptions options_;
  std::uint64_t id_;
  // Each frame as head, body, tail (see Link::send_gathered).
  std::deque<std::array<std::string, 3>> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool open_ = true;
  bool closing_ = false;
  int close_code_ = 1000;
  boost::asio::steady_timer watchdog_;
  std::chrono::steady_clock::time_point last_frame_;
  std::chrono::milliseconds silence_limit_{90'000};
};

using PlainSession = WebSocketSession<boost::beast::tcp_stream>;
using TlsSession = WebSocketSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

extern template class WebSocketSession<boost::beast::tcp_stream>;
extern template class WebSocketSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

}  // namespace picbot::net
