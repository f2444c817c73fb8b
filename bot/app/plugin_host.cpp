#include "bot/app/plugin_host.h"

#include <string>

#include "bot/app/app_logger.h"
#include "bot/core/log_language.h"

namespace picbot {
using nlohmann::json;

namespace {
const json& plugin_sections(const json& config) {
  static const json kNone = json::object();
  return config.contains("plugins") ? config["plugins"] : kNone;
}
}  // namespace

PluginHost::PluginHost(std::span<const PluginFactory> factories, CommandRegistry& registry)
    : factories_(factories), registry_(registry) {}

PluginHost::~PluginHost() = default;

Status PluginHost::start(HostServices services, const json& config) {
  services_ = std::move(services);
  const json& sections = plugin_sections(config);
  for (const auto& factory : factories_) {
    const std::string name(factory.name);
    if (!sections.contains(name) || !sections[name].value("enabled", true)) {
      app_logger()->info("{}", log::text("log.plugin_not_enabled", fmt::arg("name", name)));
      continue;
    }
    RunningPlugin running{factory.make(), std::make_unique<PluginContext>(name, services_, registry_)};
    running.context->set_config(sections[name]);
    running.context->set_image_providers(config.value("image_providers", json::object()));
    if (Status s = running.plugin->start(*running.context); !s) {
      return Error::make("plugin_failed", "plugin " + name + ": " + s.error().message);
    }
    app_logger()->info("{}", log::text("log.plugin_started", fmt::arg("name", name)));
    plugins_.push_back(std::move(running));
  }
  return {};
}

void PluginHost::reconfigure(const json& config) {
  const json& sections = plugin_sections(config);
  for (auto& running : plugins_) {
    const std::string& name = running.context->name();
    if (!sections.contains(name)) continue;
    running.context->set_config(sections[name]);
    running.context->set_image_providers(config.value("image_providers", json::object()));
    if (Status s = running.plugin->reconfigure(*running.context); !s) {
      app_logger()->error("{}", log::text("log.plugin_rejected_config", fmt::arg("name", name),
                                          fmt::arg("reason", s.error().message)));
    }
  }
}

void PluginHost::stop() {
  for (auto& running : plugins_) {
    running.plugin->stop();
    registry_.remove_all_of(running.context->name());
  }
}

}  // namespace picbot
