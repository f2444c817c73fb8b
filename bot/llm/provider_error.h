// ProviderError: what went wrong when calling an OpenAI-compatible provider
// (OpenRouter), classified so the retry loop, metrics and user messages can
// decide what to do without looking at HTTP details.
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/clock.h"
#include "bot/net/http_client.h"

namespace picbot::llm {

enum class FailureClass {
  kInvalidKey,               // 401, 403 without moderation metadata: the key is bad or disabled
  kNoCredits,                // 402
  kRateLimited,              // 429
  kBadRequest,               // 400 and other 4xx: our request is wrong, retrying cannot help
  kModelNotFound,            // 404 for the model (withdrawn or misspelt)
  kNoEndpointForModalities,  // 404 "No endpoints found that support the requested output modalities"
  kTransient,                // 408, 5xx, timeouts, connection errors, errors reported inside a 200
  kContentFiltered,          // refusal, text-only answer, finish_reason content_filter, 403 moderation
  kBadResponse,              // malformed JSON, invalid/truncated base64, not an image, no image
  kCancelled,                // the caller cancelled the request
  kDeadline,                 // the whole request ran out of time
};

// Stable lower-case name ("invalid_key", "rate_limited", ...) for metrics and logs.
std::string_view failure_class_name(FailureClass cls);

struct ProviderError {
  FailureClass cls = FailureClass::kTransient;
  int http_status = 0;                              // 0 when no HTTP answer was received
  std::string message;                              // the provider's message: secrets masked, shortened
  std::optional<std::chrono::seconds> retry_after;  // kRateLimited only, when the provider said

  // "rate_limited (429): <message>", for logs.
  std::string to_string() const;
};

// Classification of an HTTP status alone (no body): 401 -> kInvalidKey, ...
// 2xx is not an error; callers must not pass it (returns kBadResponse).
FailureClass classify_status(int http_status);

// Classifies a non-2xx answer. The body's {"error":{"code","message","metadata"}}
// supplies the message (a 404 is split into model-not-found / no-endpoint by
// it; a 403 carrying moderation metadata becomes kContentFiltered).
// retry_after_header is the raw Retry-After value ("" when absent): seconds or
// an HTTP-date relative to now.
ProviderError classify_http_answer(int http_status, std::string_view body,
                                   std::string_view retry_after_header, Clock::time_point now);

// An error reported inside a successful (2xx) JSON body, as OpenRouter does
// when a failure happens after processing started. Returns nullopt when body
// has no "error" member. The error's numeric code picks the class; a missing
// or non-numeric code counts as kTransient.
std::optional<ProviderError> error_in_body(const nlohmann::json& body, int http_status);

// A transport failure from HttpClient: timeouts, refused/reset connections,
// DNS and TLS errors are kTransient; kTooLarge is kBadResponse; kBadUrl and
// kBlockedAddress are kBadRequest; kCancelled is kCancelled.
ProviderError classify_transport_error(const net::HttpError& error);

// Parses a Retry-After value: delta seconds ("30") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", taken relative to now, never negative).
// nullopt when absent or unparsable.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, Clock::time_point now);

// Text safe to show or log: registered secrets and anything that looks like
// an API key ("sk-...") masked, whitespace runs collapsed, cut to at most
// max_chars UTF-8 characters with "…" appended when cut.
std::string sanitize_message(std::string_view text, std::size_t max_chars = 200);

}  // namespace picbot::llm
