// DrawPipeline: one drawing from request to delivered image, shared by
// /draw, the preset commands and the gemini-pic-gen tool, in five steps:
// admit (one job per user, the quota unit, the queue) -> generate (reference
// images, the provider) -> store -> deliver (with one resend after a
// reconnect) -> settle. The quota unit is committed only when the image
// reached the chat, and released on every failure.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bot/core/clock.h"
#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "bot/plugin/message_context.h"
#include "image/fallback_chain.h"
#include "image/provider.h"
#include "image/storage/image_store.h"
#include "plugins/gemini_pic_gen/draw_stats.h"
#include "plugins/gemini_pic_gen/job_queue.h"
#include "plugins/gemini_pic_gen/plugin_settings.h"
#include "plugins/gemini_pic_gen/quota/quota_hold.h"
#include "plugins/gemini_pic_gen/quota/quota_store.h"

namespace picbot::gemini {

using image::ImageMeta;
using image::ImageStore;
using image::StoredImage;

using image::GeneratedImage;

struct DrawRequest {
  std::string prompt;
  std::optional<std::string> aspect_ratio;
  bool use_references = true;
  // Non-empty for presets that need an image: the preset's name, for the message.
  std::string requires_reference_for;
};

struct DrawOutcome {
  bool delivered = false;
  std::string message;  // what the user was told, or is to be told
};

class DrawPipeline {
 public:
  struct Deps {
    // The chain in use when a drawing starts; the drawing holds it until it
    // ends (a reload or /banana provider may put another in use meanwhile).
    std::function<std::shared_ptr<image::FallbackChain>()> provider;
    ImageStore& images;
    JobQueue& jobs;
    // Limits how many finished images are encoded and sent at once, keyed per
    // delivery: each one is a multi-megabyte frame.
    JobQueue& deliveries;
    net::HttpClient& http;
    WorkerPool& workers;
    const Clock& clock;
  };

  DrawPipeline(Deps deps, std::shared_ptr<const PluginSettings> settings);

  void set_settings(std::shared_ptr<const PluginSettings> settings) { settings_ = std::move(settings); }
  // May stay null (no quota database): quotas are then not enforced and the
  // failure is logged at start-up.
  void set_quota_store(AsyncQuotaStore* quotas) { quotas_ = quotas; }

  // Runs one drawing for the sender of ctx. With speak, every outcome is sent
  // to the chat; without (the LLM tool), only progress and the image are, and
  // the caller relays outcome.message.
  boost::asio::awaitable<DrawOutcome> draw(MessageContext& ctx, DrawRequest request, bool speak);

  // Resumes a drawing whose asynchronous task an earlier process submitted
  // (recorded in the quota database, see QuotaStore::record_task): polls the
  // task through provider, without submitting it again, then stores and
  // delivers the image to ctx's chat and settles the unit as draw() does.
  // ctx is made from the record. The record is removed when it ends.
  boost::asio::awaitable<DrawOutcome> resume(MessageContext& ctx, ImageTaskRecord task,
                                             std::shared_ptr<image::Provider> provider);

  const DrawStats& stats() const { return stats_; }
  DrawStats& stats() { return stats_; }
  // Also counts in metrics (see DrawStats::set_metrics).
  void set_metrics(Metrics* metrics) { stats_.set_metrics(metrics); }

 private:
  // One drawing in flight: what the steps hand on to each other.
  struct Drawing;

  // The end of both draw() and resume(): store, deliver, settle.
  boost::asio::awaitable<DrawOutcome> finish(Drawing& drawing, Result<GeneratedImage, std::string> generated);
  // on_task_submitted: the task recorded before its first poll.
  boost::asio::awaitable<void> record_task(Drawing& drawing, const std::string& provider,
                                           const std::string& task_id);

  // Each step's error is what the user is told.
  // admit: nullopt when the drawing may go on (then it is its user's one job,
  // holds its quota unit and has waited for its turn); else the refusal, with
  // nothing held.
  boost::asio::awaitable<std::optional<std::string>> admit(Drawing& drawing);
  // generate: the reference images, then the provider's answer.
  boost::asio::awaitable<Result<GeneratedImage, std::string>> generate(Drawing& drawing);
  // store: the image saved in the image store.
  boost::asio::awaitable<Result<StoredImage, std::string>> store(Drawing& drawing,
                                                                 const GeneratedImage& image);
  // deliver: the image in the chat, sent once more after a reconnect unless
  // the chat's history shows it arrived anyway.
  boost::asio::awaitable<Result<void, std::string>> deliver(Drawing& drawing, const GeneratedImage& image,
                                                            const StoredImage& stored);
  // settle: delivered -> the unit is committed; else the job is given up, the
  // unit released and the user told why.
  boost::asio::awaitable<DrawOutcome> settle(Drawing& drawing, Result<void, std::string> delivered);
  // A refusal from admit, told to the user (nothing to settle).
  boost::asio::awaitable<DrawOutcome> refuse(Drawing& drawing, std::string message);

  // One send of the image, a few deliveries at a time; marks the unit "sending".
  boost::asio::awaitable<MessageIdResult> send_image(Drawing& drawing, const GeneratedImage& image,
                                                     const StoredImage& stored);
  // Whether the chat's history holds the image after its send lost the answer.
  boost::asio::awaitable<bool> arrived_anyway(Drawing& drawing, const GeneratedImage& image);
  // What the user is told of error, which chain answered.
  std::string describe_failure(const MessageContext& ctx, const llm::ProviderError& error,
                               const image::FallbackChain& chain) const;
  // The drawings waiting for the upstream limits of the provider tried first.
  std::size_t upstream_waiting() const;
  // "Queued, number N" when the provider's upstream limits make the drawing
  // wait (ImageRequest::on_queued), unless the user was told already.
  static boost::asio::awaitable<void> tell_queued(Drawing& drawing, std::size_t position);

  Deps deps_;
  std::shared_ptr<const PluginSettings> settings_;
  AsyncQuotaStore* quotas_ = nullptr;
  DrawStats stats_;
  std::int64_t delivery_serial_ = 0;
};

// "18:30" when t is today (local time), else "11-24 18:30".
std::string format_reset_time(Clock::time_point t, Clock::time_point now);

}  // namespace picbot::gemini
