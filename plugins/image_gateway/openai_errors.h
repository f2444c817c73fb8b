// Errors in OpenAI's shape, {"error": {"message", "type", "param", "code"}},
// with the status that goes with them (the openai SDK reads both: its
// APIError subclasses follow the status). Never an upstream body.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "bot/llm/provider_error.h"
#include "bot/web/http_types.h"

namespace picbot::gateway {

// status + {"error": {...}}; param and code are null when empty.
web::HttpResponse api_error(int status, std::string_view type, std::string message,
                            std::string_view param = {}, std::string_view code = {});

// 400 invalid_request_error.
web::HttpResponse invalid_request(std::string message, std::string_view param = {},
                                  std::string_view code = {});

// 429 with Retry-After (seconds, at least 1).
web::HttpResponse rate_limited(std::string message, std::chrono::seconds retry_after,
                               std::string_view code = "rate_limit_exceeded");

// The answer for a drawing that failed upstream, by failure class: 400 for a
// request the provider refused (content policy: code
// content_policy_violation), 429 when the provider rate-limits, 504 for a
// deadline, else 502. The message is ours (language), never the upstream's.
web::HttpResponse upstream_failure(const llm::ProviderError& error, std::string_view language);

}  // namespace picbot::gateway
