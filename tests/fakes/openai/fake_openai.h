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
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fakes/http/fake_http_server.h"

namespace picbot::testing {

class FakeOpenAi {
 public:
  enum class Script {
    kB64,            // data[0].b64_json: a PNG (GPT image models)
    kUrl,            // data[0].url: a link to this fake, which serves a PNG (DALL·E)
    k400,            // invalid_request_error
    kContentPolicy,  // 400 with code "content_policy_violation"
    k401,            // invalid_api_key
    k429,            // rate_limit_exceeded with Retry-After: 1
    k500,            // server_error
    kHang,           // never answers
  };

  struct FilePart {
    std::string field;  // "image[]"
    std::string filename;
    std::string content_type;
    std::string bytes;
  };

  struct Call {
    std::string key;              // the bearer token
    std::string path;             // "/v1/images/generations" or "/v1/images/edits"
    std::string content_type;     // as sent
    nlohmann::json body;          // generations: the JSON body; edits: the text fields as strings
    std::vector<FilePart> files;  // edits only
    Script script;
  };

  FakeOpenAi();
  FakeOpenAi(const FakeOpenAi&) = delete;
  FakeOpenAi& operator=(const FakeOpenAi&) = delete;

  // "http://127.0.0.1:<port>/v1", the versioned base an operator configures.
  std::string api_base() const;

  // The next answer for this key; after the queue empties, the default.
  void push(const std::string& key, Script script);
  void set_default(Script script);

  std::vector<Call> calls() const;
  std::size_t call_count() const;
  std::vector<std::string> served_images() const;  // image bytes answered, in order

 private:
  FakeHttpResponse answer(const FakeHttpRequest& request, bool edit);

  FakeHttpServer server_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<Script>> scripts_;
  Script default_ = Script::kB64;
  std::vector<Call> calls_;
  std::vector<std::string> served_;
  std::map<std::string, std::string> files_;  // path -> PNG served for kUrl
};

}  // namespace picbot::testing
