// Gateway: the OpenAI-compatible image API behind plugins.image_gateway.
// Owns the settings, the keys, the provider instances the model aliases
// draw with, the per-key quota and the request log; serves /v1/models,
// /v1/images/generations and /v1/images/edits on its own listener
// (settings.listen) or the host's web server, and /v1/chat/completions
// (image aliases draw; any other model goes to the chat upstream, llm.*).
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bot/core/result.h"
#include "bot/plugin/plugin_context.h"
#include "bot/quota/quota_hold.h"
#include "bot/quota/quota_store.h"
#include "bot/web/http_types.h"
#include "image/provider.h"
#include "image/storage/image_store.h"
#include "image/task_poller.h"
#include "plugins/image_gateway/chat/chat_relay.h"
#include "plugins/image_gateway/gateway_keys.h"
#include "plugins/image_gateway/gateway_settings.h"
#include "plugins/image_gateway/openai_requests.h"
#include "plugins/image_gateway/request_log.h"

namespace picbot::gateway {

// Who is calling, once authenticated.
struct Caller {
  std::string key;       // the key's name; "local" without configured keys
  std::string language;  // of error texts (api_language)
};

class Gateway {
 public:
  // Stores one image and returns the URL clients fetch it at.
  using StoreImage =
      std::function<boost::asio::awaitable<Result<std::string>>(const image::GeneratedImage& image)>;

  explicit Gateway(PluginContext& ctx);
  ~Gateway();

  // Builds the providers of the aliases and the keys; the first call also
  // opens the listener and mounts the routes. A failure changes nothing.
  Status apply(GatewaySettings settings);
  void stop();

  // Where stored images' links come from (the host's image store unless
  // replaced, e.g. by a test); unset: only b64_json answers.
  void set_store(StoreImage store) { store_ = std::move(store); }
  bool has_store() const { return static_cast<bool>(store_); }

  // Mounts a route where the gateway serves (its listener or the web server).
  Status mount(std::string method, std::string path, web::HttpHandler handler,
               web::RouteOptions options = {});

  // The caller of request, or the 401 to answer (no key configured: only
  // loopback clients are served).
  Result<Caller, web::HttpResponse> authenticate(const web::HttpRequest& request) const;

  // The provider behind alias id, or the 404 model_not_found (503 when the
  // alias's instance could not be built).
  struct Model {
    const ModelAlias* alias;
    std::shared_ptr<image::Provider> provider;
  };
  Result<Model, web::HttpResponse> find_model(const std::string& id, const Caller& caller) const;

  // Draws n images (calling the provider again while it returns fewer),
  // holding one quota unit per image (released for what did not arrive).
  // The error is the response to send (429 for an exhausted key, the
  // upstream failure's status otherwise).
  boost::asio::awaitable<Result<image::ImageResult, web::HttpResponse>> draw(const Caller& caller,
                                                                             const Model& model,
                                                                             image::ImageRequest request,
                                                                             int n);

  // Notes a served request (console, status, one info log line).
  void record(RequestRecord record);
  const GatewaySettings& settings() const { return *settings_; }
  PluginContext& context() { return ctx_; }
  nlohmann::json status() const;
  // What was served since start (the console's figures and recent requests).
  const RequestLog& request_log() const { return log_; }
  // The key's use of its quota window (bucket gateway:<name>); nullopt when
  // quotas are off or the ledger is unavailable.
  boost::asio::awaitable<std::optional<quota::Usage>> quota_usage(std::string key_name);
  // The port of the gateway's own listener; 0 when it serves on the web server.
  std::uint16_t own_port() const;

