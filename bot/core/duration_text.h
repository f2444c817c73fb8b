// Durations as operators and users read them, from the message table:
// "4 分 32 秒" in zh-CN, "4 min 32 s" in en.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace picbot {

// duration in whole seconds (rounded up, so a wait is never understated) as
// days, hours, minutes and seconds, naming only the units that are not zero:
// 272 s -> "4 分 32 秒" / "4 min 32 s", 3605 s -> "1 小时 5 秒" / "1 h 5 s";
// zero or less -> "0 秒" / "0 s". language is "zh-CN" or "en" (others fall
// back to zh-CN). Thread-safe.
std::string format_duration(std::string_view language, std::chrono::milliseconds duration);

}  // namespace picbot
