// Config editing helpers for the web console's save: putting back secrets the
// form only saw masked, and telling which keys a save changed and which of
// those need a restart. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bot/config/schema.h"

namespace picbot::config {

// submitted, with every secret that still equals the masked form of the
// secret at the same place in current replaced by that secret (the form
// returns masks for secrets nobody edited). In a list of secrets an item is
// matched at its own index first, then anywhere in current's list. Anything
// else (a new value, an empty string) is kept as submitted.
nlohmann::json restore_masked_secrets(const Schema& schema, nlohmann::json submitted, const nlohmann::json& current);

// Dotted paths of the values that differ between before and after: objects
// are compared key by key, anything else (lists included) as a whole.
std::vector<std::string> changed_paths(const nlohmann::json& before, const nlohmann::json& after);

// The paths among `paths` whose schema field (or an enclosing one) is marked
// restart_required.
std::vector<std::string> restart_required_paths(const Schema& schema, const std::vector<std::string>& paths);

}  // namespace picbot::config
