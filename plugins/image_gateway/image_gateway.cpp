// image_gateway: picbot as an OpenAI-compatible image API (issue 19). The
// entry point: settings in, the Gateway (gateway.h) out.
#include <memory>

#include "bot/core/log_language.h"
#include "bot/plugin/plugin.h"
#include "bot/plugin/plugin_context.h"
#include "plugins/image_gateway/console/gateway_console.h"
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
    auto settings =
        GatewaySettings::from_config(ctx.config(), ctx.image_providers(), keys_from_environment());
    if (!settings) return settings.error();
    gateway_ = std::make_unique<Gateway>(ctx);
    if (Status s = gateway_->apply(std::move(*settings)); !s) return s;
    ctx.set_status_provider([this] { return gateway_->status(); });
    // The console's Gateway page: keys (create, revoke), figures, requests, client settings.
    console_ = std::make_unique<GatewayConsole>(ctx, *gateway_);
    if (Status s = console_->open(); !s) {
      if (s.error().code != "web_disabled") return s;
      ctx.logger()->info("{}", log::text("log.gateway_no_console", fmt::arg("reason", s.error().message)));
    }
    return {};
  }

  Status reconfigure(PluginContext& ctx) override {
    auto settings =
        GatewaySettings::from_config(ctx.config(), ctx.image_providers(), keys_from_environment());
    if (!settings) return settings.error();
    return gateway_->apply(std::move(*settings));
  }

  void stop() override {
    if (gateway_) gateway_->stop();
  }

 private:
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<GatewayConsole> console_;  // uses gateway_
};

}  // namespace

std::unique_ptr<Plugin> make_plugin() { return std::make_unique<ImageGatewayPlugin>(); }

}  // namespace picbot::gateway
