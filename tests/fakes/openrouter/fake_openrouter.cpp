#include "tests/fakes/openrouter/fake_openrouter.h"

#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::testing {
namespace {

using nlohmann::json;
using Script = FakeOpenRouter::Script;

constexpr std::string_view kChatPath = "/api/v1/chat/completions";
constexpr std::string_view kFilesPath = "/files/";

json completion(json message, std::string_view finish_reason = "stop") {
  return {{"id", "gen-fake"},
          {"object", "chat.completion"},
          {"model", "google/gemini-2.5-flash-image"},
          {"choices",
           json::array({{{"index", 0}, {"finish_reason", finish_reason}, {"message", std::move(message)}}})}};
}

json message_with_image(const std::string& text, const std::string& data_url) {
  return {{"role", "assistant"},
          {"content", text},
          {"images", json::array({{{"type", "image_url"}, {"image_url", {{"url", data_url}}}}})}};
}

FakeHttpResponse error_response(int status, const std::string& message) {
  return FakeHttpResponse::json({{"error", {{"code", status}, {"message", message}}}}, status);
}

std::string bearer_key(const FakeHttpRequest& request) {
  const std::string authorization = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  return authorization.rfind(kBearer, 0) == 0 ? authorization.substr(kBearer.size()) : std::string();
}

}  // namespace

FakeOpenRouter::FakeOpenRouter() {
  server_.on("POST", std::string(kChatPath), [this](const FakeHttpRequest& r) { return answer(r); });
  server_.on("GET", std::string(kFilesPath), [this](const FakeHttpRequest& r) { return serve_file(r); });
}

std::string FakeOpenRouter::api_base() const { return server_.base_url() + "/api/v1"; }

void FakeOpenRouter::push(const std::string& key, Script script, Options options) {
  std::lock_guard lock(mutex_);
  queues_[key].push_back({script, std::move(options)});
}

void FakeOpenRouter::set_default(Script script, Options options) {
  std::lock_guard lock(mutex_);
  default_answer_ = {script, std::move(options)};
}

std::vector<FakeOpenRouter::Call> FakeOpenRouter::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::size_t FakeOpenRouter::call_count() const {
  std::lock_guard lock(mutex_);
  return calls_.size();
}

bool FakeOpenRouter::wait_for_calls(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return calls_changed_.wait_for(lock, timeout, [&] { return calls_.size() >= n; });
}

std::vector<std::string> FakeOpenRouter::keys_used() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> keys;
  for (const auto& call : calls_) keys.push_back(call.key);
  return keys;
}

std::vector<std::string> FakeOpenRouter::served_images() const {
  std::lock_guard lock(mutex_);
  return served_images_;
}

FakeHttpResponse FakeOpenRouter::answer(const FakeHttpRequest& request) {
  FakeHttpResponse response;
  {
    std::lock_guard lock(mutex_);
    const std::string key = bearer_key(request);
    Answer chosen = default_answer_;
    if (auto it = queues_.find(key); it != queues_.end() && !it->second.empty()) {
      chosen = std::move(it->second.front());
      it->second.pop_front();
    }
    json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) body = nullptr;
    calls_.push_back(
        Call{key, body, request.headers, request.target, chosen.script, std::chrono::steady_clock::now()});
    response = respond(chosen, body);
  }
  calls_changed_.notify_all();
  return response;
}

std::string FakeOpenRouter::next_png(const Options& options) {
  ++serial_;
  std::string png = make_png(options.same_image ? "fake image" : "fake image " + std::to_string(serial_),
                             options.image_size);
  served_images_.push_back(png);
  return png;
}

