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

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fakes/http/scripted_image_fake.h"

namespace picbot::testing {

enum class FakeSeedreamScript {
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

struct FakeSeedreamCall {
  std::string key;   // the bearer token
  std::string path;  // "/api/v3/images/generations"
  nlohmann::json body;
  FakeSeedreamScript script;
};

class FakeSeedream : public ScriptedImageFake<FakeSeedreamScript, FakeSeedreamCall> {
 public:
  using Script = FakeSeedreamScript;
  using Call = FakeSeedreamCall;

  FakeSeedream();

  // "http://127.0.0.1:<port>/api/v3", the versioned base an operator configures.
  std::string api_base() const;

  // push, set_default, calls, call_count, served_images: see ScriptedImageFake.

 private:
  FakeHttpResponse answer(const FakeHttpRequest& request);
};

}  // namespace picbot::testing
