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
#include "bot/app/host_messages.h"
#include "bot/app/metered_api.h"
#include "bot/app/sandbox.h"
#include "bot/app/startup_checks.h"
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
#include "bot/net/forward_client.h"
#include "bot/net/http_client.h"
#include "bot/net/reverse_server.h"
#include "bot/onebot/hub.h"
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

std::string join_issues(const std::vector<config::ConfigIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += "; ";
    out += config::format_issue(issue);
  }
  return out;
}

Error config_error(const config::ConfigIssue& issue) {
  return Error::make("bad_config", config::format_issue(issue));
}

struct RunningPlugin {
  std::unique_ptr<Plugin> plugin;
  std::unique_ptr<PluginContext> context;
};
}  // namespace

struct App::Impl {
  Impl(asio::io_context& io_context, std::filesystem::path path, config::Schema s,
       config::LoadedConfig loaded)
      : io(io_context),
        config_path(std::move(path)),
        schema(std::move(s)),
        config(std::move(loaded.values)),
        file_config(std::move(loaded.file_values)),
        env_overrides(std::move(loaded.env_overrides)),
        load_warnings(std::move(loaded.warnings)),
        settings(std::make_shared<const BotSettings>(BotSettings::from_config(config["bot"]))),
        http(io.get_executor()),
        hub(io.get_executor(), hub_options(config), dispatcher),
        metered_api(hub, metrics),
        dispatcher(io.get_executor(), metered_api, registry, settings),
        signals(io, SIGINT, SIGTERM, SIGHUP),
        shutdown_timer(io),
        file_timer(io) {
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
      return save_config_value(std::move(key), std::move(value));
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
    web_server->route("GET", "/health", web::make_health_handler([this] { return hub.links().size(); }));
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
                         co_return web::HttpResponse::json(config_json());
                       });
    console->add_route("POST", "/api/config",
                       [this](const web::HttpRequest& request) { return save_config(request); });
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
    for (const auto& link : hub.links()) {
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
    const auto& h = hub.counters();
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

  // The config file's values for the editor: secrets masked, plus which keys
  // the environment overrides and which keys of the file are unknown.
  json config_json() const {
    json overrides = json::array();
    for (const auto& o : env_overrides) overrides.push_back({{"path", o.path}, {"env", o.env}});
    return {{"values", schema.masked(file_config)},
            {"env_overrides", std::move(overrides)},
            {"unknown_keys", unknown_keys()},
            {"path", config_path.string()}};
  }

  json unknown_keys() const {
    json keys = json::array();
    for (const auto& w : load_warnings) keys.push_back(w.path);
    return keys;
  }

  // POST /api/config {"values": {...}}: laid over the file's config (a key
  // left out is unchanged), validate all, write atomically (.bak kept),
  // reload through the same path as /reload.
  asio::awaitable<web::HttpResponse> save_config(const web::HttpRequest& request) {
    auto parsed = parse_json(request.body);
    if (!parsed) {
      co_return web::HttpResponse::json(
          {{"error", "bad_request"}, {"message", "the body is not JSON: " + parsed.error().message}}, 400);
    }
    const json& body = *parsed;
    if (!body.is_object() || !body.contains("values") || !body["values"].is_object()) {
      co_return web::HttpResponse::json(
          {{"error", "bad_request"}, {"message", "expected {\"values\": {...}}"}}, 400);
    }
    auto merged = config::merge_submitted(schema, file_config, body["values"]);
    if (!merged) {
      json errors = json::array({{{"path", merged.error().message},
                                  {"message", "null would reset a secret: send \"\" to empty it"}}});
      co_return web::HttpResponse::json({{"error", "invalid"}, {"errors", std::move(errors)}}, 400);
    }
    const json submitted = config::restore_masked_secrets(schema, std::move(*merged), file_config);
    auto validated = config::validate_config(schema, submitted, config::Environment{});
    if (!validated) {
      json errors = json::array();
      for (const auto& issue : validated.error())
        errors.push_back({{"path", issue.path}, {"message", issue.message}});
      co_return web::HttpResponse::json({{"error", "invalid"}, {"errors", std::move(errors)}}, 400);
    }
    json ignored = json::array();  // keys the form sent that the schema does not know
    for (const auto& w : validated->warnings) ignored.push_back(w.path);
    const json dropped = unknown_keys();
    const std::string language = validated->values["bot"].value("language", "zh-CN");
    auto new_text = [yaml = config::render_yaml(schema, validated->values, language)](
                        const std::filesystem::path&) -> Result<std::string> { return yaml; };
    const Status saved = co_await write_config_file(new_text);
    if (!saved) {
      logger()->error("web console: saving {} failed: {}", config_path.string(), saved.error().message);
      co_return web::HttpResponse::json({{"error", "save_failed"}, {"message", saved.error().message}}, 500);
    }
    const auto changed = config::changed_paths(file_config, validated->values);
    json answer{{"saved", true},
                {"changed", changed},
                {"restart_required", config::restart_required_paths(schema, changed)},
                {"unknown_keys_dropped", dropped},
                {"ignored_keys", std::move(ignored)}};
    logger()->info("web console: config saved ({} key(s) changed)", changed.size());
    if (Status s = reload(); !s) answer["reload_error"] = s.error().message;
    co_return web::HttpResponse::json(answer);
  }

  // Hand edits: the file's mtime and size are checked every second; a
  // change goes through reload() (a bad file keeps the running config).
  void watch_file() {
    file_timer.expires_after(std::chrono::seconds(1));
    file_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping) return;
      if (file_stamp() != known_stamp) {
        logger()->info("config file {} changed on disk: reloading", config_path.string());
        (void)reload();
      }
      watch_file();
    });
  }

  std::pair<std::filesystem::file_time_type, std::uintmax_t> file_stamp() const {
    std::error_code ec;
    const auto time = std::filesystem::last_write_time(config_path, ec);
    const auto size = std::filesystem::file_size(config_path, ec);
    return {time, ec ? 0 : size};
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

  // The onebot settings the links are made with. The rest (api_timeout_seconds)
  // the hub applies to the next call: changing it needs no reconnect.
  static json transport_settings(json onebot) {
    if (onebot.is_object()) onebot.erase("api_timeout_seconds");
    return onebot;
  }

  static onebot::Hub::Options hub_options(const json& config) {
    onebot::Hub::Options options;
    options.heartbeat_interval = seconds_to_ms(config["onebot"].value("heartbeat_interval_seconds", 30.0));
    options.api_timeout = seconds_to_ms(config["onebot"].value("api_timeout_seconds", 30.0));
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
    auto listen = parse_listen(onebot.value("listen", "127.0.0.1:8080"), "onebot.listen", language());
    if (!listen) return config_error(listen.error());
    net::ReverseServer::Options options;
    options.host = listen->host;
    options.port = listen->port;
    options.path = onebot.value("path", options.path);
    options.access_token = token;
    options.max_connections = static_cast<std::size_t>(onebot.value("max_connections", 16));
    options.max_message_bytes = static_cast<std::size_t>(max_bytes);
    if (token.empty() && options.host != "127.0.0.1" && options.host != "::1" &&
        options.host != "localhost") {
      logger()->warn(
          "onebot.listen is {} with no onebot.access_token: anyone who can reach it can drive the bot",
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
      running.context->set_image_providers(config.value("image_providers", json::object()));
      if (Status s = running.plugin->start(*running.context); !s) {
        return Error::make("plugin_failed", "plugin " + name + ": " + s.error().message);
      }
      logger()->info("plugin {} started", name);
      plugins.push_back(std::move(running));
    }
    return {};
  }

  Status apply(json next) {
    const bool onebot_changed = transport_settings(next["onebot"]) != transport_settings(config["onebot"]);
    const json old_web = config.value("web", json::object()), new_web = next.value("web", json::object());
    if (old_web.value("enabled", true) != new_web.value("enabled", true) ||
        old_web.value("listen", "") != new_web.value("listen", "")) {
      logger()->warn("web.enabled / web.listen changed: restart picbot to apply");
    }
    config = std::move(next);
    SecretRegistry::instance().set(schema.secret_values(config));
    if (console) console->reconfigure(console_options());
    log::set_level(config.value("log_level", "info"));
    dispatcher.set_settings(std::make_shared<const BotSettings>(BotSettings::from_config(config["bot"])));
    install_agent();
    hub.set_options(hub_options(config));
    const json& sections = config.contains("plugins") ? config["plugins"] : json::object();
    for (auto& running : plugins) {
      const std::string& name = running.context->name();
      if (!sections.contains(name)) continue;
      running.context->set_config(sections[name]);
      running.context->set_image_providers(config.value("image_providers", json::object()));
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
    known_stamp = file_stamp();
    auto loaded = config::load_config_file(schema, config_path, config::process_environment(), language());
    if (!loaded) {
      logger()->error("reload refused, the running config stays: {}", join_issues(loaded.error()));
      return Error::make("bad_config", join_issues(loaded.error()));
    }
    for (const auto& warning : loaded->warnings) logger()->warn("config: {}", config::format_issue(warning));
    file_config = std::move(loaded->file_values);
    env_overrides = std::move(loaded->env_overrides);
    load_warnings = std::move(loaded->warnings);
    Status s = apply(std::move(loaded->values));
    if (s) logger()->info("config reloaded from {}", config_path.string());
    return s;
  }

  // Every write of the config file goes through here: new_text(path) makes
  // the file's text and the file is saved, both on a worker, one save at a
  // time (config_writes), so a read-modify-write never loses another save.
  // The caller reloads afterwards, on the loop.
  template <class NewText>
  asio::awaitable<Status> write_config_file(NewText new_text) {
    auto write = [path = config_path, new_text = std::move(new_text)]() -> Status {
      Result<std::string> yaml = new_text(path);
      if (!yaml) return yaml.error();
      return config::save_config_file(path, *yaml);
    };
    co_return co_await workers.run(config_writes, write);
  }

  // Writes one key into the file without baking environment secrets into it.
  asio::awaitable<Status> save_config_value(std::string key, json value) {
    // Read, edit and validate on the worker, in the same job as the write.
    auto edited = [&schema = std::as_const(schema), key = std::move(key),
                   value = std::move(value)](const std::filesystem::path& path) -> Result<std::string> {
      std::ifstream in(path);
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
      return config::render_yaml(schema, validated->values,
                                 validated->values["bot"].value("language", "zh-CN"));
    };
    if (Status saved = co_await write_config_file(edited); !saved) co_return saved;
    co_return reload();
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
    file_timer.cancel();
    for (auto& running : plugins) running.plugin->stop();
    if (web_server) web_server->stop();
    stop_transport();
    // Give the close handshakes a moment, then stop whatever is left.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    asio::co_spawn(
        io,
        [this, give_up]() -> asio::awaitable<void> {
          while (!hub.links().empty() && std::chrono::steady_clock::now() < give_up) {
            shutdown_timer.expires_after(std::chrono::milliseconds(20));
            co_await shutdown_timer.async_wait(asio::use_awaitable);
          }
          spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
          io.stop();
        },
        asio::detached);
  }

  asio::io_context& io;
  std::filesystem::path config_path;
  config::Schema schema;
  json config;
  json file_config;  // the file's values without environment overrides (what saving writes)
  std::vector<config::EnvOverride> env_overrides;
  std::vector<config::ConfigIssue> load_warnings;
  std::shared_ptr<const BotSettings> settings;
  WorkerPool workers{2};
  WorkerPool::Serial config_writes = workers.make_serial();  // see write_config_file()
  net::HttpClient http;
  CommandRegistry registry;
  Metrics metrics;
  onebot::Hub hub;
  MeteredApi metered_api;
  Dispatcher dispatcher;
  HostServices services;
  std::unique_ptr<agent::Agent> chat_agent;
  bool agent_store_opened = false;
  std::vector<RunningPlugin> plugins;
  std::unique_ptr<web::HttpServer> web_server;  // after plugins: its routes call into them
  std::unique_ptr<web::Console> console;
  std::unique_ptr<Sandbox> sandbox;
  std::unique_ptr<MeteredApi> sandbox_api;  // wraps sandbox
  std::map<std::string, std::function<json()>> status_providers;
  const std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
  std::unique_ptr<net::ForwardClient> forward;
  std::unique_ptr<net::ReverseServer> reverse;
  asio::signal_set signals;
  asio::steady_timer shutdown_timer;
  asio::steady_timer file_timer;
  std::pair<std::filesystem::file_time_type, std::uintmax_t> known_stamp;
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
  impl_->known_stamp = impl_->file_stamp();
  impl_->watch_file();
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  logger()->info("picbot ready in {:.1f} ms", ms);
  return {};
}

Status App::reload() { return impl_->reload(); }

void App::request_stop() { impl_->stop(); }

}  // namespace picbot
