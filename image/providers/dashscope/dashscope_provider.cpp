#include "image/providers/dashscope/dashscope_provider.h"

#include <array>
#include <cmath>

#include "bot/core/json_limits.h"
#include "image/answer_json.h"
#include "image/format.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;
using nlohmann::json;

// wan2.5-i2i takes up to 3 images; the imageedit models one base image.
constexpr std::size_t kMaxReferences = 3;
constexpr int kMinSide = 512;
constexpr int kMaxSide = 1440;
// qwen-image's sizes (the model refuses others).
constexpr std::array<std::pair<int, int>, 5> kQwenImageSizes = {
    {{1664, 928}, {1472, 1140}, {1328, 1328}, {1140, 1472}, {928, 1664}}};

ProviderError bad_response(int status, std::string message) {
  return ProviderError{FailureClass::kBadResponse, status, std::move(message), std::nullopt};
}

// {"code","message"} as a failure; `otherwise` for a code with no class of its own.
ProviderError dashscope_error(const std::string& code, const std::string& message, int status,
                              FailureClass otherwise) {
  FailureClass cls = otherwise;
  if (code == "InvalidApiKey") {
    cls = FailureClass::kInvalidKey;
  } else if (code == "Arrearage") {
    cls = FailureClass::kNoCredits;
  } else if (code.starts_with("Throttling")) {
    cls = FailureClass::kRateLimited;
  } else if (code.starts_with("DataInspection") || code == "IPInfringementSuspect") {
    return ProviderError{FailureClass::kContentFiltered, status, "", std::nullopt};
  } else if (code.starts_with("InvalidParameter")) {
    cls = FailureClass::kBadRequest;
  }
  std::string text = message.empty() ? code : code + ": " + message;
  if (text.empty()) text = "error in the response";
  return ProviderError{cls, status, llm::sanitize_message(text, 160), std::nullopt};
}

}  // namespace

bool dashscope_is_editing_model(std::string_view model) {
  return model.find("imageedit") != std::string_view::npos || model.starts_with("wan2.5-i2i") ||
         model.find("-i2i") != std::string_view::npos;
}

std::string dashscope_submit_url(std::string_view api_base, bool image_to_image) {
  return versioned_url(api_base, kDashScopeApiBase, "/api/v1",
                       image_to_image ? "services/aigc/image2image/image-synthesis"
                                      : "services/aigc/text2image/image-synthesis");
}

std::string dashscope_task_url(std::string_view api_base, std::string_view task_id) {
  return versioned_url(api_base, kDashScopeApiBase, "/api/v1", "tasks/" + std::string(task_id));
}

std::string dashscope_size(const SizeWish& wish, std::string_view model) {
  if (!model.starts_with("qwen-image")) return to_dashscope_size(wish, kMinSide, kMaxSide);
  const double wanted = static_cast<double>(wish.width) / wish.height;
  auto best = kQwenImageSizes[0];
  for (const auto& size : kQwenImageSizes) {
    const double ratio = static_cast<double>(size.first) / size.second;
    if (std::abs(std::log(ratio / wanted)) <
        std::abs(std::log(static_cast<double>(best.first) / best.second / wanted))) {
      best = size;
    }
  }
  return std::to_string(best.first) + "*" + std::to_string(best.second);
}

// dashscope-sdk-python dashscope/aigc/image_synthesis.py (async_call) and
// the text-to-image API reference: {"request_id","output":{"task_id",
// "task_status":"PENDING"}}.
Result<std::string, ProviderError> parse_dashscope_submit(std::string_view body, int status) {
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return bad_response(status,
                        "malformed JSON in the submit answer (" + std::to_string(body.size()) + " bytes)");
  }
  const json output = parsed->value("output", json());
  std::string id = output.is_object() ? string_at(output, "task_id") : "";
  if (!id.empty()) return id;
  const std::string code = string_at(*parsed, "code");
  if (!code.empty())
    return dashscope_error(code, string_at(*parsed, "message"), status, FailureClass::kTransient);
  return bad_response(status, "no task_id in the submit answer");
}

