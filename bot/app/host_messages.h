// The host's entries in the message table (zh-CN and en).
#pragma once

namespace picbot {
// Adds the host's user-facing strings to MessageTable::instance().
void register_host_messages();
}  // namespace picbot
