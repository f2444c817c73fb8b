// Tool-call arguments as models write them: a JSON object in a string. Models
// sometimes wrap it in a Markdown code fence, add prose around it or leave a
// trailing comma; one local repair pass fixes those before giving up.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bot/core/result.h"

namespace picbot::agent {

// Returns the arguments as a JSON object. "" (no arguments) gives {}. On a
// parse failure, one repair is tried (see repair_json); when that fails too,
// or the value is not an object, the error (code "bad_arguments") says why,
// in words the model can act on.
Result<nlohmann::json> parse_tool_arguments(std::string_view raw);

// The one repair: strips a ``` code fence, keeps the outermost {...}, and
// removes commas before } or ] (outside strings).
std::string repair_json(std::string_view raw);

}  // namespace picbot::agent
