#include "tests/fakes/modelscope/fake_modelscope.h"

namespace picbot::testing {
namespace {

using nlohmann::json;

constexpr const char* kRequestId = "5b2f6c1e-0d3a-4c7e-9a21-7f0e8d9c6b5a";

FakeHttpResponse error(int status, const std::string& message) {
  return FakeHttpResponse::json({{"errors", {{"message", message}}}, {"request_id", kRequestId}}, status);
}

}  // namespace

FakeModelScope::FakeModelScope() : ScriptedImageFake(Script::kTask) {
  server_.on("POST", "/v1/images/generations",
             [this](const FakeHttpRequest& request) { return submit(request); });
  server_.on("GET", "/v1/tasks/", [this](const FakeHttpRequest& request) { return task(request); });
}

std::string FakeModelScope::api_base() const { return server_.base_url() + "/v1"; }

FakeHttpResponse FakeModelScope::submit(const FakeHttpRequest& request) {
  Call call;
  const std::string authorization = request.header("authorization");
  call.key = authorization.rfind("Bearer ", 0) == 0 ? authorization.substr(7) : "";
  call.path = request.path();
  call.async_header = request.header("x-modelscope-async-mode");
  call.body = json::parse(request.body, nullptr, false);
  switch (take_script(std::move(call))) {
    case Script::kTask:
      return FakeHttpResponse::json({{"task_id", tasks_.create()}, {"request_id", kRequestId}});
    case Script::kBadRequest:
      return error(400, "Invalid size: width and height must be within [512, 2048]");
    case Script::kInvalidKey:
      return error(401, "Authentication failed: invalid token");
    case Script::kRateLimited: {
      FakeHttpResponse response = error(429, "Request limit exceeded for today");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case Script::k500:
      return error(500, "Internal server error");
  }
  return FakeHttpResponse::text("unscripted", 500);
}

FakeHttpResponse FakeModelScope::task(const FakeHttpRequest& request) {
  if (request.header("x-modelscope-task-type") != "image_generation") {
    return error(400, "X-ModelScope-Task-Type is required");
  }
  const std::string path = request.path();
  const std::string id = path.substr(path.rfind('/') + 1);
  const TaskBoard::Poll poll = tasks_.poll(id);
  if (!poll.known) return error(404, "task not found");
  json answer = {{"task_id", id}, {"request_id", kRequestId}};
  if (poll.running) {
    answer["task_status"] = poll.polls == 1 ? "PENDING" : "RUNNING";
    return FakeHttpResponse::json(answer);
  }
  switch (poll.fate) {
    case TaskFate::kSucceeded:
      answer["task_status"] = "SUCCEED";
      answer["output_images"] = json::array({answer_png_file("modelscope", "modelscope-" + id)});
      break;
    case TaskFate::kFailed:
    case TaskFate::kFailedModeration:
    case TaskFate::kCanceled:
      answer["task_status"] = "FAILED";
      answer["errors"] = {{"message", "Image generation failed"}};
      break;
  }
  return FakeHttpResponse::json(answer);
}

}  // namespace picbot::testing
