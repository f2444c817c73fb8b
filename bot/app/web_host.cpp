#include "bot/app/web_host.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "bot/app/app_logger.h"
#include "bot/app/config_service.h"
#include "bot/app/image_storage.h"
#include "bot/app/metered_api.h"
#include "bot/app/sandbox.h"
#include "bot/app/startup_checks.h"
#include "bot/core/clock.h"
#include "bot/core/json_limits.h"
#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/message_table.h"
#include "bot/dispatch/dispatcher.h"
#include "bot/onebot/hub.h"
#include "bot/web/console.h"
#include "bot/web/health.h"
#include "bot/web/http_server.h"

namespace picbot {
namespace asio = boost::asio;
using nlohmann::json;

namespace {
// Why a sandbox message would get no reply (a console label key), or "" when
// it should get one.
std::string sandbox_silence_reason(const onebot::MessageEvent& event, const BotSettings& settings,
                                   bool agent_enabled) {
  if (event.is_group() && !settings.group_allowed(event.group_id)) return "console.sandbox.no_reply_group";
  const Wake wake = analyse_wake(event, settings);
  if (wake.is_command) return "";
  if (!wake.woken) return "console.sandbox.no_reply_not_woken";
  if (!agent_enabled) return "console.sandbox.no_reply_llm_off";
  return "";
}

web::Console::Options console_options(const json& config, const std::filesystem::path& data_dir) {
  const json web_config = config.value("web", json::object());
  return {.password = web_config.value("password", ""),
          .metrics_token = web_config.value("metrics_token", ""),
          .data_dir = data_dir,
          .language = config["bot"].value("language", "zh-CN")};
}
}  // namespace

WebHost::WebHost(Deps deps) : deps_(std::move(deps)) {}

WebHost::~WebHost() = default;

// Pages with a login come later, so a non-loopback address needs
// web.password already (web_bind_address).
Status WebHost::start() {
  const json web_config = deps_.config.values().value("web", json::object());
  if (!web_config.value("enabled", true)) {
    app_logger()->info("{}", log::text("log.web_off"));
    return {};
  }
  auto listen = web_bind_address(web_config, deps_.config.language());
  if (!listen)
    return Error::make("bad_config", config::format_issue(listen.error(), deps_.config.language()));
  web::HttpServer::Options options;
  options.host = listen->host;
  options.port = listen->port;
  server_ = std::make_unique<web::HttpServer>(deps_.executor, options);
  server_->route("GET", "/health", web::make_health_handler([this] { return deps_.hub.links().size(); }));
  if (auto port = server_->start(); !port) return port.error();
  return start_console();
}

void WebHost::reconfigure() {
  if (console_) console_->reconfigure(console_options(deps_.config.values(), deps_.data_dir));
}

void WebHost::stop() {
  if (server_) server_->stop();
}

Status WebHost::add_route(std::string method, std::string path_prefix, web::HttpHandler handler,
                          web::RouteOptions options) {
  server_->route(std::move(method), std::move(path_prefix), std::move(handler), std::move(options));
  return {};
}

Result<std::unique_ptr<web::HttpListener>> WebHost::open_listener(std::string host, std::uint16_t port,
                                                                  web::ListenerOptions limits) {
  web::HttpServer::Options options;
  options.host = std::move(host);
  options.port = port;
  options.max_connections = limits.max_connections;
  options.max_connections_per_client = limits.max_connections_per_client;
  auto server = std::make_unique<web::HttpServer>(deps_.executor, options);
  if (auto bound = server->start(); !bound) return bound.error();
  return std::unique_ptr<web::HttpListener>(std::move(server));
}

Status WebHost::add_console_route(const std::string& plugin, std::string method, std::string path,
                                  web::HttpHandler handler) {
  return console_->add_plugin_route(plugin, std::move(method), std::move(path), std::move(handler));
}

Status WebHost::add_console_page(const std::string& plugin, web::ConsolePage page) {
  return console_->add_plugin_page(plugin, std::move(page));
}

void WebHost::set_status_provider(const std::string& plugin, std::function<json()> provider) {
  status_providers_[plugin] = std::move(provider);
}

std::string WebHost::public_base_url() const {
  std::string url = deps_.config.values().value("web", json::object()).value("public_base_url", "");
  while (url.ends_with('/')) url.pop_back();
  if (!url.empty() || !server_ || server_->port() == 0) return url;
  const std::string& host = server_->options().host;
  boost::system::error_code ec;
  if (asio::ip::make_address(host, ec).is_unspecified() || ec) return {};
  const std::string shown = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return "http://" + shown + ":" + std::to_string(server_->port());
}

// The web console: login, pages, and the host's API routes.
Status WebHost::start_console() {
  console_ = std::make_unique<web::Console>(*server_, deps_.workers, Clock::system(), deps_.metrics,
                                            console_options(deps_.config.values(), deps_.data_dir));
  if (Status s = console_->start(); !s) return s;
  console_->set_metrics_refresh([this] { refresh_metrics(); });
  sandbox_ = std::make_unique<Sandbox>(
      deps_.executor, deps_.workers,
      [this](std::shared_ptr<const onebot::MessageEvent> event, onebot::BotApi&,
             bool admin) -> asio::awaitable<std::string> {
        BotSettings as_user = *deps_.dispatcher.settings();
        if (admin)
          as_user.admins.insert(event->user_id);
        else
          as_user.admins.erase(event->user_id);
        auto settings = std::make_shared<const BotSettings>(std::move(as_user));
        std::string silence =
            sandbox_silence_reason(*event, *settings, deps_.agent_enabled && deps_.agent_enabled());
        // Replies go to the sandbox through sandbox_api_, so they count like real ones.
        co_await deps_.dispatcher.handle_message(std::move(event), *sandbox_api_, settings);
        co_return silence;
      });
  sandbox_api_ = std::make_unique<MeteredApi>(*sandbox_, deps_.metrics);
  add_host_routes();
  return {};
}

void WebHost::add_host_routes() {
  add_storage_routes();
  console_->add_route("GET", "/api/status",
                      [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
                        co_return web::HttpResponse::json(status_json());
                      });
  console_->add_route("GET", "/api/config/schema",
                      [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
                        co_return web::HttpResponse::json(deps_.config.schema().to_json());
                      });
  console_->add_route("GET", "/api/config",
                      [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
                        co_return web::HttpResponse::json(deps_.config.editor_json());
                      });
  console_->add_route("POST", "/api/config", [this](const web::HttpRequest& request) {
    return deps_.config.save_from_console(request);
  });
  console_->add_route("POST", "/api/config/preview", [this](const web::HttpRequest& request) {
    return deps_.config.preview_from_console(request);
  });
  console_->add_route(
      "POST", "/api/sandbox/send",
      [this](const web::HttpRequest& request) -> asio::awaitable<web::HttpResponse> {
        auto parsed = parse_json(request.body);
        if (!parsed || !parsed->is_object()) {
          std::string message = "expected a JSON object";
          if (!parsed) message += " (" + parsed.error().message + ")";
          co_return web::HttpResponse::json({{"error", "bad_request"}, {"message", message}}, 400);
        }
        auto input = Sandbox::Input::from_json(*parsed);
        if (!input)
          co_return web::HttpResponse::json(
              {{"error", input.error().code}, {"message", input.error().message}}, 400);
        auto id = sandbox_->send(std::move(*input));
        if (!id)
          co_return web::HttpResponse::json({{"error", id.error().code}, {"message", id.error().message}},
                                            400);
        co_return web::HttpResponse::json({{"id", *id}});
      });
  console_->add_route("GET", "/api/sandbox/messages",
                      [this](const web::HttpRequest& request) -> asio::awaitable<web::HttpResponse> {
                        std::uint64_t after = 0;
                        const std::string text = request.query_param("after");
                        std::from_chars(text.data(), text.data() + text.size(), after);
                        co_return web::HttpResponse::json(sandbox_->messages_after(after));
                      });
}

json WebHost::status_json() const {
  const auto now = std::chrono::system_clock::now();
  json links = json::array();
  for (const auto& link : deps_.hub.links()) {
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
  for (const auto& [name, provider] : status_providers_) {
    try {
      plugin_status[name] = provider();
    } catch (const std::exception& e) {
      plugin_status[name] = {{"error", e.what()}};
    }
  }
  const auto& d = deps_.dispatcher.counters();
  const auto& h = deps_.hub.counters();
  return {{"version", PICBOT_VERSION},
          {"uptime_seconds",
           std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_at_)
               .count()},
          {"onebot",
           {{"mode", deps_.config.values()["onebot"].value("mode", "reverse")}, {"links", std::move(links)}}},
          {"messages",
           {{"in", d.messages_in},
            {"out", deps_.api.messages_out() + (sandbox_api_ ? sandbox_api_->messages_out() : 0)},
            {"commands", d.commands_run},
            {"commands_denied", d.commands_denied},
            {"handler_errors", d.handler_errors},
            {"dropped", d.events_dropped}}},
          {"api", {{"calls", h.api_calls}, {"failures", h.api_failures}}},
          {"plugins", std::move(plugin_status)},
          {"errors", log::recent_problems(20)}};
}

// Counters kept by the dispatcher and hub, copied at scrape time.
void WebHost::refresh_metrics() {
  const auto& d = deps_.dispatcher.counters();
  deps_.metrics.set_counter("picbot_messages_in_total", "Messages received (including the console sandbox)",
                            {}, static_cast<double>(d.messages_in));
  deps_.metrics.set_counter("picbot_commands_total", "Commands run", {}, static_cast<double>(d.commands_run));
  deps_.metrics.set_counter("picbot_commands_denied_total", "Admin-only commands refused", {},
                            static_cast<double>(d.commands_denied));
  deps_.metrics.set_counter("picbot_handler_errors_total", "Message handlers that failed", {},
                            static_cast<double>(d.handler_errors));
  deps_.metrics.set_counter("picbot_events_dropped_total", "Events dropped because the backlog was full", {},
                            static_cast<double>(d.events_dropped));
}

// The storage page's API: the store's figures, "clean expired now" and
// "clear the local cache" (uploaded images only); for backend s3 also the
// upload queue's counts, its last failed rows, the bucket (name, endpoint,
// prefix: never a key) and the bucket actions "upload pending now", "retry
// failed" and "test connection". Under backend local the upload figures are
// null and the bucket actions answer 409 no_bucket.
void WebHost::add_storage_routes() {
  if (!deps_.storage) return;
  console_->add_route("GET", "/api/storage", [this](const web::HttpRequest&) { return storage_json(); });
  console_->add_route("POST", "/api/storage/clean",
                      [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
                        const std::size_t expired = co_await deps_.storage->store().cleanup_expired();
                        co_return web::HttpResponse::json(nlohmann::json{{"expired", expired}});
                      });
  console_->add_route("POST", "/api/storage/clear_cache",
                      [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
                        const std::size_t evicted = co_await deps_.storage->store().clear_local_cache();
                        co_return web::HttpResponse::json(nlohmann::json{{"evicted", evicted}});
                      });
  // Both counts come from the queue; a database error is a 500 with its words.
  using QueueAction = asio::awaitable<Result<std::int64_t>> (image::UploadQueue::*)();
  auto count_action = [this](QueueAction action, std::string_view log_key) {
    return [this, action, log_key](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
      const std::string_view key = log_key;  // in the frame: the handler may be copied
      image::UploadQueue* queue = deps_.storage->uploads();
      if (!queue) co_return no_bucket();
      const Result<std::int64_t> count = co_await (queue->*action)();
      if (!count)
        co_return web::HttpResponse::json({{"error", count.error().code}, {"message", count.error().message}},
                                          500);
      app_logger()->info("{}", log::text(key, fmt::arg("count", *count)));
      co_return web::HttpResponse::json(nlohmann::json{{"count", *count}});
    };
  };
  console_->add_route("POST", "/api/storage/upload_pending",
                      count_action(&image::UploadQueue::upload_pending_now, "log.console_upload_pending"));
  console_->add_route("POST", "/api/storage/retry_failed",
                      count_action(&image::UploadQueue::retry_failed, "log.console_retry_failed"));
  console_->add_route(
      "POST", "/api/storage/test_connection",
      [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
        image::s3::S3Client* bucket = deps_.storage->bucket();
        if (!bucket || !deps_.storage->uploads()) co_return no_bucket();
        const image::s3::ProbeResult probe = co_await bucket->probe();
        const std::string outcome =
            log::text(probe.ok ? "log.console_bucket_test_ok" : "log.console_bucket_test_failed");
        app_logger()->info(
            "{}", log::text("log.console_bucket_test", fmt::arg("outcome", outcome),
                            fmt::arg("ms", probe.elapsed.count()), fmt::arg("message", probe.message)));
        co_return web::HttpResponse::json(nlohmann::json{
            {"ok", probe.ok}, {"message", probe.message}, {"elapsed_ms", probe.elapsed.count()}});
      });
}

web::HttpResponse WebHost::no_bucket() const {
  return web::HttpResponse::json(
      {{"error", "no_bucket"}, {"message", tr(deps_.config.language(), "console.storage.no_bucket")}}, 409);
}

// GET /api/storage: the store's stats (one pass over its index) and, for
// backend s3, the queue's (one SQL aggregate) and its last failed rows (an
// indexed, limited query), both on the worker pool.
asio::awaitable<web::HttpResponse> WebHost::storage_json() {
  static constexpr int kFailedRows = 10;
  const image::StorageStats stats = co_await deps_.storage->store().stats();
  const StorageSettings& settings = deps_.storage->settings();
  nlohmann::json body{
      {"backend", settings.backend},      {"images", stats.images},         {"local", stats.local},
      {"remote", stats.remote},           {"disk_bytes", stats.disk_bytes}, {"cap_bytes", stats.cap_bytes},
      {"pending_uploads", nullptr},       {"uploading", nullptr},           {"uploaded", nullptr},
      {"failed_uploads", nullptr},        {"oldest_pending_ms", nullptr},   {"bucket", nullptr},
      {"failed", nlohmann::json::array()}};
  image::UploadQueue* queue = deps_.storage->uploads();
  if (!queue) co_return web::HttpResponse::json(body);
  body["bucket"] = {
      {"name", settings.s3.bucket}, {"endpoint", settings.s3.endpoint}, {"prefix", settings.s3.key_prefix}};
  const Result<image::UploadStats> uploads = co_await queue->stats();
  if (!uploads) {
    body["error"] = uploads.error().message;
    co_return web::HttpResponse::json(body);
  }
  body["pending_uploads"] = uploads->pending;
  body["uploading"] = uploads->uploading;
  body["uploaded"] = uploads->uploaded;
  body["failed_uploads"] = uploads->failed;
  body["oldest_pending_ms"] = uploads->oldest_pending_age.count();
  if (uploads->failed > 0) {
    const Result<std::vector<image::UploadRow>> failed = co_await queue->failed(kFailedRows);
    if (failed)
      for (const image::UploadRow& row : *failed)
        body["failed"].push_back(
            {{"key", row.key}, {"attempts", row.attempts}, {"last_error", row.last_error}});
  }
  co_return web::HttpResponse::json(body);
}

}  // namespace picbot
