#include "plugins/gemini_pic_gen/draw_stats.h"

#include <algorithm>

namespace picbot::gemini {
namespace {

constexpr std::string_view kGenerations = "picbot_generations_total";
constexpr std::string_view kGenerationsHelp = "Image generations by result: success or the failure class";
constexpr std::string_view kDuration = "picbot_generation_duration_seconds";
constexpr std::string_view kDurationHelp = "Time of each upstream image generation, retries included";
constexpr std::string_view kDenials = "picbot_quota_denials_total";
constexpr std::string_view kDenialsHelp = "Drawings refused by a quota";
constexpr std::string_view kDelivered = "picbot_images_delivered_total";
constexpr std::string_view kDeliveredHelp = "Generated images that reached the chat";
constexpr std::string_view kFailures = "picbot_image_delivery_failures_total";
constexpr std::string_view kFailuresHelp = "Generated images that could not be saved or sent";

const std::vector<double>& latency_buckets() {
  static const std::vector<double> buckets(DrawStats::kLatencyBounds.begin(),
                                           DrawStats::kLatencyBounds.end());
  return buckets;
}

}  // namespace

void DrawStats::set_metrics(Metrics* metrics) {
  metrics_ = metrics;
  if (metrics_ == nullptr) return;
  // The counts so far, so the series exist (at 0) before their first event.
  const auto success = stats_.generations.find("success");
  const double successes = success == stats_.generations.end() ? 0.0 : static_cast<double>(success->second);
  metrics_->set_counter(kGenerations, kGenerationsHelp, {{"result", "success"}}, successes);
  metrics_->set_counter(kDenials, kDenialsHelp, {}, static_cast<double>(stats_.quota_denials));
  metrics_->set_counter(kDelivered, kDeliveredHelp, {}, static_cast<double>(stats_.images_delivered));
  metrics_->set_counter(kFailures, kFailuresHelp, {}, static_cast<double>(stats_.delivery_failures));
}

void DrawStats::quota_denied() {
  ++stats_.quota_denials;
  if (metrics_) metrics_->increment(kDenials, kDenialsHelp);
}

void DrawStats::image_delivered() {
  ++stats_.images_delivered;
  if (metrics_) metrics_->increment(kDelivered, kDeliveredHelp);
}

void DrawStats::delivery_failed() {
  ++stats_.delivery_failures;
  if (metrics_) metrics_->increment(kFailures, kFailuresHelp);
}

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
  if (metrics_) {
    metrics_->increment(kGenerations, kGenerationsHelp, {{"result", std::string(result)}});
    metrics_->observe(kDuration, kDurationHelp, seconds, {{"result", std::string(result)}},
                      latency_buckets());
  }
}

}  // namespace picbot::gemini
