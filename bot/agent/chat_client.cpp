#include "bot/agent/chat_client.h"

#include "bot/core/json_limits.h"
#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/secret.h"
#include "bot/llm/api_base.h"
#include "bot/llm/chat_endpoint.h"

namespace picbot::agent {
namespace {

using llm::FailureClass;
using llm::ProviderError;
using nlohmann::json;

constexpr std::size_t kMaxResponseBytes = 8 * 1024 * 1024;

ProviderError bad_response(std::string message, int status) {
  return ProviderError{FailureClass::kBadResponse, status, std::move(message), std::nullopt};
}

// "content" is a string, or (some providers) an array of {type:"text", text}.
std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
          part["text"].is_string()) {
        text += part["text"].get<std::string>();
      }
    }
  }
  return text;
}

}  // namespace

Result<ChatReply, ProviderError> parse_chat_response(std::string_view body, int http_status) {
  auto parsed_body = parse_json(body);
  if (!parsed_body)
    return bad_response("the answer is not JSON: " + parsed_body.error().message, http_status);
  json& parsed = *parsed_body;
  if (!parsed.is_object()) return bad_response("the answer is not a JSON object", http_status);
  if (auto error = llm::error_in_body(parsed, http_status)) return *error;
  const auto choices = parsed.find("choices");
  if (choices == parsed.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
    return bad_response("the answer has no choices", http_status);
  }
  const json& choice = (*choices)[0];
  const json message = choice.value("message", json::object());
  if (!message.is_object()) return bad_response("the choice has no message", http_status);
  ChatReply reply;
  reply.content = content_text(message.value("content", json()));
  if (const auto calls = message.find("tool_calls"); calls != message.end() && calls->is_array()) {
    for (const auto& call : *calls) {
      if (!call.is_object()) continue;
      const json function = call.value("function", json::object());
      if (!function.is_object() || !function.contains("name") || !function["name"].is_string()) continue;
      ChatToolCall tool_call;
      const json id = call.value("id", json());
      tool_call.id = id.is_string() && !id.get<std::string>().empty()
                         ? id.get<std::string>()
                         : "call_" + std::to_string(reply.tool_calls.size() + 1);
      tool_call.name = function["name"].get<std::string>();
      const json arguments = function.value("arguments", json());
      if (arguments.is_string()) {
        tool_call.arguments = arguments.get<std::string>();
      } else if (!arguments.is_null()) {
        tool_call.arguments = arguments.dump();
      }
      reply.tool_calls.push_back(std::move(tool_call));
    }
  }
  const std::string finish_reason = choice.value("finish_reason", json()).is_string()
                                        ? choice["finish_reason"].get<std::string>()
                                        : std::string();
  if (reply.tool_calls.empty() && reply.content.empty()) {
    if (finish_reason == "content_filter") {
      return ProviderError{FailureClass::kContentFiltered, http_status, "", std::nullopt};
    }
    return bad_response("the answer has neither text nor tool calls", http_status);
  }
  reply.message = {{"role", "assistant"}, {"content", reply.content}};
  if (!reply.tool_calls.empty()) {
    json calls = json::array();
    for (const auto& call : reply.tool_calls) {
      calls.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    reply.message["tool_calls"] = std::move(calls);
  }
  return reply;
}

ChatClient::ChatClient(net::HttpClient& http, const Clock& clock, ChatClientSettings settings)
    : http_(http),
      clock_(clock),
      settings_(std::make_shared<const ChatClientSettings>(std::move(settings))),
      keys_(settings_->api_keys) {
  llm::register_api_keys(settings_->api_keys);
}

void ChatClient::reconfigure(ChatClientSettings settings) {
  settings_ = std::make_shared<const ChatClientSettings>(std::move(settings));
  llm::register_api_keys(settings_->api_keys);
  keys_.replace_keys(settings_->api_keys);
}

std::vector<llm::KeyState> ChatClient::key_states() const { return keys_.snapshot(clock_.now()); }

boost::asio::awaitable<Result<ChatReply, ProviderError>> ChatClient::complete(ChatRequest request) {
  const auto settings = settings_;
  json body = {{"model", settings->model},
               {"messages", std::move(request.messages)},
               {"temperature", request.temperature}};
  if (request.tools.is_array() && !request.tools.empty()) body["tools"] = std::move(request.tools);
  const std::string body_text = body.dump(-1, ' ', false, json::error_handler_t::replace);

  const llm::ChatEndpoint endpoint{settings->api_base, settings->http_referer, settings->app_title,
                                   settings->proxy};
  auto attempt = [this, &settings, &body_text, &endpoint](
                     const std::string& key) -> boost::asio::awaitable<Result<ChatReply, ProviderError>> {
    net::HttpRequest request =
        llm::chat_completion_request(endpoint, key, body_text, settings->retry.deadline, kMaxResponseBytes);
    auto response = co_await llm::post_chat_completion(http_, std::move(request), clock_);
    if (!response.ok()) co_return response.error();
    co_return parse_chat_response(response->body, static_cast<int>(response->status));
  };

  llm::RetryingCaller caller(keys_, clock_, settings->retry);
  auto outcome = co_await caller.call<ChatReply>(std::move(attempt));
  if (!outcome.result.ok()) {
    log::get("agent")->warn("{}", log::text("log.agent_chat_failed", fmt::arg("model", settings->model),
                                            fmt::arg("attempts", outcome.attempts.size()),
                                            fmt::arg("reason", outcome.result.error().to_string())));
  }
  co_return std::move(outcome.result);
}

}  // namespace picbot::agent
