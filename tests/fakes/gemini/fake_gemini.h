// FakeGemini: Google's Gemini API, POST /v1beta/models/{model}:generateContent,
// on loopback, for the "gemini" provider. Shapes follow python-genai's
// google/genai/types.py (GenerateContentResponse: candidates[].content.parts[]
// with text or inlineData{mimeType,data}, finishReason, promptFeedback
// .blockReason) and https://ai.google.dev/api (error body
// {"error":{"code","message","status"}}, 429 RESOURCE_EXHAUSTED; Retry-After
// as google-api-core's retry reads it).
// Thread-safety: the accessors may be called from any thread.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fakes/http/fake_http_server.h"

namespace picbot::testing {

class FakeGemini {
 public:
  enum class Script {
    kImage,          // a text part and an inlineData PNG part, finishReason STOP
    kTextOnly,       // one text part, finishReason STOP
    kBlockedPrompt,  // no candidates, promptFeedback.blockReason SAFETY
    kBlockedImage,   // finishReason IMAGE_SAFETY, no parts
    k400,            // INVALID_ARGUMENT
    kInvalidKey,     // 400 INVALID_ARGUMENT with an ErrorInfo detail, reason API_KEY_INVALID
    k429,            // RESOURCE_EXHAUSTED
    k500,            // INTERNAL
    k429RetryAfter,  // RESOURCE_EXHAUSTED with Retry-After: 1
    kHang,           // never answers (the client's timeout ends the request)
  };

  struct Call {
    std::string key;   // x-goog-api-key
    std::string path;  // "/v1beta/models/<model>:generateContent"
    nlohmann::json body;
    Script script;
    std::string reference;  // the first inline_data part, decoded ("" when none)
  };

  FakeGemini();
  FakeGemini(const FakeGemini&) = delete;
  FakeGemini& operator=(const FakeGemini&) = delete;

  std::string api_base() const;  // "http://127.0.0.1:<port>/v1beta"
  void push(Script script);      // the next answer; afterwards kImage
  // The next answer to a request whose first reference image contains
  // marker (e.g. the label of a make_png); such requests take these before
  // the shared queue. Lets concurrent callers script each image.
  void push_for(std::string marker, Script script);
  // Every answer waits this long first (without blocking other connections).
  void set_delay(std::chrono::milliseconds delay);
  // false: requests are not parsed (Call::body null, reference ""; push_for
  // never matches), so a benchmark's fake spends no time on 2 MB bodies.
  void set_parse_requests(bool parse);
  std::vector<Call> calls() const;
  std::size_t call_count() const;
  std::vector<std::string> served_images() const;

 private:
  FakeHttpResponse answer(const FakeHttpRequest& request);
  FakeHttpResponse scripted(const FakeHttpRequest& request);

  FakeHttpServer server_;
  mutable std::mutex mutex_;
  std::deque<Script> scripts_;
  std::vector<std::pair<std::string, std::deque<Script>>> by_marker_;
  std::chrono::milliseconds delay_{0};
  bool parse_requests_ = true;
  std::vector<Call> calls_;
  std::vector<std::string> served_;
};

}  // namespace picbot::testing
