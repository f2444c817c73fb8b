// FakeModelScope: ModelScope API-Inference's asynchronous image generation
// on loopback, for the "modelscope" provider. Shapes follow the official
// sample of https://modelscope.cn/docs/model-service/API-Inference/intro
// (as /work/shared/notes/image-providers.md quotes it): POST
// /v1/images/generations with X-ModelScope-Async-Mode: true answers
// {"task_id","request_id"}; GET /v1/tasks/{id} with X-ModelScope-Task-Type:
// image_generation answers task_status PENDING, RUNNING (others are seen
// too), then SUCCEED with output_images[] (served here) or FAILED. A poll
// without the task-type header gets a 400. Error bodies are unconfirmed:
// {"errors":{"message"},"request_id"} is used (401, 400, 429 with
// Retry-After, 500).
// Thread-safety: the accessors may be called from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tests/fakes/http/scripted_image_fake.h"
#include "tests/fakes/http/task_board.h"

namespace picbot::testing {

// The answer to a submit.
enum class FakeModelScopeScript {
  kTask,         // a task is created (its polls follow tasks()) (the default)
  kBadRequest,   // 400 (e.g. a size out of range)
  kInvalidKey,   // 401
  kRateLimited,  // 429 with Retry-After: 1 (the daily quota or the rate)
  k500,          // 500
};

struct FakeModelScopeCall {
  std::string key;  // the bearer token
  std::string path;
  std::string async_header;  // X-ModelScope-Async-Mode
  nlohmann::json body;
  FakeModelScopeScript script;
};

class FakeModelScope : public ScriptedImageFake<FakeModelScopeScript, FakeModelScopeCall> {
 public:
  using Script = FakeModelScopeScript;
  using Call = FakeModelScopeCall;

  FakeModelScope();

  // "http://127.0.0.1:<port>/v1", the versioned base an operator configures.
  std::string api_base() const;
  TaskBoard& tasks() { return tasks_; }

 private:
  FakeHttpResponse submit(const FakeHttpRequest& request);
  FakeHttpResponse task(const FakeHttpRequest& request);

  TaskBoard tasks_;
};

}  // namespace picbot::testing
