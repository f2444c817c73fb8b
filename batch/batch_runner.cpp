#include "batch/batch_runner.h"

#include <fmt/chrono.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>

#include "bot/core/logging.h"
#include "bot/core/message_table.h"
#include "bot/core/millis.h"

namespace picbot::batch {
namespace asio = boost::asio;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

struct BatchRunner::Slot {
  explicit Slot(asio::any_io_executor executor) : timer(std::move(executor)) {}
  asio::cancellation_signal cancel;
  asio::steady_timer timer;  // the retry wait
  bool waiting = false;
  std::chrono::steady_clock::time_point wait_until{};
};

namespace {

// Keeps running_ and the slot list right however process() ends.
struct SlotEntry {
  SlotEntry(std::list<BatchRunner::Slot*>& slots, std::size_t& running, BatchRunner::Slot* slot)
      : slots_(slots), running_(running), it_(slots.insert(slots.end(), slot)) {
    ++running_;
  }
  ~SlotEntry() {
    slots_.erase(it_);
    --running_;
  }
  SlotEntry(const SlotEntry&) = delete;
  SlotEntry& operator=(const SlotEntry&) = delete;

 private:
  std::list<BatchRunner::Slot*>& slots_;
  std::size_t& running_;
  std::list<BatchRunner::Slot*>::iterator it_;
};

double seconds_of(milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

// Reads a whole file in one allocation; "" with why in error when it cannot.
std::string read_file(const std::filesystem::path& path, std::string& error) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) {
    error = "cannot open " + path.filename().string();
    return {};
  }
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) error = "cannot read " + path.filename().string();
  return bytes;
}

}  // namespace

BatchRunner::BatchRunner(asio::any_io_executor executor, image::Provider& provider, WorkerPool& workers,
                         const Clock& clock, const OutputTree& output, RunReport& report, Progress& progress,
                         PromptOptimizer* optimizer, RunnerSettings settings, std::string language)
    : executor_(executor),
      provider_(provider),
      workers_(workers),
      clock_(clock),
      output_(output),
      report_(report),
      progress_(progress),
      optimizer_(optimizer),
      settings_(std::move(settings)),
      language_(std::move(language)),
      grace_timer_(executor),
      metadata_serial_(workers.make_serial()) {}

ProgressState BatchRunner::state() const {
  ProgressState s;
  s.done = report_.done();
  s.failed = report_.failed();
  s.running = running_;
  s.queued = stopping_ ? 0 : images_.size() - next_;
  s.images_per_minute = report_.images_per_minute();
  const auto now = std::chrono::steady_clock::now();
  for (const Slot* slot : slots_) {
    if (slot->waiting) s.waits.push_back(duration_cast<milliseconds>(slot->wait_until - now));
  }
  return s;
}

void BatchRunner::stop() {
  if (finished_) return;
  if (stopping_) {
    // A second Ctrl-C: the operator will not wait for the grace.
    progress_.say(tr(language_, "batch.stopping_now"));
    progress_.event("stopping_now", {{"running", running_}});
    grace_timer_.cancel();
    for (Slot* slot : slots_) slot->cancel.emit(asio::cancellation_type::terminal);
    return;
  }
  stopping_ = true;
  progress_.say(tr(language_, "batch.stopping"));
  progress_.event("stopping", {{"running", running_}, {"grace_seconds", seconds_of(settings_.stop_grace)}});
  for (Slot* slot : slots_) slot->timer.cancel();
  grace_timer_.expires_after(settings_.stop_grace);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    for (Slot* slot : slots_) slot->cancel.emit(asio::cancellation_type::terminal);
  });
}

asio::awaitable<bool> BatchRunner::wait_retry(Slot& slot, milliseconds d) {
  if (stopping_) co_return false;
  slot.waiting = true;
  slot.wait_until = std::chrono::steady_clock::now() + d;
  slot.timer.expires_after(d);
  co_await slot.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  slot.waiting = false;
  co_return !stopping_;
}

asio::awaitable<void> BatchRunner::save_error_log(const InputFile& file, const std::string& log) {
  const Status written =
      co_await workers_.run([this, &file, &log] { return output_.write_error_log(file.stem, log); });
  if (!written)
    progress_.say(tr(language_, "batch.error_log_failed", fmt::arg("image", file.name),
                     fmt::arg("reason", written.error().message)));
}

