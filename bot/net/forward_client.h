// ForwardClient: connects to NapCat's WebSocket server (onebot.url, ws:// or
// wss://) and keeps reconnecting with exponential backoff and jitter (by
// default 1 s growing to 30 s, onebot.reconnect_*; reset after a successful
// connect). One connection carries
// events and API calls. The token goes in `Authorization: Bearer`.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "bot/core/result.h"
#include "bot/onebot/link.h"

namespace picbot::net {

class ForwardClient {
 public:
  struct Options {
    std::string url = "ws://127.0.0.1:3001/";
    std::string access_token;
    std::size_t max_message_bytes = 64 * 1024 * 1024;
    std::chrono::milliseconds min_backoff{1000};
    std::chrono::milliseconds max_backoff{30'000};
    std::chrono::milliseconds connect_timeout{10'000};
  };

  ForwardClient(boost::asio::any_io_executor executor, Options options, onebot::LinkHandler& handler);
  ~ForwardClient();

  // Validates the URL and starts the connect loop.
  Status start();
  // Stops reconnecting and closes the current link cleanly (code 1000).
  void stop();
  bool connected() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace picbot::net
