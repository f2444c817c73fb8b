// WebHost: the host's web server and what the host mounts on it: /health,
// the console (login, pages, /metrics) with the host's API routes
// (/api/status, /api/config/schema, GET and POST /api/config, the chat
// sandbox's /api/sandbox/send and /api/sandbox/messages), and the hooks
// plugins mount their own routes and pages through.
//
// Guarantees: with web.enabled false nothing binds and running() is false;
// otherwise start() binds before the plugins start, so public_base_url()
// knows the real port. Sandbox messages go through the real dispatcher with
// replies counted like real ones. web.enabled and web.listen are read once
// (a change needs a restart); the console's password, metrics token and
// language follow reconfigure().
// Thread rules: io_context thread only.
// Construction needs the parts it reports on or hands requests to, all built
// before it; it binds nothing until start().
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bot/core/metrics.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/web/console_types.h"
#include "bot/web/http_types.h"

namespace picbot {
class ConfigService;
class Dispatcher;
class MeteredApi;
class Sandbox;
namespace onebot {
class Hub;
}
class ImageStorage;
namespace web {
class Console;
class HttpServer;
}  // namespace web

class WebHost {
 public:
  struct Deps {
    boost::asio::any_io_executor executor;
    WorkerPool& workers;
    Metrics& metrics;
    ConfigService& config;   // web.* and bot.language; the config API
    const onebot::Hub& hub;  // links and call counters for /health and /api/status
    Dispatcher& dispatcher;  // counters; runs the sandbox's messages
    const MeteredApi& api;   // messages sent to the chats
    std::filesystem::path data_dir;
    // Whether the LLM agent answers messages (the sandbox's no-reply note). Empty: off.
    std::function<bool()> agent_enabled;
    // The host's images (store, and for backend s3 the bucket and upload
    // queue): GET /api/storage and its actions. May be null.
    ImageStorage* storage = nullptr;
  };

  explicit WebHost(Deps deps);
  ~WebHost();

  // Binds web.listen and mounts the routes above, unless web.enabled is
  // false. Fails when the address is refused (web_bind_address) or taken, or
  // the console cannot start.
  Status start();

  // Applies the running config's console settings (password, metrics token, language).
  void reconfigure();

  // Closes the listener and every open connection.
  void stop();

  // True once start() made the server (web.enabled and web.listen accepted).
  bool running() const { return server_ != nullptr; }

  // The plugins' hooks (HostServices). REQUIRES: running().
  Status add_route(std::string method, std::string path_prefix, web::HttpHandler handler,
                   web::RouteOptions options = {});
  // A server of a plugin's own on host:port, with web.*'s limits and
  // timeouts (HostServices::open_http_listener); works with web.enabled: false.
  Result<std::unique_ptr<web::HttpListener>> open_listener(std::string host, std::uint16_t port,
                                                           web::ListenerOptions limits);
  Status add_console_route(const std::string& plugin, std::string method, std::string path,
                           web::HttpHandler handler);
  Status add_console_page(const std::string& plugin, web::ConsolePage page);

  // Sets plugin's section of /api/status (kept when the web server is off).
  void set_status_provider(const std::string& plugin, std::function<nlohmann::json()> provider);

  // web.public_base_url without a trailing '/'; when empty, derived from the
  // bound address ("http://127.0.0.1:6185") unless the server listens on
  // 0.0.0.0 / :: (no single address to give out), or "" without a server.
  std::string public_base_url() const;

 private:
  Status start_console();
  void add_host_routes();
  void add_storage_routes();
  boost::asio::awaitable<web::HttpResponse> storage_json();
  // The 409 answer of a bucket action under backend local, in the console's language.
  web::HttpResponse no_bucket() const;
  nlohmann::json status_json() const;
  void refresh_metrics();

  Deps deps_;
  std::map<std::string, std::function<nlohmann::json()>> status_providers_;
  const std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
  std::unique_ptr<web::HttpServer> server_;
  std::unique_ptr<web::Console> console_;
  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<MeteredApi> sandbox_api_;  // wraps sandbox_
};

}  // namespace picbot
