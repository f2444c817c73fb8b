#include "tests/fakes/seedream/fake_seedream.h"

#include "bot/onebot/base64.h"
#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::testing {
namespace {

using nlohmann::json;

// Ark's error body (the images API reference's error section).
FakeHttpResponse error(int status, const std::string& code, const std::string& message,
                       const std::string& type) {
  return FakeHttpResponse::json(
      {{"error", {{"code", code}, {"message", message}, {"param", ""}, {"type", type}}}}, status);
}

}  // namespace

FakeSeedream::FakeSeedream() : ScriptedImageFake(Script::kUrl) {
  server_.on("POST", "/api/v3/images/generations",
             [this](const FakeHttpRequest& request) { return answer(request); });
}

std::string FakeSeedream::api_base() const { return server_.base_url() + "/api/v3"; }

FakeHttpResponse FakeSeedream::answer(const FakeHttpRequest& request) {
  Call call;
  const std::string authorization = request.header("authorization");
  call.key = authorization.rfind("Bearer ", 0) == 0 ? authorization.substr(7) : "";
  call.path = request.path();
  call.body = json::parse(request.body, nullptr, false);
  const std::string model = call.body.is_object() ? call.body.value("model", "") : "";
  const std::string size = call.body.is_object() ? call.body.value("size", "2048x2048") : "2048x2048";
  const Script script = take_script(std::move(call));
  const json usage = {{"generated_images", 1}, {"output_tokens", 16384}, {"total_tokens", 16384}};
  switch (script) {
    case Script::kUrl: {
      const std::string url = answer_png_file("seedream-url", "seedream");
      return FakeHttpResponse::json({{"model", model},
                                     {"created", 1757321139},
                                     {"data", json::array({{{"url", url}, {"size", size}}})},
                                     {"usage", usage}});
    }
    case Script::kB64: {
      const std::string png = answer_png("seedream-b64");
      return FakeHttpResponse::json(
          {{"model", model},
           {"created", 1757321139},
           {"data", json::array({{{"b64_json", onebot::base64_encode(png)}, {"size", size}}})},
           {"usage", usage}});
    }
    case Script::kInvalidParameter:
      return error(400, "InvalidParameter",
                   "The parameter `size` specified in the request is not valid: image size must be at least "
                   "3686400 pixels.",
                   "BadRequest");
    case Script::kSensitiveInput:
      return error(400, "InputTextSensitiveContentDetected",
                   "The request failed because the input text may contain sensitive information.",
                   "BadRequest");
    case Script::kSensitiveOutput:
      return error(400, "OutputImageSensitiveContentDetected",
                   "The request failed because the output image may contain sensitive information.",
                   "BadRequest");
    case Script::kFilteredInData:
      return FakeHttpResponse::json(
          {{"model", model},
           {"created", 1757321139},
           {"data", json::array({{{"error",
                                   {{"code", "OutputImageSensitiveContentDetected"},
                                    {"message", "The output image may contain sensitive information."}}}}})},
           {"usage", {{"generated_images", 0}, {"output_tokens", 0}, {"total_tokens", 0}}}});
    case Script::kInvalidKey:
      return error(401, "AuthenticationError", "The API key or AK/SK in the request is missing or invalid.",
                   "Unauthorized");
    case Script::kRateLimited: {
      FakeHttpResponse response =
          error(429, "RateLimitExceeded.EndpointRPMExceeded",
                "The request has exceeded the RPM rate limit of the endpoint.", "TooManyRequests");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case Script::kQuotaExceeded:
      return error(429, "QuotaExceeded", "Your account has exhausted its free trial quota for the model.",
                   "TooManyRequests");
    case Script::k500:
      return error(500, "InternalServiceError", "The service encountered an unexpected internal error.",
                   "InternalServerError");
  }
  return FakeHttpResponse::text("unscripted", 500);
}

}  // namespace picbot::testing
