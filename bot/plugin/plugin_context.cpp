#include "bot/plugin/plugin_context.h"

#include "bot/core/logging.h"

namespace picbot {

PluginContext::PluginContext(std::string plugin_name, HostServices& services, CommandRegistry& registry)
    : name_(std::move(plugin_name)), services_(services), registry_(registry), logger_(log::get(name_)) {}

}  // namespace picbot
