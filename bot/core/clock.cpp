#include "bot/core/clock.h"

namespace picbot {
namespace {
class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};
}  // namespace

const Clock& Clock::system() {
  static const SystemClock clock;
  return clock;
}
}  // namespace picbot