FakeHttpResponse FakeOpenRouter::respond(const Answer& answer, const json& body) {
  const Options& o = answer.options;
  FakeHttpResponse response;
  switch (answer.script) {
    case Script::kPng:
    case Script::kSlow:
      response = FakeHttpResponse::json(
          completion(message_with_image(o.text, make_data_url("image/png", next_png(o)))));
      if (answer.script == Script::kSlow && o.delay.count() == 0) {
        response.delay = std::chrono::milliseconds(200);
      }
      break;
    case Script::kJpeg:
    case Script::kWebp: {
      const bool jpeg = answer.script == Script::kJpeg;
      std::string image = jpeg ? make_jpeg() : make_webp();
      served_images_.push_back(image);
      response = FakeHttpResponse::json(
          completion(message_with_image(o.text, make_data_url(jpeg ? "image/jpeg" : "image/webp", image))));
      break;
    }
    case Script::kPngInContent: {
      const std::string content = o.text + "\n![image](" + make_data_url("image/png", next_png(o)) + ")";
      response = FakeHttpResponse::json(completion({{"role", "assistant"}, {"content", content}}));
      break;
    }
    case Script::k400:
      response = error_response(400, "Invalid request: image_config.aspect_ratio");
      break;
    case Script::k401:
      response = error_response(401, "No auth credentials found");
      break;
    case Script::k402:
      response = error_response(402, "Insufficient credits. Add more using https://openrouter.ai/credits");
      break;
    case Script::k403:
      response = error_response(403, "Key is disabled");
      break;
    case Script::k404NoEndpoints:
      response =
          error_response(404, "No endpoints found that support the requested output modalities: image, text");
      break;
    case Script::k404Model: {
      const std::string model = body.is_object() && body.value("model", json()).is_string()
                                    ? body["model"].get<std::string>()
                                    : std::string("?");
      response = error_response(404, "No endpoints found for " + model + ".");
      break;
    }
    case Script::k408:
      response = error_response(408, "Request timed out");
      break;
    case Script::k429:
      response = error_response(429, "Rate limit exceeded: free-models-per-min");
      response.headers.emplace_back("Retry-After", std::to_string(o.retry_after_seconds));
      break;
    case Script::k500:
      response = error_response(500, "Internal Server Error");
      break;
    case Script::k502:
      response = error_response(502, "Provider returned error");
      break;
    case Script::k503:
      response = error_response(503, "No instances available");
      break;
    case Script::kHang:
      response.action = FakeHttpResponse::Action::kHang;
      break;
    case Script::kReset:
      response.action = FakeHttpResponse::Action::kReset;
      break;
    case Script::kMalformedJson:
      response.body = R"({"id":"gen-fake","choices":[{"message":{"content":"hal)";
      response.headers.emplace_back("Content-Type", "application/json");
      break;
    case Script::kDeeplyNested: {
      // Valid JSON: only a depth limit tells it apart from an answer.
      constexpr std::size_t kDepth = 100'000;
      response.body = R"({"id":"gen-fake","choices":[{"message":{"role":"assistant","content":)" +
                      std::string(kDepth, '[') + std::string(kDepth, ']') + "}}]}";
      response.headers.emplace_back("Content-Type", "application/json");
      break;
    }
    case Script::kErrorIn200:
      response = FakeHttpResponse::json(
          {{"error", {{"code", 502}, {"message", "Upstream provider error mid-stream"}}}});
      break;
    case Script::kTextOnly:
      response = FakeHttpResponse::json(completion({{"role", "assistant"}, {"content", o.text}}));
      break;
    case Script::kContentFilter:
      response =
          FakeHttpResponse::json(completion({{"role", "assistant"}, {"content", nullptr}}, "content_filter"));
      break;
    case Script::kTruncatedBase64: {
      std::string url = make_data_url("image/png", make_png("truncated", o.image_size));
      url.resize(url.size() - 6);  // no longer a multiple of 4 characters
      response = FakeHttpResponse::json(completion(message_with_image(o.text, url)));
      break;
    }
    case Script::kInvalidBase64: {
      std::string url = make_data_url("image/png", make_png("invalid", o.image_size));
      url.replace(url.size() - 12, 4, "!*@#");
      response = FakeHttpResponse::json(completion(message_with_image(o.text, url)));
      break;
    }
    case Script::kDataUrl: {
      std::string url = o.data_url;
      if (url.empty()) {
        const std::string path = std::string(kFilesPath) + "image-" + std::to_string(++serial_) + ".png";
        files_[path] = make_png("fake file " + std::to_string(serial_), o.image_size);
        url = server_.base_url() + path;
      }
      response = FakeHttpResponse::json({{"created", 0}, {"data", json::array({{{"url", url}}})}});
      break;
    }
  }
  response.delay += o.delay;
  return response;
}

FakeHttpResponse FakeOpenRouter::serve_file(const FakeHttpRequest& request) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(request.path());
  if (it == files_.end()) return FakeHttpResponse::text("no such file", 404);
  served_images_.push_back(it->second);
  FakeHttpResponse response;
  response.body = it->second;
  response.headers.emplace_back("Content-Type", "image/png");
  return response;
}

}  // namespace picbot::testing
