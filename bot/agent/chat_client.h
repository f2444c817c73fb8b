// ChatClient: one OpenAI-style chat completion (POST {base}/chat/completions)
// with tools, rotating keys and retrying through llm::KeyPool and
// llm::RetryingCaller exactly as the image plugin does.
// Thread-safety: use from the io_context's thread only (like HttpClient).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/llm/key_pool.h"
#include "bot/llm/provider_error.h"
#include "bot/llm/retrying_caller.h"
#include "bot/net/http_client.h"

namespace picbot::agent {

struct ChatClientSettings {
  std::string api_base;               // as configured; see llm::normalize_api_base
  std::vector<std::string> api_keys;  // rotated; empty and duplicate keys are ignored
  std::string model = "google/gemini-2.5-flash";
  std::string proxy;
  llm::RetrySettings retry;  // retry.deadline bounds one complete() call, all retries included
  std::string http_referer = "https://github.com/picbot";
  std::string app_title = "picbot";
};

struct ChatToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // as the model wrote them: normally a JSON object in a string
};

struct ChatReply {
  std::string content;  // the text ("" when the model only called tools)
  std::vector<ChatToolCall> tool_calls;
  nlohmann::json message;  // the assistant message to append to the conversation
};

struct ChatRequest {
  nlohmann::json messages = nlohmann::json::array();
  nlohmann::json tools;  // an array of {type:function, function:{...}}, or null for none
  double temperature = 0.7;
};

// Parses a 2xx chat completion body. Errors: an "error" member (error_in_body),
// kBadResponse for malformed JSON, no choices or neither text nor tool calls,
// kContentFiltered for finish_reason "content_filter" without text.
Result<ChatReply, llm::ProviderError> parse_chat_response(std::string_view body, int http_status);

class ChatClient {
 public:
  // http and clock must outlive the client.
  ChatClient(net::HttpClient& http, const Clock& clock, ChatClientSettings settings);

  // Sends the request with the settings current when the call starts.
  boost::asio::awaitable<Result<ChatReply, llm::ProviderError>> complete(ChatRequest request);

  // Applies new settings (config reload); calls in flight keep the old ones.
  void reconfigure(ChatClientSettings settings);
  const ChatClientSettings& settings() const { return *settings_; }
  std::vector<llm::KeyState> key_states() const;

 private:

  net::HttpClient& http_;
  const Clock& clock_;
  std::shared_ptr<const ChatClientSettings> settings_;
  llm::KeyPool keys_;
};

}  // namespace picbot::agent
