#include "plugins/gemini_pic_gen/draw_pipeline.h"

#include <ctime>

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
    : deps_(deps), settings_(std::move(settings)) {}

std::string DrawPipeline::describe_failure(const MessageContext& ctx, const llm::ProviderError& error,
                                           const PluginSettings& settings) const {
  using llm::FailureClass;
  const std::string& model = settings.openrouter.model_name;
  switch (error.cls) {
    case FailureClass::kInvalidKey:
      // Keys that were configured and then rejected (401/403) are not "no key".
      return ctx.tr(settings.openrouter.api_keys.empty() ? "gemini.error.no_keys"
                                                         : "gemini.error.invalid_key");
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

asio::awaitable<DrawOutcome> DrawPipeline::draw(MessageContext& ctx, DrawRequest request, bool speak) {
  const auto settings = settings_;
  const auto& event = ctx.event();
  const bool in_group = event.is_group();
  DrawOutcome outcome;

  // A preset without any image cannot work: say so before "generating…".
  if (!request.requires_reference_for.empty() && !may_have_reference_images(event)) {
    outcome.message = ctx.tr("gemini.need_reference", fmt::arg("name", request.requires_reference_for));
    if (speak) co_await ctx.reply_text(outcome.message, in_group);
    co_return outcome;
  }

  auto ticket = deps_.jobs.try_enter(event.user_id);
  if (!ticket) {
    outcome.message = ctx.tr("gemini.busy");
    if (speak) co_await ctx.reply_text(outcome.message, in_group);
    co_return outcome;
  }

  // Quota: reserve before the upstream call, so parallel requests cannot overspend.
  std::string reservation;
  std::string remaining_note;
  if (settings->quota.enabled && quotas_ != nullptr) {
    const QuotaDecision decision = resolve(settings->quota, event.user_id, event.group_id, ctx.is_admin());
    if (decision.kind == QuotaDecision::kBlocked) {
      stats_.quota_denied();
      outcome.message = ctx.tr("gemini.quota.disabled");
      if (speak) co_await ctx.reply_text(outcome.message, in_group);
      co_return outcome;
    }
    if (decision.kind == QuotaDecision::kCounted) {
      const auto interval = std::chrono::minutes(settings->quota.reset_interval_minutes);
      auto reserved = co_await quotas_->try_reserve(decision, interval);
      if (!reserved) {
        logger()->error("quota store failed: {}", reserved.error().message);
        outcome.message = ctx.tr("gemini.quota.store_error");
        if (speak) co_await ctx.reply_text(outcome.message, in_group);
        co_return outcome;
      }
      if (!reserved->granted) {
        stats_.quota_denied();
        const std::string when = reserved->resets_at
                                     ? format_reset_time(*reserved->resets_at, deps_.clock.now())
                                     : std::string("-");
        const bool group_pool = decision.tier == "group";
        outcome.message = ctx.tr(group_pool ? "gemini.quota.group_denied" : "gemini.quota.denied",
                                 fmt::arg("used", reserved->used), fmt::arg("limit", reserved->limit),
                                 fmt::arg("time", when));
        if (speak) co_await ctx.reply_text(outcome.message, in_group);
        co_return outcome;
      }
      reservation = reserved->reservation_id;
      remaining_note = ctx.tr(decision.tier == "group" ? "gemini.group_remaining" : "gemini.remaining",
                              fmt::arg("remaining", reserved->remaining_after_commit));
    }
  }

  // From here every exit must settle the reservation.
  auto fail = [&](std::string message) -> asio::awaitable<DrawOutcome> {
    // The user may ask again the moment they read the message.
    ticket.reset();
    if (!reservation.empty() && quotas_ != nullptr) {
      if (Status s = co_await quotas_->release(reservation); !s) {
        logger()->error("quota release failed: {}", s.error().message);
      }
    }
    DrawOutcome failed;
    failed.message = std::move(message);
    if (speak) co_await ctx.reply_text(failed.message, in_group);
    co_return failed;
  };

  if (ticket->initial_position() > 0) {
    std::string queued = ctx.tr("gemini.queued", fmt::arg("position", ticket->initial_position()));
    co_await ctx.reply_text(std::move(queued), in_group);
  } else if (settings->acknowledge) {
    std::string generating = ctx.tr("gemini.generating");
    co_await ctx.reply_text(std::move(generating), in_group);
  }
  co_await deps_.jobs.wait_turn(*ticket);

  CollectedReferences references;
  if (request.use_references) {
    references = co_await collect_reference_images(ctx, deps_.http, settings->references);
  }
  if (!request.requires_reference_for.empty() && references.images.empty()) {
    std::string message = ctx.tr("gemini.need_reference", fmt::arg("name", request.requires_reference_for));
    co_return co_await fail(std::move(message));
  }

  // The client's model, which /banana may have switched away from the settings'.
  std::string model = deps_.client.settings().model_name;
  const auto started = std::chrono::steady_clock::now();
  ImageRequest image_request;
  image_request.prompt = request.prompt;
  image_request.references = std::move(references.images);
  image_request.aspect_ratio = request.aspect_ratio;
  auto generated = co_await deps_.client.generate(std::move(image_request));
  const auto took = std::chrono::steady_clock::now() - started;
  if (!generated) {
    const auto& error = generated.error();
    stats_.generation_finished(llm::failure_class_name(error.cls), took);
    logger()->warn("generation for user {} failed: {}", event.user_id, error.to_string());
    std::string message = describe_failure(ctx, error, *settings);
    co_return co_await fail(std::move(message));
  }
  stats_.generation_finished("success", took);
  const GeneratedImage& image = generated.value();
  logger()->info("image for user {} generated in {} ms ({} bytes, {})", event.user_id,
                 std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), image.bytes.size(),
                 image.mime);

  ImageMeta meta{request.prompt, event.user_id, event.group_id, std::move(model)};
  auto stored = co_await deps_.images.save(image.bytes, image.extension, std::move(meta));
  if (!stored) {
    stats_.delivery_failed();
    logger()->error("cannot save image: {}", stored.error().message);
    co_return co_await fail(ctx.tr("gemini.error.disk"));
  }

  // The generation is done: the user's next /draw, and the next queued job,
  // may start while this image is delivered (they may see it before NapCat's
  // answer is back); its quota unit stays reserved until the send settles.
  ticket.reset();

  std::string note = remaining_note;
  if (!references.failures.empty()) {
    if (!note.empty()) note += "\n";
    note += describe_failures(references.failures, ctx.language());
  }
  // Where the image goes, recorded with the reservation (a restart reads the
  // chat's history for it) and checked before a resend.
  const SendingImage destination{.self_id = event.self_id,
                                 .group = in_group,
                                 .target_id = in_group ? event.group_id : event.user_id,
                                 .size = static_cast<std::int64_t>(stored->size),
                                 .image_id = stored->id};
  const Clock::time_point first_send = deps_.clock.now();
  // When many images finish together, sending them all at once would hold
  // every encoded frame in memory and flood NapCat's link; a few at a time.
  auto send_image = [&]() -> asio::awaitable<MessageIdResult> {
    std::optional<JobQueue::Ticket> delivery_slot = deps_.deliveries.try_enter(++delivery_serial_);
    co_await deps_.deliveries.wait_turn(*delivery_slot);
    DeliveryResult delivery = co_await prepare_image_segment(ctx, *stored, image.bytes, settings->delivery);
    onebot::Message message{std::move(delivery.segment)};
    if (!note.empty()) message.push_back(onebot::Text{"\n" + note});
    // From here a crash may leave the image delivered: a restart asks the
    // chat's history whether it arrived (DeliveryReconciler).
    if (!reservation.empty() && quotas_ != nullptr) {
      if (Status s = co_await quotas_->mark_sending(reservation, destination); !s) {
        logger()->error("quota store failed: {}", s.error().message);
      }
    }
    co_return co_await ctx.reply(std::move(message), in_group);
  };
  // The image is known not to be out: a crash from here must not charge it.
  auto not_sent = [&]() -> asio::awaitable<void> {
    if (reservation.empty() || quotas_ == nullptr) co_return;
    if (Status s = co_await quotas_->unmark_sending(reservation); !s) {
      logger()->error("quota store failed: {}", s.error().message);
    }
  };
  // NapCat may have posted the image and lost only its answer with the link.
  // The bytes are in memory: hash them rather than the stored copy.
  auto arrived_anyway = [&]() -> asio::awaitable<bool> {
    DeliveryReconciler history(ctx.api(), deps_.images, deps_.workers, ReconcileOptions{});
    const UnconfirmedDelivery sent_before{reservation, first_send, destination};
    auto hash = [&] { return md5_hex(image.bytes); };
    std::string md5 = co_await deps_.workers.run(hash);
    co_return co_await history.check(sent_before, std::move(md5)) == DeliveryReconciler::Verdict::kDelivered;
  };
  auto sent = co_await send_image();
  if (!sent && link_lost(sent.error()) && settings->resend_wait.count() > 0) {
    logger()->warn(
        "sending the image to {} failed ({}); sending it again once the link is back (waiting up to "
        "{} ms)",
        in_group ? event.group_id : event.user_id, sent.error().describe(), settings->resend_wait.count());
    co_await not_sent();
    const bool back = co_await ctx.api().wait_for_account(event.self_id, settings->resend_wait);
    if (!back) {
      logger()->warn("account {} did not reconnect within {} ms: the image is not resent", event.self_id,
                     settings->resend_wait.count());
    } else if (const bool arrived = co_await arrived_anyway(); arrived) {
      logger()->info("the image reached {} before the link dropped (it is in the chat history): not resent",
                     in_group ? event.group_id : event.user_id);
      sent = MessageIdResult(std::int64_t{0});
    } else {
      sent = co_await send_image();
    }
  }
  if (!sent) {
    logger()->warn("sending the image to {} failed: {}", in_group ? event.group_id : event.user_id,
                   sent.error().describe());
    stats_.delivery_failed();
    std::string text = ctx.tr("gemini.error.send_failed", fmt::arg("detail", sent.error().describe()));
    co_return co_await fail(std::move(text));
  }
  if (!reservation.empty() && quotas_ != nullptr) {
    if (Status s = co_await quotas_->commit(reservation); !s) {
      logger()->error("quota commit failed: {}", s.error().message);
    }
  }
  stats_.image_delivered();
  outcome.delivered = true;
  outcome.message = note;
  co_return outcome;
}

}  // namespace picbot::gemini
