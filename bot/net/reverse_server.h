// ReverseServer: the OneBot reverse WebSocket endpoint. NapCat connects to
// ws://<listen>/<path>; each accepted connection becomes a Link handed to the
// LinkHandler. Missing or wrong tokens get HTTP 401 (when a token is set),
// other paths 404, plain HTTP 426, and connections beyond the cap 503.
// Connections that have not finished their upgrade (not yet authenticated)
// are capped in total and per client address (net::client_key); beyond that
// they are closed unread. Lines a peer can trigger (refusals) are cut to a
// few hundred bytes and rate-limited per client.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bot/core/result.h"
#include "bot/onebot/link.h"

namespace picbot::net {

class ReverseServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0: any free port (see port())
    std::string path = "/onebot/v11/ws";
    std::string access_token;  // empty: no check
    std::size_t max_connections = 16;
    std::size_t max_message_bytes = 64 * 1024 * 1024;
    std::size_t max_pending = 64;            // upgrades in progress, all clients
    std::size_t max_pending_per_client = 8;  // upgrades in progress from one client
    std::chrono::milliseconds upgrade_timeout{10'000};
  };

  ReverseServer(boost::asio::any_io_executor executor, Options options, onebot::LinkHandler& handler);
  ~ReverseServer();

  // Binds and starts accepting. Returns the bound port.
  Result<std::uint16_t> start();
  // Stops accepting. Open links stay open (close them through the hub).
  void stop();
  std::size_t connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace picbot::net
