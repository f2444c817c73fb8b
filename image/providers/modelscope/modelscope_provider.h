// ModelScopeProvider (type "modelscope"): ModelScope API-Inference's image
// models (Tongyi-MAI/Z-Image-Turbo by default, Qwen/Qwen-Image, FLUX, SD;
// *-Edit models for edits), asynchronous: POST {base}/images/generations
// with Authorization: Bearer and X-ModelScope-Async-Mode: true answers
// {"task_id"}; GET {base}/tasks/{id} with X-ModelScope-Task-Type:
// image_generation until task_status SUCCEED (output_images[], downloaded)
// or FAILED; any other status (PENDING, RUNNING, PROCESSING) is running.
// Body: {"model","prompt"[,"size":"WxH"][,"image_url":[...]]} with `extra`
// merged last (negative_prompt, seed, steps, guidance, loras). Sizes: each
// side within the model family's range (Z-Image 512..2048, Qwen-Image
// 64..1664, FLUX 64..1024, others 64..2048).
// Failure classes by HTTP status (401/403 invalid key, 429 rate limited or
// the daily quota, other 4xx refused with the message, 5xx retried); a
// FAILED task is transient (its error field is unconfirmed: "errors" /
// "message" are read when present).
#pragma once

#include "image/async_task_provider.h"

namespace picbot::image {

inline constexpr std::string_view kModelScopeApiBase = "https://api-inference.modelscope.cn/v1";
inline constexpr std::string_view kModelScopeModel = "Tongyi-MAI/Z-Image-Turbo";

// Models that edit images (references required): names with "-Edit".
bool modelscope_is_editing_model(std::string_view model);

std::string modelscope_submit_url(std::string_view api_base);  // {base}/images/generations
std::string modelscope_task_url(std::string_view api_base, std::string_view task_id);  // {base}/tasks/{id}

// "WxH" within model's side range.
std::string modelscope_size(const SizeWish& wish, std::string_view model);

Result<std::string, llm::ProviderError> parse_modelscope_submit(std::string_view body, int status);
Result<TaskState, llm::ProviderError> parse_modelscope_task(std::string_view body, int status);
// A non-2xx answer's message ("errors":{"message"} or "message") with the
// status's class; nullopt for a 429 (Retry-After) or a body without one.
std::optional<llm::ProviderError> read_modelscope_error(int status, std::string_view body);

class ModelScopeProvider final : public AsyncTaskProvider {
 public:
  static constexpr std::string_view kType = "modelscope";
  static constexpr std::string_view kApiBase = kModelScopeApiBase;
  static constexpr std::string_view kModel = kModelScopeModel;

  ModelScopeProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings);

  Capabilities capabilities() const override;
  std::string_view type() const override { return kType; }

 protected:
  Result<Prepared, llm::ProviderError> prepare(const ImageRequest& request) const override;
};

const ProviderType& modelscope_provider_type();

}  // namespace picbot::image
