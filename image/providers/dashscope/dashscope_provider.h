// DashScopeProvider (type "dashscope"): Alibaba Cloud Model Studio's image
// synthesis (wan2.x t2i, qwen-image; wan2.5-i2i and *imageedit* for edits),
// asynchronous: POST {base}/services/aigc/text2image/image-synthesis (or
// .../image2image/... for the editing models) with Authorization: Bearer and
// X-DashScope-Async: enable answers output.task_id; GET {base}/tasks/{id}
// until task_status SUCCEEDED (output.results[].url, downloaded at once: the
// links last 24 h), FAILED, CANCELED or UNKNOWN (AsyncTaskProvider polls).
// Body: {"model","input":{"prompt"[,"images"|"base_image_url","function"]},
// "parameters":{"n":1[,"size":"W*H"]}}, `extra` merged into "parameters"
// (watermark, seed, prompt_extend...). Sizes: qwen-image's five fixed sizes,
// else each side 512..1440.
// Failure classes from {"code","message"} (an error answer, or output.code
// of a failed task): InvalidApiKey -> invalid key; Arrearage -> no credits;
// Throttling* -> rate limited (429 with Retry-After handled generically);
// DataInspectionFailed -> content filter (no message: the boilerplate is not
// the model's words); InvalidParameter* -> refused with the message; other
// codes by HTTP status (5xx retried); a task that FAILED with another code,
// CANCELED or UNKNOWN -> transient (the fallback chain may try the next).
#pragma once

#include "image/async_task_provider.h"

namespace picbot::image {

inline constexpr std::string_view kDashScopeApiBase = "https://dashscope.aliyuncs.com/api/v1";
inline constexpr std::string_view kDashScopeModel = "wan2.2-t2i-flash";

// Models that edit images (the image2image path, references required).
bool dashscope_is_editing_model(std::string_view model);

// {api_base}/services/aigc/{text2image|image2image}/image-synthesis.
std::string dashscope_submit_url(std::string_view api_base, bool image_to_image);
// {api_base}/tasks/{task_id}.
std::string dashscope_task_url(std::string_view api_base, std::string_view task_id);

// The size parameter for model: qwen-image* the nearest of its fixed sizes,
// others W*H with each side in 512..1440.
std::string dashscope_size(const SizeWish& wish, std::string_view model);

// The task id of a 2xx submit answer ({"output":{"task_id",...}}).
Result<std::string, llm::ProviderError> parse_dashscope_submit(std::string_view body, int status);
// The state of a 2xx GET tasks/{id} answer.
Result<TaskState, llm::ProviderError> parse_dashscope_task(std::string_view body, int status);
// A non-2xx answer's {"code","message"} as a failure; nullopt for a 429 (the
// generic reading keeps Retry-After) or a body without a code.
std::optional<llm::ProviderError> read_dashscope_error(int status, std::string_view body);

class DashScopeProvider final : public AsyncTaskProvider {
 public:
  static constexpr std::string_view kType = "dashscope";
  static constexpr std::string_view kApiBase = kDashScopeApiBase;
  static constexpr std::string_view kModel = kDashScopeModel;

  DashScopeProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings);

  Capabilities capabilities() const override;
  std::string_view type() const override { return kType; }

 protected:
  Result<Prepared, llm::ProviderError> prepare(const ImageRequest& request) const override;
};

const ProviderType& dashscope_provider_type();

}  // namespace picbot::image
