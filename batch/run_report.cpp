#include "batch/run_report.h"

#include "bot/core/message_table.h"
#include "bot/core/millis.h"

namespace picbot::batch {
namespace {

using nlohmann::json;
constexpr std::size_t kExamplesPerClass = 5;

double seconds(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

std::string advice_key(const std::string& cls) {
  for (const char* known : {"rate_limited", "bad_request", "content_filtered", "invalid_key"}) {
    if (cls == known) return "batch.advice." + cls;
  }
  if (cls == "network") return "batch.advice.transient";
  if (cls == "timeout") return "batch.advice.deadline";
  if (cls == "no_image") return "batch.advice.content_filtered";
  return "batch.advice.other";
}

}  // namespace

RunReport::RunReport(const Clock& clock, json settings, std::string language)
    : clock_(clock), settings_(std::move(settings)), language_(std::move(language)), started_(clock.now()) {}

void RunReport::set_totals(std::size_t images, std::size_t skipped, std::size_t resumed) {
  images_ = images;
  skipped_ = skipped;
  resumed_ = resumed;
}

void RunReport::record_failure(const std::string& image, ErrorClass cls, const std::string& message) {
  const std::string name(error_class_name(cls));
  ++tries_;
  ++failures_by_class_[name];
  auto& examples = examples_[name];
  if (examples.size() < kExamplesPerClass) examples.push_back({{"image", image}, {"message", message}});
}

void RunReport::record_success(const std::string& image, const std::string& provider, int tries,
                               std::chrono::milliseconds duration) {
  ++tries_;
  ++done_;
  ++provider_use_[provider];
  total_image_time_ += duration;
}

void RunReport::record_gave_up(const std::string& image, ErrorClass cls, int tries,
                               std::chrono::milliseconds duration) {
  ++failed_;
  ++gave_up_by_class_[std::string(error_class_name(cls))];
  total_image_time_ += duration;
}

void RunReport::record_prompt(const std::string& image, int version, const std::string& prompt,
                              std::string_view source, std::string_view outcome) {
  auto& versions = prompts_[image];
  if (versions.empty() || versions.back().version != version) {
    versions.push_back({version, prompt, std::string(source), {}});
  }
  versions.back().outcomes.emplace_back(outcome);
}

std::chrono::milliseconds RunReport::elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started_);
}

double RunReport::images_per_minute() const {
  const double minutes = seconds(elapsed()) / 60.0;
  const std::size_t finished = done_ + failed_;
  return finished == 0 || minutes <= 0 ? 0.0 : static_cast<double>(finished) / minutes;
}

json RunReport::processing_stats() const {
  const std::size_t finished = done_ + failed_;
  return {
      {"settings", settings_},
      {"started_at_ms", to_epoch_ms(started_)},
      {"updated_at_ms", to_epoch_ms(clock_.now())},
      {"elapsed_seconds", seconds(elapsed())},
      {"images", images_},
      {"successful", done_},
      {"failed", failed_},
      {"pending", images_ - std::min(images_, finished)},
      {"skipped", skipped_},
      {"resumed", resumed_},
      {"requests", tries_},
      {"images_per_minute", images_per_minute()},
      {"average_seconds_per_image",
       finished == 0 ? 0.0 : seconds(total_image_time_) / static_cast<double>(finished)},
      {"failures_by_class", failures_by_class_},
      {"failed_images_by_class", gave_up_by_class_},
      {"provider_use", provider_use_},
  };
}

json RunReport::prompt_evolution() const {
  json images = json::object();
  for (const auto& [image, versions] : prompts_) {
    json list = json::array();
    for (const PromptVersion& v : versions) {
      list.push_back(
          {{"version", v.version}, {"prompt", v.prompt}, {"source", v.source}, {"outcomes", v.outcomes}});
    }
    images[image] = std::move(list);
  }
  return {{"original_prompt", settings_.value("prompt", "")}, {"images", std::move(images)}};
}

json RunReport::error_analysis() const {
  json classes = json::object();
  for (const auto& [cls, count] : failures_by_class_) {
    const auto gave_up = gave_up_by_class_.find(cls);
    classes[cls] = {{"failed_tries", count},
                    {"failed_images", gave_up == gave_up_by_class_.end() ? 0 : gave_up->second},
                    {"examples", examples_.at(cls)},
                    {"advice", tr(language_, advice_key(cls))}};
  }
  return {{"failed_images", failed_}, {"classes", std::move(classes)}};
}

}  // namespace picbot::batch
