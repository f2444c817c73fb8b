#include "bot/net/tcp_listener.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bot/core/logging.h"
#include "bot/net/accept_pacer.h"

namespace picbot::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct TcpListener::Impl : std::enable_shared_from_this<TcpListener::Impl> {
  Impl(asio::any_io_executor executor, std::string key)
      : acceptor(std::move(executor)), config_key(std::move(key)), pacer(config_key, log::get("transport")) {}

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        co_await pacer.after_failure(ec);
        continue;
      }
      pacer.after_success();
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(acceptor.get_executor(), handler(std::move(socket)), asio::detached);
    }
  }

  tcp::acceptor acceptor;
  std::string config_key;
  AcceptPacer pacer;
  Handler handler;
};

TcpListener::TcpListener(asio::any_io_executor executor, std::string config_key)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config_key))) {}

TcpListener::~TcpListener() { stop(); }

Result<std::uint16_t> TcpListener::start(const std::string& host, std::uint16_t port, Handler handler) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Error::make("bad_listen", impl_->config_key + ": '" + host + "' is not an IP address");
  const tcp::endpoint endpoint(address, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return Error::make("listen_failed", impl_->config_key + ": cannot listen on " + host + ":" +
                                            std::to_string(port) + ": " + ec.message());
  }
  impl_->handler = std::move(handler);
  asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(), asio::detached);
  return acceptor.local_endpoint().port();
}

void TcpListener::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace picbot::net
