#include "image/providers/modelscope/modelscope_provider.h"

#include <algorithm>

#include "bot/core/json_limits.h"
#include "image/answer_json.h"
#include "image/format.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;
using nlohmann::json;

// Qwen-Image-Edit-2509 and later take up to 3 images.
constexpr std::size_t kMaxReferences = 3;

ProviderError bad_response(int status, std::string message) {
  return ProviderError{FailureClass::kBadResponse, status, std::move(message), std::nullopt};
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The message of an error body: "errors":{"message"}, "errors":"...",
// "message", or "error" (the field is unconfirmed), "" when none.
std::string error_message(const json& root) {
  const auto errors = root.find("errors");
  if (errors != root.end()) {
    if (errors->is_object()) return string_at(*errors, "message");
    if (errors->is_string()) return errors->get<std::string>();
  }
  std::string message = string_at(root, "message");
  return message.empty() ? string_at(root, "error") : message;
}

}  // namespace

bool modelscope_is_editing_model(std::string_view model) { return contains(model, "-Edit"); }

std::string modelscope_submit_url(std::string_view api_base) {
  return versioned_url(api_base, kModelScopeApiBase, "/v1", "images/generations");
}

std::string modelscope_task_url(std::string_view api_base, std::string_view task_id) {
  return versioned_url(api_base, kModelScopeApiBase, "/v1", "tasks/" + std::string(task_id));
}

std::string modelscope_size(const SizeWish& wish, std::string_view model) {
  int min_side = 64;
  int max_side = 2048;
  if (contains(model, "Z-Image")) {
    min_side = 512;
  } else if (contains(model, "Qwen-Image")) {
    max_side = 1664;
  } else if (contains(model, "FLUX")) {
    max_side = 1024;
  }
  return to_modelscope_size(wish, min_side, max_side);
}

Result<std::string, ProviderError> parse_modelscope_submit(std::string_view body, int status) {
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return bad_response(status,
                        "malformed JSON in the submit answer (" + std::to_string(body.size()) + " bytes)");
  }
  std::string id = string_at(*parsed, "task_id");
  if (!id.empty()) return id;
  const std::string message = error_message(*parsed);
  if (!message.empty()) {
    return ProviderError{FailureClass::kTransient, status, llm::sanitize_message(message, 160), std::nullopt};
  }
  return bad_response(status, "no task_id in the submit answer");
}

Result<TaskState, ProviderError> parse_modelscope_task(std::string_view body, int status) {
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return bad_response(status,
                        "malformed JSON in the task answer (" + std::to_string(body.size()) + " bytes)");
  }
  const std::string task_status = string_at(*parsed, "task_status");
  if (task_status.empty()) return bad_response(status, "no task_status in the task answer");
  TaskState state;
  if (task_status == "SUCCEED") {
    const auto images = parsed->find("output_images");
    if (images != parsed->end() && images->is_array()) {
      for (const json& url : *images) {
        if (url.is_string() && is_http_url(url.get_ref<const std::string&>())) {
          state.urls.push_back(url.get<std::string>());
        }
      }
    }
    if (state.urls.empty()) return bad_response(status, "the task succeeded without an image URL");
    state.kind = TaskState::Kind::kSucceeded;
  } else if (task_status == "FAILED") {
    state.kind = TaskState::Kind::kFailed;
    std::string message = error_message(*parsed);
    if (message.empty()) message = "the task failed";
    state.error =
        ProviderError{FailureClass::kTransient, status, llm::sanitize_message(message, 160), std::nullopt};
  }
  return state;
}

std::optional<ProviderError> read_modelscope_error(int status, std::string_view body) {
  if (status == 429) return std::nullopt;
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  const std::string message = error_message(*parsed);
  if (message.empty()) return std::nullopt;
  return ProviderError{llm::classify_status(status), status, llm::sanitize_message(message, 160),
                       std::nullopt};
}

ModelScopeProvider::ModelScopeProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings)
    : AsyncTaskProvider(deps, std::move(name), std::move(settings), std::string(kModelScopeApiBase),
                        std::string(kModelScopeModel),
                        TaskWire{{{"X-ModelScope-Async-Mode", "true"}},
                                 {{"X-ModelScope-Task-Type", "image_generation"}},
                                 &parse_modelscope_submit,
                                 &parse_modelscope_task,
                                 &read_modelscope_error,
                                 &modelscope_task_url}) {}

Capabilities ModelScopeProvider::capabilities() const {
  Capabilities capabilities;
  const bool editing = modelscope_is_editing_model(model());
  capabilities.image_to_image = editing;
  capabilities.max_references = editing ? kMaxReferences : 0;
  capabilities.size_form = Capabilities::SizeForm::kXSize;
  capabilities.asynchronous = true;
  return capabilities;
}

Result<KeyedProvider::Prepared, ProviderError> ModelScopeProvider::prepare(
    const ImageRequest& request) const {
  auto started = start(request, kMaxReferences);
  if (!started.ok()) return started.error();
  Prepared call = std::move(started->call);
  const bool editing = modelscope_is_editing_model(call.model);
  if (!editing && !request.references.empty()) {
    return refused_request("model " + call.model +
                           " draws from text only; reference images need an editing model such as "
                           "Qwen/Qwen-Image-Edit-2509");
  }
  json body = {{"model", call.model}, {"prompt", request.prompt}};
  if (started->wish) body["size"] = modelscope_size(*started->wish, call.model);
  if (!request.references.empty()) {
    json images = json::array();
    for (std::size_t i = 0; i < request.references.size(); ++i) {
      auto url = image_data_url(request.references[i].bytes);
      if (!url) {
        return refused_reference(i);
      }
      // Data URLs where the docs show a public URL: unconfirmed (third-party clients send them).
      images.push_back(std::move(*url));
    }
    body["image_url"] = std::move(images);
  }
  for (const auto& [key, value] : call.settings->extra.items()) body[key] = value;
  call.url = modelscope_submit_url(call.settings->api_base);
  call.content_type = "application/json";
  call.body = body.dump();
  return call;
}

const ProviderType& modelscope_provider_type() { return keyed_provider_type<ModelScopeProvider>(); }

}  // namespace picbot::image
