// LimitedProvider: any provider behind its instance's upstream limits
// (image/rate_limiter.h). create_provider() wraps every instance in one, so
// no provider type carries limiter code.
//
// The unit is one generate() call, not one HTTP request: a token and a slot
// are taken when the call starts and the slot is held until it returns.
//  - A drawing is what users wait for and what the plugin's queue message
//    counts, so its place in the limiter queue is one number that holds.
//  - Retries inside a call are already paced by the backoff, and a 429 still
//    cools its key down for Retry-After (llm::RetryingCaller).
//  - An asynchronous provider submits once per call and then polls: the polls
//    spend no token, and max_concurrent counts the tasks in flight, which is
//    what such upstreams limit.
// A call waits at most until its deadline (ImageRequest::deadline, else the
// provider's deadline() from the call's start, so the wait counts in it); a
// wait past it fails with kRateLimited, which sends the drawing to the next
// provider of a FallbackChain.
// Thread-safety: io_context thread only.
#pragma once

#include <memory>

#include "image/provider.h"
#include "image/rate_limiter.h"

namespace picbot::image {

class LimitedProvider final : public Provider {
 public:
  // REQUIRES: inner is not null; clock outlives the provider.
  LimitedProvider(std::unique_ptr<Provider> inner, const Clock& clock, RateLimits limits);

  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) override;
  // Polls a task already paid for: not limited.
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> resume(
      std::string task_id, Clock::time_point deadline, boost::asio::cancellation_slot cancel) override {
    return inner_->resume(std::move(task_id), deadline, cancel);
  }
  Capabilities capabilities() const override { return inner_->capabilities(); }
  std::vector<llm::KeyState> key_states() const override { return inner_->key_states(); }
  bool enable_key(std::size_t index, std::string_view masked_key) override {
    return inner_->enable_key(index, masked_key);
  }
  std::vector<LimiterState> limiter_states() const override;
  std::string_view type() const override { return inner_->type(); }
  std::string model() const override { return inner_->model(); }
  std::string api_base() const override { return inner_->api_base(); }
  std::chrono::milliseconds deadline() const override { return inner_->deadline(); }
  // The inner provider's settings and the new limits (waiters included), or
  // neither when the section is invalid.
  Status reconfigure(const ProviderConfig& config) override;
  void set_model(std::string model) override { inner_->set_model(std::move(model)); }
  void set_api_base(std::string api_base) override { inner_->set_api_base(std::move(api_base)); }

  RateLimiter& limiter() { return limiter_; }

 private:
  std::unique_ptr<Provider> inner_;
  const Clock& clock_;
  RateLimiter limiter_;
};

}  // namespace picbot::image
