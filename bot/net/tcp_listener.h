// TcpListener: a listening TCP socket that hands every accepted connection
// (TCP_NODELAY set) to its own coroutine. The OneBot reverse server and the
// web server both accept through it. Failed accepts go through an
// AcceptPacer: out of descriptors, the loop pauses instead of spinning.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bot/core/result.h"

namespace picbot::net {

class TcpListener {
 public:
  using Handler = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;

  // `config_key` names the setting in errors and logs ("onebot.listen").
  TcpListener(boost::asio::any_io_executor executor, std::string config_key);
  ~TcpListener();

  // Binds host:port (port 0: any free port) and starts accepting; every
  // connection runs handler(socket). Returns the bound port.
  Result<std::uint16_t> start(const std::string& host, std::uint16_t port, Handler handler);
  // Stops accepting. Connections already handed over are not touched.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace picbot::net
