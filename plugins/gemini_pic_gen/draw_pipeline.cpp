#include "plugins/gemini_pic_gen/draw_pipeline.h"

#include <ctime>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/utf8.h"
#include "plugins/gemini_pic_gen/delivery/delivery_reconciler.h"
#include "plugins/gemini_pic_gen/delivery/image_delivery.h"
#include "plugins/gemini_pic_gen/reference_images.h"

namespace picbot::gemini {
namespace asio = boost::asio;

namespace {
auto logger() {
  static auto l = log::get("gemini_pic_gen");
  return l;
}

std::tm local_tm(Clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm out{};
  localtime_r(&seconds, &out);
  return out;
}

// A resumed task is polled at least this long (ms) after a restart.
constexpr std::int64_t kResumeGrace = 120'000;

// The link dropped before the answer, or there was none: NapCat most likely
// never got the message, so one resend after the reconnect is safe.
bool link_lost(const onebot::ApiError& error) {
  return error.kind == onebot::ApiError::Kind::kLinkClosed || error.kind == onebot::ApiError::Kind::kNoLink;
}

}  // namespace

std::string format_reset_time(Clock::time_point t, Clock::time_point now) {
  const std::tm at = local_tm(t);
  const std::tm today = local_tm(now);
  char buffer[32];
  if (at.tm_year == today.tm_year && at.tm_yday == today.tm_yday) {
    std::strftime(buffer, sizeof buffer, "%H:%M", &at);
  } else {
    std::strftime(buffer, sizeof buffer, "%m-%d %H:%M", &at);
  }
  return buffer;
}

DrawPipeline::DrawPipeline(Deps deps, std::shared_ptr<const PluginSettings> settings)
    : deps_(deps), settings_(std::move(settings)), stats_(deps.clock) {}

std::string DrawPipeline::describe_failure(const MessageContext& ctx, const llm::ProviderError& error,
                                           const image::FallbackChain& chain) const {
  using llm::FailureClass;
  const std::string model = chain.model();
  switch (error.cls) {
    case FailureClass::kInvalidKey: {
      // An invalid key falls back, so the answer is the last member's. Keys
      // that were configured and then rejected (401/403) are not "no key".
      const image::Provider& last = *chain.members().back();
      if (last.key_states().empty()) return ctx.tr("gemini.error.no_keys", fmt::arg("provider", last.name()));
      return ctx.tr("gemini.error.invalid_key");
    }
    case FailureClass::kNoCredits:
      return ctx.tr("gemini.error.no_credits");
    case FailureClass::kRateLimited:
      return ctx.tr("gemini.error.rate_limited");
    case FailureClass::kBadRequest:
      return ctx.tr("gemini.error.bad_request", fmt::arg("detail", utf8_shorten(error.message, 120)));
    case FailureClass::kModelNotFound:
      return ctx.tr("gemini.error.model_not_found", fmt::arg("model", model));
    case FailureClass::kNoEndpointForModalities:
      return ctx.tr("gemini.error.no_endpoint", fmt::arg("model", model));
    case FailureClass::kTransient:
      return ctx.tr("gemini.error.transient");
    case FailureClass::kContentFiltered:
      if (error.message.empty()) return ctx.tr("gemini.error.content_filtered_silent");
      return ctx.tr("gemini.error.content_filtered", fmt::arg("text", utf8_shorten(error.message, 120)));
    case FailureClass::kBadResponse:
      return ctx.tr("gemini.error.bad_response");
    case FailureClass::kCancelled:
      return ctx.tr("gemini.error.cancelled");
    case FailureClass::kDeadline:
      return ctx.tr("gemini.error.deadline");
  }
  return ctx.tr("gemini.error.transient");
}

struct DrawPipeline::Drawing {
  Drawing(MessageContext& context, DrawRequest draw_request, bool speak_outcome,
          std::shared_ptr<const PluginSettings> plugin_settings)
      : ctx(context),
        request(std::move(draw_request)),
        speak(speak_outcome),
        settings(std::move(plugin_settings)),
        in_group(ctx.event().is_group()) {}

  MessageContext& ctx;
  const DrawRequest request;
  const bool speak;  // every outcome goes to the chat (else the caller relays it)
  const std::shared_ptr<const PluginSettings> settings;
  const bool in_group;

