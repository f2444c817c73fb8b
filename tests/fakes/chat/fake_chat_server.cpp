#include "tests/fakes/chat/fake_chat_server.h"

namespace picbot::testing {
namespace {
using nlohmann::json;

json chunk(std::size_t serial, json delta, json finish_reason) {
  return json{
      {"id", "chatcmpl-" + std::to_string(serial)},
      {"object", "chat.completion.chunk"},
      {"created", 1767225600},
      {"model", "fake-chat"},
      {"choices",
       json::array({json{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish_reason}}})}};
}

std::string event(const json& data) { return "data: " + data.dump() + "\n\n"; }

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

ChatScript ChatScript::stream_of(std::vector<std::string> pieces) {
  ChatScript script;
  script.pieces = std::move(pieces);
  return script;
}

ChatScript ChatScript::live_stream(std::shared_ptr<FakeBodyStream> body) {
  ChatScript script;
  script.live = std::move(body);
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

std::string FakeChatServer::content_event(const std::string& content) {
  return event(chunk(0, json{{"content", content}}, nullptr));
}

FakeHttpResponse FakeChatServer::streamed(const ChatScript& script, std::size_t serial) {
  FakeHttpResponse response;
  response.delay = script.delay;
  response.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
  if (script.live) {
    response.stream = script.live;
    return response;
  }
  auto body = std::make_shared<FakeBodyStream>();
  body->send(": OPENROUTER PROCESSING\n\n");
  body->send(event(chunk(serial, json{{"role", "assistant"}, {"content", ""}}, nullptr)));
  std::vector<std::string> pieces = script.pieces;
  if (pieces.empty() && !script.text.empty()) pieces.push_back(script.text);
  for (const auto& piece : pieces) body->send(event(chunk(serial, json{{"content", piece}}, nullptr)));
  if (!script.images.is_null()) body->send(event(chunk(serial, json{{"images", script.images}}, nullptr)));
  switch (script.stream_end) {
    case ChatScript::StreamEnd::kDone:
      body->send(event(chunk(serial, json::object(), "stop")));
      body->send("data: [DONE]\n\n");
      body->finish();
      break;
    case ChatScript::StreamEnd::kNoDone:
      body->send(event(chunk(serial, json::object(), "stop")));
      body->finish();
      break;
    case ChatScript::StreamEnd::kCut:
      body->cut();
      break;
    case ChatScript::StreamEnd::kErrorEvent: {
      json error = chunk(serial, json{{"content", ""}}, "error");
      error["error"] = {{"code", 502}, {"message", "Provider returned error"}};
      body->send(event(error));
      body->finish();
      break;
    }
  }
  response.stream = std::move(body);
  return response;
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
  bool wants_stream = false;
  {
    std::lock_guard lock(mutex_);
    const std::string key = bearer(request);
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) body = nullptr;
    wants_stream = body.is_object() && body.contains("stream") && body["stream"] == true;
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

  if (wants_stream && script.status == 200 && script.raw_body.empty() && script.tool_calls.empty()) {
    return streamed(script, serial);
  }
  FakeHttpResponse response;
  response.status = script.status;
  response.delay = script.delay;
  response.headers = {{"Content-Type", "application/json"}};
  if (!script.raw_body.empty()) {
    response.body = script.raw_body;
    return response;
  }
  json message = {{"role", "assistant"}, {"content", script.text}};
  if (!script.images.is_null()) message["images"] = script.images;
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
