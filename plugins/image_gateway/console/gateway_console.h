// GatewayConsole: the image gateway's page in the web console and its API
// (/api/plugins/image_gateway/...; the console checks the login session and
// the CSRF token before any of these run, and a gateway key opens none):
//   GET  /labels        the page's texts, {"zh-CN": {...}, "en": {...}}
//   GET  /keys          every key, masked, with its figures (see keys())
//   POST /keys          {"name"}: creates a key (the full key is in this answer only)
//   POST /keys/revoke   {"name"}: removes a key from the config
//   GET  /requests      the last 100 requests and the per-key totals (Gateway::status())
//   GET  /setup         the values of the page's OpenWebUI / LobeChat block
// A create or revoke is one config save (PluginContext::save_config_value)
// followed by the reload that hands the new keys to the running gateway, so
// a revoked key is refused from the moment the answer is sent. No answer
// holds a key in clear except the create's.
// Thread-safety: io_context thread only. gateway and ctx outlive this object.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bot/core/result.h"
#include "bot/plugin/plugin_context.h"
#include "bot/web/http_types.h"
#include "plugins/image_gateway/gateway.h"

namespace picbot::gateway {

class GatewayConsole {
 public:
  GatewayConsole(PluginContext& ctx, Gateway& gateway);

  // Mounts the routes and the page. "web_disabled" without a web server.
  Status open();

  // {"keys": [{"name", "key" (masked), "source" ("file" | "environment" |
  //   "console"), "revocable", "requests", "images", "failures" (since start),
  //   "last_used_ms" (null: none since start), "quota": {"used", "limit",
  //   "resets_at_ms"} or null (quotas off)}], "since_ms" (when the counts
  //   started), "environment" (api_keys come from PICBOT_GATEWAY_API_KEYS)}
  boost::asio::awaitable<nlohmann::json> keys();
  // body {"name", "language"?}: 200 {"name", "key" (in full), "masked"};
  // 400 a bad name, 409 while another change is saved, 500 a failed save.
  boost::asio::awaitable<web::HttpResponse> create(const web::HttpRequest& request);
  // body {"name", "language"?}: 200 {"revoked"}; 404 no such key; 409 an
  // environment key, the last key (without keys the gateway would serve
  // this machine's clients keyless) or another change in progress; 500 a
  // failed save.
  boost::asio::awaitable<web::HttpResponse> revoke(const web::HttpRequest& request);
  // {"base_url" (".../v1"), "image_models": [alias ids], "chat_model" ("" = none)}:
  // the gateway's own listener (its host, or the request's when it listens
  // on every address), else the web server's public base URL.
  nlohmann::json setup(const web::HttpRequest& request) const;

 private:
  // Writes plugins.image_gateway.<field> = keys and reloads; the error
  // response when that fails, nullopt when it worked.
  boost::asio::awaitable<std::optional<web::HttpResponse>> save_keys(std::string field, nlohmann::json keys,
                                                                     const std::string& language);

  PluginContext& ctx_;
  Gateway& gateway_;
  std::int64_t since_ms_;
  bool changing_ = false;  // a create or revoke is being saved
};

}  // namespace picbot::gateway
