// The gemini_pic_gen plugin's entries in the message table (zh-CN and en).
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace picbot::gemini {
void register_plugin_messages();

// The labels of the plugin's web console pages, {"zh-CN": {key: text},
// "en": {...}}, for GET /api/plugins/gemini_pic_gen/labels.
nlohmann::json console_labels();
}  // namespace picbot::gemini