  // The user's one job, from admit until the image is stored.
  std::optional<JobQueue::Ticket> ticket;
  QuotaHold quota;
  std::string remaining_note;  // "N left", from admit
  bool told_queued = false;    // the user was told their place in the queue
  std::vector<ReferenceFailure> reference_failures;
  // The client's model, which /banana may have switched away from the settings'.
  std::string model;
  // Sent along with the image, and the outcome's message once delivered.
  std::string note;
  // Where the image goes, recorded with the reservation (a restart reads the
  // chat's history for it) and checked before a resend.
  SendingImage destination;
  Clock::time_point first_send;
  // The asynchronous task recorded for a restart (provider, task id), until
  // the drawing ends.
  std::optional<std::pair<std::string, std::string>> task;
  // The task's polling was cancelled (picbot stopping): the record and the
  // unit stay for the next start, which resumes it.
  bool task_left_for_restart = false;
};

asio::awaitable<DrawOutcome> DrawPipeline::draw(MessageContext& ctx, DrawRequest request, bool speak) {
  Drawing drawing(ctx, std::move(request), speak, settings_);
  std::optional<std::string> refusal = co_await admit(drawing);
  if (refusal) co_return co_await refuse(drawing, std::move(*refusal));

  Result<GeneratedImage, std::string> generated = co_await generate(drawing);
  co_return co_await finish(drawing, std::move(generated));
}

asio::awaitable<DrawOutcome> DrawPipeline::resume(MessageContext& ctx, ImageTaskRecord task,
                                                  std::shared_ptr<image::Provider> provider) {
  DrawRequest request{task.prompt, std::nullopt, false, {}};
  Drawing drawing(ctx, std::move(request), true, settings_);
  drawing.task.emplace(task.provider, task.task_id);
  if (quotas_ != nullptr) drawing.quota = QuotaHold::adopt(*quotas_, task.reservation_id);
  drawing.model = provider->model();
  // The task may have finished while no process polled it: one more look
  // at least, however long the restart took.
  const Clock::time_point now = deps_.clock.now();
  const Clock::time_point deadline =
      std::max(task.submitted + provider->deadline(), now + std::chrono::milliseconds(kResumeGrace));
  const auto started = std::chrono::steady_clock::now();
  auto resumed = co_await provider->resume(task.task_id, deadline, {});
  const auto took = std::chrono::steady_clock::now() - started;
  Result<GeneratedImage, std::string> generated(std::string{});
  if (!resumed) {
    stats_.generation_finished(llm::failure_class_name(resumed.error().cls), took);
    drawing.task_left_for_restart = resumed.error().cls == llm::FailureClass::kCancelled;
    logger()->warn(
        "{}", log::text("log.task_resume_failed", fmt::arg("provider", task.provider),
                        fmt::arg("task", task.task_id), fmt::arg("reason", resumed.error().to_string())));
    const image::FallbackChain alone({provider});
    generated = Result<GeneratedImage, std::string>(describe_failure(ctx, resumed.error(), alone));
  } else {
    stats_.generation_finished("success", took);
    if (!resumed->model.empty()) drawing.model = resumed->model;
    GeneratedImage& image = resumed->images.front();
    logger()->info(
        "{}", log::text("log.image_generated_for", fmt::arg("user", task.user_id),
                        fmt::arg("ms", std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
                        fmt::arg("bytes", image.bytes.size()), fmt::arg("mime", image.mime)));
    generated = Result<GeneratedImage, std::string>(std::move(image));
  }
  co_return co_await finish(drawing, std::move(generated));
}

asio::awaitable<void> DrawPipeline::record_task(Drawing& drawing, const std::string& provider,
                                                const std::string& task_id) {
  if (quotas_ == nullptr) co_return;  // no database: a restart cannot resume it
  const auto& event = drawing.ctx.event();
  ImageTaskRecord record{.provider = provider,
                         .task_id = task_id,
                         .self_id = event.self_id,
                         .group_id = event.group_id,
                         .user_id = event.user_id,
                         .temp_group_id = event.temp_group_id,
                         .message_id = event.message_id,
                         .prompt = drawing.request.prompt,
                         .reservation_id = drawing.quota.reservation_id(),
                         .submitted = deps_.clock.now()};
  Status recorded = co_await quotas_->record_task(std::move(record));
  if (!recorded) {
    logger()->error("{}", log::text("log.task_record_failed", fmt::arg("provider", provider),
                                    fmt::arg("task", task_id), fmt::arg("reason", recorded.error().message)));
    co_return;
  }
  drawing.task.emplace(provider, task_id);
}

asio::awaitable<DrawOutcome> DrawPipeline::finish(Drawing& drawing,
                                                  Result<GeneratedImage, std::string> generated) {
  if (!generated) {
    Result<void, std::string> failed(std::move(generated.error()));
    co_return co_await settle(drawing, std::move(failed));
  }
  Result<StoredImage, std::string> stored = co_await store(drawing, generated.value());
  if (!stored) {
    Result<void, std::string> failed(std::move(stored.error()));
    co_return co_await settle(drawing, std::move(failed));
  }
  // The generation is done: the user's next /draw, and the next queued job,
  // may start while this image is delivered (they may see it before NapCat's
  // answer is back); its quota unit stays reserved until the send settles.
  drawing.ticket.reset();

  Result<void, std::string> delivered = co_await deliver(drawing, generated.value(), stored.value());
  co_return co_await settle(drawing, std::move(delivered));
}

asio::awaitable<std::optional<std::string>> DrawPipeline::admit(Drawing& drawing) {
  MessageContext& ctx = drawing.ctx;
  const auto& event = ctx.event();
  const PluginSettings& settings = *drawing.settings;

  // A preset without any image cannot work: say so before "generating…".
  if (!drawing.request.requires_reference_for.empty() && !may_have_reference_images(event)) {
    co_return ctx.tr("gemini.need_reference", fmt::arg("name", drawing.request.requires_reference_for));
  }

  std::optional<JobQueue::Ticket> ticket = deps_.jobs.try_enter(event.user_id);
  if (!ticket) co_return ctx.tr("gemini.busy");
  drawing.ticket.emplace(std::move(*ticket));

  // Quota: reserve before the upstream call, so parallel requests cannot overspend.
  if (settings.quota.enabled && quotas_ != nullptr) {
    const QuotaDecision decision = resolve(settings.quota, event.user_id, event.group_id, ctx.is_admin());
    if (decision.kind == QuotaDecision::kBlocked) {
      stats_.quota_denied();
      co_return ctx.tr("gemini.quota.disabled");
    }
    if (decision.kind == QuotaDecision::kCounted) {
      const auto interval = std::chrono::minutes(settings.quota.reset_interval_minutes);
      Result<QuotaHold> reserved = co_await QuotaHold::reserve(*quotas_, decision, interval);
      if (!reserved) {
        logger()->error("{}",
                        log::text("log.quota_store_failed", fmt::arg("reason", reserved.error().message)));
        co_return ctx.tr("gemini.quota.store_error");
      }
      const ReserveOutcome& answer = reserved->outcome();
      const bool group_pool = decision.tier == QuotaTier::kGroup;
      if (!answer.granted) {
        stats_.quota_denied();
        const std::string when =
            answer.resets_at ? format_reset_time(*answer.resets_at, deps_.clock.now()) : std::string("-");
        co_return ctx.tr(group_pool ? "gemini.quota.group_denied" : "gemini.quota.denied",
                         fmt::arg("used", answer.used), fmt::arg("limit", answer.limit),
                         fmt::arg("time", when));
      }
      drawing.remaining_note = ctx.tr(group_pool ? "gemini.group_remaining" : "gemini.remaining",
                                      fmt::arg("remaining", answer.remaining_after_commit));
      drawing.quota = std::move(reserved.value());
    }
  }

  if (drawing.ticket->initial_position() > 0) {
    // The drawings waiting for the provider's upstream limits are ahead too.
    const std::size_t position = drawing.ticket->initial_position() + upstream_waiting();
    std::string queued = ctx.tr("gemini.queued", fmt::arg("position", position));
    drawing.told_queued = true;
    co_await ctx.reply_text(std::move(queued), drawing.in_group);
  } else if (settings.acknowledge) {
    std::string generating = ctx.tr("gemini.generating");
    co_await ctx.reply_text(std::move(generating), drawing.in_group);
  }
  co_await deps_.jobs.wait_turn(*drawing.ticket);
  co_return std::nullopt;
}

asio::awaitable<Result<GeneratedImage, std::string>> DrawPipeline::generate(Drawing& drawing) {
  MessageContext& ctx = drawing.ctx;
  const auto& event = ctx.event();

  CollectedReferences references;
  if (drawing.request.use_references) {
    references =
        co_await collect_reference_images(ctx, deps_.http, deps_.workers, drawing.settings->references);
  }
  drawing.reference_failures = std::move(references.failures);
  if (!drawing.request.requires_reference_for.empty() && references.images.empty()) {
    co_return ctx.tr("gemini.need_reference", fmt::arg("name", drawing.request.requires_reference_for));
  }

  // Held until the answer: a reload may retire this chain meanwhile.
  const std::shared_ptr<image::FallbackChain> chain = deps_.provider();
  drawing.model = chain->model();
  const auto started = std::chrono::steady_clock::now();
  image::ImageRequest image_request;
  image_request.prompt = drawing.request.prompt;
  image_request.references = std::move(references.images);
  image_request.aspect_ratio = drawing.request.aspect_ratio;
  image_request.on_queued = [&drawing](std::size_t position) -> asio::awaitable<void> {
    return tell_queued(drawing, position);
  };
  image_request.on_task_submitted = [this, &drawing](const std::string& provider,
                                                     const std::string& task_id) -> asio::awaitable<void> {
    return record_task(drawing, provider, task_id);
  };
  auto generated = co_await chain->generate(std::move(image_request));
  const auto took = std::chrono::steady_clock::now() - started;
  if (!generated) {
    const auto& error = generated.error();
    stats_.generation_finished(llm::failure_class_name(error.cls), took);
    drawing.task_left_for_restart = drawing.task && error.cls == llm::FailureClass::kCancelled;
    logger()->warn("{}", log::text("log.generation_failed", fmt::arg("user", event.user_id),
                                   fmt::arg("reason", error.to_string())));
    co_return describe_failure(ctx, error, *chain);
  }
  stats_.generation_finished("success", took);
  if (!generated->model.empty()) drawing.model = generated->model;  // a fallback's, if it drew
  GeneratedImage& image = generated->images.front();
  logger()->info(
      "{}", log::text("log.image_generated_for", fmt::arg("user", event.user_id),
                      fmt::arg("ms", std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
                      fmt::arg("bytes", image.bytes.size()), fmt::arg("mime", image.mime)));
  co_return std::move(image);
}

std::size_t DrawPipeline::upstream_waiting() const {
  const std::vector<image::LimiterState> limiters = deps_.provider()->limiter_states();
  return limiters.empty() ? 0 : limiters.front().waiting;  // the provider drawings go to first
}

asio::awaitable<void> DrawPipeline::tell_queued(Drawing& drawing, std::size_t position) {
  // Once per drawing: a user told their place in the plugin's queue (which
  // counted the upstream waiters) is not told again.
  if (drawing.told_queued) co_return;
  drawing.told_queued = true;
  std::string queued = drawing.ctx.tr("gemini.queued", fmt::arg("position", position));
  co_await drawing.ctx.reply_text(std::move(queued), drawing.in_group);
}

asio::awaitable<Result<StoredImage, std::string>> DrawPipeline::store(Drawing& drawing,
                                                                      const GeneratedImage& image) {
  const auto& event = drawing.ctx.event();
  ImageMeta meta{drawing.request.prompt, event.user_id, event.group_id, drawing.model, "gemini_pic_gen"};
  auto stored = co_await deps_.images.save(image.bytes, image.extension, std::move(meta));
  if (!stored) {
    stats_.delivery_failed();
    logger()->error("{}", log::text("log.image_save_failed", fmt::arg("reason", stored.error().message)));
    co_return drawing.ctx.tr("gemini.error.disk");
  }
  co_return std::move(stored.value());
}

asio::awaitable<Result<void, std::string>> DrawPipeline::deliver(Drawing& drawing,
                                                                 const GeneratedImage& image,
                                                                 const StoredImage& stored) {
  MessageContext& ctx = drawing.ctx;
  const auto& event = ctx.event();
  const PluginSettings& settings = *drawing.settings;
  const std::int64_t target_id = drawing.in_group ? event.group_id : event.user_id;

  drawing.note = drawing.remaining_note;
  if (!drawing.reference_failures.empty()) {
    if (!drawing.note.empty()) drawing.note += "\n";
    drawing.note += describe_failures(drawing.reference_failures, ctx.language());
  }
  drawing.destination = SendingImage{.self_id = event.self_id,
                                     .group = drawing.in_group,
                                     .target_id = target_id,
                                     .size = static_cast<std::int64_t>(stored.size),
                                     .image_id = stored.id};
  drawing.first_send = deps_.clock.now();

  MessageIdResult sent = co_await send_image(drawing, image, stored);
  if (!sent && link_lost(sent.error()) && settings.resend_wait.count() > 0) {
    logger()->warn("{}", log::text("log.send_retry_later", fmt::arg("target", target_id),
                                   fmt::arg("reason", sent.error().describe()),
                                   fmt::arg("ms", settings.resend_wait.count())));
    // The image is known not to be out: a crash from here must not charge it.
    co_await drawing.quota.unmark_sending();
    const bool back = co_await ctx.api().wait_for_account(event.self_id, settings.resend_wait);
    if (!back) {
      logger()->warn("{}", log::text("log.send_not_reconnected", fmt::arg("self_id", event.self_id),
                                     fmt::arg("ms", settings.resend_wait.count())));
    } else {
      const bool arrived = co_await arrived_anyway(drawing, image);
      if (arrived) {
        logger()->info("{}", log::text("log.send_arrived_anyway", fmt::arg("target", target_id)));
        sent = MessageIdResult(std::int64_t{0});
      } else {
        sent = co_await send_image(drawing, image, stored);
      }
    }
  }
  if (!sent) {
    logger()->warn("{}", log::text("log.send_failed", fmt::arg("target", target_id),
                                   fmt::arg("reason", sent.error().describe())));
    stats_.delivery_failed();
    co_return ctx.tr("gemini.error.send_failed", fmt::arg("detail", sent.error().describe()));
  }
  co_return Result<void, std::string>();
}

asio::awaitable<DrawOutcome> DrawPipeline::settle(Drawing& drawing, Result<void, std::string> delivered) {
  DrawOutcome outcome;
  if (drawing.task_left_for_restart) {
    drawing.ticket.reset();
    outcome.message = delivered ? std::string() : delivered.error();
    co_return outcome;  // nothing released, nobody told: the next start resumes it
  }
  if (drawing.task && quotas_ != nullptr) {
    // The drawing ends here: a restart has nothing of it to resume.
    Status removed = co_await quotas_->remove_task(drawing.task->first, drawing.task->second);
    if (!removed) {
      logger()->error("{}", log::text("log.quota_store_failed", fmt::arg("reason", removed.error().message)));
    }
    drawing.task.reset();
  }
  if (delivered) {
    co_await drawing.quota.commit();
    stats_.image_delivered();
    outcome.delivered = true;
    outcome.message = drawing.note;
    co_return outcome;
  }
  // The user may ask again the moment they read the message.
  drawing.ticket.reset();
  co_await drawing.quota.release();
  outcome.message = delivered.error();
  if (drawing.speak) co_await drawing.ctx.reply_text(outcome.message, drawing.in_group);
  co_return outcome;
}

asio::awaitable<DrawOutcome> DrawPipeline::refuse(Drawing& drawing, std::string message) {
  DrawOutcome outcome;
  outcome.message = std::move(message);
  if (drawing.speak) co_await drawing.ctx.reply_text(outcome.message, drawing.in_group);
  co_return outcome;
}

asio::awaitable<MessageIdResult> DrawPipeline::send_image(Drawing& drawing, const GeneratedImage& image,
                                                          const StoredImage& stored) {
  // When many images finish together, sending them all at once would hold
  // every encoded frame in memory and flood NapCat's link; a few at a time.
  std::optional<JobQueue::Ticket> delivery_slot = deps_.deliveries.try_enter(++delivery_serial_);
  co_await deps_.deliveries.wait_turn(*delivery_slot);
  const std::optional<std::filesystem::path> file = deps_.images.local_file(stored);
  const std::optional<StoredImage> now = deps_.images.find(stored.id);
  std::string uploaded_url = now && now->remote ? deps_.images.url(*now) : std::string();
  DeliveryResult delivery =
      co_await prepare_image_segment(drawing.ctx, stored, file, image.bytes, drawing.settings->delivery,
                                     deps_.workers, std::move(uploaded_url));
  // Not Message{segment}: an initializer list copies, and this segment holds
  // megabytes of base64 (a copy on the event loop).
  onebot::Message message;
  message.push_back(std::move(delivery.segment));
  if (!drawing.note.empty()) message.push_back(onebot::Text{"\n" + drawing.note});
  // From here a crash may leave the image delivered: a restart asks the
  // chat's history whether it arrived (DeliveryReconciler).
  co_await drawing.quota.mark_sending(drawing.destination);
  co_return co_await drawing.ctx.reply(std::move(message), drawing.in_group, deps_.workers);
}

asio::awaitable<bool> DrawPipeline::arrived_anyway(Drawing& drawing, const GeneratedImage& image) {
  // NapCat may have posted the image and lost only its answer with the link.
  // The bytes are in memory: hash them rather than the stored copy.
  DeliveryReconciler history(drawing.ctx.api(), deps_.images, deps_.workers, ReconcileOptions{});
  const UnconfirmedDelivery sent_before{drawing.quota.reservation_id(), drawing.first_send,
                                        drawing.destination};
  auto hash = [&] { return md5_hex(image.bytes); };
  std::string md5 = co_await deps_.workers.run(hash);
  const DeliveryReconciler::Verdict verdict = co_await history.check(sent_before, std::move(md5));
  co_return verdict == DeliveryReconciler::Verdict::kDelivered;
}

}  // namespace picbot::gemini
