#include "image/provider.h"

#include <cmath>
#include <string>

namespace picbot::image {

llm::ProviderError refused_reference(std::size_t index) {
  return refused_request("reference image " + std::to_string(index + 1) +
                         " is not a PNG, JPEG or WEBP image");
}

llm::RetrySettings make_retry_settings(int max_retry_attempts, double backoff_initial_seconds,
                                       double backoff_max_seconds, double request_timeout_seconds) {
  return llm::RetrySettings{
      .max_retry_attempts = max_retry_attempts,
      .backoff_initial_seconds = backoff_initial_seconds,
      .backoff_max_seconds = backoff_max_seconds,
      .deadline =
          std::chrono::milliseconds(static_cast<long long>(std::llround(request_timeout_seconds * 1000))),
  };
}

boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> Provider::resume(
    std::string task_id, Clock::time_point deadline, boost::asio::cancellation_slot cancel) {
  static_cast<void>(task_id);
  static_cast<void>(deadline);
  static_cast<void>(cancel);
  co_return refused_request("provider " + name_ + " is not asynchronous: no task to resume");
}

nlohmann::json extra_body_fields(const nlohmann::json& extra) {
  nlohmann::json fields = nlohmann::json::object();
  if (!extra.is_object()) return fields;
  for (const auto& [key, value] : extra.items()) {
    if (!value.is_string()) {
      fields[key] = value;
      continue;
    }
    nlohmann::json parsed = nlohmann::json::parse(value.get<std::string>(), nullptr, false);
    fields[key] = parsed.is_discarded() ? value : std::move(parsed);
  }
  return fields;
}

}  // namespace picbot::image
