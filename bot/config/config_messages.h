// The config loader's entries in the message table (zh-CN and en): unknown
// keys, YAML syntax errors explained in words, a missing config file.
#pragma once

namespace picbot::config {
// Adds them to MessageTable::instance(); the loader calls it before using
// them, and calling it again is harmless. Thread-safe.
void register_config_messages();
}  // namespace picbot::config