// manage-asynchronous-tasks: {"output":{"task_id","task_status",
// "results":[{"url"}|{"code","message"}], "code","message" (failed)}}.
Result<TaskState, ProviderError> parse_dashscope_task(std::string_view body, int status) {
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return bad_response(status,
                        "malformed JSON in the task answer (" + std::to_string(body.size()) + " bytes)");
  }
  const json output = parsed->value("output", json());
  if (!output.is_object()) return bad_response(status, "no output in the task answer");
  const std::string task_status = string_at(output, "task_status");
  TaskState state;
  if (task_status == "PENDING" || task_status == "RUNNING") return state;
  if (task_status == "SUCCEEDED") {
    std::optional<ProviderError> result_error;
    const auto results = output.find("results");
    if (results != output.end() && results->is_array()) {
      for (const json& result : *results) {
        if (!result.is_object()) continue;
        const std::string url = string_at(result, "url");
        if (is_http_url(url)) {
          state.urls.push_back(url);
        } else if (!result_error && result.contains("code")) {
          result_error = dashscope_error(string_at(result, "code"), string_at(result, "message"), status,
                                         FailureClass::kTransient);
        }
      }
    }
    if (!state.urls.empty()) {
      state.kind = TaskState::Kind::kSucceeded;
      return state;
    }
    if (result_error) return *result_error;
    return bad_response(status, "the task succeeded without an image URL");
  }
  state.kind = TaskState::Kind::kFailed;
  if (task_status == "FAILED") {
    state.error = dashscope_error(string_at(output, "code"), string_at(output, "message"), status,
                                  FailureClass::kTransient);
  } else if (task_status == "CANCELED") {
    state.error =
        ProviderError{FailureClass::kTransient, status, "the task was canceled upstream", std::nullopt};
  } else if (task_status == "UNKNOWN") {
    state.error =
        ProviderError{FailureClass::kTransient, status, "the task is unknown or expired", std::nullopt};
  } else {
    return bad_response(status, "unknown task_status " + llm::sanitize_message(task_status, 40));
  }
  return state;
}

std::optional<ProviderError> read_dashscope_error(int status, std::string_view body) {
  if (status == 429) return std::nullopt;
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  const std::string code = string_at(*parsed, "code");
  if (code.empty()) return std::nullopt;
  return dashscope_error(code, string_at(*parsed, "message"), status, llm::classify_status(status));
}

DashScopeProvider::DashScopeProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings)
    : AsyncTaskProvider(deps, std::move(name), std::move(settings), std::string(kDashScopeApiBase),
                        std::string(kDashScopeModel),
                        TaskWire{{{"X-DashScope-Async", "enable"}},
                                 {},
                                 &parse_dashscope_submit,
                                 &parse_dashscope_task,
                                 &read_dashscope_error,
                                 &dashscope_task_url}) {}

Capabilities DashScopeProvider::capabilities() const {
  Capabilities capabilities;
  const bool editing = dashscope_is_editing_model(model());
  capabilities.text_to_image = !editing;
  capabilities.image_to_image = editing;
  capabilities.max_references = editing ? kMaxReferences : 0;
  capabilities.size_form = Capabilities::SizeForm::kStarSize;
  capabilities.asynchronous = true;
  return capabilities;
}

Result<KeyedProvider::Prepared, ProviderError> DashScopeProvider::prepare(const ImageRequest& request) const {
  auto started = start(request, kMaxReferences);
  if (!started.ok()) return started.error();
  Prepared call = std::move(started->call);
  const bool editing = dashscope_is_editing_model(call.model);
  if (!editing && !request.references.empty()) {
    return refused_request("model " + call.model +
                           " draws from text only; reference images need an editing model such as "
                           "wan2.5-i2i-preview");
  }
  if (editing && request.references.empty()) {
    return refused_request("model " + call.model + " edits images: send a reference image");
  }
  json input = {{"prompt", request.prompt}};
  std::vector<std::string> images;
  for (std::size_t i = 0; i < request.references.size(); ++i) {
    auto url = image_data_url(request.references[i].bytes);
    if (!url) {
      return refused_reference(i);
    }
    // Base64 data URLs where the API reference shows public URLs (the SDK
    // uploads files to temporary OSS instead): unconfirmed for every model.
    images.push_back(std::move(*url));
  }
  if (call.model.find("imageedit") != std::string::npos) {
    input["base_image_url"] = images.front();
    input["function"] = "description_edit";
  } else if (!images.empty()) {
    input["images"] = std::move(images);
  }
  json parameters = {{"n", 1}};
  if (started->wish) parameters["size"] = dashscope_size(*started->wish, call.model);
  for (const auto& [key, value] : call.settings->extra.items()) parameters[key] = value;
  const json body = {
      {"model", call.model}, {"input", std::move(input)}, {"parameters", std::move(parameters)}};
  call.url = dashscope_submit_url(call.settings->api_base, editing);
  call.content_type = "application/json";
  call.body = body.dump();
  return call;
}

const ProviderType& dashscope_provider_type() { return keyed_provider_type<DashScopeProvider>(); }

}  // namespace picbot::image
