// The "app" logger. The host's start-up, reload and shutdown lines keep one
// logger name whichever part of bot/app writes them, as before the parts
// were split out of App.
#pragma once

#include <memory>

#include "bot/core/logging.h"

namespace picbot {

inline const std::shared_ptr<spdlog::logger>& app_logger() {
  static const auto logger = log::get("app");
  return logger;
}

}  // namespace picbot
