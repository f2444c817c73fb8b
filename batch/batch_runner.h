// BatchRunner: runs one prompt over a list of input images through an image
// provider, at most max_concurrent at a time, on the caller's io_context.
// Each image is read from disk when a slot takes it (so memory holds at most
// max_concurrent input images; it is read again for each try), tried until it succeeds or RetryPolicy says
// stop, then written to the OutputTree. After an image's second content
// filter or no-image answer the PromptOptimizer (when given) writes a new
// prompt for it, and every version goes to the RunReport.
//
// stop() ends the run early: no image starts after it; images waiting for a
// retry end at once, running ones get stop_grace and are then cancelled.
// A second stop() cancels the running ones at once.
// Images cut off that way are neither done nor failed (a --resume run takes
// them again). Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "batch/input_scan.h"
#include "batch/output_tree.h"
#include "batch/progress.h"
#include "batch/prompt_optimizer.h"
#include "batch/retry_policy.h"
#include "batch/run_report.h"
#include "bot/core/clock.h"
#include "bot/core/worker_pool.h"
#include "image/provider.h"

namespace picbot::batch {

struct RunnerSettings {
  std::string prompt;
  int max_concurrent = 5;
  RetryPolicy policy;
  std::optional<std::string> size;
  std::optional<std::string> aspect_ratio;
  std::chrono::milliseconds stop_grace{30'000};
  // Metadata files are rewritten at most this often while the run goes (and at its end).
  std::chrono::milliseconds metadata_interval{1'000};
  // How often the progress line is refreshed.
  std::chrono::milliseconds progress_interval{250};
};

class BatchRunner {
 public:
  // Everything passed by reference must outlive the runner. optimizer may be null.
  BatchRunner(boost::asio::any_io_executor executor, image::Provider& provider, WorkerPool& workers,
              const Clock& clock, const OutputTree& output, RunReport& report, Progress& progress,
              PromptOptimizer* optimizer, RunnerSettings settings, std::string language);

  // Runs every image, writes the metadata at the end. Returns when each
  // image ended, or after stop() when the last running one ended.
  boost::asio::awaitable<void> run(std::vector<InputFile> images);

  // See the class comment. Idempotent.
  void stop();
  bool stopped() const { return stopping_; }

  struct Slot;  // one running image (defined in the .cpp)

 private:
  boost::asio::awaitable<void> worker();
  boost::asio::awaitable<void> process(const InputFile& file);
  // Writes the image's failed/<stem>_error.log; a failure to write it is said, not lost.
  boost::asio::awaitable<void> save_error_log(const InputFile& file, const std::string& log);
  boost::asio::awaitable<void> ticker();
  // Waits d, or less when stop() is called. False when stopped.
  boost::asio::awaitable<bool> wait_retry(Slot& slot, std::chrono::milliseconds d);
  boost::asio::awaitable<void> write_metadata();
  boost::asio::awaitable<void> maybe_write_metadata();
  ProgressState state() const;

  boost::asio::any_io_executor executor_;
  image::Provider& provider_;
  WorkerPool& workers_;
  const Clock& clock_;
  const OutputTree& output_;
  RunReport& report_;
  Progress& progress_;
  PromptOptimizer* optimizer_;
  RunnerSettings settings_;
  std::string language_;

  std::vector<InputFile> images_;
  std::size_t next_ = 0;
  std::size_t running_ = 0;
  std::list<Slot*> slots_;
  bool stopping_ = false;
  bool finished_ = false;
  bool metadata_writing_ = false;
  Clock::time_point metadata_written_{};
  boost::asio::steady_timer grace_timer_;
  WorkerPool::Serial metadata_serial_;
};

}  // namespace picbot::batch
