#include "tests/fakes/gemini/fake_gemini.h"

#include "bot/onebot/base64.h"
#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::testing {
namespace {

using nlohmann::json;

FakeHttpResponse error(int code, const std::string& status, const std::string& message) {
  return FakeHttpResponse::json({{"error", {{"code", code}, {"message", message}, {"status", status}}}},
                                code);
}

}  // namespace

FakeGemini::FakeGemini() {
  server_.on("POST", "/v1beta/models/", [this](const FakeHttpRequest& request) { return answer(request); });
}

std::string FakeGemini::api_base() const { return server_.base_url() + "/v1beta"; }

void FakeGemini::push(Script script) {
  std::lock_guard lock(mutex_);
  scripts_.push_back(script);
}

void FakeGemini::push_for(std::string marker, Script script) {
  std::lock_guard lock(mutex_);
  for (auto& [known, queue] : by_marker_) {
    if (known == marker) {
      queue.push_back(script);
      return;
    }
  }
  by_marker_.push_back({std::move(marker), std::deque<Script>{script}});
}

void FakeGemini::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_ = delay;
}

void FakeGemini::set_parse_requests(bool parse) {
  std::lock_guard lock(mutex_);
  parse_requests_ = parse;
}

std::vector<FakeGemini::Call> FakeGemini::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::size_t FakeGemini::call_count() const {
  std::lock_guard lock(mutex_);
  return calls_.size();
}

std::vector<std::string> FakeGemini::served_images() const {
  std::lock_guard lock(mutex_);
  return served_;
}

namespace {

// The first inline_data (or inlineData) part of a generateContent body, decoded.
std::string first_reference(const json& body) {
  if (!body.is_object() || !body.contains("contents") || !body["contents"].is_array()) return {};
  for (const json& content : body["contents"]) {
    if (!content.is_object() || !content.contains("parts") || !content["parts"].is_array()) continue;
    for (const json& part : content["parts"]) {
      const char* key = part.contains("inline_data") ? "inline_data" : "inlineData";
      if (!part.contains(key) || !part[key].is_object()) continue;
      auto bytes = onebot::base64_decode(part[key].value("data", ""));
      return bytes.ok() ? *bytes : std::string{};
    }
  }
  return {};
}

}  // namespace

FakeHttpResponse FakeGemini::answer(const FakeHttpRequest& request) {
  FakeHttpResponse response = scripted(request);
  std::lock_guard lock(mutex_);
  response.delay = delay_;
  return response;
}

FakeHttpResponse FakeGemini::scripted(const FakeHttpRequest& request) {
  std::lock_guard lock(mutex_);
  Call call{request.header("x-goog-api-key"), request.path(), json(), Script::kImage, ""};
  if (parse_requests_) {
    call.body = json::parse(request.body, nullptr, false);
    call.reference = first_reference(call.body);
  }
  bool chosen = false;
  for (auto& [marker, queue] : by_marker_) {
    if (!queue.empty() && call.reference.find(marker) != std::string::npos) {
      call.script = queue.front();
      queue.pop_front();
      chosen = true;
      break;
    }
  }
  if (!chosen && !scripts_.empty()) {
    call.script = scripts_.front();
    scripts_.pop_front();
  }
  const Script script = call.script;
  calls_.push_back(std::move(call));
  switch (script) {
    case Script::kImage: {
      const std::string png = make_png("gemini-" + std::to_string(served_.size()));
      served_.push_back(png);
      return FakeHttpResponse::json(
          {{"candidates", json::array({{{"content",
                                         {{"role", "model"},
                                          {"parts", json::array({{{"text", "Here is your picture."}},
                                                                 {{"inlineData",
                                                                   {{"mimeType", "image/png"},
                                                                    {"data", onebot::base64_encode(png)}}},
                                                                  {"thoughtSignature", "c2lnbmF0dXJl"}}})}}},
                                        {"finishReason", "STOP"}}})},
           {"usageMetadata", {{"candidatesTokenCount", 1306}}}});
    }
    case Script::kTextOnly:
      return FakeHttpResponse::json(
          {{"candidates",
            json::array({{{"content",
                           {{"role", "model"}, {"parts", json::array({{{"text", "I can't draw that."}}})}}},
                          {"finishReason", "STOP"}}})}});
    case Script::kBlockedPrompt:
      return FakeHttpResponse::json({{"promptFeedback", {{"blockReason", "SAFETY"}}}});
    case Script::kBlockedImage:
      return FakeHttpResponse::json({{"candidates", json::array({{{"finishReason", "IMAGE_SAFETY"}}})}});
    case Script::k400:
      return error(400, "INVALID_ARGUMENT", "Unsupported aspect ratio.");
    case Script::kInvalidKey: {
      // The shape public client reports of the Gemini API show for a bad key.
      FakeHttpResponse response =
          error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
      json body = json::parse(response.body);
      body["error"]["details"] = json::array({{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                                               {"reason", "API_KEY_INVALID"},
                                               {"domain", "googleapis.com"}}});
      response.body = body.dump();
      return response;
    }
    case Script::k429:
      return error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).");
    case Script::k500:
      return error(500, "INTERNAL", "An internal error has occurred.");
    case Script::k429RetryAfter: {
      FakeHttpResponse response =
          error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case Script::kHang: {
      FakeHttpResponse response;
      response.action = FakeHttpResponse::Action::kHang;
      return response;
    }
  }
  return FakeHttpResponse::text("unscripted", 500);
}

}  // namespace picbot::testing
