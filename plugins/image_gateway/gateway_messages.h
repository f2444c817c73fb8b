// The image_gateway plugin's entries in the message table (zh-CN and en):
// the API's error texts (in the client's language, see api_language) and the
// operator's log lines.
#pragma once

#include <string>
#include <string_view>

namespace picbot::gateway {

void register_gateway_messages();

// The language of a client's error texts: "zh-CN" when its Accept-Language
// prefers Chinese, else "en" (what OpenAI's clients expect).
std::string api_language(std::string_view accept_language);

}  // namespace picbot::gateway
