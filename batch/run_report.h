// RunReport: what a batch run has done so far, as the three metadata files
// say it: processing_stats.json (counts, durations, images per minute,
// failures per class, use per provider), prompt_evolution.json (every
// prompt version of an image and its outcome) and error_analysis.json
// (failures grouped by class, with examples and advice).
// Time comes from the injected clock. Thread-safety: io_context thread only.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "batch/retry_policy.h"
#include "bot/core/clock.h"

namespace picbot::batch {

class RunReport {
 public:
  // settings: the run's options, copied into processing_stats.json.
  RunReport(const Clock& clock, nlohmann::json settings, std::string language);

  void set_totals(std::size_t images, std::size_t skipped, std::size_t resumed);
  // A failed try of image (not yet the image's end).
  void record_failure(const std::string& image, ErrorClass cls, const std::string& message);
  void record_success(const std::string& image, const std::string& provider, int tries,
                      std::chrono::milliseconds duration);
  // The image's end without a result.
  void record_gave_up(const std::string& image, ErrorClass cls, int tries,
                      std::chrono::milliseconds duration);
  // A prompt version of image was tried; outcome "success" or an error class name.
  void record_prompt(const std::string& image, int version, const std::string& prompt,
                     std::string_view source, std::string_view outcome);

  std::size_t done() const { return done_; }
  std::size_t failed() const { return failed_; }
  std::size_t total() const { return images_; }
  // Images finished per minute since the run started (0 before the first).
  double images_per_minute() const;
  std::chrono::milliseconds elapsed() const;

  nlohmann::json processing_stats() const;
  nlohmann::json prompt_evolution() const;
  nlohmann::json error_analysis() const;

 private:
  struct PromptVersion {
    int version;
    std::string prompt;
    std::string source;  // "original" or "optimized"
    std::vector<std::string> outcomes;
  };

  const Clock& clock_;
  nlohmann::json settings_;
  std::string language_;
  Clock::time_point started_;
  std::size_t images_ = 0;
  std::size_t skipped_ = 0;
  std::size_t resumed_ = 0;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
  std::size_t tries_ = 0;
  std::chrono::milliseconds total_image_time_{0};
  std::map<std::string, std::size_t> failures_by_class_;         // every failed try
  std::map<std::string, std::size_t> gave_up_by_class_;          // images that ended failed
  std::map<std::string, std::size_t> provider_use_;              // successes per provider
  std::map<std::string, std::vector<nlohmann::json>> examples_;  // per class, a few
  std::map<std::string, std::vector<PromptVersion>> prompts_;    // per image
};

}  // namespace picbot::batch