asio::awaitable<void> BatchRunner::process(const InputFile& file) {
  Slot slot(executor_);
  SlotEntry entry(slots_, running_, &slot);
  const auto started = clock_.now();
  const auto elapsed = [&] { return duration_cast<milliseconds>(clock_.now() - started); };
  progress_.event("image_started", {{"image", file.name}, {"bytes", file.bytes}});

  std::string log = "image: " + file.name + "\n";
  const RetryPolicy& policy = settings_.policy;
  std::string prompt = settings_.prompt;
  int version = 1;
  std::string source = "original";
  int tries = 0;
  int timeouts = 0;
  int no_image_answers = 0;
  std::vector<std::string> failures;
  const std::filesystem::path path = file.path;
  for (;;) {
    ++tries;
    // Read for each try and moved into the request: the provider holds the
    // only copy while the request is out (the page cache makes rereads cheap).
    std::string read_error;
    std::string bytes = co_await workers_.run([&path, &read_error] { return read_file(path, read_error); });
    if (!read_error.empty()) {
      log += "cannot be read: " + read_error + "\n";
      report_.record_failure(file.name, ErrorClass::kBadRequest, read_error);
      report_.record_gave_up(file.name, ErrorClass::kBadRequest, tries - 1, elapsed());
      co_await save_error_log(file, log);
      progress_.event("image_failed",
                      {{"image", file.name}, {"class", "bad_request"}, {"message", read_error}});
      co_return;
    }
    const milliseconds timeout = try_timeout(policy, timeouts);
    image::ImageRequest request;
    request.prompt = prompt;
    request.references.push_back(image::ReferenceImage{std::move(bytes), ""});
    request.size = settings_.size;
    request.aspect_ratio = settings_.aspect_ratio;
    request.deadline = clock_.now() + timeout;
    request.cancel = slot.cancel.slot();
    const auto try_started = std::chrono::steady_clock::now();
    auto result = co_await provider_.generate(std::move(request));
    const auto try_time = duration_cast<milliseconds>(std::chrono::steady_clock::now() - try_started);

    if (result.ok()) {
      const image::ImageResult& drawn = *result;
      std::string report =
          "prompt: " + prompt + "\nprompt_version: " + std::to_string(version) +
          "\nprovider: " + drawn.provider + "\nmodel: " + drawn.model + "\ntries: " + std::to_string(tries) +
          fmt::format("\nseconds: {:.2f}\n", seconds_of(elapsed())) + "text: " + drawn.text + "\n";
      const image::GeneratedImage& image = drawn.images.front();
      auto written = co_await workers_.run(
          [this, &file, &image, &report] { return output_.write_result(file.stem, image, report); });
      report_.record_prompt(file.name, version, prompt, source, "success");
      if (!written.ok()) {
        report_.record_failure(file.name, ErrorClass::kBadRequest, written.error().message);
        report_.record_gave_up(file.name, ErrorClass::kBadRequest, tries, elapsed());
        progress_.event("image_failed",
                        {{"image", file.name}, {"class", "io"}, {"message", written.error().message}});
        co_return;
      }
      report_.record_success(file.name, drawn.provider, tries, elapsed());
      progress_.event("image_done", {{"image", file.name},
                                     {"provider", drawn.provider},
                                     {"model", drawn.model},
                                     {"tries", tries},
                                     {"seconds", seconds_of(elapsed())}});
      co_return;
    }

    const llm::ProviderError& error = result.error();
    if (stopping_ &&
        (error.cls == llm::FailureClass::kCancelled || error.cls == llm::FailureClass::kDeadline)) {
      progress_.event("image_interrupted", {{"image", file.name}, {"tries", tries}});
      co_return;
    }
    ErrorClass cls = error_class_of(error.cls);
    // A try that ran to its timeout is a timeout, whichever side noticed first.
    if (cls == ErrorClass::kNetwork && try_time >= timeout - timeout / 20) cls = ErrorClass::kTimeout;
    if (cls == ErrorClass::kTimeout) ++timeouts;
    const std::string class_name(error_class_name(cls));
    const std::string message =
        error.http_status > 0 ? std::to_string(error.http_status) + ": " + error.message : error.message;
    report_.record_failure(file.name, cls, message);
    report_.record_prompt(file.name, version, prompt, source, class_name);
    failures.push_back(class_name + ": " + message);
    log += fmt::format("try {} · prompt v{} · {} · {} · {:.2f} s\n", tries, version, class_name, message,
                       seconds_of(try_time));

    const RetryDecision decision = decide_retry(policy, cls, tries, error.retry_after);
    if (decision.retry && !stopping_ && optimizer_ != nullptr &&
        (cls == ErrorClass::kContentFiltered || cls == ErrorClass::kNoImage) && ++no_image_answers % 2 == 0) {
      auto better = co_await optimizer_->improve(settings_.prompt, prompt, failures);
      if (better.ok()) {
        prompt = std::move(better).value();
        ++version;
        source = "optimized";
        log += "prompt v" + std::to_string(version) + ": " + prompt + "\n";
        progress_.event("prompt_optimized", {{"image", file.name}, {"version", version}, {"prompt", prompt}});
      } else {
        const std::string why = better.error().to_string();
        log += tr(language_, "batch.optimization_failed", fmt::arg("reason", why)) + "\n";
      }
    }
    if (!decision.retry || stopping_) {
      if (stopping_ && decision.retry) {
        progress_.event("image_interrupted", {{"image", file.name}, {"tries", tries}});
        co_return;
      }
      report_.record_gave_up(file.name, cls, tries, elapsed());
      co_await save_error_log(file, log);
      progress_.event("image_failed",
                      {{"image", file.name}, {"class", class_name}, {"tries", tries}, {"message", message}});
      co_return;
    }
    progress_.event("retry", {{"image", file.name},
                              {"class", class_name},
                              {"try", tries},
                              {"wait_ms", decision.wait.count()},
                              {"message", message}});
    if (decision.wait.count() > 0 && !co_await wait_retry(slot, decision.wait)) {
      progress_.event("image_interrupted", {{"image", file.name}, {"tries", tries}});
      co_return;
    }
  }
}

