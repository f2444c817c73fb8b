// FakeOpenAi: OpenAI's Images API on loopback, for the "openai" provider.
// Shapes follow OpenAI's API reference as the openai-python SDK encodes it:
//   src/openai/types/image_generate_params.py (JSON body of
//   POST /v1/images/generations), image_edit_params.py (multipart body of
//   POST /v1/images/edits, several files as repeated "image[]"),
//   images_response.py ({"created","data":[{"b64_json"|"url",
//   "revised_prompt"}]}), and the error body {"error":{"message","type",
//   "param","code"}} with Retry-After on 429.
// Thread-safety: the accessors may be called from any thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fakes/http/scripted_image_fake.h"

namespace picbot::testing {

enum class FakeOpenAiScript {
  kB64,            // data[0].b64_json: a PNG (GPT image models)
  kUrl,            // data[0].url: a link to this fake, which serves a PNG (DALL·E)
  k400,            // invalid_request_error
  kContentPolicy,  // 400 with code "content_policy_violation"
  k401,            // invalid_api_key
  k429,            // rate_limit_exceeded with Retry-After: 1
  k500,            // server_error
  kHang,           // never answers
};

struct FakeOpenAiFilePart {
  std::string field;  // "image[]"
  std::string filename;
  std::string content_type;
  std::string bytes;
};

struct FakeOpenAiCall {
  std::string key;                        // the bearer token
  std::string path;                       // "/v1/images/generations" or "/v1/images/edits"
  std::string content_type;               // as sent
  nlohmann::json body;                    // generations: the JSON body; edits: the text fields as strings
  std::vector<FakeOpenAiFilePart> files;  // edits only
  FakeOpenAiScript script;
};

class FakeOpenAi : public ScriptedImageFake<FakeOpenAiScript, FakeOpenAiCall> {
 public:
  using Script = FakeOpenAiScript;
  using FilePart = FakeOpenAiFilePart;
  using Call = FakeOpenAiCall;

  FakeOpenAi();

  // "http://127.0.0.1:<port>/v1", the versioned base an operator configures.
  std::string api_base() const;

  // push, set_default, calls, call_count, served_images: see ScriptedImageFake.

 private:
  FakeHttpResponse answer(const FakeHttpRequest& request, bool edit);
};

}  // namespace picbot::testing
