// OpenAiProvider (type "openai"): OpenAI's Images API, or any endpoint that
// speaks it. Without references: POST {base}/images/generations with a JSON
// body; with references: POST {base}/images/edits as multipart/form-data,
// each reference a repeated "image[]" file. GPT image models answer
// data[].b64_json, DALL·E data[].url (downloaded through the SSRF guard).
// Keys rotate and failures retry through llm::RetryingCaller; a 400 whose
// code is content_policy_violation or moderation_blocked is kContentFiltered.
#pragma once

#include <memory>

#include "image/keyed_provider.h"

namespace picbot::image {

inline constexpr std::string_view kOpenAiApiBase = "https://api.openai.com/v1";
inline constexpr std::string_view kOpenAiModel = "gpt-image-1";

// {api_base}/images/<operation>: trailing slashes dropped, "/v1" added to a
// bare host, never doubled.
std::string openai_images_url(std::string_view api_base, std::string_view operation);

// The images of a 2xx answer, in order, one per data[] entry (a request for
// n images gets n): each b64_json decoded and verified, or its url when it
// is http(s); revised_prompt as model_text. kBadResponse for malformed JSON,
// no image or an entry without one; an "error" object in the body is
// classified (llm::error_in_body).
Result<std::vector<UpstreamImage>, llm::ProviderError> parse_openai_answer(std::string_view body, int status);

class OpenAiProvider final : public KeyedProvider {
 public:
  static constexpr std::string_view kType = "openai";
  static constexpr std::string_view kApiBase = kOpenAiApiBase;
  static constexpr std::string_view kModel = kOpenAiModel;

  OpenAiProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings);

  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) override;
  Capabilities capabilities() const override;
  std::string_view type() const override { return kType; }
};

const ProviderType& openai_provider_type();

}  // namespace picbot::image
