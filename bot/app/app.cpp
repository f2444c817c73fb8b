#include "bot/app/app.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "bot/agent/agent.h"
#include "bot/app/builtin_commands.h"
#include "bot/app/config_service.h"
#include "bot/app/host_messages.h"
#include "bot/app/metered_api.h"
#include "bot/app/plugin_host.h"
#include "bot/app/sandbox.h"
#include "bot/app/startup_checks.h"
#include "bot/app/transport.h"
#include "bot/config/config_edit.h"
#include "bot/config/config_writer.h"
#include "bot/core/clock.h"
#include "bot/core/json_limits.h"
#include "bot/core/logging.h"
#include "bot/core/metrics.h"
#include "bot/core/millis.h"
#include "bot/core/secret.h"
#include "bot/core/worker_pool.h"
#include "bot/dispatch/dispatcher.h"
#include "bot/net/http_client.h"
#include "bot/plugin/plugin_context.h"
#include "bot/web/console.h"
#include "bot/web/health.h"
#include "bot/web/http_server.h"

namespace picbot {
namespace asio = boost::asio;
using nlohmann::json;

namespace {
auto logger() {
  static auto l = log::get("app");
  return l;
}

Error config_error(const config::ConfigIssue& issue) {
  return Error::make("bad_config", config::format_issue(issue));
}

}  // namespace

struct App::Impl {
  Impl(asio::io_context& io_context, std::filesystem::path path, config::Schema s,
       config::LoadedConfig loaded)
      : io(io_context),
        config_service(io.get_executor(), std::move(path), std::move(s), std::move(loaded), workers),
        config(config_service.values()),
        schema(config_service.schema()),
        settings(std::make_shared<const BotSettings>(BotSettings::from_config(config["bot"]))),
        http(io.get_executor()),
        transport(io.get_executor(), config),
        metered_api(transport.hub(), metrics),
        dispatcher(io.get_executor(), metered_api, registry, settings),
        signals(io, SIGINT, SIGTERM),
        shutdown_timer(io) {
    transport.deliver_events_to(dispatcher);
    config_service.set_apply([this](const json& previous) { return apply(previous); });
    services.executor = io.get_executor();
    services.api = &metered_api;
    services.metrics = &metrics;
    services.set_status_provider = [this](const std::string& plugin, std::function<json()> provider) {
      status_providers[plugin] = std::move(provider);
    };
    services.http = &http;
    services.workers = &workers;
    services.clock = &Clock::system();
    services.data_dir = config.value("data_dir", "data");
    services.bot_settings = [this] { return dispatcher.settings(); };
    services.save_config_value = [this](std::string key, json value) {
      return config_service.save_value(std::move(key), std::move(value));
    };
    chat_agent = std::make_unique<agent::Agent>(
        agent::Agent::Deps{io.get_executor(), http, workers, Clock::system(), registry},
        agent::AgentSettings::from_config(config));
    services.translate = [this](std::string text) {
      return chat_agent->translate_to_english(std::move(text));
    };
    services.public_base_url = [this] { return public_base_url(); };
  }

  // The web server: /health, plugin routes (/images/<id>). Bound before the
  // plugins start, so public_base_url() knows the real port. Pages with a
  // login come later, so a non-loopback address needs web.password already.
  Status start_web() {
    const json web_config = config.value("web", json::object());
    if (!web_config.value("enabled", true)) {
      logger()->info("web server off (web.enabled: false)");
      return {};
    }
    auto listen = web_bind_address(web_config, language());
    if (!listen) return config_error(listen.error());
    web::HttpServer::Options options;
    options.host = listen->host;
    options.port = listen->port;
    web_server = std::make_unique<web::HttpServer>(io.get_executor(), options);
    web_server->route("GET", "/health",
                      web::make_health_handler([this] { return transport.hub().links().size(); }));
    if (auto port = web_server->start(); !port) return port.error();
    services.add_http_route = [this](std::string method, std::string prefix,
                                     web::HttpHandler handler) -> Status {
      web_server->route(std::move(method), std::move(prefix), std::move(handler));
      return {};
    };
    return start_console();
  }

  std::string language() const { return config["bot"].value("language", "zh-CN"); }

  web::Console::Options console_options() const {
    const json web_config = config.value("web", json::object());
    return {.password = web_config.value("password", ""),
            .metrics_token = web_config.value("metrics_token", ""),
            .data_dir = services.data_dir,
            .language = config["bot"].value("language", "zh-CN")};
  }

