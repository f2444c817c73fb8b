// Config editing helpers for the web console's save: laying a partial
// document over the current config, putting back secrets the form only saw
// masked, and telling which keys a save changed and which of
// those need a restart. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bot/config/schema.h"
#include "bot/core/result.h"

namespace picbot::config {

// The config a save through the console API produces: current with submitted
// laid over it. Objects of the schema merge key by key, so a key the
// submitted document leaves out keeps its current value (a partial document
// changes only what it names); lists, maps and scalars are replaced as a
// whole; a null removes the key, which then takes its default (a plugin
// section set to null is switched off). Keys the schema does not know are
// copied over for validation to report. Fails (code "secret_needs_value",
// message = the dotted path) when a null would reset a secret, or an object
// holding one: emptying a secret takes an explicit value ("").
Result<nlohmann::json> merge_submitted(const Schema& schema, nlohmann::json current,
                                       const nlohmann::json& submitted);

// submitted, with every secret that still equals the masked form of the
// secret at the same place in current replaced by that secret (the form
// returns masks for secrets nobody edited). In a list of secrets an item is
// matched at its own index first, then anywhere in current's list. Anything
// else (a new value, an empty string) is kept as submitted.
nlohmann::json restore_masked_secrets(const Schema& schema, nlohmann::json submitted,
                                      const nlohmann::json& current);

// Dotted paths of the values that differ between before and after: objects
// are compared key by key, anything else (lists included) as a whole.
std::vector<std::string> changed_paths(const nlohmann::json& before, const nlohmann::json& after);

// The paths among `paths` whose schema field (or an enclosing one) is marked
// restart_required.
std::vector<std::string> restart_required_paths(const Schema& schema, const std::vector<std::string>& paths);

}  // namespace picbot::config
