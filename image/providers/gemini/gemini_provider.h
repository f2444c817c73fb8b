// GeminiProvider (type "gemini"): Google's Gemini API with an AI Studio key.
// POST {base}/models/{model}:generateContent with x-goog-api-key; the prompt
// and each reference as inline_data parts; responseModalities TEXT+IMAGE and
// imageConfig.aspectRatio. The image comes back as an inlineData part. A
// blocked prompt (promptFeedback.blockReason), a blocked finishReason or an
// answer without an image part is the content-filter class; a 400 whose
// ErrorInfo reason is API_KEY_INVALID is the invalid-key class.
#pragma once

#include "image/keyed_provider.h"

namespace picbot::image {

inline constexpr std::string_view kGeminiApiBase = "https://generativelanguage.googleapis.com/v1beta";
inline constexpr std::string_view kGeminiModel = "gemini-2.5-flash-image";

// {api_base}/models/{model}:generateContent: trailing slashes dropped,
// "/v1beta" added to a bare host, never doubled.
std::string gemini_generate_url(std::string_view api_base, std::string_view model);

// The image of a 2xx generateContent answer, with the model's text in
// model_text; errors as described above, kBadResponse for malformed JSON.
Result<GeneratedImage, llm::ProviderError> parse_gemini_answer(std::string_view body, int status);

class GeminiProvider final : public KeyedProvider {
 public:
  static constexpr std::string_view kType = "gemini";
  static constexpr std::string_view kApiBase = kGeminiApiBase;
  static constexpr std::string_view kModel = kGeminiModel;

  GeminiProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings);

  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) override;
  Capabilities capabilities() const override;
  std::string_view type() const override { return kType; }
};

const ProviderType& gemini_provider_type();

}  // namespace picbot::image
