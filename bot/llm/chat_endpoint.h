// ChatEndpoint: how picbot calls an OpenAI-compatible chat completions API
// (OpenRouter by default): one request shape with its headers, and one way
// of classifying the answer. Shared by the image plugin and the chat agent,
// so both rotate, retry and report failures identically.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/llm/provider_error.h"
#include "bot/net/http_client.h"

namespace picbot::llm {

struct ChatEndpoint {
  std::string api_base;  // as configured; normalised by chat_completions_url
  std::string http_referer;
  std::string app_title;
  std::string proxy;
};

// POST {base}/chat/completions with `key` as the Bearer token and the
// attribution headers (HTTP-Referer, X-OpenRouter-Title).
net::HttpRequest chat_completion_request(const ChatEndpoint& endpoint, std::string_view key, std::string body,
                                         std::chrono::milliseconds timeout, std::size_t max_response_bytes);

// Sends the request. A transport failure or a non-2xx answer comes back as a
// classified ProviderError; a 2xx answer as the response, for the caller to
// parse (an error inside a 200 body is the parser's to find).
boost::asio::awaitable<Result<net::HttpResponse, ProviderError>> post_chat_completion(net::HttpClient& http,
                                                                                      net::HttpRequest request,
                                                                                      const Clock& clock);

// Registers API keys with the SecretRegistry, so no log line or error shows them.
void register_api_keys(const std::vector<std::string>& keys);

}  // namespace picbot::llm
