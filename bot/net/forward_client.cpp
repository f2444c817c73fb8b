#include "bot/net/forward_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <random>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/net/websocket_session.h"
#include "bot/net/ws_url.h"

namespace picbot::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
auto logger() {
  static auto l = log::get("transport");
  return l;
}
}  // namespace

struct ForwardClient::Impl : std::enable_shared_from_this<ForwardClient::Impl> {
  Impl(asio::any_io_executor ex, Options opts, onebot::LinkHandler& h)
      : executor(std::move(ex)),
        options(std::move(opts)),
        handler(h),
        backoff_timer(executor),
        tls(ssl::context::tls_client),
        rng(std::random_device{}()) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(ssl::verify_peer);
  }

  template <class WsStream>
  void configure(WsStream& ws) {
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws.set_option(
        websocket::stream_base::decorator([token = options.access_token](websocket::request_type& req) {
          req.set(http::field::user_agent, "picbot/" PICBOT_VERSION);
          if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        }));
    ws.read_message_max(options.max_message_bytes);
  }

  // One connection attempt and, when it succeeds, the life of that link.
  // Returns true when the link was established.
  template <class Session>
  asio::awaitable<bool> connect_once(typename Session::Stream ws,
                                     const tcp::resolver::results_type& endpoints) {
    auto& lowest = beast::get_lowest_layer(ws);
    lowest.expires_after(options.connect_timeout);
    auto [cec, ep] = co_await lowest.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
    if (cec) {
      logger()->warn("{}", log::text("log.forward_cannot_connect", fmt::arg("url", options.url),
                                     fmt::arg("reason", cec.message())));
      co_return false;
    }
    lowest.socket().set_option(tcp::no_delay(true));
    if constexpr (std::is_same_v<Session, TlsSession>) {
      if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), url.host.c_str())) {
        logger()->warn("{}", log::text("log.forward_tls_sni_failed", fmt::arg("host", url.host)));
        co_return false;
      }
      ws.next_layer().set_verify_callback(ssl::host_name_verification(url.host));
      auto [hec] = co_await ws.next_layer().async_handshake(ssl::stream_base::client,
                                                            asio::as_tuple(asio::use_awaitable));
      if (hec) {
        logger()->warn("{}", log::text("log.forward_tls_failed", fmt::arg("host", url.host),
                                       fmt::arg("reason", hec.message())));
        co_return false;
      }
    }
    lowest.expires_never();
    configure(ws);
    const std::string host_header = url.host + ":" + std::to_string(url.port);
    auto [wec] = co_await ws.async_handshake(host_header, url.target, asio::as_tuple(asio::use_awaitable));
    if (wec) {
      logger()->warn("{}", log::text("log.forward_handshake_failed", fmt::arg("url", options.url),
                                     fmt::arg("reason", wec.message())));
      co_return false;
    }
    auto session = std::make_shared<Session>(std::move(ws), "forward " + options.url, handler,
                                             SessionOptions{options.max_message_bytes});
    current = session;
    if (stopped) session->close(1000);
    onebot::LinkInfo info;
    info.forward = true;
    info.role = "Universal";
    co_await session->run(info);
    current.reset();
    co_return true;
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    tcp::resolver resolver(executor);
    auto backoff = options.min_backoff;
    while (!stopped) {
      bool linked = false;
      auto [rec, endpoints] = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                              asio::as_tuple(asio::use_awaitable));
      if (stopped) break;
      if (rec) {
        logger()->warn("{}", log::text("log.forward_cannot_resolve", fmt::arg("host", url.host),
                                       fmt::arg("reason", rec.message())));
      } else if (url.tls) {
        linked = co_await connect_once<TlsSession>(TlsSession::Stream(executor, tls), endpoints);
      } else {
        linked = co_await connect_once<PlainSession>(PlainSession::Stream(executor), endpoints);
      }
      if (stopped) break;
      if (linked) backoff = options.min_backoff;
      // Jitter: wait between 50% and 100% of the backoff, so many bots do not
      // hammer a restarted NapCat in lockstep.
      std::uniform_real_distribution<double> jitter(0.5, 1.0);
      const auto delay = std::chrono::milliseconds(static_cast<long long>(backoff.count() * jitter(rng)));
      logger()->info("{}", log::text("log.forward_reconnecting", fmt::arg("url", options.url),
                                     fmt::arg("ms", delay.count())));
      backoff_timer.expires_after(delay);
      co_await backoff_timer.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff = std::min(backoff * 2, options.max_backoff);
    }
  }

  asio::any_io_executor executor;
  Options options;
  onebot::LinkHandler& handler;
  WsUrl url;
  asio::steady_timer backoff_timer;
  ssl::context tls;
  std::mt19937 rng;
  asio::cancellation_signal cancel;
  std::shared_ptr<onebot::Link> current;
  bool stopped = false;
};

ForwardClient::ForwardClient(asio::any_io_executor executor, Options options, onebot::LinkHandler& handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), handler)) {}

ForwardClient::~ForwardClient() { stop(); }

Status ForwardClient::start() {
  auto url = WsUrl::parse(impl_->options.url);
  if (!url) return Error::make("bad_config", "onebot.url: " + url.error().message);
  impl_->url = *url;
  asio::co_spawn(impl_->executor, impl_->run(),
                 asio::bind_cancellation_slot(impl_->cancel.slot(), asio::detached));
  return {};
}

void ForwardClient::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->backoff_timer.cancel();
  if (impl_->current) {
    impl_->current->close(1000);
  } else {
    impl_->cancel.emit(asio::cancellation_type::terminal);
  }
}

bool ForwardClient::connected() const { return impl_->current && impl_->current->is_open(); }

}  // namespace picbot::net