  // The web console: login, pages, and the host's API routes.
  Status start_console() {
    console =
        std::make_unique<web::Console>(*web_server, workers, Clock::system(), metrics, console_options());
    if (Status s = console->start(); !s) return s;
    console->set_metrics_refresh([this] { refresh_metrics(); });
    services.add_console_route = [this](const std::string& plugin, std::string method, std::string path,
                                        web::HttpHandler handler) {
      return console->add_plugin_route(plugin, std::move(method), std::move(path), std::move(handler));
    };
    services.add_console_page = [this](const std::string& plugin, web::ConsolePage page) {
      return console->add_plugin_page(plugin, std::move(page));
    };
    sandbox = std::make_unique<Sandbox>(
        io.get_executor(), workers,
        [this](std::shared_ptr<const onebot::MessageEvent> event, onebot::BotApi&, bool admin) {
          BotSettings as_user = *dispatcher.settings();
          if (admin)
            as_user.admins.insert(event->user_id);
          else
            as_user.admins.erase(event->user_id);
          // Replies go to the sandbox through sandbox_api, so they count like real ones.
          return dispatcher.handle_message(std::move(event), *sandbox_api,
                                           std::make_shared<const BotSettings>(as_user));
        });
    sandbox_api = std::make_unique<MeteredApi>(*sandbox, metrics);
    console->add_route("GET", "/api/status",
                       [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
                         co_return web::HttpResponse::json(status_json());
                       });
    console->add_route("GET", "/api/config/schema",
                       [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
                         co_return web::HttpResponse::json(schema.to_json());
                       });
    console->add_route("GET", "/api/config",
                       [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
                         co_return web::HttpResponse::json(config_service.editor_json());
                       });
    console->add_route("POST", "/api/config", [this](const web::HttpRequest& request) {
      return config_service.save_from_console(request);
    });
    console->add_route(
        "POST", "/api/sandbox/send",
        [this](const web::HttpRequest& request) -> asio::awaitable<web::HttpResponse> {
          auto parsed = parse_json(request.body);
          if (!parsed || !parsed->is_object()) {
            std::string message = "expected a JSON object";
            if (!parsed) message += " (" + parsed.error().message + ")";
            co_return web::HttpResponse::json({{"error", "bad_request"}, {"message", message}}, 400);
          }
          const json& body = *parsed;
          auto id =
              sandbox->send(body.value("user_id", std::int64_t{0}), body.value("group_id", std::int64_t{0}),
                            body.value("admin", false), body.value("text", std::string()));
          if (!id)
            co_return web::HttpResponse::json({{"error", id.error().code}, {"message", id.error().message}},
                                              400);
          co_return web::HttpResponse::json({{"id", *id}});
        });
    console->add_route("GET", "/api/sandbox/messages",
                       [this](const web::HttpRequest& request) -> asio::awaitable<web::HttpResponse> {
                         std::uint64_t after = 0;
                         const std::string text = request.query_param("after");
                         std::from_chars(text.data(), text.data() + text.size(), after);
                         co_return web::HttpResponse::json(sandbox->messages_after(after));
                       });
    return {};
  }

  json status_json() const {
    const auto now = std::chrono::system_clock::now();
    json links = json::array();
    for (const auto& link : transport.hub().links()) {
      links.push_back(
          {{"self_id", link.self_id},
           {"description", link.description},
           {"role", link.role},
           {"connected_at",
            std::chrono::duration_cast<std::chrono::seconds>(link.connected_at.time_since_epoch()).count()},
           {"uptime_seconds",
            std::chrono::duration_cast<std::chrono::seconds>(now - link.connected_at).count()},
           {"frames_in", link.frames_in},
           {"frames_out", link.frames_out}});
    }
    json plugin_status = json::object();
    for (const auto& [name, provider] : status_providers) {
      try {
        plugin_status[name] = provider();
      } catch (const std::exception& e) {
        plugin_status[name] = {{"error", e.what()}};
      }
    }
    const auto& d = dispatcher.counters();
    const auto& h = transport.hub().counters();
    return {{"version", PICBOT_VERSION},
            {"uptime_seconds",
             std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_at)
                 .count()},
            {"onebot", {{"mode", config["onebot"].value("mode", "reverse")}, {"links", std::move(links)}}},
            {"messages",
             {{"in", d.messages_in},
              {"out", metered_api.messages_out() + (sandbox_api ? sandbox_api->messages_out() : 0)},
              {"commands", d.commands_run},
              {"commands_denied", d.commands_denied},
              {"handler_errors", d.handler_errors},
              {"dropped", d.events_dropped}}},
            {"api", {{"calls", h.api_calls}, {"failures", h.api_failures}}},
            {"plugins", std::move(plugin_status)},
            {"errors", log::recent_problems(20)}};
  }

  // Counters kept by the dispatcher and hub, copied at scrape time.
  void refresh_metrics() {
    const auto& d = dispatcher.counters();
    metrics.set_counter("picbot_messages_in_total", "Messages received (including the console sandbox)", {},
                        static_cast<double>(d.messages_in));
    metrics.set_counter("picbot_commands_total", "Commands run", {}, static_cast<double>(d.commands_run));
    metrics.set_counter("picbot_commands_denied_total", "Admin-only commands refused", {},
                        static_cast<double>(d.commands_denied));
    metrics.set_counter("picbot_handler_errors_total", "Message handlers that failed", {},
                        static_cast<double>(d.handler_errors));
    metrics.set_counter("picbot_events_dropped_total", "Events dropped because the backlog was full", {},
                        static_cast<double>(d.events_dropped));
  }

