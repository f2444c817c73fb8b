#include "image/fallback_chain.h"

#include "bot/core/logging.h"
#include "image/log_messages.h"

namespace picbot::image {

using llm::FailureClass;

bool falls_back(FailureClass cls) {
  switch (cls) {
    case FailureClass::kInvalidKey:
    case FailureClass::kNoCredits:
    case FailureClass::kRateLimited:
    case FailureClass::kTransient:
    case FailureClass::kBadResponse:
    case FailureClass::kDeadline:
    case FailureClass::kModelNotFound:
    case FailureClass::kNoEndpointForModalities:
      return true;
    case FailureClass::kBadRequest:
    case FailureClass::kContentFiltered:
    case FailureClass::kCancelled:
      return false;
  }
  return false;
}

FallbackChain::FallbackChain(std::vector<std::shared_ptr<Provider>> providers, Observer observer)
    : Provider(providers.front()->name()), providers_(std::move(providers)), observer_(std::move(observer)) {}

boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> FallbackChain::generate(
    ImageRequest request) {
  for (std::size_t i = 0;; ++i) {
    // Held for the call: the member outlives a reload that drops it.
    const std::shared_ptr<Provider> member = providers_[i];
    Provider& provider = *member;
    const bool last = i + 1 == providers_.size();
    // Providers consume the request (reference bytes): all but the last get a copy.
    ImageRequest attempt = last ? std::move(request) : request;
    auto result = co_await provider.generate(std::move(attempt));
    if (observer_) observer_(provider, result.ok() ? "success" : llm::failure_class_name(result.error().cls));
    if (result.ok() || last || !falls_back(result.error().cls)) co_return result;
    log::get("image")->warn("{}", log_text("log.image.fallback", fmt::arg("provider", provider.name()),
                                           fmt::arg("reason", result.error().to_string()),
                                           fmt::arg("next", providers_[i + 1]->name())));
  }
}

std::vector<llm::KeyState> FallbackChain::key_states() const {
  std::vector<llm::KeyState> states;
  for (const auto& provider : providers_) {
    for (llm::KeyState& state : provider->key_states()) {
      state.index = states.size();
      states.push_back(std::move(state));
    }
  }
  return states;
}

std::vector<LimiterState> FallbackChain::limiter_states() const {
  std::vector<LimiterState> states;
  for (const auto& provider : providers_) {
    auto more = provider->limiter_states();
    states.insert(states.end(), more.begin(), more.end());
  }
  return states;
}

bool FallbackChain::enable_key(std::size_t index, std::string_view masked_key) {
  for (const auto& provider : providers_) {
    const std::size_t count = provider->key_states().size();
    if (index < count) return provider->enable_key(index, masked_key);
    index -= count;
  }
  return false;
}

std::chrono::milliseconds FallbackChain::deadline() const {
  std::chrono::milliseconds total{0};
  for (const auto& provider : providers_) total += provider->deadline();
  return total;
}

Status FallbackChain::reconfigure(const ProviderConfig& config) {
  return providers_.front()->reconfigure(config);
}

bool FallbackChain::same_members(const std::vector<ProviderConfig>& configs) const {
  if (configs.size() != providers_.size()) return false;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    if (configs[i].name != providers_[i]->name() || configs[i].type != providers_[i]->type()) return false;
  }
  return true;
}

Status FallbackChain::reconfigure_members(const std::vector<ProviderConfig>& configs) {
  for (std::size_t i = 0; i < configs.size(); ++i) {
    if (Status s = providers_[i]->reconfigure(configs[i]); !s) return s;
  }
  return {};
}

}  // namespace picbot::image
