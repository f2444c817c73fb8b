#include "tests/fakes/chat/fake_chat_server.h"

namespace picbot::testing {
namespace {
using nlohmann::json;

std::string bearer(const FakeHttpRequest& request) {
  const std::string value = request.header("authorization");
  return value.rfind("Bearer ", 0) == 0 ? value.substr(7) : std::string();
}
}  // namespace

ChatScript ChatScript::reply(std::string text) {
  ChatScript script;
  script.text = std::move(text);
  return script;
}

ChatScript ChatScript::tool_call(std::string name, const json& arguments) {
  return tool_call_raw(std::move(name), arguments.dump());
}

ChatScript ChatScript::tool_call_raw(std::string name, std::string arguments) {
  return tool_calls_of({FakeToolCall{std::move(name), std::move(arguments), ""}});
}

ChatScript ChatScript::tool_calls_of(std::vector<FakeToolCall> calls) {
  ChatScript script;
  script.tool_calls = std::move(calls);
  return script;
}

ChatScript ChatScript::error(int status, std::string message) {
  ChatScript script;
  script.status = status;
  script.raw_body = json{{"error", {{"code", status}, {"message", std::move(message)}}}}.dump();
  return script;
}

json FakeChatServer::Request::messages() const {
  return body.is_object() && body.contains("messages") ? body["messages"] : json::array();
}

std::vector<std::string> FakeChatServer::Request::contents(const std::string& role) const {
  std::vector<std::string> out;
  for (const auto& message : messages()) {
    if (message.value("role", "") == role && message.contains("content") && message["content"].is_string()) {
      out.push_back(message["content"].get<std::string>());
    }
  }
  return out;
}

std::vector<std::string> FakeChatServer::Request::tool_names() const {
  std::vector<std::string> out;
  if (!body.is_object() || !body.contains("tools")) return out;
  for (const auto& tool : body["tools"]) out.push_back(tool["function"].value("name", ""));
  return out;
}

FakeChatServer::FakeChatServer() {
  server_.on("POST", "/", [this](const FakeHttpRequest& request) { return answer(request); });
}

std::string FakeChatServer::api_base() const { return server_.base_url() + "/v1"; }

void FakeChatServer::push(ChatScript script) {
  std::lock_guard lock(mutex_);
  shared_.push_back(std::move(script));
}

void FakeChatServer::push(const std::string& key, ChatScript script) {
  std::lock_guard lock(mutex_);
  by_key_[key].push_back(std::move(script));
}

void FakeChatServer::set_default(ChatScript script) {
  std::lock_guard lock(mutex_);
  default_ = std::move(script);
}

std::vector<FakeChatServer::Request> FakeChatServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t FakeChatServer::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

bool FakeChatServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

void FakeChatServer::clear_requests() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

FakeHttpResponse FakeChatServer::answer(const FakeHttpRequest& request) {
  if (!request.path().ends_with("/chat/completions")) return FakeHttpResponse::text("not found", 404);
  ChatScript script;
  std::size_t serial = 0;
  {
    std::lock_guard lock(mutex_);
    const std::string key = bearer(request);
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) body = nullptr;
    requests_.push_back(Request{key, std::move(body), std::chrono::steady_clock::now()});
    if (auto it = by_key_.find(key); it != by_key_.end() && !it->second.empty()) {
      script = std::move(it->second.front());
      it->second.pop_front();
    } else if (!shared_.empty()) {
      script = std::move(shared_.front());
      shared_.pop_front();
    } else {
      script = default_;
    }
    serial = ++serial_;
  }
  changed_.notify_all();

  FakeHttpResponse response;
  response.status = script.status;
  response.delay = script.delay;
  response.headers = {{"Content-Type", "application/json"}};
  if (!script.raw_body.empty()) {
    response.body = script.raw_body;
    return response;
  }
  json message = {{"role", "assistant"}, {"content", script.text}};
  if (!script.tool_calls.empty()) {
    json calls = json::array();
    for (std::size_t i = 0; i < script.tool_calls.size(); ++i) {
      const auto& call = script.tool_calls[i];
      std::string id = call.id;
      if (id.empty()) id = "call_" + std::to_string(serial) + "_" + std::to_string(i);
      calls.push_back({{"id", id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
    if (script.text.empty()) message["content"] = nullptr;
  }
  const std::string finish = script.tool_calls.empty() ? "stop" : "tool_calls";
  response.body =
      json{{"id", "chatcmpl-" + std::to_string(serial)},
           {"object", "chat.completion"},
           {"choices", json::array({json{{"index", 0}, {"message", message}, {"finish_reason", finish}}})}}
          .dump();
  return response;
}

}  // namespace picbot::testing