  // web.public_base_url without a trailing '/'; when empty, derived from the
  // bound address ("http://127.0.0.1:6185") unless the server listens on
  // 0.0.0.0 / :: (no single address to give out), or "" without a server.
  std::string public_base_url() const {
    std::string url = config.value("web", json::object()).value("public_base_url", "");
    while (url.ends_with('/')) url.pop_back();
    if (!url.empty() || !web_server || web_server->port() == 0) return url;
    const std::string& host = web_server->options().host;
    boost::system::error_code ec;
    if (asio::ip::make_address(host, ec).is_unspecified() || ec) return {};
    const std::string shown = host.find(':') == std::string::npos ? host : "[" + host + "]";
    return "http://" + shown + ":" + std::to_string(web_server->port());
  }

  // LLM agent: wake-ups that are not commands go to it when llm.enabled;
  // otherwise the dispatcher stays quiet or sends bot.disabled_reply. The
  // handler only forwards, so replacing it never frees a running coroutine.
  void install_agent() {
    chat_agent->reconfigure(agent::AgentSettings::from_config(config));
    if (chat_agent->enabled()) {
      // Opened only when needed: creating the database costs start-up time.
      if (!agent_store_opened) {
        agent_store_opened = true;
        (void)chat_agent->open_store(services.data_dir / "agent.sqlite3");
      }
      dispatcher.set_chat_handler(
          [this](MessageContext& ctx, const Wake& wake) { return chat_agent->handle(ctx, wake); });
    } else {
      dispatcher.set_chat_handler(nullptr);
    }
  }

  // Makes every part follow the config just loaded (see ConfigService::reload).
  Status apply(const json& previous) {
    const json old_web = previous.value("web", json::object()), new_web = config.value("web", json::object());
    if (old_web.value("enabled", true) != new_web.value("enabled", true) ||
        old_web.value("listen", "") != new_web.value("listen", "")) {
      logger()->warn("web.enabled / web.listen changed: restart picbot to apply");
    }
    SecretRegistry::instance().set(schema.secret_values(config));
    if (console) console->reconfigure(console_options());
    log::set_level(config.value("log_level", "info"));
    dispatcher.set_settings(std::make_shared<const BotSettings>(BotSettings::from_config(config["bot"])));
    install_agent();
    transport.set_options(config);
    plugins.reconfigure(config);
    return transport.reconnect_if_changed(previous, config, language());
  }

  void watch_signals() {
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      logger()->info("signal {}: shutting down", signal);
      stop();
    });
  }

  void stop() {
    if (stopping) return;
    stopping = true;
    signals.cancel();
    config_service.stop();
    plugins.stop();
    if (web_server) web_server->stop();
    transport.stop();
    // Give the close handshakes a moment, then stop whatever is left.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    asio::co_spawn(
        io,
        [this, give_up]() -> asio::awaitable<void> {
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
  const json& config;            // config_service.values()
  const config::Schema& schema;  // config_service.schema()
  std::shared_ptr<const BotSettings> settings;
  net::HttpClient http;
  CommandRegistry registry;
  Metrics metrics;
  Transport transport;
  MeteredApi metered_api;
  Dispatcher dispatcher;
  HostServices services;
  std::unique_ptr<agent::Agent> chat_agent;
  bool agent_store_opened = false;
  PluginHost plugins{builtin_plugins(), registry};
  std::unique_ptr<web::HttpServer> web_server;  // after plugins: its routes call into them
  std::unique_ptr<web::Console> console;
  std::unique_ptr<Sandbox> sandbox;
  std::unique_ptr<MeteredApi> sandbox_api;  // wraps sandbox
  std::map<std::string, std::function<json()>> status_providers;
  const std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
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
  register_host_messages();
  SecretRegistry::instance().set(impl_->schema.secret_values(impl_->config));
  impl_->config_service.remove_stale_temp_files();
  if (Status s = register_builtin_commands(impl_->registry, [this] { return reload(); }); !s) return s;
  if (Status s = impl_->chat_agent->register_commands(); !s) return s;
  impl_->install_agent();
  if (Status s = impl_->start_web(); !s) return s;
  if (Status s = impl_->plugins.start(impl_->services, impl_->config); !s) return s;
  if (Status s = impl_->transport.start(impl_->config, impl_->language()); !s) return s;
  impl_->watch_signals();
  impl_->config_service.start_watching();
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  logger()->info("picbot ready in {:.1f} ms", ms);
  return {};
}

Status App::reload() { return impl_->config_service.reload(); }

void App::request_stop() { impl_->stop(); }

}  // namespace picbot
