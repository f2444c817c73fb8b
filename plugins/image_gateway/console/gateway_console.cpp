#include "plugins/image_gateway/console/gateway_console.h"

#include <boost/asio/ip/address.hpp>
#include <span>

#include "bot/core/json_limits.h"
#include "bot/core/log_language.h"
#include "bot/core/message_table.h"
#include "bot/core/millis.h"
#include "bot/core/secret.h"
#include "bot/web/embedded_asset.h"
#include "plugins/image_gateway/console/key_admin.h"
#include "plugins/image_gateway/gateway_messages.h"

namespace picbot::gateway {
std::span<const web::EmbeddedAsset> console_assets();

namespace asio = boost::asio;
using nlohmann::json;

namespace {

const char* source_name(KeySource source) {
  switch (source) {
    case KeySource::kFile:
      return "file";
    case KeySource::kEnvironment:
      return "environment";
    case KeySource::kConsole:
      return "console";
  }
  return "file";
}

web::HttpResponse console_error(int status, std::string code, std::string message) {
  return web::HttpResponse::json(json{{"error", std::move(code)}, {"message", std::move(message)}}, status);
}

// A JSON object body's "name" and "language" ("en", else zh-CN); nullopt for
// another body. The body is the console's (a login session), but still
// outside input: parse_json limits its size and depth.
struct KeyChange {
  std::string name;
  std::string language;
};
std::optional<KeyChange> key_change(const web::HttpRequest& request) {
  auto parsed = parse_json(request.body);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const json& body = *parsed;
  KeyChange change;
  change.language = body.contains("language") && body["language"] == "en" ? "en" : "zh-CN";
  if (body.contains("name") && body["name"].is_string()) change.name = body["name"].get<std::string>();
  return change;
}

// "host" of a Host header "host:port" / "[v6]:port".
std::string host_name(std::string host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.rfind(':'));
}

}  // namespace

GatewayConsole::GatewayConsole(PluginContext& ctx, Gateway& gateway)
    : ctx_(ctx), gateway_(gateway), since_ms_(to_epoch_ms(ctx.clock().now())) {}

Status GatewayConsole::open() {
  const std::vector<std::tuple<const char*, const char*, web::HttpHandler>> routes = {
      {"GET", "/labels",
       [](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
         co_return web::HttpResponse::json(gateway_console_labels());
       }},
      {"GET", "/keys",
       [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
         json listed = co_await keys();
         co_return web::HttpResponse::json(listed);
       }},
      {"POST", "/keys/revoke", [this](const web::HttpRequest& request) { return revoke(request); }},
      {"POST", "/keys", [this](const web::HttpRequest& request) { return create(request); }},
      {"GET", "/requests",
       [this](const web::HttpRequest&) -> asio::awaitable<web::HttpResponse> {
         co_return web::HttpResponse::json(gateway_.status());
       }},
      {"GET", "/setup",
       [this](const web::HttpRequest& request) -> asio::awaitable<web::HttpResponse> {
         co_return web::HttpResponse::json(setup(request));
       }},
  };
  for (const auto& [method, path, handler] : routes) {
    if (Status s = ctx_.add_console_route(method, path, handler); !s) return s;
  }
  const web::EmbeddedAsset* script = web::find_asset(console_assets(), "gateway_console.js");
  if (script == nullptr) return Error::make("missing_asset", "gateway_console.js is not in the binary");
  return ctx_.add_console_page(web::ConsolePage{
      "gateway", MessageTable::instance().lookup("zh-CN", "gateway.console.page"),
      MessageTable::instance().lookup("en", "gateway.console.page"), std::string(script->data)});
}

asio::awaitable<json> GatewayConsole::keys() {
  // A copy: a reload during the ledger's answer replaces the settings.
  const std::vector<ApiKey> configured = gateway_.settings().api_keys;
  json out = json::array();
  for (const ApiKey& key : configured) {
    const RequestLog::Totals totals = gateway_.request_log().totals(key.name);
    json quota = nullptr;
    if (auto usage = co_await gateway_.quota_usage(key.name)) {
      quota = {{"used", usage->used},
               {"limit", gateway_.settings().quota.limit},
               {"resets_at_ms", usage->resets_at ? json(to_epoch_ms(*usage->resets_at)) : json(nullptr)}};
    }
    out.push_back({{"name", key.name},
                   {"key", mask_secret(key.key)},
                   {"source", source_name(key.source)},
                   {"revocable", key.source != KeySource::kEnvironment},
                   {"requests", totals.requests},
                   {"images", totals.images},
                   {"failures", totals.failures},
                   {"last_used_ms", totals.last_ms > 0 ? json(totals.last_ms) : json(nullptr)},
                   {"quota", std::move(quota)}});
  }
  co_return json{{"keys", std::move(out)}, {"since_ms", since_ms_}, {"environment", keys_from_environment()}};
}

