#include "tests/fakes/dashscope/fake_dashscope.h"

namespace picbot::testing {
namespace {

using nlohmann::json;

constexpr const char* kRequestId = "a1b2c3d4-5e6f-7a8b-9c0d-e1f2a3b4c5d6";

FakeHttpResponse error(int status, const std::string& code, const std::string& message) {
  return FakeHttpResponse::json({{"request_id", kRequestId}, {"code", code}, {"message", message}}, status);
}

std::string bearer(const FakeHttpRequest& request) {
  const std::string authorization = request.header("authorization");
  return authorization.rfind("Bearer ", 0) == 0 ? authorization.substr(7) : "";
}

}  // namespace

FakeDashScope::FakeDashScope() : ScriptedImageFake(Script::kTask) {
  server_.on("POST", "/api/v1/services/aigc/",
             [this](const FakeHttpRequest& request) { return submit(request); });
  server_.on("GET", "/api/v1/tasks/", [this](const FakeHttpRequest& request) { return task(request); });
}

std::string FakeDashScope::api_base() const { return server_.base_url() + "/api/v1"; }

FakeHttpResponse FakeDashScope::submit(const FakeHttpRequest& request) {
  Call call;
  call.key = bearer(request);
  call.path = request.path();
  call.async_header = request.header("x-dashscope-async");
  call.body = json::parse(request.body, nullptr, false);
  const Script script = take_script(std::move(call));
  switch (script) {
    case Script::kTask:
      return FakeHttpResponse::json({{"request_id", kRequestId},
                                     {"output", {{"task_id", tasks_.create()}, {"task_status", "PENDING"}}}});
    case Script::kInvalidParameter:
      return error(400, "InvalidParameter", "The size is not match the allowed size ['1024*1024', ...]");
    case Script::kDataInspection:
      return error(400, "DataInspectionFailed", "Input data may contain inappropriate content.");
    case Script::kArrearage:
      return error(400, "Arrearage", "Access denied, please make sure your account is in good standing.");
    case Script::kInvalidKey:
      return error(401, "InvalidApiKey", "Invalid API-key provided.");
    case Script::kThrottling: {
      FakeHttpResponse response =
          error(429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later.");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case Script::k500:
      return error(500, "InternalError", "An internal error has occured, please try again later.");
  }
  return FakeHttpResponse::text("unscripted", 500);
}

FakeHttpResponse FakeDashScope::task(const FakeHttpRequest& request) {
  const std::string path = request.path();
  const std::string id = path.substr(path.rfind('/') + 1);
  const TaskBoard::Poll poll = tasks_.poll(id);
  json output = {{"task_id", id}};
  if (!poll.known) {
    output["task_status"] = "UNKNOWN";
    return FakeHttpResponse::json({{"request_id", kRequestId}, {"output", output}});
  }
  output["submit_time"] = "2026-12-07 18:00:00.000";
  if (poll.running) {
    output["task_status"] = poll.polls == 1 ? "PENDING" : "RUNNING";
    return FakeHttpResponse::json({{"request_id", kRequestId}, {"output", output}});
  }
  output["end_time"] = "2026-12-07 18:00:07.000";
  switch (poll.fate) {
    case TaskFate::kSucceeded: {
      const std::string url = answer_png_file("dashscope", "dashscope-" + id);
      output["task_status"] = "SUCCEEDED";
      output["results"] = json::array({{{"orig_prompt", "p"}, {"actual_prompt", "p"}, {"url", url}}});
      output["task_metrics"] = {{"TOTAL", 1}, {"SUCCEEDED", 1}, {"FAILED", 0}};
      return FakeHttpResponse::json(
          {{"request_id", kRequestId}, {"output", output}, {"usage", {{"image_count", 1}}}});
    }
    case TaskFate::kFailed:
      output["task_status"] = "FAILED";
      output["code"] = "InternalError.Algo";
      output["message"] = "An internal error has occured during execution, please try again later.";
      break;
    case TaskFate::kFailedModeration:
      output["task_status"] = "FAILED";
      output["code"] = "DataInspectionFailed";
      output["message"] = "Output data may contain inappropriate content.";
      break;
    case TaskFate::kCanceled:
      output["task_status"] = "CANCELED";
      break;
  }
  return FakeHttpResponse::json({{"request_id", kRequestId}, {"output", output}});
}

}  // namespace picbot::testing
