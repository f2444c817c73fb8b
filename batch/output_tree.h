// OutputTree: the batch processor's output folder.
//   successful/<stem>_result.<ext>   the generated image
//   successful/<stem>_result.txt     the model's text, prompt, provider, model, tries, seconds
//   failed/<stem>_error.log          every try with its error class and message
//   metadata/processing_stats.json, prompt_evolution.json, error_analysis.json
// The .txt is written after the image, so its presence means the result is
// complete (what --resume looks for). Metadata files are replaced
// atomically. Every member does blocking disk I/O: call on the WorkerPool
// (or before the event loop runs). Not thread-safe per stem; distinct stems
// may be written from different threads.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "bot/core/result.h"
#include "image/generated_image.h"

namespace picbot::batch {

class OutputTree {
 public:
  explicit OutputTree(std::filesystem::path root) : root_(std::move(root)) {}

  // Creates the three folders. "io" saying why when it cannot.
  Status prepare() const;

  // The stems whose result is complete in successful/.
  std::set<std::string> finished_stems() const;

  // Writes the image, then the text report; removes an earlier error log of the stem.
  Status write_result(const std::string& stem, const image::GeneratedImage& image,
                      const std::string& report) const;
  Status write_error_log(const std::string& stem, const std::string& log) const;
  // metadata/<name>, replaced atomically.
  Status write_metadata(const std::string& name, const nlohmann::json& value) const;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path successful() const { return root_ / "successful"; }
  std::filesystem::path failed() const { return root_ / "failed"; }
  std::filesystem::path metadata() const { return root_ / "metadata"; }

 private:
  std::filesystem::path root_;
};

}  // namespace picbot::batch
