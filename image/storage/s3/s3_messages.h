// The S3 client's words (errors, the connection test, settings checks) in the
// log language (bot/core/log_language.h): the "s3.*" entries of the message
// table, zh-CN first, en. S3 error codes, HTTP statuses, bucket and key
// names stay the same in both languages.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "bot/core/log_language.h"

namespace picbot::image::s3 {

// Adds the "s3.*" entries to MessageTable::instance(); calling it again is
// harmless. Thread-safe.
void register_messages();

// One text in the log language.
template <class... Args>
std::string s3_text(std::string_view key, Args&&... args) {
  register_messages();
  return log::text(key, std::forward<Args>(args)...);
}

}  // namespace picbot::image::s3
