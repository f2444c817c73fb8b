#include "plugins/image_gateway/openai_errors.h"

#include <nlohmann/json.hpp>

#include "bot/core/message_table.h"

namespace picbot::gateway {
using nlohmann::json;

namespace {
json nullable(std::string_view text) { return text.empty() ? json(nullptr) : json(std::string(text)); }
}  // namespace

web::HttpResponse api_error(int status, std::string_view type, std::string message, std::string_view param,
                            std::string_view code) {
  json error = {{"message", std::move(message)},
                {"type", std::string(type)},
                {"param", nullable(param)},
                {"code", nullable(code)}};
  return web::HttpResponse::json({{"error", std::move(error)}}, status);
}

web::HttpResponse invalid_request(std::string message, std::string_view param, std::string_view code) {
  return api_error(400, "invalid_request_error", std::move(message), param, code);
}

web::HttpResponse rate_limited(std::string message, std::chrono::seconds retry_after, std::string_view code) {
  web::HttpResponse response = api_error(429, "rate_limit_error", std::move(message), {}, code);
  response.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(1, retry_after.count())));
  return response;
}

web::HttpResponse upstream_failure(const llm::ProviderError& error, std::string_view language) {
  using llm::FailureClass;
  switch (error.cls) {
    case FailureClass::kContentFiltered:
      return invalid_request(tr(language, "gateway.error.refused"), "prompt", "content_policy_violation");
    case FailureClass::kBadRequest:
      return invalid_request(tr(language, "gateway.error.upstream", fmt::arg("failure", "bad_request")), {},
                             "upstream_bad_request");
    case FailureClass::kRateLimited:
      return rate_limited(tr(language, "gateway.error.upstream_busy"),
                          error.retry_after.value_or(std::chrono::seconds(10)), "upstream_rate_limited");
    case FailureClass::kDeadline:
      return api_error(
          504, "api_error",
          tr(language, "gateway.error.upstream", fmt::arg("failure", llm::failure_class_name(error.cls))), {},
          "upstream_timeout");
    case FailureClass::kInvalidKey:
    case FailureClass::kNoCredits:
    case FailureClass::kModelNotFound:
    case FailureClass::kNoEndpointForModalities:
    case FailureClass::kTransient:
    case FailureClass::kBadResponse:
    case FailureClass::kCancelled:
      break;
  }
  return api_error(
      502, "api_error",
      tr(language, "gateway.error.upstream", fmt::arg("failure", llm::failure_class_name(error.cls))), {},
      "upstream_error");
}

}  // namespace picbot::gateway