asio::awaitable<void> BatchRunner::worker() {
  while (!stopping_ && next_ < images_.size()) {
    const InputFile& file = images_[next_++];
    co_await process(file);
    co_await maybe_write_metadata();
  }
}

asio::awaitable<void> BatchRunner::write_metadata() {
  metadata_writing_ = true;
  metadata_written_ = clock_.now();
  const nlohmann::json stats = report_.processing_stats();
  const nlohmann::json evolution = report_.prompt_evolution();
  const nlohmann::json analysis = report_.error_analysis();
  Status written = co_await workers_.run(metadata_serial_, [this, &stats, &evolution, &analysis]() -> Status {
    if (Status s = output_.write_metadata("processing_stats.json", stats); !s) return s;
    if (Status s = output_.write_metadata("prompt_evolution.json", evolution); !s) return s;
    return output_.write_metadata("error_analysis.json", analysis);
  });
  metadata_writing_ = false;
  if (!written.ok())
    progress_.say(tr(language_, "batch.metadata_failed", fmt::arg("reason", written.error().message)));
}

asio::awaitable<void> BatchRunner::maybe_write_metadata() {
  if (metadata_writing_ || clock_.now() - metadata_written_ < settings_.metadata_interval) co_return;
  co_await write_metadata();
}

asio::awaitable<void> BatchRunner::ticker() {
  asio::steady_timer timer(executor_);
  while (!finished_) {
    progress_.update(state());
    timer.expires_after(settings_.progress_interval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> BatchRunner::run(std::vector<InputFile> images) {
  images_ = std::move(images);
  metadata_written_ = clock_.now();
  co_await write_metadata();
  const std::size_t workers =
      std::min<std::size_t>(static_cast<std::size_t>(settings_.max_concurrent), images_.size());
  std::size_t active = workers;
  asio::steady_timer all_done(executor_, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < workers; ++i) {
    asio::co_spawn(executor_, worker(), [this, &active, &all_done](std::exception_ptr failure) {
      if (failure) log::get("batch")->error(tr(language_, "batch.worker_failed"));
      if (--active == 0) all_done.cancel();
    });
  }
  asio::co_spawn(executor_, ticker(), asio::detached);
  if (workers > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  finished_ = true;
  grace_timer_.cancel();
  co_await write_metadata();
  progress_.update(state(), true);
  progress_.finish();
}

}  // namespace picbot::batch
