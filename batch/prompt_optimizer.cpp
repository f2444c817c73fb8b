#include "batch/prompt_optimizer.h"

#include "bot/core/text.h"
#include "bot/core/utf8.h"

namespace picbot::batch {

namespace {

constexpr char kInstructions[] =
    "You improve prompts for an image model that edits one input image. The prompt below kept failing: the "
    "model refused it (content filter) or answered without an image. Write one new prompt that keeps the "
    "user's intent but is more specific about the style and simpler about everything else, and avoids words "
    "a safety filter may misread. Answer with the new prompt only, in the language of the original.";

}  // namespace

agent::ChatRequest optimization_request(const std::string& original, const std::string& current,
                                        const std::vector<std::string>& failures) {
  std::string user = "Original prompt: " + original + "\nLast prompt tried: " + current + "\nFailures:";
  for (const std::string& failure : failures) user += "\n- " + failure;
  agent::ChatRequest request;
  request.messages = nlohmann::json::array(
      {{{"role", "system"}, {"content", kInstructions}}, {{"role", "user"}, {"content", std::move(user)}}});
  request.temperature = 0.4;
  return request;
}

boost::asio::awaitable<Result<std::string, llm::ProviderError>> PromptOptimizer::improve(
    const std::string& original, const std::string& current, const std::vector<std::string>& failures) {
  agent::ChatRequest request = optimization_request(original, current, failures);
  auto reply = co_await chat_.complete(std::move(request));
  if (!reply) co_return reply.error();
  std::string_view text = trim(reply->content);
  while (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    text = trim(text.substr(1, text.size() - 2));
  }
  if (text.empty()) {
    co_return llm::ProviderError{llm::FailureClass::kBadResponse, 0, "the chat model answered no prompt",
                                 std::nullopt};
  }
  co_return std::string(code_point_prefix(text, kMaxOptimizedPromptChars));
}

}  // namespace picbot::batch