asio::awaitable<std::optional<web::HttpResponse>> GatewayConsole::save_keys(std::string field, json keys,
                                                                            const std::string& language) {
  Status saved = co_await ctx_.save_config_value(std::move(field), std::move(keys));
  if (saved) co_return std::nullopt;
  ctx_.logger()->error("{}",
                       log::text("log.gateway_key_save_failed", fmt::arg("reason", saved.error().message)));
  co_return console_error(
      500, saved.error().code,
      tr(language, "gateway.console.save_failed", fmt::arg("reason", saved.error().message)));
}

asio::awaitable<web::HttpResponse> GatewayConsole::create(const web::HttpRequest& request) {
  const auto change = key_change(request);
  if (!change) co_return console_error(400, "bad_request", tr("en", "gateway.console.bad_body"));
  const std::string& language = change->language;
  if (auto problem = key_name_problem(change->name, gateway_.settings().api_keys)) {
    co_return console_error(
        400, "bad_request",
        tr(language, *problem, fmt::arg("name", change->name), fmt::arg("max", kMaxKeyNameLength)));
  }
  if (changing_) co_return console_error(409, "busy", tr(language, "gateway.console.busy"));
  auto key = generate_gateway_key();
  if (!key) co_return console_error(503, key.error().code, key.error().message);
  changing_ = true;
  json console_keys = gateway_.settings().keys_json(KeySource::kConsole);
  console_keys.push_back({{"name", change->name}, {"key", *key}});
  auto failed = co_await save_keys("console_keys", std::move(console_keys), language);
  changing_ = false;
  if (failed) co_return std::move(*failed);
  const std::string masked = mask_secret(*key);
  ctx_.logger()->info(
      "{}", log::text("log.gateway_key_created", fmt::arg("name", change->name), fmt::arg("key", masked)));
  web::HttpResponse created =
      web::HttpResponse::json({{"name", change->name}, {"key", *key}, {"masked", masked}});
  created.headers.emplace_back("Cache-Control", "no-store");
  created.shows_new_secret = true;  // the reload registered it: the console would mask it
  co_return created;
}

asio::awaitable<web::HttpResponse> GatewayConsole::revoke(const web::HttpRequest& request) {
  const auto change = key_change(request);
  if (!change) co_return console_error(400, "bad_request", tr("en", "gateway.console.bad_body"));
  const std::string& language = change->language;
  const ApiKey* key = find_key(gateway_.settings().api_keys, change->name);
  if (key == nullptr) {
    co_return console_error(404, "not_found",
                            tr(language, "gateway.console.no_such_key", fmt::arg("name", change->name)));
  }
  if (key->source == KeySource::kEnvironment) {
    co_return console_error(409, "from_environment",
                            tr(language, "gateway.console.env_key", fmt::arg("name", change->name),
                               fmt::arg("env", kKeysEnvironment)));
  }
  if (gateway_.settings().api_keys.size() == 1) {
    co_return console_error(409, "last_key",
                            tr(language, "gateway.console.last_key", fmt::arg("name", change->name)));
  }
  if (changing_) co_return console_error(409, "busy", tr(language, "gateway.console.busy"));
  changing_ = true;
  const KeySource source = key->source;
  json kept = json::array();
  for (const json& entry : gateway_.settings().keys_json(source)) {
    if (entry["name"] != change->name) kept.push_back(entry);
  }
  std::string field = source == KeySource::kConsole ? "console_keys" : "api_keys";
  auto failed = co_await save_keys(std::move(field), std::move(kept), language);
  changing_ = false;
  if (failed) co_return std::move(*failed);
  ctx_.logger()->info("{}", log::text("log.gateway_key_revoked", fmt::arg("name", change->name)));
  co_return web::HttpResponse::json({{"revoked", change->name}});
}

json GatewayConsole::setup(const web::HttpRequest& request) const {
  const GatewaySettings& settings = gateway_.settings();
  std::string base;
  if (const std::uint16_t port = gateway_.own_port(); port != 0) {
    auto listen = parse_gateway_listen(settings.listen);
    std::string host = listen ? listen->host : "127.0.0.1";
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec && address.is_unspecified())
      host = host_name(request.header("host"));
    else if (!ec && address.is_v6())
      host = "[" + host + "]";
    base = "http://" + host + ":" + std::to_string(port);
  } else {
    base = ctx_.public_base_url();
    if (base.empty()) base = "http://" + request.header("host");
  }
  json models = json::array();
  for (const ModelAlias& alias : settings.models) models.push_back(alias.id);
  const json llm = ctx_.root_config().value("llm", json::object());
  const bool chat = !llm.value("api_keys", json::array()).empty();
  return {{"base_url", base + "/v1"},
          {"image_models", std::move(models)},
          {"chat_model", chat ? llm.value("model", "") : std::string()}};
}

}  // namespace picbot::gateway
