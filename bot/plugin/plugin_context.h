// PluginContext: the narrow interface a plugin gets from the host: register
// commands/tools/hooks, read its config section, and reach host services
// (OneBot API, HTTP client, worker pool, clock, data directory, image store,
// logger).
// One per plugin; lives as long as the host.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bot/core/clock.h"
#include "bot/core/metrics.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/onebot/bot_api.h"
#include "bot/plugin/bot_settings.h"
#include "bot/plugin/command_registry.h"
#include "bot/plugin/plugin.h"
#include "bot/web/console_types.h"
#include "bot/web/http_types.h"

namespace picbot {
namespace net {
class HttpClient;
}
namespace image {
class ImageStore;  // image/storage/image_store.h
}

// Host services shared by every plugin.
struct HostServices {
  boost::asio::any_io_executor executor;
  onebot::BotApi* api = nullptr;
  net::HttpClient* http = nullptr;
  WorkerPool* workers = nullptr;
  const Clock* clock = nullptr;
  std::filesystem::path data_dir;
  std::function<std::shared_ptr<const BotSettings>()> bot_settings;
  // The whole running config (validated, with defaults), for a plugin that
  // shares a top-level section (the image gateway's chat route reads `llm`).
  // May be empty (unit tests): then an empty object.
  std::function<nlohmann::json()> root_config;
  // Writes one value into the config file (dotted path) on a worker, one
  // save at a time, and reloads it.
  std::function<boost::asio::awaitable<Status>(std::string path, nlohmann::json value)> save_config_value;
  // Translates text into English with the LLM agent; nullopt when the agent
  // is off, has no key, or fails (callers keep the original). May be empty.
  std::function<boost::asio::awaitable<std::optional<std::string>>(std::string text)> translate;
  // Mounts a route on the host's web server (see bot/web/http_server.h for
  // matching). Empty when the web server is off (web.enabled: false).
  std::function<Status(std::string method, std::string path_prefix, web::HttpHandler handler,
                       web::RouteOptions options)>
      add_http_route;
  // Opens a listener of the plugin's own on host:port (an IP literal; port
  // 0: any), with the web server's limits. Errors as HttpServer::start.
  std::function<Result<std::unique_ptr<web::HttpListener>>(std::string host, std::uint16_t port,
                                                           web::ListenerOptions options)>
      open_http_listener;
  // Base URL at which the web server is reachable from outside, without a
  // trailing '/'; "" when unknown (see App). May be empty.
  std::function<std::string()> public_base_url;
  // The process's metrics registry (/metrics). May be null in unit tests.
  Metrics* metrics = nullptr;
  // The host's image store (storage.*), shared by every plugin. Null only in
  // unit tests that build HostServices by hand without one.
  image::ImageStore* image_store = nullptr;
  // Web console hooks (see PluginContext). Empty when the web server is off.
  std::function<Status(const std::string& plugin, std::string method, std::string path,
                       web::HttpHandler handler)>
      add_console_route;
  std::function<Status(const std::string& plugin, web::ConsolePage page)> add_console_page;
  std::function<void(const std::string& plugin, std::function<nlohmann::json()> provider)>
      set_status_provider;
};

class PluginContext {
 public:
  PluginContext(std::string plugin_name, HostServices& services, CommandRegistry& registry);

  // Registers a command owned by this plugin (see Command and
  // bot/plugin/command_spec.h); fails when its declaration is malformed or a
  // name is taken.
  Status add_command(Command command) { return registry_.add_command(name_, std::move(command)); }
  // Takes back every variant of the command `name` this plugin registered
  // (a running handler finishes first); returns how many were removed. The
  // host removes all of them when the plugin stops.
  std::size_t remove_command(std::string_view name) { return registry_.remove_command(name_, name); }
  Status add_tool(Tool tool) { return registry_.add_tool(name_, std::move(tool)); }
  void add_hook(MessageHook hook) { registry_.add_hook(name_, std::move(hook)); }

  // This plugin's section, plugins.<name>, validated and with defaults.
  const nlohmann::json& config() const { return config_; }
  void set_config(nlohmann::json section) { config_ = std::move(section); }
  // The top-level image_providers map (name -> instance settings), validated;
  // an empty object when the file has none.
  const nlohmann::json& image_providers() const { return image_providers_; }
  void set_image_providers(nlohmann::json providers) { image_providers_ = std::move(providers); }

