#include "plugins/image_gateway/gateway.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bot/agent/agent_settings.h"
#include "bot/core/json_limits.h"
#include "bot/core/log_language.h"
#include "bot/core/message_table.h"
#include "bot/core/millis.h"
#include "bot/core/secret.h"
#include "bot/core/text.h"
#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "bot/onebot/base64.h"
#include "bot/quota/open_ledger.h"
#include "bot/quota/quota_messages.h"
#include "image/download.h"
#include "image/format.h"
#include "image/provider_registry.h"
#include "plugins/image_gateway/chat/chat_inputs.h"
#include "plugins/image_gateway/gateway_messages.h"
#include "plugins/image_gateway/openai_errors.h"

namespace picbot::gateway {
namespace asio = boost::asio;
using nlohmann::json;

namespace {

bool loopback_peer(const std::string& remote) {
  std::string host = remote.substr(0, remote.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
  return address.is_loopback();
}

// "2026-12-07 21:30:00 UTC".
std::string format_utc(Clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

std::string join_ids(const std::vector<ModelAlias>& models) {
  std::string out;
  for (const ModelAlias& alias : models) out += (out.empty() ? "" : ", ") + alias.id;
  return out;
}

// {"created", "data": [{"b64_json" | "url", "revised_prompt"}]}, built by
// hand: a JSON library would copy each megabyte of base64 twice more.
std::string images_body(std::int64_t created, const std::vector<std::string>& payloads, bool as_url,
                        const std::string& revised_prompt) {
  const std::string field = as_url ? "url" : "b64_json";
  const std::string prompt = json(revised_prompt).dump(-1, ' ', false, json::error_handler_t::replace);
  std::size_t total = 64;
  for (const std::string& p : payloads) total += p.size() + prompt.size() + 48;
  std::string body;
  body.reserve(total);
  body += "{\"created\":" + std::to_string(created) + ",\"data\":[";
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    if (i > 0) body += ',';
    body += "{\"" + field + "\":";
    body += as_url ? json(payloads[i]).dump() : "\"" + payloads[i] + "\"";
    body += ",\"revised_prompt\":" + prompt + "}";
  }
  body += "]}";
  return body;
}

}  // namespace

Gateway::Gateway(PluginContext& ctx) : ctx_(ctx) {}

Gateway::~Gateway() { stop(); }

Status Gateway::apply(GatewaySettings settings) {
  if (!poller_) poller_ = std::make_unique<image::TaskPoller>(ctx_.executor(), ctx_.clock());
  std::map<std::string, std::shared_ptr<image::Provider>> providers;
  std::map<std::string, std::string> problems;
  const image::ProviderDeps deps{ctx_.http(), ctx_.clock(), ctx_.workers(), poller_.get()};
  for (const ModelAlias& alias : settings.models) {
    if (providers.contains(alias.provider) || problems.contains(alias.provider)) continue;
    const auto config =
        std::find_if(settings.instances.begin(), settings.instances.end(),
                     [&](const image::ProviderConfig& c) { return c.name == alias.provider; });
    if (config == settings.instances.end()) {
      problems[alias.provider] = "no image_providers." + alias.provider;
      continue;
    }
    // An instance kept across a reload keeps its keys' states.
    if (auto before = providers_.find(alias.provider); before != providers_.end() &&
                                                       before->second->type() == config->type &&
                                                       before->second->reconfigure(*config)) {
      providers[alias.provider] = before->second;
      continue;
    }
    auto created = image::create_provider(deps, *config);
    if (!created) {
      problems[alias.provider] = created.error().message;
      ctx_.logger()->warn("{}", log::text("log.gateway_bad_alias", fmt::arg("model", alias.id),
                                          fmt::arg("reason", created.error().message)));
      continue;
    }
    providers[alias.provider] = std::shared_ptr<image::Provider>(std::move(created).value());
  }
  auto next = std::make_shared<const GatewaySettings>(std::move(settings));
  if (settings_ && next->listen != settings_->listen) {
    ctx_.logger()->warn("plugins.image_gateway.listen changes after a restart");
  }
  providers_ = std::move(providers);
  problems_ = std::move(problems);
  keys_ = std::make_unique<GatewayKeys>(next->api_keys);
  // The chat upstream of forwarded models: the agent's llm.* settings (keys included).
  const agent::AgentSettings chat_settings = agent::AgentSettings::from_config(ctx_.root_config());
  if (chat_settings.chat.api_keys.empty()) {
    chat_upstream_.reset();
    chat_model_.clear();
  } else {
    llm::register_api_keys(chat_settings.chat.api_keys);
    chat_keys_.replace_keys(chat_settings.chat.api_keys);
    auto upstream = std::make_shared<ChatUpstream>();
    upstream->endpoint = {chat_settings.chat.api_base, chat_settings.chat.http_referer,
                          chat_settings.chat.app_title, chat_settings.chat.proxy};
    upstream->keys = &chat_keys_;
    upstream->retry = chat_settings.chat.retry;
    upstream->stream.workers = &ctx_.workers();
    chat_upstream_ = std::move(upstream);
    chat_model_ = chat_settings.chat.model;
  }
  const bool first = settings_ == nullptr;
  settings_ = std::move(next);
  if (!quota_ && settings_->quota.enabled) {
    if (Status opened = open_quota(); !opened.ok()) return opened;
  }
  if (first) {
    // A gateway with somewhere to send requests will make them: libcurl is
    // loaded now on a worker, not by the first request on the event loop.
    if (!providers_.empty() || chat_upstream_) {
      boost::asio::post(ctx_.workers().executor(),
                        [] { static_cast<void>(net::HttpClient::preload_library()); });
    }
    store_ = [this](const image::GeneratedImage& image) { return store_in_host(image); };
    return open_routes();
  }
  return {};
}

// Saves an image in the host's store and links to it: this gateway's
// public_base_url when set, else the store's own URL (the bucket's, or the
// web server's /images/<id>).
asio::awaitable<Result<std::string>> Gateway::store_in_host(const image::GeneratedImage& image) {
  image::ImageMeta meta;
  meta.source = "image_gateway";
  auto stored = co_await ctx_.image_store().save(image.bytes, image.extension, std::move(meta));
  if (!stored) co_return stored.error();
  if (!settings_->public_base_url.empty()) co_return settings_->public_base_url + "/images/" + stored->id;
  std::string url = ctx_.image_store().url(*stored);
  if (url.empty()) {
    co_return Error::unavailable(
        "no public URL for stored images: set web.public_base_url or plugins.image_gateway.public_base_url");
  }
  co_return url;
}

Status Gateway::open_routes() {
  if (!settings_->listen.empty()) {
    auto address = parse_gateway_listen(settings_->listen);
    if (!address) return address.error();
    auto listener = ctx_.open_http_listener(address->host, address->port);
    if (!listener) return listener.error();
    listener_ = std::move(listener).value();
    ctx_.logger()->info(
        "{}", log::text("log.gateway_listening",
                        fmt::arg("address", address->host + ":" + std::to_string(listener_->port()))));
  } else {
    // On the shared web server: without keys, only a loopback-only server may serve.
    const std::string base = ctx_.public_base_url();
    if (settings_->api_keys.empty()) {
      const std::string host = base.starts_with("http://") ? base.substr(7) : std::string();
      if (host.empty() || !loopback_peer(host.substr(0, host.find('/')))) {
        return Error::make("bad_config", log::text("log.gateway_open_without_key",
                                                   fmt::arg("base", base.empty() ? "?" : base)));
      }
    }
    ctx_.logger()->info("{}", log::text("log.gateway_on_web", fmt::arg("base", base)));
  }
  if (settings_->api_keys.empty()) ctx_.logger()->warn("{}", log::text("log.gateway_no_keys"));
  if (Status s = mount("GET", "/v1/models", [this](const web::HttpRequest& r) { return models(r); }); !s)
    return s;
  if (Status s = mount("POST", "/v1/images/generations",
                       [this](const web::HttpRequest& r) { return generations(r); });
      !s)
    return s;
  web::RouteOptions uploads;
  uploads.max_body_bytes = settings_->max_upload_bytes;
  uploads.too_large = [](std::size_t limit) {
    return api_error(413, "invalid_request_error",
                     tr("en", "gateway.error.too_large", fmt::arg("mb", limit / (1024 * 1024))), {},
                     "request_too_large");
  };
  if (Status s = mount(
          "POST", "/v1/images/edits", [this](const web::HttpRequest& r) { return edits(r); }, uploads);
      !s)
    return s;
  // Chat requests carry images as data: URLs (a 10 MB image is ~13.4 MB of text): the same limit.
  if (Status s = mount(
          "POST", "/v1/chat/completions", [this](const web::HttpRequest& r) { return chat(r); }, uploads);
      !s)
    return s;
  routes_open_ = true;
  return {};
}

// The drawing plugin's ledger: one quota.sqlite3 per data directory, or the
// PostgreSQL at database.url that every instance shares. Units a crashed
// process held stop counting after reservation_ttl. A SQLite file that
// cannot be opened is logged and the gateway runs without quotas; a
// PostgreSQL ledger out of reach (or with a newer schema) refuses the start.
Status Gateway::open_quota() {
  quota::register_quota_messages();
  const quota::LedgerPlace place = quota::ledger_place(ctx_.root_config(), ctx_.data_dir());
  auto store = quota::open_ledger(place, ctx_.clock());
  if (!store) {
    if (!place.database_url.empty()) return store.error();  // never uncounted beside counting instances
    ctx_.logger()->error(
        "{}", log::text("log.gateway_quota_unavailable", fmt::arg("reason", store.error().message)));
    return {};
  }
  if (std::string shared = quota::shared_ledger_line(place); !shared.empty())
    ctx_.logger()->info("{}", shared);
  quota_ = std::make_unique<quota::AsyncQuotaStore>(ctx_.workers(), std::move(store).value());
  return {};
}

asio::awaitable<Result<std::vector<quota::QuotaHold>, web::HttpResponse>> Gateway::reserve(
    const Caller& caller, int n) {
  std::vector<quota::QuotaHold> holds;
  if (!quota_ || !settings_->quota.enabled) co_return holds;
  const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(settings_->quota.window);
  for (int i = 0; i < n; ++i) {
    quota::QuotaDecision decision;
    decision.kind = quota::QuotaDecision::kCounted;
    decision.bucket = "gateway:" + caller.key;
    decision.limit = settings_->quota.limit;
    decision.tier = quota::QuotaTier::kDefault;
    auto hold = co_await quota::QuotaHold::reserve(*quota_, std::move(decision), window);
    if (!hold) {
      // The ledger failed (logged by the hold's store): the drawing goes on, as the drawing plugin's do.
      ctx_.logger()->error("{}",
                           log::text("log.quota_store_failed", fmt::arg("reason", hold.error().message)));
      break;
    }
    if (!hold->outcome().granted) {
      for (quota::QuotaHold& held : holds) co_await held.release();
      const auto resets_at = hold->outcome().resets_at.value_or(ctx_.clock().now() + window);
      const auto wait = std::chrono::duration_cast<std::chrono::seconds>(resets_at - ctx_.clock().now());
      const std::string reset = format_utc(resets_at);
      co_return rate_limited(
          tr(caller.language, "gateway.error.quota", fmt::arg("key", caller.key), fmt::arg("reset", reset)),
          wait + std::chrono::seconds(1), "quota_exceeded");
    }
    holds.push_back(std::move(*hold));
  }
  co_return holds;
}

void Gateway::stop() {
  if (poller_) poller_->shutdown();
  if (listener_) listener_->stop();
}

Status Gateway::mount(std::string method, std::string path, web::HttpHandler handler,
                      web::RouteOptions options) {
  if (listener_) {
    listener_->route(std::move(method), std::move(path), std::move(handler), std::move(options));
    return {};
  }
  return ctx_.add_http_route(std::move(method), std::move(path), std::move(handler), std::move(options));
}

Result<Caller, web::HttpResponse> Gateway::authenticate(const web::HttpRequest& request) const {
  Caller caller{"", api_language(request.header("accept-language"))};
  if (keys_->empty()) {
    if (!loopback_peer(request.remote)) {
      return api_error(401, "invalid_request_error", tr(caller.language, "gateway.error.no_key"), {},
                       "invalid_api_key");
    }
    caller.key = "local";
    return caller;
  }
  const std::string authorization = request.header("authorization");
  const ApiKey* key = keys_->identify(authorization);
  if (key == nullptr) {
    const char* text = authorization.empty() ? "gateway.error.no_key" : "gateway.error.bad_key";
    return api_error(401, "invalid_request_error", tr(caller.language, text), {}, "invalid_api_key");
  }
  caller.key = key->name;
  return caller;
}

Result<Gateway::Model, web::HttpResponse> Gateway::find_model(const std::string& id,
                                                              const Caller& caller) const {
  const ModelAlias* alias = settings_->alias(id);
  if (alias == nullptr) {
    return api_error(404, "invalid_request_error",
                     tr(caller.language, "gateway.error.unknown_model", fmt::arg("model", id),
                        fmt::arg("models", join_ids(settings_->models))),
                     "model", "model_not_found");
  }
  const auto provider = providers_.find(alias->provider);
  if (provider == providers_.end()) {
    return api_error(503, "api_error", tr(caller.language, "gateway.error.upstream_busy"), "model",
                     "model_unavailable");
  }
  return Model{alias, provider->second};
}

asio::awaitable<Result<image::ImageResult, web::HttpResponse>> Gateway::draw(const Caller& caller,
                                                                             const Model& model,
                                                                             image::ImageRequest request,
                                                                             int n) {
  auto reserved = co_await reserve(caller, n);
  if (!reserved) co_return std::move(reserved.error());
  auto drawn = co_await draw_held(caller, model, std::move(request), n, std::move(*reserved));
  if (!drawn) co_return upstream_failure(drawn.error(), caller.language);
  co_return std::move(*drawn);
}

asio::awaitable<Result<image::ImageResult, llm::ProviderError>> Gateway::draw_held(
    const Caller& caller, const Model& model, image::ImageRequest request, int n,
    std::vector<quota::QuotaHold> holds) {
  // The provider (and alias) stay alive through a reload: we hold them here.
  const std::shared_ptr<image::Provider> provider = model.provider;
  if (!model.alias->model.empty()) request.model = model.alias->model;
  image::ImageResult total;
  while (static_cast<int>(total.images.size()) < n) {
    request.n = n - static_cast<int>(total.images.size());
    image::ImageRequest attempt = request;
    auto result = co_await provider->generate(std::move(attempt));
    if (!result) {
      ctx_.logger()->warn("{}", log::text("log.gateway_failed", fmt::arg("key", caller.key),
                                          fmt::arg("model", model.alias->id),
                                          fmt::arg("reason", result.error().to_string())));
      if (!total.images.empty()) break;                              // what did arrive is answered
      for (quota::QuotaHold& hold : holds) co_await hold.release();  // a failed drawing costs nothing
      co_return result.error();
    }
    if (total.text.empty()) total.text = result->text;
    total.provider = result->provider;
    total.model = result->model;
    for (auto& image : result->images) {
      if (static_cast<int>(total.images.size()) < n) total.images.push_back(std::move(image));
    }
  }
  // One unit per image that arrived; the rest go back.
  for (std::size_t i = 0; i < holds.size(); ++i) {
    if (i < total.images.size()) {
      co_await holds[i].commit();
    } else {
      co_await holds[i].release();
    }
  }
  co_return total;
}

void Gateway::record(RequestRecord record) {
  ctx_.logger()->info(
      "{}",
      log::text("log.gateway_request", fmt::arg("key", record.key.empty() ? "-" : record.key),
                fmt::arg("route", record.route), fmt::arg("model", record.model.empty() ? "-" : record.model),
                fmt::arg("status", record.status), fmt::arg("ms", record.duration_ms)));
  log_.add(std::move(record));
}

asio::awaitable<std::optional<quota::Usage>> Gateway::quota_usage(std::string key_name) {
  if (!quota_ || !settings_->quota.enabled) co_return std::nullopt;
  const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(settings_->quota.window);
  std::string bucket = "gateway:" + key_name;
  auto usage = co_await quota_->usage(std::move(bucket), settings_->quota.limit, window);
  if (!usage) co_return std::nullopt;
  co_return *usage;
}

std::uint16_t Gateway::own_port() const { return listener_ ? listener_->port() : 0; }

json Gateway::status() const {
  json out = log_.to_json();
  json models = json::array();
  for (const ModelAlias& alias : settings_->models) {
    models.push_back({{"id", alias.id},
                      {"provider", alias.provider},
                      {"model", alias.model},
                      {"problem", problems_.contains(alias.provider) ? problems_.at(alias.provider) : ""}});
  }
  out["models"] = std::move(models);
  json keys = json::array();
  for (const ApiKey& key : settings_->api_keys)
    keys.push_back({{"name", key.name}, {"key", mask_secret(key.key)}});
  out["keys"] = std::move(keys);
  return out;
}

asio::awaitable<web::HttpResponse> Gateway::models(const web::HttpRequest& request) {
  auto caller = authenticate(request);
  if (!caller) co_return std::move(caller.error());
  json data = json::array();
  for (const ModelAlias& alias : settings_->models) {
    data.push_back({{"id", alias.id}, {"object", "model"}, {"created", 0}, {"owned_by", "picbot"}});
  }
  if (chat_upstream_ && !chat_model_.empty() && !settings_->alias(chat_model_)) {
    data.push_back({{"id", chat_model_}, {"object", "model"}, {"created", 0}, {"owned_by", "picbot"}});
  }
  const std::string_view rest = std::string_view(request.path).substr(std::string_view("/v1/models").size());
  if (rest.size() > 1) {  // GET /v1/models/<id>
    const std::string id(rest.substr(1));
    for (const json& model : data) {
      if (model["id"] == id) co_return web::HttpResponse::json(model);
    }
    auto missing = find_model(id, *caller);
    co_return std::move(missing.error());
  }
  co_return web::HttpResponse::json({{"object", "list"}, {"data", std::move(data)}});
}

// (Not a conditional around co_await: GCC 12 destroys such temporaries twice.)
asio::awaitable<Parsed> Gateway::parse_off_loop(std::size_t body_bytes, std::function<Parsed()> parse) {
  if (body_bytes > image::kParseOnWorkersBytes) co_return co_await ctx_.workers().run(parse);
  co_return parse();
}

asio::awaitable<web::HttpResponse> Gateway::generations(const web::HttpRequest& request) {
  const std::int64_t started = to_epoch_ms(ctx_.clock().now());
  auto caller = authenticate(request);
  if (!caller) {
    record({started, "", "images/generations", "", caller.error().status, 0, 0});
    co_return std::move(caller.error());
  }
  const std::string& language = caller->language;
  Parsed parsed =
      co_await parse_off_loop(request.body.size(), [&] { return parse_generation(request.body, language); });
  if (!parsed) {
    record({started, caller->key, "images/generations", "", parsed.error().status, 0, 0});
    co_return std::move(parsed.error());
  }
  co_return co_await serve_draw(*caller, std::move(*parsed), "images/generations", started);
}

asio::awaitable<web::HttpResponse> Gateway::edits(const web::HttpRequest& request) {
  const std::int64_t started = to_epoch_ms(ctx_.clock().now());
  auto caller = authenticate(request);
  if (!caller) {
    record({started, "", "images/edits", "", caller.error().status, 0, 0});
    co_return std::move(caller.error());
  }
  const std::string& language = caller->language;
  const std::string content_type = request.header("content-type");
  auto parse = [&]() -> Parsed {
    if (to_lower(content_type).starts_with("multipart/")) {
      auto boundary = web::multipart_boundary(content_type);
      if (!boundary) return invalid_request(boundary.error().message, {}, "invalid_multipart");
      auto parts = web::parse_multipart(request.body, *boundary);
      if (!parts) return invalid_request(parts.error().message, {}, "invalid_multipart");
      return parse_edit_form(*parts, language);
    }
    return parse_edit_json(request.body, language);
  };
  Parsed parsed = co_await parse_off_loop(request.body.size(), parse);
  if (!parsed) {
    record({started, caller->key, "images/edits", "", parsed.error().status, 0, 0});
    co_return std::move(parsed.error());
  }
  co_return co_await serve_draw(*caller, std::move(*parsed), "images/edits", started);
}

asio::awaitable<std::optional<image::ReferenceImage>> Gateway::read_own_image(const std::string& url) {
  const std::size_t at = url.rfind("/images/");
  if (at == std::string::npos) co_return std::nullopt;
  std::string id = url.substr(at + 8);
  id = id.substr(0, id.find_first_of("?#."));
  if (id.size() != 32 || id.find_first_not_of("0123456789abcdef") != std::string::npos)
    co_return std::nullopt;
  const auto stored = ctx_.image_store().find(id);
  if (!stored) co_return std::nullopt;
  auto bytes = co_await ctx_.image_store().read(*stored);
  if (!bytes) co_return std::nullopt;
  image::ReferenceImage own;
  own.bytes = std::move(*bytes);
  own.mime = stored->mime;
  co_return own;
}

asio::awaitable<std::optional<web::HttpResponse>> Gateway::fetch_inputs(const Caller& caller,
                                                                        DrawRequest& request) {
  std::vector<InputImage*> inputs;
  for (InputImage& input : request.images) inputs.push_back(&input);
  if (request.mask) inputs.push_back(&*request.mask);
  for (InputImage* input : inputs) {
    if (input->url.empty()) continue;
    // This picbot's own /images/<id> links (on any host) are read from the store, no HTTP.
    if (auto own = co_await read_own_image(input->url)) {
      input->image = std::move(*own);
      input->url.clear();
      continue;
    }
    if (!settings_->allow_external_image_fetch) {
      co_return invalid_request(
          tr(caller.language, "gateway.error.external_url", fmt::arg("param", input->param)), input->param,
          "external_image_fetch_disabled");
    }
    image::DownloadOptions options;
    options.allow_private_addresses = settings_->allow_private_network;
    options.timeout = std::chrono::seconds(30);
    auto bytes = co_await image::download_image(ctx_.http(), input->url, options);
    const auto format = bytes ? image::sniff_image_format(*bytes) : std::nullopt;
    if (!format) {
      co_return invalid_request(
          tr(caller.language, "gateway.error.not_image", fmt::arg("param", input->param)), input->param,
          "invalid_image");
    }
    input->image.mime = std::string(image::image_mime(*format));
    input->image.bytes = std::move(*bytes);
    input->url.clear();
  }
  co_return std::nullopt;
}

asio::awaitable<web::HttpResponse> Gateway::serve_draw(const Caller& caller, DrawRequest request,
                                                       std::string route, std::int64_t started_ms) {
  const auto finish = [&](web::HttpResponse response, int images) {
    record({started_ms, caller.key, route, request.model, response.status,
            to_epoch_ms(ctx_.clock().now()) - started_ms, images});
    return response;
  };
  auto model = find_model(request.model, caller);
  if (!model) co_return finish(std::move(model.error()), 0);
  if (request.response_format.value_or("url") == "url" && !store_ && request.response_format) {
    co_return finish(invalid_request(tr(caller.language, "gateway.error.no_store"), "response_format"), 0);
  }
  if (auto refused = co_await fetch_inputs(caller, request)) co_return finish(std::move(*refused), 0);
  image::ImageRequest draw_request;
  draw_request.prompt = request.prompt;
  draw_request.size = request.size;
  for (InputImage& input : request.images) draw_request.references.push_back(std::move(input.image));
  auto result = co_await draw(caller, *model, std::move(draw_request), request.n);
  if (!result) co_return finish(std::move(result.error()), 0);
  const int images = static_cast<int>(result->images.size());
  web::HttpResponse response = co_await answer(caller, request, std::move(*result));
  const int served = response.status < 400 ? images : 0;
  co_return finish(std::move(response), served);
}

asio::awaitable<web::HttpResponse> Gateway::answer(const Caller& caller, const DrawRequest& request,
                                                   image::ImageResult result) {
  // Without a store, an absent response_format means b64_json (OpenWebUI reads either).
  const bool as_url = store_ && request.response_format.value_or("url") == "url";
  const std::string revised = result.text.empty() ? request.prompt : result.text;
  const std::int64_t created = to_epoch_ms(ctx_.clock().now()) / 1000;
  std::vector<std::string> payloads;
  if (as_url) {
    for (const image::GeneratedImage& image : result.images) {
      auto url = co_await store_(image);
      if (!url) {
        ctx_.logger()->error("{}",
                             log::text("log.gateway_store_failed", fmt::arg("reason", url.error().message)));
        co_return api_error(500, "api_error", tr(caller.language, "gateway.error.internal"));
      }
      payloads.push_back(std::move(*url));
    }
  }
  web::HttpResponse response;
  response.content_type = "application/json";
  response.body = co_await ctx_.workers().run([&] {
    if (!as_url) {
      for (const image::GeneratedImage& image : result.images)
        payloads.push_back(onebot::base64_encode(image.bytes));
    }
    return images_body(created, payloads, as_url, revised);
  });
  co_return response;
}

// POST /v1/chat/completions: an image alias draws (drawing_completion /
// stream_drawing); any other model goes to the chat upstream (llm.*).
asio::awaitable<web::HttpResponse> Gateway::chat(const web::HttpRequest& request) {
  const std::int64_t started = to_epoch_ms(ctx_.clock().now());
  auto caller = authenticate(request);
  if (!caller) {
    record({started, "", "chat/completions", "", caller.error().status, 0, 0});
    co_return std::move(caller.error());
  }
  const std::string& language = caller->language;
  const std::string& text = request.body;
  std::function<Result<json>()> parse = [&text] { return parse_json(text); };
  std::optional<Result<json>> parsed;
  if (text.size() > image::kParseOnWorkersBytes) {
    auto off_loop = co_await ctx_.workers().run(parse);
    parsed.emplace(std::move(off_loop));
  } else {
    parsed.emplace(parse());
  }
  const auto refuse = [&](web::HttpResponse response, const std::string& model) {
    record({started, caller->key, "chat/completions", model, response.status, 0, 0});
    return response;
  };
  if (!*parsed || !(*parsed)->is_object())
    co_return refuse(invalid_request(tr(language, "gateway.error.not_json")), "");
  json body = std::move(**parsed);
  const json& model_field = body["model"];
  if (!model_field.is_string() || model_field.get<std::string>().empty()) {
    co_return refuse(
        invalid_request(tr(language, "gateway.error.missing", fmt::arg("param", "model")), "model"), "");
  }
  const std::string model = model_field.get<std::string>();
  if (!body["messages"].is_array() || body["messages"].empty()) {
    co_return refuse(
        invalid_request(tr(language, "gateway.error.missing", fmt::arg("param", "messages")), "messages"),
        model);
  }
  const bool stream = body.value("stream", false) == true;
  if (settings_->alias(model) != nullptr || !chat_upstream_) {
    co_return co_await chat_draw(*caller, body, stream, started);
  }
  co_return co_await chat_forward(*caller, std::move(body), stream, started);
}

asio::awaitable<web::HttpResponse> Gateway::chat_draw(const Caller& caller, const json& body, bool stream,
                                                      std::int64_t started_ms) {
  const std::string id = body["model"].get<std::string>();
  const auto finish = [&](web::HttpResponse response, int images) {
    record({started_ms, caller.key, "chat/completions", id, response.status,
            to_epoch_ms(ctx_.clock().now()) - started_ms, images});
    return response;
  };
  auto model = find_model(id, caller);
  if (!model) co_return finish(std::move(model.error()), 0);
  if (!store_) co_return finish(invalid_request(tr(caller.language, "gateway.error.no_store"), "model"), 0);
  ChatInputOptions options;
  options.max_data_url_bytes = settings_->max_upload_bytes;
  options.allow_external_image_fetch = settings_->allow_external_image_fetch;
  options.download.allow_private_addresses = settings_->allow_private_network;
  options.download.timeout = std::chrono::seconds(30);
  options.workers = &ctx_.workers();
  const ReadOwnImage read_own = [this](std::string own) { return read_own_by_id(std::move(own)); };
  auto prompt = co_await read_chat_prompt(body["messages"], read_own, ctx_.http(), options);
  if (!prompt) {
    co_return finish(
        invalid_request(tr(caller.language, "gateway.error.chat_input", fmt::arg("code", prompt.error().code),
                           fmt::arg("reason", prompt.error().message)),
                        "messages", prompt.error().code),
        0);
  }
  auto draw_request = std::make_shared<image::ImageRequest>();
  draw_request->prompt = std::move(prompt->prompt);
  draw_request->references = std::move(prompt->references);
  auto images = chat_images();
  if (!stream) {
    auto drawn = co_await draw(caller, *model, std::move(*draw_request), 1);
    if (!drawn) co_return finish(std::move(drawn.error()), 0);
    auto completion = co_await drawing_completion(drawn->images, *images, id);
    if (!completion) {
      ctx_.logger()->error(
          "{}", log::text("log.gateway_store_failed", fmt::arg("reason", completion.error().to_string())));
      co_return finish(api_error(500, "api_error", tr(caller.language, "gateway.error.internal")), 0);
    }
    co_return finish(web::HttpResponse::json(*completion), static_cast<int>(images->stored()));
  }
  // The quota is asked before the answer starts, so a 429 is still an HTTP status.
  auto reserved = co_await reserve(caller, 1);
  if (!reserved) co_return finish(std::move(reserved.error()), 0);
  auto holds = std::make_shared<std::vector<quota::QuotaHold>>(std::move(*reserved));
  web::HttpResponse response;
  response.content_type = "text/event-stream";
  response.stream = [this, caller, found = *model, draw_request, holds, images,
                     started_ms](web::ResponseStream& out) {
    return stream_chat_drawing(out, caller, found, draw_request, holds, images, started_ms);
  };
  co_return response;
}

asio::awaitable<void> Gateway::stream_chat_drawing(web::ResponseStream& out, Caller caller, Model model,
                                                   std::shared_ptr<image::ImageRequest> request,
                                                   std::shared_ptr<std::vector<quota::QuotaHold>> holds,
                                                   std::shared_ptr<ChatImages> images,
                                                   std::int64_t started_ms) {
  // Copied into the drawing's own coroutine (stream_drawing runs it detached).
  const DrawForChat draw_it = [this, caller, model, request, holds]() {
    return draw_images(caller, model, request, holds);
  };
  const SseWrite write = [&out](std::string piece) { return out.write(std::move(piece)); };
  co_await stream_drawing(draw_it, *images, model.alias->id, write);
  record({started_ms, caller.key, "chat/completions", model.alias->id, 200,
          to_epoch_ms(ctx_.clock().now()) - started_ms, static_cast<int>(images->stored())});
}

asio::awaitable<Result<std::vector<image::GeneratedImage>, llm::ProviderError>> Gateway::draw_images(
    Caller caller, Model model, std::shared_ptr<image::ImageRequest> request,
    std::shared_ptr<std::vector<quota::QuotaHold>> holds) {
  auto drawn = co_await draw_held(caller, model, std::move(*request), 1, std::move(*holds));
  if (!drawn) co_return drawn.error();
  co_return std::move(drawn->images);
}

asio::awaitable<web::HttpResponse> Gateway::chat_forward(const Caller& caller, json body, bool stream,
                                                         std::int64_t started_ms) {
  const std::string model = body["model"].get<std::string>();
  const auto finish = [&](web::HttpResponse response, int images) {
    record({started_ms, caller.key, "chat/completions", model, response.status,
            to_epoch_ms(ctx_.clock().now()) - started_ms, images});
    return response;
  };
  if (!store_) co_return finish(invalid_request(tr(caller.language, "gateway.error.no_store"), "model"), 0);
  // Held here: a reload replaces chat_upstream_ while this request runs.
  const std::shared_ptr<const ChatUpstream> upstream = chat_upstream_;
  auto images = chat_images();
  if (!stream) {
    auto answer = co_await forward_completion(ctx_.http(), ctx_.clock(), *upstream, std::move(body), *images);
    if (!answer) {
      ctx_.logger()->warn(
          "{}", log::text("log.gateway_failed", fmt::arg("key", caller.key), fmt::arg("model", model),
                          fmt::arg("reason", answer.error().to_string())));
      co_return finish(forward_failure(answer.error(), model, caller), 0);
    }
    co_return finish(web::HttpResponse::json(*answer), static_cast<int>(images->stored()));
  }
  auto opened = co_await open_forward_stream(ctx_.http(), ctx_.clock(), *upstream, std::move(body));
  if (!opened) {
    ctx_.logger()->warn("{}",
                        log::text("log.gateway_failed", fmt::arg("key", caller.key), fmt::arg("model", model),
                                  fmt::arg("reason", opened.error().to_string())));
    co_return finish(forward_failure(opened.error(), model, caller), 0);
  }
  std::shared_ptr<llm::ChatStream> running(std::move(*opened).release());
  web::HttpResponse response;
  response.content_type = "text/event-stream";
  response.stream = [this, caller, model, upstream, running, images, started_ms](web::ResponseStream& out) {
    return stream_chat_forward(out, caller, model, upstream, running, images, started_ms);
  };
  co_return response;
}

asio::awaitable<void> Gateway::stream_chat_forward(web::ResponseStream& out, Caller caller, std::string model,
                                                   std::shared_ptr<const ChatUpstream> upstream,
                                                   std::shared_ptr<llm::ChatStream> opened,
                                                   std::shared_ptr<ChatImages> images,
                                                   std::int64_t started_ms) {
  const SseWrite write = [&out](std::string piece) { return out.write(std::move(piece)); };
  // A client that leaves ends the upstream call too.
  auto executor = co_await asio::this_coro::executor;
  co_await asio::co_spawn(executor, relay_stream(*opened, *images, write),
                          asio::bind_cancellation_slot(out.on_close(), asio::as_tuple(asio::use_awaitable)));
  (void)upstream;  // kept alive until the stream ends
  record({started_ms, caller.key, "chat/completions", model, 200,
          to_epoch_ms(ctx_.clock().now()) - started_ms, static_cast<int>(images->stored())});
}

// A model the chat upstream does not know is ours to refuse as OpenAI does
// (404 model_not_found, naming the aliases); the rest as for drawings.
web::HttpResponse Gateway::forward_failure(const llm::ProviderError& error, const std::string& model,
                                           const Caller& caller) const {
  if (error.cls == llm::FailureClass::kModelNotFound) {
    auto unknown = find_model(model, caller);
    if (!unknown) return std::move(unknown.error());
  }
  return upstream_failure(error, caller.language);
}

std::shared_ptr<ChatImages> Gateway::chat_images() {
  ChatImageOptions options;
  options.workers = &ctx_.workers();
  return std::make_shared<ChatImages>(
      [this](std::string bytes, std::string mime) {
        return store_chat_image(std::move(bytes), std::move(mime));
      },
      options);
}

asio::awaitable<Result<std::string>> Gateway::store_chat_image(std::string bytes, std::string mime) {
  image::GeneratedImage image;
  image.bytes = std::move(bytes);
  image.mime = std::move(mime);
  image.extension = image.mime.substr(image.mime.find('/') + 1);
  if (image.extension == "jpeg") image.extension = "jpg";
  co_return co_await store_(image);
}

asio::awaitable<Result<image::ReferenceImage>> Gateway::read_own_by_id(std::string id) {
  const auto stored = ctx_.image_store().find(id);
  if (!stored) co_return Error::make("not_found", "no stored image " + id);
  auto bytes = co_await ctx_.image_store().read(*stored);
  if (!bytes) co_return bytes.error();
  image::ReferenceImage own;
  own.bytes = std::move(*bytes);
  own.mime = stored->mime;
  co_return own;
}

}  // namespace picbot::gateway
