#include "plugins/gemini_pic_gen/draw_stats.h"

#include <algorithm>
#include <cmath>

namespace picbot::gemini {
namespace {

constexpr std::string_view kGenerations = "picbot_generations_total";
constexpr std::string_view kGenerationsHelp = "Image generations by result: success or the failure class";
constexpr std::string_view kDuration = "picbot_generation_duration_seconds";
constexpr std::string_view kDurationHelp = "Time of each upstream image generation, retries included";
constexpr std::string_view kProviderResults = "picbot_provider_results_total";
constexpr std::string_view kProviderResultsHelp =
    "Calls to each image provider of the chain by result: success or the failure class";
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

void DrawStats::provider_finished(std::string_view provider, std::string_view result) {
  auto by_provider = stats_.providers.find(provider);
  if (by_provider == stats_.providers.end())
    by_provider =
        stats_.providers.emplace(std::string(provider), std::map<std::string, std::uint64_t, std::less<>>())
            .first;
  auto it = by_provider->second.find(result);
  if (it == by_provider->second.end()) it = by_provider->second.emplace(std::string(result), 0).first;
  ++it->second;
  if (metrics_) {
    metrics_->increment(kProviderResults, kProviderResultsHelp,
                        {{"provider", std::string(provider)}, {"result", std::string(result)}});
  }
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
  const Clock::time_point now = clock_.now();
  Hour& hour = hour_at(now);
  if (result == "success") {
    ++hour.successes;
  } else {
    auto failure = hour.failures.find(result);
    if (failure == hour.failures.end()) failure = hour.failures.emplace(std::string(result), 0).first;
    ++failure->second;
  }
  recent_.push_back(Sample{now, seconds});
  if (recent_.size() > kMaxRecentLatencies) recent_.pop_front();
  if (metrics_) {
    metrics_->increment(kGenerations, kGenerationsHelp, {{"result", std::string(result)}});
    metrics_->observe(kDuration, kDurationHelp, seconds, {{"result", std::string(result)}},
                      latency_buckets());
  }
}

Clock::time_point DrawStats::hour_of(Clock::time_point t) {
  return std::chrono::floor<std::chrono::hours>(t);
}

DrawStats::Hour& DrawStats::hour_at(Clock::time_point now) {
  const Clock::time_point start = hour_of(now);
  const auto index = static_cast<std::size_t>(
      std::chrono::duration_cast<std::chrono::hours>(start.time_since_epoch()).count() %
      static_cast<long long>(kHours));
  Hour& hour = hours_[index];
  if (hour.start != start) hour = Hour{start, 0, {}};  // a day old, or never used
  return hour;
}

std::vector<DrawStats::Hour> DrawStats::last_day() const {
  const Clock::time_point current = hour_of(clock_.now());
  std::vector<Hour> day;
  day.reserve(kHours);
  for (std::size_t back = kHours; back-- > 0;) {
    const Clock::time_point start = current - std::chrono::hours(back);
    const auto found =
        std::find_if(hours_.begin(), hours_.end(), [&](const Hour& h) { return h.start == start; });
    day.push_back(found != hours_.end() ? *found : Hour{start, 0, {}});
  }
  return day;
}

DrawStats::Percentiles DrawStats::latency_percentiles() const {
  const Clock::time_point since = clock_.now() - std::chrono::hours(kHours);
  std::vector<double> seconds;
  for (const Sample& sample : recent_) {
    if (sample.at > since) seconds.push_back(sample.seconds);
  }
  Percentiles out;
  out.count = seconds.size();
  if (seconds.empty()) return out;
  std::sort(seconds.begin(), seconds.end());
  // Nearest rank: the smallest value with at least p of the calls at or below it.
  const auto rank = [&](double p) {
    const auto n = static_cast<double>(seconds.size());
    const auto index = static_cast<std::size_t>(std::max(1.0, std::ceil(p * n))) - 1;
    return seconds[std::min(index, seconds.size() - 1)];
  };
  out.p50_seconds = rank(0.50);
  out.p95_seconds = rank(0.95);
  return out;
}

}  // namespace picbot::gemini
