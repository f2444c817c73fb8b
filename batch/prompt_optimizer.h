// PromptOptimizer: asks the chat model (llm.*) for a more specific or
// simpler version of a prompt that keeps failing for one image (content
// filter, or an answer without an image), as the batch processor's
// prompt optimisation does. Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "bot/agent/chat_client.h"
#include "bot/core/result.h"

namespace picbot::batch {

// The longest prompt taken from the model (characters); longer answers are cut.
inline constexpr std::size_t kMaxOptimizedPromptChars = 2000;

class PromptOptimizer {
 public:
  // chat must outlive this.
  explicit PromptOptimizer(agent::ChatClient& chat) : chat_(chat) {}

  // The new prompt: the model's answer, trimmed, quotes around it removed,
  // cut to kMaxOptimizedPromptChars. failures: the error classes and
  // messages of the tries so far. kBadResponse for an empty answer; the
  // chat's errors as they come.
  boost::asio::awaitable<Result<std::string, llm::ProviderError>> improve(
      const std::string& original, const std::string& current, const std::vector<std::string>& failures);

 private:
  agent::ChatClient& chat_;
};

// The request improve() sends (for tests).
agent::ChatRequest optimization_request(const std::string& original, const std::string& current,
                                        const std::vector<std::string>& failures);

}  // namespace picbot::batch
