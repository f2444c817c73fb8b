// SeedreamProvider (type "seedream"): Volcengine Ark's Seedream models
// (doubao-seedream-4.x/5.x, or an ep-... endpoint id). POST
// {base}/images/generations with Authorization: Bearer; the prompt, "size" as
// WxH clamped up to the model's minimum pixel count at the asked shape, the
// references (at most 14; 10 for the 4.0 models) as data URLs in "image",
// response_format "url" (the link is downloaded through the engine's guarded
// download) and one image (sequential_image_generation "disabled"); `extra`
// is merged last.
// Failure classes from Ark's {"error":{"code","message"}}: a
// *SensitiveContentDetected code is the content-filter class without a
// message (on a 400 or inside a 200); other statuses as classified
// generically (401 invalid key, 429 rate limit or quota, other 4xx refused,
// 5xx retried).
#pragma once

#include <cstdint>

#include "image/keyed_provider.h"

namespace picbot::image {

inline constexpr std::string_view kSeedreamApiBase = "https://ark.cn-beijing.volces.com/api/v3";
inline constexpr std::string_view kSeedreamModel = "doubao-seedream-4-5-251128";

// {api_base}/images/generations: trailing slashes dropped, "/api/v3" added
// to a bare host, never doubled.
std::string seedream_generations_url(std::string_view api_base);

// The fewest pixels a WxH size may have for model: 1280x720 for the 4.0
// models (doubao-seedream-4-0-*), else 2560x1440 (4.5, 5.0, endpoint ids).
std::int64_t seedream_min_pixels(std::string_view model);

// The image of a 2xx generations answer ({"data":[{"url"|"b64_json",
// "size"}]}): decoded bytes or the URL to download. kContentFiltered for a
// top-level or per-image error whose code ends in SensitiveContentDetected,
// kTransient for another error in the body, kBadResponse for malformed JSON
// or no image.
Result<UpstreamImage, llm::ProviderError> parse_seedream_answer(std::string_view body, int status);

class SeedreamProvider final : public KeyedProvider {
 public:
  static constexpr std::string_view kType = "seedream";
  static constexpr std::string_view kApiBase = kSeedreamApiBase;
  static constexpr std::string_view kModel = kSeedreamModel;

  SeedreamProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings);

  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) override;
  Capabilities capabilities() const override;
  std::string_view type() const override { return kType; }
};

const ProviderType& seedream_provider_type();

}  // namespace picbot::image
