#include "bot/app/app.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <fstream>
#include <sstream>
#include <chrono>

#include "bot/agent/agent.h"
#include "bot/app/builtin_commands.h"
#include "bot/app/host_messages.h"
#include "bot/config/config_writer.h"
#include "bot/core/clock.h"
#include "bot/core/logging.h"
#include "bot/core/secret.h"
#include "bot/core/worker_pool.h"
#include "bot/dispatch/dispatcher.h"
#include "bot/net/forward_client.h"
#include "bot/net/http_client.h"
#include "bot/net/reverse_server.h"
#include "bot/onebot/hub.h"
#include "bot/plugin/plugin_context.h"
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

std::string join_issues(const std::vector<config::ConfigIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += "; ";
    out += config::format_issue(issue);
  }
  return out;
}

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// Splits "host:port" ("[::1]:8080" for IPv6).
Result<std::pair<std::string, std::uint16_t>> split_listen(const std::string& listen, const char* key) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Error::make("bad_config", std::string(key) + ": expected host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(listen.data() + colon + 1, listen.data() + listen.size(), port);
  if (ec != std::errc() || end != listen.data() + listen.size() || port > 65535) {
    return Error::make("bad_config", std::string(key) + ": bad port in '" + listen + "'");
  }
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

struct RunningPlugin {
  std::unique_ptr<Plugin> plugin;
  std::unique_ptr<PluginContext> context;
};
}  // namespace

struct App::Impl {
  Impl(asio::io_context& io_context, std::filesystem::path path, config::Schema s, config::LoadedConfig loaded)
      : io(io_context),
        config_path(std::move(path)),
        schema(std::move(s)),
        config(std::move(loaded.values)),
        settings(std::make_shared<const BotSettings>(BotSettings::from_config(config["bot"]))),
        http(io.get_executor()),
        hub(io.get_executor(), hub_options(config), dispatcher),
        dispatcher(io.get_executor(), hub, registry, settings),
        signals(io, SIGINT, SIGTERM, SIGHUP),
        shutdown_timer(io) {
    services.executor = io.get_executor();
    services.api = &hub;
    services.http = &http;
    services.workers = &workers;
    services.clock = &Clock::system();
    services.data_dir = config.value("data_dir", "data");
    services.bot_settings = [this] { return dispatcher.settings(); };
    services.save_config_value = [this](const std::string& key, const json& value) {
      return save_config_value(key, value);
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
    const std::string listen_text = web_config.value("listen", "127.0.0.1:6185");
    auto listen = split_listen(listen_text, "web.listen");
    if (!listen) return listen.error();
    web::HttpServer::Options options;
    options.host = listen->first == "localhost" ? "127.0.0.1" : listen->first;
    options.port = listen->second;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.host, ec);
    if (ec) return Error::make("bad_config", "web.listen: '" + listen->first + "' is not an IP address");
    if (!address.is_loopback() && web_config.value("password", "").empty()) {
      return Error::make("bad_config", "web.listen is " + listen_text +
                                           " (not a loopback address) but web.password is empty: set web.password "
                                           "(or PICBOT_WEB_PASSWORD), listen on 127.0.0.1, or set web.enabled: false");
    }
    web_server = std::make_unique<web::HttpServer>(io.get_executor(), options);
    web_server->route("GET", "/health", web::make_health_handler([this] { return hub.links().size(); }));
    if (auto port = web_server->start(); !port) return port.error();
    services.add_http_route = [this](std::string method, std::string prefix, web::HttpHandler handler) -> Status {
      web_server->route(std::move(method), std::move(prefix), std::move(handler));
      return {};
    };
    return {};
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

  static onebot::Hub::Options hub_options(const json& config) {
    onebot::Hub::Options options;
    options.heartbeat_interval = seconds_to_ms(config["onebot"].value("heartbeat_interval_seconds", 30.0));
    return options;
  }

  Status start_transport() {
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
      forward = std::make_unique<net::ForwardClient>(io.get_executor(), options, hub);
      Status s = forward->start();
      if (s) logger()->info("forward WS: connecting to {}", options.url);
      return s;
    }
    auto listen = split_listen(onebot.value("listen", "127.0.0.1:8080"), "onebot.listen");
    if (!listen) return listen.error();
    net::ReverseServer::Options options;
    options.host = listen->first;
    options.port = listen->second;
    options.path = onebot.value("path", options.path);
    options.access_token = token;
    options.max_connections = static_cast<std::size_t>(onebot.value("max_connections", 16));
    options.max_message_bytes = static_cast<std::size_t>(max_bytes);
    if (token.empty() && options.host != "127.0.0.1" && options.host != "::1" && options.host != "localhost") {
      logger()->warn("onebot.listen is {} with no onebot.access_token: anyone who can reach it can drive the bot",
                     options.host);
    }
    reverse = std::make_unique<net::ReverseServer>(io.get_executor(), options, hub);
    auto port = reverse->start();
    if (!port) return port.error();
    return {};
  }

  void stop_transport() {
    if (forward) forward->stop();
    if (reverse) reverse->stop();
    hub.close_all(1000);
  }

  Status start_plugins() {
    const json& sections = config.contains("plugins") ? config["plugins"] : json::object();
    for (const auto& factory : builtin_plugins()) {
      const std::string name(factory.name);
      if (!sections.contains(name) || !sections[name].value("enabled", true)) {
        logger()->info("plugin {} not enabled (add plugins.{} to the config to enable it)", name, name);
        continue;
      }
      RunningPlugin running{factory.make(), std::make_unique<PluginContext>(name, services, registry)};
      running.context->set_config(sections[name]);
      if (Status s = running.plugin->start(*running.context); !s) {
        return Error::make("plugin_failed", "plugin " + name + ": " + s.error().message);
      }
      logger()->info("plugin {} started", name);
      plugins.push_back(std::move(running));
    }
    return {};
  }

