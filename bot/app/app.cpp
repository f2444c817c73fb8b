#include "bot/app/app.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <utility>

#include "bot/agent/agent.h"
#include "bot/app/app_logger.h"
#include "bot/app/builtin_commands.h"
#include "bot/app/config_service.h"
#include "bot/app/host_messages.h"
#include "bot/app/image_storage.h"
#include "bot/app/metered_api.h"
#include "bot/app/plugin_host.h"
#include "bot/app/storage_settings.h"
#include "bot/app/transport.h"
#include "bot/app/web_host.h"
#include "bot/core/clock.h"
#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/metrics.h"
#include "bot/core/secret.h"
#include "bot/core/worker_pool.h"
#include "bot/dispatch/dispatcher.h"
#include "bot/net/http_client.h"
#include "bot/plugin/plugin_context.h"
#include "image/storage/image_route.h"
#include "image/storage/local_image_store.h"
#include "image/storage/storage_messages.h"

namespace picbot {
namespace asio = boost::asio;
using nlohmann::json;

// The parts, in dependency order: each is built from the ones above it, and
// destroyed before them. Wiring that goes upwards (events into the
// dispatcher, a reload into every part, the plugins' host services) is set
// once everything exists.
struct App::Impl {
  Impl(asio::io_context& io_context, std::filesystem::path path, config::Schema schema,
       config::LoadedConfig loaded)
      : io(io_context),
        config_service(io.get_executor(), std::move(path), std::move(schema), std::move(loaded), workers),
        config(config_service.values()),
        data_dir(config.value("data_dir", "data")),
        http(io.get_executor()),
        storage(io.get_executor(), workers, http, Clock::system(), storage_settings(config), data_dir,
                [this] { return web_host.public_base_url(); }),
        transport(io.get_executor(), config),
        metered_api(transport.hub(), metrics),
        dispatcher(io.get_executor(), metered_api, registry,
                   std::make_shared<const BotSettings>(BotSettings::from_config(config["bot"]))),
        chat_agent(agent::Agent::Deps{io.get_executor(), http, workers, Clock::system(), registry},
                   agent::AgentSettings::from_config(config)),
        plugins(builtin_plugins(), registry),
        web_host({.executor = io.get_executor(),
                  .workers = workers,
                  .metrics = metrics,
                  .config = config_service,
                  .hub = transport.hub(),
                  .dispatcher = dispatcher,
                  .api = metered_api,
                  .data_dir = data_dir,
                  .agent_enabled = [this] { return chat_agent.enabled(); },
                  .storage = &storage}),
        signals(io, SIGINT, SIGTERM),
        shutdown_timer(io) {
    transport.deliver_events_to(dispatcher);
    config_service.set_apply([this](const json& previous) { return apply(previous); });
  }

  // What a plugin's context reaches. The web hooks stay empty when the web
  // server is off (PluginContext then answers "web_disabled").
  HostServices host_services() {
    HostServices services;
    services.executor = io.get_executor();
    services.api = &metered_api;
    services.metrics = &metrics;
    services.image_store = &storage.store();
    services.set_status_provider = [this](const std::string& plugin, std::function<json()> provider) {
      web_host.set_status_provider(plugin, std::move(provider));
    };
    services.http = &http;
    services.workers = &workers;
    services.clock = &Clock::system();
    services.data_dir = data_dir;
    services.bot_settings = [this] { return dispatcher.settings(); };
    services.root_config = [this] { return config; };
    services.save_config_value = [this](std::string key, json value) {
      return config_service.save_value(std::move(key), std::move(value));
    };
    services.translate = [this](std::string text) {
      return chat_agent.translate_to_english(std::move(text));
    };
    services.public_base_url = [this] { return web_host.public_base_url(); };
    services.open_http_listener = [this](std::string host, std::uint16_t port, web::ListenerOptions options) {
      return web_host.open_listener(std::move(host), port, options);
    };
    if (web_host.running()) {
      services.add_http_route = [this](std::string method, std::string prefix, web::HttpHandler handler,
                                       web::RouteOptions options) {
        return web_host.add_route(std::move(method), std::move(prefix), std::move(handler),
                                  std::move(options));
      };
      services.add_console_route = [this](const std::string& plugin, std::string method, std::string path,
                                          web::HttpHandler handler) {
        return web_host.add_console_route(plugin, std::move(method), std::move(path), std::move(handler));
      };
      services.add_console_page = [this](const std::string& plugin, web::ConsolePage page) {
        return web_host.add_console_page(plugin, std::move(page));
      };
    }
    return services;
  }

  // GET /images/<id> from the shared store, when the web server runs.
  void mount_image_route() {
    if (!web_host.running()) {
      app_logger()->info("{}", image::storage_log_text("log.storage.no_image_route",
                                                       fmt::arg("reason", "web.enabled: false")));
      return;
    }
    Status s = web_host.add_route(
        "GET", std::string(image::kImageRoutePrefix), [this](const web::HttpRequest& request) {
          return image::serve_stored_image(storage.store(), Clock::system(), request);
        });
    if (!s)
      app_logger()->warn(
          "{}", image::storage_log_text("log.storage.no_image_route", fmt::arg("reason", s.error().message)));
  }