 private:
  boost::asio::awaitable<web::HttpResponse> models(const web::HttpRequest& request);
  boost::asio::awaitable<web::HttpResponse> generations(const web::HttpRequest& request);
  boost::asio::awaitable<web::HttpResponse> edits(const web::HttpRequest& request);
  boost::asio::awaitable<web::HttpResponse> chat(const web::HttpRequest& request);
  // An image alias asked through chat (streamed or not).
  boost::asio::awaitable<web::HttpResponse> chat_draw(const Caller& caller, const nlohmann::json& body,
                                                      bool stream, std::int64_t started_ms);
  // Any other model: forwarded to the chat upstream.
  boost::asio::awaitable<web::HttpResponse> chat_forward(const Caller& caller, nlohmann::json body,
                                                         bool stream, std::int64_t started_ms);
  web::HttpResponse forward_failure(const llm::ProviderError& error, const std::string& model,
                                    const Caller& caller) const;
  // Stores chat answers' images like the image routes' (store_).
  std::shared_ptr<ChatImages> chat_images();
  boost::asio::awaitable<Result<std::string>> store_chat_image(std::string bytes, std::string mime);
  boost::asio::awaitable<Result<image::ReferenceImage>> read_own_by_id(std::string id);
  // The bodies of the streamed chat answers (HttpResponse::stream).
  boost::asio::awaitable<void> stream_chat_drawing(web::ResponseStream& out, Caller caller, Model model,
                                                   std::shared_ptr<image::ImageRequest> request,
                                                   std::shared_ptr<std::vector<quota::QuotaHold>> holds,
                                                   std::shared_ptr<ChatImages> images,
                                                   std::int64_t started_ms);
  boost::asio::awaitable<Result<std::vector<image::GeneratedImage>, llm::ProviderError>> draw_images(
      Caller caller, Model model, std::shared_ptr<image::ImageRequest> request,
      std::shared_ptr<std::vector<quota::QuotaHold>> holds);
  boost::asio::awaitable<void> stream_chat_forward(web::ResponseStream& out, Caller caller, std::string model,
                                                   std::shared_ptr<const ChatUpstream> upstream,
                                                   std::shared_ptr<llm::ChatStream> opened,
                                                   std::shared_ptr<ChatImages> images,
                                                   std::int64_t started_ms);
  // draw() with the units already held: every hold committed or released.
  boost::asio::awaitable<Result<image::ImageResult, llm::ProviderError>> draw_held(
      const Caller& caller, const Model& model, image::ImageRequest request, int n,
      std::vector<quota::QuotaHold> holds);
  // parse() on the WorkerPool when the body is large, else here.
  boost::asio::awaitable<Parsed> parse_off_loop(std::size_t body_bytes, std::function<Parsed()> parse);
  boost::asio::awaitable<web::HttpResponse> serve_draw(const Caller& caller, DrawRequest request,
                                                       std::string route, std::int64_t started_ms);
  // The image behind one of this picbot's /images/<id> links, from the
  // store; nullopt for another URL or an unknown id.
  boost::asio::awaitable<std::optional<image::ReferenceImage>> read_own_image(const std::string& url);
  boost::asio::awaitable<std::optional<web::HttpResponse>> fetch_inputs(const Caller& caller,
                                                                        DrawRequest& request);
  // The 200 with the images (or a 500 when storing one failed).
  boost::asio::awaitable<web::HttpResponse> answer(const Caller& caller, const DrawRequest& request,
                                                   image::ImageResult result);
  Status open_routes();
  boost::asio::awaitable<Result<std::string>> store_in_host(const image::GeneratedImage& image);
  Status open_quota();
  // One unit per image wanted in the caller's bucket (gateway:<key name>),
  // or the 429 to answer (every unit already held given back). Quotas off or
  // the ledger unavailable: no holds.
  boost::asio::awaitable<Result<std::vector<quota::QuotaHold>, web::HttpResponse>> reserve(
      const Caller& caller, int n);

  PluginContext& ctx_;
  std::shared_ptr<const GatewaySettings> settings_;
  std::unique_ptr<GatewayKeys> keys_;
  std::unique_ptr<image::TaskPoller> poller_;
  std::map<std::string, std::shared_ptr<image::Provider>> providers_;  // by instance name
  std::map<std::string, std::string> problems_;                        // instance name -> why not built
  std::unique_ptr<web::HttpListener> listener_;
  std::unique_ptr<quota::AsyncQuotaStore> quota_;
  bool routes_open_ = false;
  // The chat upstream (llm.*), rebuilt by apply(); null without llm keys.
  llm::KeyPool chat_keys_;
  std::shared_ptr<const ChatUpstream> chat_upstream_;
  std::string chat_model_;  // llm.model, listed by /v1/models
  StoreImage store_;
  RequestLog log_;
};

}  // namespace picbot::gateway
