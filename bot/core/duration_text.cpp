#include "bot/core/duration_text.h"

#include <mutex>

#include "bot/core/message_table.h"

namespace picbot {
namespace {

void register_duration_messages() {
  static std::once_flag once;
  std::call_once(once, [] {
    MessageTable::instance().add({
        {"duration.days", "{n} 天", "{n} d"},
        {"duration.hours", "{n} 小时", "{n} h"},
        {"duration.minutes", "{n} 分", "{n} min"},
        {"duration.seconds", "{n} 秒", "{n} s"},
    });
  });
}

}  // namespace

std::string format_duration(std::string_view language, std::chrono::milliseconds duration) {
  register_duration_messages();
  const long long ms = duration.count();
  long long left = ms <= 0 ? 0 : (ms + 999) / 1000;
  struct Unit {
    const char* key;
    long long seconds;
  };
  static constexpr Unit kUnits[] = {
      {"duration.days", 86400}, {"duration.hours", 3600}, {"duration.minutes", 60}, {"duration.seconds", 1}};
  std::string out;
  for (const Unit& unit : kUnits) {
    const long long n = left / unit.seconds;
    left %= unit.seconds;
    if (n == 0) continue;
    if (!out.empty()) out += ' ';
    out += tr(language, unit.key, fmt::arg("n", n));
  }
  if (out.empty()) out = tr(language, "duration.seconds", fmt::arg("n", 0));
  return out;
}

}  // namespace picbot