  Status apply(json next) {
    const bool onebot_changed = next["onebot"] != config["onebot"];
    const json old_web = config.value("web", json::object()), new_web = next.value("web", json::object());
    if (old_web.value("enabled", true) != new_web.value("enabled", true) ||
        old_web.value("listen", "") != new_web.value("listen", "")) {
      logger()->warn("web.enabled / web.listen changed: restart picbot to apply");
    }
    config = std::move(next);
    SecretRegistry::instance().set(schema.secret_values(config));
    log::set_level(config.value("log_level", "info"));
    dispatcher.set_settings(std::make_shared<const BotSettings>(BotSettings::from_config(config["bot"])));
    install_agent();
    hub.set_options(hub_options(config));
    const json& sections = config.contains("plugins") ? config["plugins"] : json::object();
    for (auto& running : plugins) {
      const std::string& name = running.context->name();
      if (!sections.contains(name)) continue;
      running.context->set_config(sections[name]);
      if (Status s = running.plugin->reconfigure(*running.context); !s) {
        logger()->error("plugin {} rejected the new config: {}", name, s.error().message);
      }
    }
    if (onebot_changed) {
      logger()->info("onebot settings changed: reconnecting");
      stop_transport();
      forward.reset();
      reverse.reset();
      if (Status s = start_transport(); !s) return s;
    }
    return {};
  }

  Status reload() {
    auto loaded = config::load_config_file(schema, config_path, config::process_environment());
    if (!loaded) {
      logger()->error("reload refused, the running config stays: {}", join_issues(loaded.error()));
      return Error::make("bad_config", join_issues(loaded.error()));
    }
    for (const auto& warning : loaded->warnings) logger()->warn("config: {}", config::format_issue(warning));
    Status s = apply(std::move(loaded->values));
    if (s) logger()->info("config reloaded from {}", config_path.string());
    return s;
  }

  // Writes one key into the file without baking environment secrets into it.
  Status save_config_value(const std::string& key, const json& value) {
    std::ifstream in(config_path);
    std::stringstream text;
    text << in.rdbuf();
    auto raw = config::parse_yaml(text.str());
    if (!raw) return Error::make("bad_config", join_issues(raw.error()));
    json file = raw->is_object() ? *raw : json::object();
    json* node = &file;
    std::string_view rest = key;
    while (true) {
      const std::size_t dot = rest.find('.');
      const std::string part(rest.substr(0, dot));
      if (dot == std::string_view::npos) {
        (*node)[part] = value;
        break;
      }
      if (!(*node)[part].is_object()) (*node)[part] = json::object();
      node = &(*node)[part];
      rest.remove_prefix(dot + 1);
    }
    auto validated = config::validate_config(schema, file, config::Environment{});
    if (!validated) return Error::make("bad_config", join_issues(validated.error()));
    if (Status s = config::save_config_file(config_path, config::render_yaml(schema, validated->values)); !s) return s;
    return reload();
  }

  void watch_signals() {
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        logger()->info("SIGHUP: reloading config");
        (void)reload();
        watch_signals();
        return;
      }
      logger()->info("signal {}: shutting down", signal);
      stop();
    });
  }

  void stop() {
    if (stopping) return;
    stopping = true;
    signals.cancel();
    for (auto& running : plugins) running.plugin->stop();
    if (web_server) web_server->stop();
    stop_transport();
    // Give the close handshakes a moment, then stop whatever is left.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    asio::co_spawn(io, [this, give_up]() -> asio::awaitable<void> {
      while (!hub.links().empty() && std::chrono::steady_clock::now() < give_up) {
        shutdown_timer.expires_after(std::chrono::milliseconds(20));
        co_await shutdown_timer.async_wait(asio::use_awaitable);
      }
      spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
      io.stop();
    }, asio::detached);
  }

  asio::io_context& io;
  std::filesystem::path config_path;
  config::Schema schema;
  json config;
  std::shared_ptr<const BotSettings> settings;
  WorkerPool workers{2};
  net::HttpClient http;
  CommandRegistry registry;
  onebot::Hub hub;
  Dispatcher dispatcher;
  HostServices services;
  std::unique_ptr<agent::Agent> chat_agent;
  bool agent_store_opened = false;
  std::vector<RunningPlugin> plugins;
  std::unique_ptr<web::HttpServer> web_server;  // after plugins: its routes call into them
  std::unique_ptr<net::ForwardClient> forward;
  std::unique_ptr<net::ReverseServer> reverse;
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
  for (const auto& name : config::remove_stale_temp_files(impl_->config_path)) {
    logger()->warn("removed {}, left by a config save that was interrupted", name);
  }
  if (Status s = register_builtin_commands(impl_->registry, [this] { return reload(); }); !s) return s;
  if (Status s = impl_->chat_agent->register_commands(); !s) return s;
  impl_->install_agent();
  if (Status s = impl_->start_web(); !s) return s;
  if (Status s = impl_->start_plugins(); !s) return s;
  if (Status s = impl_->start_transport(); !s) return s;
  impl_->watch_signals();
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  logger()->info("picbot ready in {:.1f} ms", ms);
  return {};
}

Status App::reload() { return impl_->reload(); }

void App::request_stop() { impl_->stop(); }

}  // namespace picbot
