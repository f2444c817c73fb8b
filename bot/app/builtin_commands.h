// The host's own commands: /ping (health check), /help (the commands the
// caller may use) and /reload (admin: re-read the config file).
#pragma once

#include <functional>

#include "bot/core/result.h"
#include "bot/plugin/command_registry.h"

namespace picbot {

// `reload` re-reads the config; it returns a one-line error summary on failure.
Status register_builtin_commands(CommandRegistry& registry, std::function<Status()> reload);

}  // namespace picbot
