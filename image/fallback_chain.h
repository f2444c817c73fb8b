// FallbackChain: providers tried in order (plugins.gemini_pic_gen.providers:
// [primary, fallback, ...]). When one cannot serve (every key invalid or out
// of credit, rate limited, 5xx or timeouts after its retries, model not
// found), the next is tried; a refused request (400), a content-filter answer
// or a cancellation ends the chain, since another provider would answer the
// same. The result names the provider that drew; each fallback is logged.
// A chain of one behaves as its provider. Members are shared: the same
// instance may sit in the chain in use and in one that drawings in flight
// still hold (a reload or /banana provider builds a new chain).
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "image/provider.h"

namespace picbot::image {

// Whether a failure of one provider sends the drawing to the next.
bool falls_back(llm::FailureClass cls);

class FallbackChain final : public Provider {
 public:
  // Told each member's outcome as it happens: result is "success" or the
  // failure class's name (llm::failure_class_name).
  using Observer = std::function<void(const Provider& member, std::string_view result)>;

  // REQUIRES: providers is not empty. The chain takes the first one's name.
  // observer may be empty.
  explicit FallbackChain(std::vector<std::shared_ptr<Provider>> providers, Observer observer = {});

  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) override;
  // The first provider's, which the request is sized for.
  Capabilities capabilities() const override { return providers_.front()->capabilities(); }
  // Every member's keys, in chain order, indexed in that order (as enable_key counts).
  std::vector<llm::KeyState> key_states() const override;
  // Every member's upstream queue, in chain order.
  std::vector<LimiterState> limiter_states() const override;
  // index counts in key_states(): the member that holds that key enables it.
  bool enable_key(std::size_t index, std::string_view masked_key) override;
  std::string_view type() const override { return providers_.front()->type(); }
  std::string model() const override { return providers_.front()->model(); }
  std::string api_base() const override { return providers_.front()->api_base(); }
  // The sum of the members' deadlines: the longest a drawing may take.
  std::chrono::milliseconds deadline() const override;
  // Reconfigures the first member (a chain of one); see reconfigure_members.
  Status reconfigure(const ProviderConfig& config) override;
  // /banana switches apply to the first member.
  void set_model(std::string model) override { providers_.front()->set_model(std::move(model)); }
  void set_api_base(std::string api_base) override { providers_.front()->set_api_base(std::move(api_base)); }

  // True when configs name the same instances of the same types, in order.
  bool same_members(const std::vector<ProviderConfig>& configs) const;
  // Applies configs member by member. REQUIRES: same_members(configs).
  Status reconfigure_members(const std::vector<ProviderConfig>& configs);

  // The members, in chain order.
  const std::vector<std::shared_ptr<Provider>>& members() const { return providers_; }

 private:
  std::vector<std::shared_ptr<Provider>> providers_;
  Observer observer_;
};

}  // namespace picbot::image
