// The image engine's operator log lines (failures, fallbacks, retries), in
// the log language (bot/core/log_language.h). The engine keeps its own
// "log.image.*" entries: it knows no plugin, and the host's table knows no
// provider. Numbers, provider and model names stay the same in both
// languages.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "bot/core/log_language.h"

namespace picbot::image {

// Adds the "log.image.*" entries to MessageTable::instance(); calling it again
// is harmless. Thread-safe.
void register_log_messages();

// One engine log line's text in the log language.
template <class... Args>
std::string log_text(std::string_view key, Args&&... args) {
  register_log_messages();
  return log::text(key, std::forward<Args>(args)...);
}

}  // namespace picbot::image
