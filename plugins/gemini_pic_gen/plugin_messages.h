// The gemini_pic_gen plugin's entries in the message table (zh-CN and en).
#pragma once

namespace picbot::gemini {
void register_plugin_messages();
}  // namespace picbot::gemini
