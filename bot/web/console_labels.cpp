#include "bot/web/console_labels.h"

#include <string>

namespace picbot::web {

nlohmann::json console_labels_json(std::span<const MessageEntry> entries, std::string_view prefix) {
  nlohmann::json labels{{"zh-CN", nlohmann::json::object()}, {"en", nlohmann::json::object()}};
  for (const MessageEntry& entry : entries) {
    if (!entry.key.starts_with(prefix)) continue;
    const std::string key(entry.key);
    labels["zh-CN"][key] = MessageTable::instance().lookup("zh-CN", key);
    labels["en"][key] = MessageTable::instance().lookup("en", key);
  }
  return labels;
}

}  // namespace picbot::web
