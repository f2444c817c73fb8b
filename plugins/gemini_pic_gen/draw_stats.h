// DrawStats: what the drawings did since the plugin started, for the status
// page and /metrics: upstream generations by result, their latency, quota
// denials, images delivered and delivery failures. With a Metrics registry
// attached, every event is also counted there as picbot_generations_total
// {result}, picbot_generation_duration_seconds{result},
// picbot_quota_denials_total,
// picbot_images_delivered_total and picbot_image_delivery_failures_total.
// Thread-safety: io_context thread only (like DrawPipeline, which feeds it).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bot/core/metrics.h"

namespace picbot::gemini {

class DrawStats {
 public:
  // Upper bounds, in seconds, of the latency histogram's buckets; a last
  // bucket (+Inf) takes the rest. Image models take 5 to 60 s.
  static constexpr std::array<double, 11> kLatencyBounds = {1, 2.5, 5, 10, 15, 20, 30, 45, 60, 120, 300};

  struct Latency {
    // counts[i]: calls that took at most kLatencyBounds[i] and more than the
    // bound before it; counts.back(): calls above the last bound.
    std::array<std::uint64_t, kLatencyBounds.size() + 1> counts{};
    double sum_seconds = 0;
    std::uint64_t count = 0;
  };

  struct Snapshot {
    // Upstream calls by result: "success" or a failure class name
    // (llm::failure_class_name: "no_credits", "rate_limited", ...).
    std::map<std::string, std::uint64_t, std::less<>> generations;
    std::uint64_t quota_denials = 0;
    std::uint64_t images_delivered = 0;
    // Generated images that did not reach the chat: saving or sending failed.
    std::uint64_t delivery_failures = 0;
    Latency latency;  // of every upstream call, successful or not
  };

  // Counts every later event in metrics too (which must outlive this); the
  // counters start at this object's counts, so they show (at 0) before their
  // first event.
  void set_metrics(Metrics* metrics);

  // One upstream generation ended with result ("success" or a failure
  // class name) after latency.
  void generation_finished(std::string_view result, std::chrono::duration<double> latency);
  void quota_denied();
  void image_delivered();
  void delivery_failed();

  const Snapshot& snapshot() const { return stats_; }

 private:
  Snapshot stats_;
  Metrics* metrics_ = nullptr;
};

}  // namespace picbot::gemini
