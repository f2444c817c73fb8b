// The image store's operator log lines ("log.storage.*"), in the log language
// (bot/core/log_language.h). Kept here: the store is a host service and
// knows no plugin.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "bot/core/log_language.h"

namespace picbot::image {

// Adds the "log.storage.*" entries to MessageTable::instance(); calling it
// again is harmless. Thread-safe.
void register_storage_messages();

// One store log line's text in the log language.
template <class... Args>
std::string storage_log_text(std::string_view key, Args&&... args) {
  register_storage_messages();
  return log::text(key, std::forward<Args>(args)...);
}

}  // namespace picbot::image
