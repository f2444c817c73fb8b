// The API base URL of an OpenAI-compatible provider, as operators write it.
#pragma once

#include <string>
#include <string_view>

namespace picbot::llm {

inline constexpr std::string_view kOpenRouterApiBase = "https://openrouter.ai/api/v1";

// Returns the canonical base, without a trailing "/", to which
// "/chat/completions" is appended. Rules, applied in order:
//   1. surrounding whitespace is ignored; "" -> kOpenRouterApiBase;
//   2. a base without "scheme://" gets "https://";
//   3. trailing "/" and a pasted "/chat/completions" suffix are removed;
//   4. no path on host openrouter.ai (or a subdomain) -> "/api/v1";
//   5. a path whose last segment is a version ("v1", "v2", "v1beta") is kept;
//   6. anything else gets "/v1" (what the original plugin always appended),
//      so ".../api" -> ".../api/v1" and "https://proxy" -> "https://proxy/v1".
// Examples: "https://openrouter.ai" and "https://openrouter.ai/api/v1/" ->
// "https://openrouter.ai/api/v1"; "https://proxy.example.com" ->
// "https://proxy.example.com/v1".
std::string normalize_api_base(std::string_view base);

// normalize_api_base(base) + "/chat/completions".
std::string chat_completions_url(std::string_view base);

}  // namespace picbot::llm
