#include "bot/llm/chat_endpoint.h"

#include "bot/core/secret.h"
#include "bot/llm/api_base.h"

namespace picbot::llm {

net::HttpRequest chat_completion_request(const ChatEndpoint& endpoint, std::string_view key, std::string body,
                                         std::chrono::milliseconds timeout, std::size_t max_response_bytes) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = chat_completions_url(endpoint.api_base);
  request.headers = {{"Authorization", "Bearer " + std::string(key)},
                     {"Content-Type", "application/json"},
                     {"HTTP-Referer", endpoint.http_referer},
                     {"X-OpenRouter-Title", endpoint.app_title}};
  request.body = std::move(body);
  request.total_timeout = timeout;
  request.max_response_bytes = max_response_bytes;
  request.proxy = endpoint.proxy;
  return request;
}

boost::asio::awaitable<Result<net::HttpResponse, ProviderError>> post_chat_completion(net::HttpClient& http,
                                                                                      net::HttpRequest request,
                                                                                      const Clock& clock) {
  auto response = co_await http.request(std::move(request));
  if (!response.ok()) co_return classify_transport_error(response.error());
  const int status = static_cast<int>(response->status);
  if (status < 200 || status > 299) {
    co_return classify_http_answer(status, response->body, response->header("retry-after"), clock.now());
  }
  co_return std::move(response).value();
}

void register_api_keys(const std::vector<std::string>& keys) {
  for (const auto& key : keys) SecretRegistry::instance().add(key);
}

}  // namespace picbot::llm
