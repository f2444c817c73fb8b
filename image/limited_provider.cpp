#include "image/limited_provider.h"

namespace picbot::image {

LimitedProvider::LimitedProvider(std::unique_ptr<Provider> inner, const Clock& clock, RateLimits limits)
    : Provider(inner->name()), inner_(std::move(inner)), clock_(clock), limiter_(clock, limits) {}

boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> LimitedProvider::generate(
    ImageRequest request) {
  if (!request.deadline) request.deadline = clock_.now() + inner_->deadline();
  // A named copy: no temporary with a destructor in the co_await (GCC 12).
  QueuedCallback on_queued = request.on_queued;
  auto permit = co_await limiter_.acquire(*request.deadline, request.cancel, std::move(on_queued));
  if (!permit) co_return std::move(permit.error());
  co_return co_await inner_->generate(std::move(request));
}

std::vector<LimiterState> LimitedProvider::limiter_states() const {
  const RateLimits& limits = limiter_.limits();
  return {LimiterState{name(), limiter_.waiting(), limiter_.running(), limits.requests_per_second,
                       limits.burst, limits.max_concurrent}};
}

Status LimitedProvider::reconfigure(const ProviderConfig& config) {
  auto limits = rate_limits_from(config.section, config.name);
  if (!limits) return limits.error();
  if (Status s = inner_->reconfigure(config); !s) return s;
  limiter_.reconfigure(*limits);
  return {};
}

}  // namespace picbot::image
