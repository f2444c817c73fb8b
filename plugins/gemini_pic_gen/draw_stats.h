// DrawStats: what the drawings did since the plugin started, for the status
// page and /metrics: upstream generations by result, their latency, quota
// denials, images delivered and delivery failures. With a Metrics registry
// attached, every event is also counted there as picbot_generations_total
// {result}, picbot_generation_duration_seconds{result},
// picbot_provider_results_total{provider,result}, picbot_quota_denials_total,
// picbot_images_delivered_total and picbot_image_delivery_failures_total.
// For the dashboard it also keeps the last 24 hours: generations per hour by
// result (a ring of 24 hour buckets) and the latency percentiles of the last
// kMaxRecentLatencies calls of those 24 hours (bounded memory).
// Thread-safety: io_context thread only (like DrawPipeline, which feeds it).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/metrics.h"

namespace picbot::gemini {

class DrawStats {
 public:
  static constexpr std::size_t kHours = 24;
  static constexpr std::size_t kMaxRecentLatencies = 1000;

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
    // Each provider instance's calls by result, as generations counts them;
    // a drawing that fell back counts once for every provider it tried.
    std::map<std::string, std::map<std::string, std::uint64_t, std::less<>>, std::less<>> providers;
  };

  // One hour of the last 24: generations that ended in it, by result as in
  // Snapshot::generations.
  struct Hour {
    Clock::time_point start;  // on a whole UTC hour
    std::uint64_t successes = 0;
    std::map<std::string, std::uint64_t, std::less<>> failures;  // by failure class name
  };

  struct Percentiles {
    std::size_t count = 0;  // calls they are computed from (0: p50 and p95 are unset)
    std::optional<double> p50_seconds;
    std::optional<double> p95_seconds;
  };

  // The clock places events in hours; it must outlive this.
  explicit DrawStats(const Clock& clock = Clock::system()) : clock_(clock) {}

  // Counts every later event in metrics too (which must outlive this); the
  // counters start at this object's counts, so they show (at 0) before their
  // first event.
  void set_metrics(Metrics* metrics);

  // One upstream generation ended with result ("success" or a failure
  // class name) after latency.
  void generation_finished(std::string_view result, std::chrono::duration<double> latency);
  // One provider instance of the chain answered with result ("success" or
  // a failure class name); see FallbackChain::Observer.
  void provider_finished(std::string_view provider, std::string_view result);
  void quota_denied();
  void image_delivered();
  void delivery_failed();

  const Snapshot& snapshot() const { return stats_; }

  // The 24 hours up to now, oldest first; the last one holds now. Hours
  // without an event are present with zero counts.
  std::vector<Hour> last_day() const;

  // Nearest-rank p50 and p95 of the calls of the last 24 hours (at most the
  // last kMaxRecentLatencies of them).
  Percentiles latency_percentiles() const;

 private:
  struct Sample {
    Clock::time_point at;
    double seconds;
  };

  static Clock::time_point hour_of(Clock::time_point t);
  Hour& hour_at(Clock::time_point now);

  const Clock& clock_;
  Snapshot stats_;
  std::array<Hour, kHours> hours_{};  // ring indexed by hours since the epoch % kHours
  std::deque<Sample> recent_;         // oldest first, at most kMaxRecentLatencies
  Metrics* metrics_ = nullptr;
};

}  // namespace picbot::gemini
