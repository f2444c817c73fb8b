#include "bot/app/transport.h"

#include <algorithm>

#include "bot/app/app_logger.h"
#include "bot/app/startup_checks.h"
#include "bot/core/log_language.h"
#include "bot/core/millis.h"
#include "bot/net/forward_client.h"
#include "bot/net/reverse_server.h"

namespace picbot {
using nlohmann::json;

namespace {
onebot::Hub::Options hub_options(const json& config) {
  onebot::Hub::Options options;
  options.heartbeat_interval = seconds_to_ms(config["onebot"].value("heartbeat_interval_seconds", 30.0));
  options.api_timeout = seconds_to_ms(config["onebot"].value("api_timeout_seconds", 30.0));
  return options;
}

// The onebot settings the links are made with. The rest (api_timeout_seconds)
// the hub applies to the next call: changing it needs no reconnect.
json transport_settings(json onebot) {
  if (onebot.is_object()) onebot.erase("api_timeout_seconds");
  return onebot;
}
}  // namespace

Transport::Transport(boost::asio::any_io_executor executor, const json& config)
    : executor_(executor), hub_(executor, hub_options(config), relay_) {}

Transport::~Transport() = default;

Status Transport::start(const json& config, std::string_view language) {
  const json& onebot = config["onebot"];
  const std::string mode = onebot.value("mode", "reverse");
  const std::string token = onebot.value("access_token", "");
  const auto max_bytes = onebot.value("max_message_bytes", std::int64_t{64} << 20);
  if (mode == "forward") {
    net::ForwardClient::Options options;
    options.url = onebot.value("url", options.url);
    options.access_token = token;
    options.max_message_bytes = static_cast<std::size_t>(max_bytes);
    options.min_backoff = seconds_to_ms(onebot.value("reconnect_initial_seconds", 1.0));
    options.max_backoff =
        std::max(options.min_backoff, seconds_to_ms(onebot.value("reconnect_max_seconds", 30.0)));
    forward_ = std::make_unique<net::ForwardClient>(executor_, options, hub_);
    Status s = forward_->start();
    if (s) app_logger()->info("{}", log::text("log.forward_connecting", fmt::arg("url", options.url)));
    return s;
  }
  auto listen = parse_listen(onebot.value("listen", "127.0.0.1:8080"), "onebot.listen", language);
  if (!listen) return Error::make("bad_config", config::format_issue(listen.error(), language));
  net::ReverseServer::Options options;
  options.host = listen->host;
  options.port = listen->port;
  options.path = onebot.value("path", options.path);
  options.access_token = token;
  options.max_connections = static_cast<std::size_t>(onebot.value("max_connections", 16));
  options.max_message_bytes = static_cast<std::size_t>(max_bytes);
  if (token.empty() && options.host != "127.0.0.1" && options.host != "::1" && options.host != "localhost") {
    app_logger()->warn("{}", log::text("log.open_reverse_listen", fmt::arg("host", options.host)));
  }
  reverse_ = std::make_unique<net::ReverseServer>(executor_, options, hub_);
  auto port = reverse_->start();
  if (!port) return port.error();
  return {};
}

void Transport::stop() {
  if (forward_) forward_->stop();
  if (reverse_) reverse_->stop();
  hub_.close_all(1000);
}

void Transport::set_options(const json& config) { hub_.set_options(hub_options(config)); }

Status Transport::reconnect_if_changed(const json& previous, const json& config, std::string_view language) {
  if (transport_settings(config["onebot"]) == transport_settings(previous["onebot"])) return {};
  app_logger()->info("{}", log::text("log.onebot_reconnecting"));
  stop();
  forward_.reset();
  reverse_.reset();
  return start(config, language);
}

}  // namespace picbot