  const std::string& name() const { return name_; }
  boost::asio::any_io_executor executor() const { return services_.executor; }
  onebot::BotApi& api() { return *services_.api; }
  net::HttpClient& http() { return *services_.http; }
  WorkerPool& workers() { return *services_.workers; }
  const Clock& clock() const { return *services_.clock; }
  const std::filesystem::path& data_dir() const { return services_.data_dir; }
  std::shared_ptr<const BotSettings> bot_settings() const { return services_.bot_settings(); }
  nlohmann::json root_config() const {
    return services_.root_config ? services_.root_config() : nlohmann::json::object();
  }
  const std::shared_ptr<spdlog::logger>& logger() const { return logger_; }
  // The host's image store: save a picture there and it is served at
  // /images/<id>, listed in the gallery and kept per storage.*. Shared by all
  // plugins; owned by the host. REQUIRES: the host has one (always in
  // picbot; a hand-built HostServices must set it).
  image::ImageStore& image_store() { return *services_.image_store; }

  // The host's translate_to_english service (see HostServices::translate).
  boost::asio::awaitable<std::optional<std::string>> translate(std::string text) {
    if (!services_.translate) co_return std::nullopt;
    co_return co_await services_.translate(std::move(text));
  }

  // Mounts an HTTP route (e.g. GET "/images/") on the host's web server.
  // Routes are public: the handler does its own authorisation. options: the
  // route's body limit and 413 (web::RouteOptions). Error "web_disabled"
  // when the host runs no web server.
  Status add_http_route(std::string method, std::string path_prefix, web::HttpHandler handler,
                        web::RouteOptions options = {}) {
    if (!services_.add_http_route)
      return Error::make("web_disabled", "the web server is off (web.enabled: false)");
    return services_.add_http_route(std::move(method), std::move(path_prefix), std::move(handler),
                                    std::move(options));
  }

  // A listener of this plugin's own on host:port (see
  // HostServices::open_http_listener), for a plugin that serves on its own
  // address; the plugin owns it and stops it in stop(). "unavailable" when
  // the host offers none (unit tests).
  Result<std::unique_ptr<web::HttpListener>> open_http_listener(std::string host, std::uint16_t port,
                                                                web::ListenerOptions options = {}) {
    if (!services_.open_http_listener) return Error::unavailable("the host opens no listeners for plugins");
    return services_.open_http_listener(std::move(host), port, options);
  }

  // The web server's public base URL ("https://bot.example.com"), or "" when
  // there is none (see HostServices::public_base_url).
  std::string public_base_url() const {
    return services_.public_base_url ? services_.public_base_url() : std::string();
  }

  // Mounts a web console API route at /api/plugins/<name><path> (path starts
  // with '/'; prefix matching as in HttpServer). The console checks the login
  // session first, and for every method but GET the X-CSRF-Token header, so
  // the handler sees only authenticated requests. JSON in and out by
  // convention (HttpResponse::json); binary answers (images) are allowed.
  // Error "web_disabled" without a web server, "bad_route" for a bad path.
  Status add_console_route(std::string method, std::string path, web::HttpHandler handler) {
    if (!services_.add_console_route)
      return Error::make("web_disabled", "the web server is off (web.enabled: false)");
    return services_.add_console_route(name_, std::move(method), std::move(path), std::move(handler));
  }

  // Adds a page to the console's navigation (see web::ConsolePage). Error
  // "web_disabled" without a web server, "bad_page" for a bad id.
  Status add_console_page(web::ConsolePage page) {
    if (!services_.add_console_page)
      return Error::make("web_disabled", "the web server is off (web.enabled: false)");
    return services_.add_console_page(name_, std::move(page));
  }

  // Sets the JSON object shown in this plugin's section of the console's
  // status page and API (/api/status "plugins".<name>). Called on the
  // io_context thread for each status request; must not block.
  void set_status_provider(std::function<nlohmann::json()> provider) {
    if (services_.set_status_provider) services_.set_status_provider(name_, std::move(provider));
  }

  // The metrics registry rendered at /metrics. Prefix names with
  // "picbot_<plugin>_" (e.g. picbot_gemini_generations_total).
  Metrics& metrics() {
    static Metrics unused;  // unit tests that build HostServices by hand
    return services_.metrics ? *services_.metrics : unused;
  }

  // Saves plugins.<name>.<key> = value to the config file and reloads it.
  // The disk work runs on a worker; saves never interleave.
  boost::asio::awaitable<Status> save_config_value(std::string key, nlohmann::json value) {
    std::string path = "plugins." + name_ + "." + key;
    co_return co_await services_.save_config_value(std::move(path), std::move(value));
  }
  // Saves image_providers.<instance>.<key> = value and reloads, like
  // save_config_value: the one path outside plugins.<name> a plugin may
  // write (an instance's model or api_base picked at run time). Errors
  // "bad_request", writing nothing, unless instance is a name of
  // image_providers() and key one field name (no '.').
  boost::asio::awaitable<Status> save_image_provider_value(std::string instance, std::string key,
                                                           nlohmann::json value);

 private:
  std::string name_;
  HostServices& services_;
  CommandRegistry& registry_;
  nlohmann::json config_;
  nlohmann::json image_providers_ = nlohmann::json::object();
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace picbot
