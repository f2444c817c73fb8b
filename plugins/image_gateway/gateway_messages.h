// The image_gateway plugin's entries in the message table (zh-CN and en):
// the API's error texts (in the client's language, see api_language) and the
// operator's log lines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace picbot::gateway {

void register_gateway_messages();

// The texts of the console's Gateway page, {"zh-CN": {key: text}, "en":
// {...}}, for GET /api/plugins/image_gateway/labels.
nlohmann::json gateway_console_labels();

// The language of a client's error texts: "zh-CN" when its Accept-Language
// prefers Chinese, else "en" (what OpenAI's clients expect).
std::string api_language(std::string_view accept_language);

}  // namespace picbot::gateway
