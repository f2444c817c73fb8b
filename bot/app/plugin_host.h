// PluginHost: runs the plugins. start() makes each enabled plugin (the ones
// with a plugins.<name> section whose `enabled` is not false), in the order
// of the factory list, gives it a PluginContext and starts it; reconfigure()
// hands each running plugin its new section; stop() stops them all.
//
// Guarantees: a plugin that refuses to start fails start() ("plugin_failed",
// "plugin <name>: <why>") and the plugins after it are not started; one that
// refuses a new config keeps running and the refusal is logged. Plugins and
// their contexts live until the PluginHost is destroyed.
// Thread rules: io_context thread only.
// Construction needs the factories and the command registry the contexts
// register into; the host services come at start(), when every part they
// reach (web server, console, agent) exists.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "bot/core/result.h"
#include "bot/plugin/command_registry.h"
#include "bot/plugin/plugin.h"
#include "bot/plugin/plugin_context.h"

namespace picbot {

class PluginHost {
 public:
  PluginHost(std::span<const PluginFactory> factories, CommandRegistry& registry);
  ~PluginHost();

  // Starts the enabled plugins of config["plugins"]. REQUIRES: called once.
  Status start(HostServices services, const nlohmann::json& config);

  // Gives each running plugin whose section is in config["plugins"] that
  // section, and calls its reconfigure() once.
  void reconfigure(const nlohmann::json& config);

  // Calls each running plugin's stop(), in start order, and takes back the
  // commands, tools and hooks it registered.
  void stop();

 private:
  struct RunningPlugin {
    std::unique_ptr<Plugin> plugin;
    std::unique_ptr<PluginContext> context;
  };

  std::span<const PluginFactory> factories_;
  CommandRegistry& registry_;
  HostServices services_;  // the contexts refer to it
  std::vector<RunningPlugin> plugins_;
};

}  // namespace picbot
