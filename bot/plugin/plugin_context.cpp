#include "bot/plugin/plugin_context.h"

#include "bot/core/logging.h"

namespace picbot {

PluginContext::PluginContext(std::string plugin_name, HostServices& services, CommandRegistry& registry)
    : name_(std::move(plugin_name)), services_(services), registry_(registry), logger_(log::get(name_)) {}

boost::asio::awaitable<Status> PluginContext::save_image_provider_value(std::string instance, std::string key,
                                                                        nlohmann::json value) {
  const auto plain = [](const std::string& word) {
    return !word.empty() && word.find('.') == std::string::npos;
  };
  if (!plain(instance) || !image_providers_.is_object() || !image_providers_.contains(instance)) {
    co_return Error::bad_request("no image_providers." + instance + " to save into");
  }
  if (!plain(key)) co_return Error::bad_request("not a field of image_providers." + instance + ": " + key);
  std::string path = "image_providers." + instance + "." + key;
  co_return co_await services_.save_config_value(std::move(path), std::move(value));
}

}  // namespace picbot
