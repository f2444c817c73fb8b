#include "plugins/gemini_pic_gen/draw_stats.h"

#include <algorithm>

namespace picbot::gemini {

void DrawStats::generation_finished(std::string_view result, std::chrono::duration<double> latency) {
  auto it = stats_.generations.find(result);
  if (it == stats_.generations.end()) it = stats_.generations.emplace(std::string(result), 0).first;
  ++it->second;
  const double seconds = std::max(0.0, latency.count());
  const auto bucket =
      std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds) - kLatencyBounds.begin();
  ++stats_.latency.counts[static_cast<std::size_t>(bucket)];
  stats_.latency.sum_seconds += seconds;
  ++stats_.latency.count;
}

}  // namespace picbot::gemini