  // LLM agent: wake-ups that are not commands go to it when llm.enabled;
  // otherwise the dispatcher stays quiet or sends bot.disabled_reply. The
  // handler only forwards, so replacing it never frees a running coroutine.
  void install_agent() {
    chat_agent.reconfigure(agent::AgentSettings::from_config(config));
    if (chat_agent.enabled()) {
      // Opened only when needed: creating the database costs start-up time.
      if (!agent_store_opened) {
        agent_store_opened = true;
        (void)chat_agent.open_store(data_dir / "agent.sqlite3");
      }
      dispatcher.set_chat_handler(
          [this](MessageContext& ctx, const Wake& wake) { return chat_agent.handle(ctx, wake); });
    } else {
      dispatcher.set_chat_handler(nullptr);
    }
  }

  // Makes every part follow the config just loaded (see ConfigService::reload).
  Status apply(const json& previous) {
    const json old_web = previous.value("web", json::object()), new_web = config.value("web", json::object());
    if (old_web.value("enabled", true) != new_web.value("enabled", true) ||
        old_web.value("listen", "") != new_web.value("listen", "")) {
      app_logger()->warn("{}", log::text("log.web_restart_needed"));
    }
    SecretRegistry::instance().set(config_service.schema().secret_values(config));
    web_host.reconfigure();
    log::set_level(config.value("log_level", "info"));
    log::follow_config(config.value("log_language", "auto"), config["bot"].value("language", "zh-CN"));
    dispatcher.set_settings(std::make_shared<const BotSettings>(BotSettings::from_config(config["bot"])));
    install_agent();
    transport.set_options(config);
    plugins.reconfigure(config);
    return transport.reconnect_if_changed(previous, config, config_service.language());
  }

  void watch_signals() {
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      app_logger()->info("{}", log::text("log.signal", fmt::arg("signal", signal)));
      stop();
    });
  }

  // The worker jobs still queued or running when the loop stops (a quota
  // commit, a config save) refer to the parts below: finish them and join
  // the workers before any part goes away, then run what they posted back
  // to the loop while every part is alive. A coroutine that asks for a
  // worker after that is refused (WorkerPool::stop) and ends here too.
  ~Impl() {
    finish_storage();  // not stopped yet when start() failed
    workers.stop();
    io.restart();
    io.poll();
  }

  // Stops the storage's sweep and uploads when nothing else did (a start
  // that failed after the upload queue opened): the queue must have
  // stopped before it is destroyed.
  void finish_storage() {
    if (storage.stopped()) return;
    bool done = false;
    io.restart();
    asio::co_spawn(
        io,
        [this, &done]() -> asio::awaitable<void> {
          co_await storage.stop();
          done = true;
        },
        asio::detached);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done && std::chrono::steady_clock::now() < give_up) io.run_one_for(std::chrono::milliseconds(50));
  }

  void stop() {
    if (stopping) return;
    stopping = true;
    signals.cancel();
    config_service.stop();
    plugins.stop();
    web_host.stop();
    transport.stop();
    // Give the close handshakes a moment, then stop whatever is left.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    asio::co_spawn(
        io,
        [this, give_up]() -> asio::awaitable<void> {
          co_await storage.stop();  // uploads cut short stay pending for the next start
          while (!transport.hub().links().empty() && std::chrono::steady_clock::now() < give_up) {
            shutdown_timer.expires_after(std::chrono::milliseconds(20));
            co_await shutdown_timer.async_wait(asio::use_awaitable);
          }
          spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
          io.stop();
        },
        asio::detached);
  }

  asio::io_context& io;
  WorkerPool workers{2};
  ConfigService config_service;
  const json& config;                    // config_service.values(), the running config
  const std::filesystem::path data_dir;  // read once: a change needs a restart
  net::HttpClient http;
  ImageStorage storage;  // the plugins' shared store, served at /images/<id>; read once at start
  CommandRegistry registry;
  Metrics metrics;
  Transport transport;
  MeteredApi metered_api;  // wraps transport.hub()
  Dispatcher dispatcher;
  agent::Agent chat_agent;
  bool agent_store_opened = false;
  PluginHost plugins;
  WebHost web_host;  // after plugins: its routes call into them
  asio::signal_set signals;
  asio::steady_timer shutdown_timer;
  bool stopping = false;
};

App::App(asio::io_context& io, std::filesystem::path config_path, config::Schema schema,
         config::LoadedConfig config)
    : impl_(std::make_unique<Impl>(io, std::move(config_path), std::move(schema), std::move(config))) {}

App::~App() = default;

Status App::start() {
  const auto started = std::chrono::steady_clock::now();
  Impl& app = *impl_;
  register_host_messages();
  SecretRegistry::instance().set(app.config_service.schema().secret_values(app.config));
  app.config_service.remove_stale_temp_files();
  if (Status s = register_builtin_commands(app.registry, [this] { return reload(); }); !s) return s;
  if (Status s = app.chat_agent.register_commands(); !s) return s;
  app.install_agent();
  // Bound before the plugins start, so public_base_url() knows the real port.
  if (Status s = app.web_host.start(); !s) return s;
  app.mount_image_route();
  if (Status s = app.storage.start(); !s) return s;
  if (Status s = app.plugins.start(app.host_services(), app.config); !s) return s;
  if (Status s = app.transport.start(app.config, app.config_service.language()); !s) return s;
  app.watch_signals();
  app.config_service.start_watching();
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  app_logger()->info("{}", log::text("log.ready", fmt::arg("ms", ms)));
  return {};
}

Status App::reload() { return impl_->config_service.reload(); }

void App::request_stop() { impl_->stop(); }

}  // namespace picbot
