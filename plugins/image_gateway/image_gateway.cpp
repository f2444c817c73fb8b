// image_gateway: picbot as an OpenAI-compatible image API (issue 19). The
// entry point: settings in, the Gateway (gateway.h) out.
#include <memory>

#include "bot/plugin/plugin.h"
#include "bot/plugin/plugin_context.h"
#include "plugins/image_gateway/gateway.h"
#include "plugins/image_gateway/gateway_messages.h"
#include "plugins/image_gateway/gateway_settings.h"

namespace picbot::gateway {
namespace {

class ImageGatewayPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "image_gateway"; }
  std::vector<config::Field> config_schema() const override { return gateway_schema(); }

  Status check_config(const nlohmann::json& section) const override {
    auto settings = GatewaySettings::from_config(section);
    if (!settings) return settings.error();
    return {};
  }

  Status start(PluginContext& ctx) override {
    register_gateway_messages();
    auto settings = GatewaySettings::from_config(ctx.config(), ctx.image_providers());
    if (!settings) return settings.error();
    gateway_ = std::make_unique<Gateway>(ctx);
    if (Status s = gateway_->apply(std::move(*settings)); !s) return s;
    ctx.set_status_provider([this] { return gateway_->status(); });
    // The console's data: keys (masked), models, requests and images per key, the last 100 requests.
    if (Status s = ctx.add_console_route(
            "GET", "/requests",
            [this](const web::HttpRequest&) -> boost::asio::awaitable<web::HttpResponse> {
              co_return web::HttpResponse::json(gateway_->status());
            });
        !s && s.error().code != "web_disabled") {
      return s;
    }
    return {};
  }

  Status reconfigure(PluginContext& ctx) override {
    auto settings = GatewaySettings::from_config(ctx.config(), ctx.image_providers());
    if (!settings) return settings.error();
    return gateway_->apply(std::move(*settings));
  }

  void stop() override {
    if (gateway_) gateway_->stop();
  }

 private:
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace

std::unique_ptr<Plugin> make_plugin() { return std::make_unique<ImageGatewayPlugin>(); }

}  // namespace picbot::gateway
