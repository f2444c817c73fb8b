// FakeDashScope: Alibaba Cloud Model Studio's asynchronous image synthesis
// on loopback, for the "dashscope" provider. Shapes follow
// https://help.aliyun.com/zh/model-studio/text-to-image-v2-api-reference and
// https://help.aliyun.com/zh/model-studio/manage-asynchronous-tasks (and
// dashscope-sdk-python dashscope/aigc/image_synthesis.py): POST
// /api/v1/services/aigc/{text2image|image2image}/image-synthesis with
// X-DashScope-Async: enable answers {"request_id","output":{"task_id",
// "task_status":"PENDING"}}; GET /api/v1/tasks/{id} answers task_status
// PENDING, RUNNING, then SUCCEEDED with output.results[].url (served here),
// FAILED with output.code/message, CANCELED, or UNKNOWN for an unknown id.
// Errors are {"request_id","code","message"}: 400 InvalidParameter,
// DataInspectionFailed, Arrearage; 401 InvalidApiKey; 429 Throttling.RateQuota;
// 500 InternalError.
// Thread-safety: the accessors may be called from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tests/fakes/http/scripted_image_fake.h"
#include "tests/fakes/http/task_board.h"

namespace picbot::testing {

// The answer to a submit.
enum class FakeDashScopeScript {
  kTask,              // a task is created (its polls follow tasks()) (the default)
  kInvalidParameter,  // 400 InvalidParameter
  kDataInspection,    // 400 DataInspectionFailed
  kArrearage,         // 400 Arrearage (account overdue)
  kInvalidKey,        // 401 InvalidApiKey
  kThrottling,        // 429 Throttling.RateQuota with Retry-After: 1
  k500,               // 500 InternalError
};

struct FakeDashScopeCall {
  std::string key;           // the bearer token
  std::string path;          // "/api/v1/services/aigc/text2image/image-synthesis"
  std::string async_header;  // X-DashScope-Async
  nlohmann::json body;
  FakeDashScopeScript script;
};

class FakeDashScope : public ScriptedImageFake<FakeDashScopeScript, FakeDashScopeCall> {
 public:
  using Script = FakeDashScopeScript;
  using Call = FakeDashScopeCall;

  FakeDashScope();

  // "http://127.0.0.1:<port>/api/v1", the versioned base an operator configures.
  std::string api_base() const;
  // The tasks submits create: their running polls, fate and hold.
  TaskBoard& tasks() { return tasks_; }

  // push, set_default, calls (the submits), call_count, served_images: see ScriptedImageFake.

 private:
  FakeHttpResponse submit(const FakeHttpRequest& request);
  FakeHttpResponse task(const FakeHttpRequest& request);

  TaskBoard tasks_;
};

}  // namespace picbot::testing
