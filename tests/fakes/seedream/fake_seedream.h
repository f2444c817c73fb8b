// FakeSeedream: Volcengine Ark's image generation API on loopback, for the
// "seedream" provider. Shapes follow https://www.volcengine.com/docs/82379/1541523
// (BytePlus: https://docs.byteplus.com/en/docs/ModelArk/1541523) and
// volcengine-python-sdk volcenginesdkarkruntime/resources/images/images.py and
// types/images/*.py: POST /api/v3/images/generations with a JSON body
// {model, prompt, image, size, response_format, watermark, ...}, the answer
// {"model","created","data":[{"url"|"b64_json","size"}],"usage"}, and errors
// as {"error":{"code","message","param","type"}} (InvalidParameter,
// Input/Output*SensitiveContentDetected on 400, AuthenticationError 401,
// RateLimitExceeded / QuotaExceeded 429, InternalServiceError 500).
// Thread-safety: the accessors may be called from any thread.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fakes/http/fake_http_server.h"

namespace picbot::testing {

class FakeSeedream {
 public:
  enum class Script {
    kUrl,               // data[0].url: a 24 h link to this fake, which serves a PNG (the default)
    kB64,               // data[0].b64_json: a PNG (response_format b64_json)
    kInvalidParameter,  // 400 InvalidParameter (e.g. a size below the floor)
    kSensitiveInput,    // 400 InputTextSensitiveContentDetected
    kSensitiveOutput,   // 400 OutputImageSensitiveContentDetected
    kFilteredInData,    // 200 whose data[0] carries error OutputImageSensitiveContentDetected
    kInvalidKey,        // 401 AuthenticationError
    kRateLimited,       // 429 RateLimitExceeded.EndpointRPMExceeded with Retry-After: 1
    kQuotaExceeded,     // 429 QuotaExceeded
    k500,               // 500 InternalServiceError
  };

  struct Call {
    std::string key;   // the bearer token
    std::string path;  // "/api/v3/images/generations"
    nlohmann::json body;
    Script script;
  };

  FakeSeedream();
  FakeSeedream(const FakeSeedream&) = delete;
  FakeSeedream& operator=(const FakeSeedream&) = delete;

  // "http://127.0.0.1:<port>/api/v3", the versioned base an operator configures.
  std::string api_base() const;

  // The next answer for this key; after the queue empties, the default.
  void push(const std::string& key, Script script);
  void set_default(Script script);

  std::vector<Call> calls() const;
  std::size_t call_count() const;
  std::vector<std::string> served_images() const;  // image bytes answered, in order

 private:
  FakeHttpResponse answer(const FakeHttpRequest& request);

  FakeHttpServer server_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<Script>> scripts_;
  Script default_ = Script::kUrl;
  std::vector<Call> calls_;
  std::vector<std::string> served_;
  std::map<std::string, std::string> files_;  // path -> image served for kUrl
};

}  // namespace picbot::testing
