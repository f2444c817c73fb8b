// FakeOpenRouter: a loopback stand-in for OpenRouter's chat completions API,
// scripted per API key (the Authorization bearer). Each key has a queue of
// scripted answers; when its queue is empty the default answer is used.
// Every call is recorded with the key, the parsed JSON body and the time.
//
// Thread-safety: all members are thread-safe; answers are produced on the
// server's own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fakes/http/fake_http_server.h"

namespace picbot::testing {

// How a scripted answer is given (see FakeOpenRouter::Script).
struct FakeOpenRouterOptions {
  std::chrono::milliseconds delay{0};  // added before any answer (kSlow: default 200 ms)
  int retry_after_seconds = 1;         // k429
  std::size_t image_size = 0;          // PNG answers are padded to at least this many bytes
  bool same_image = false;             // every PNG answer has the same bytes (a model repeating itself)
  std::string text = "Here is your picture.";  // the model's text (kTextOnly: the refusal)
  std::string data_url;                        // kDataUrl: the link to give instead of one to this fake
};

class FakeOpenRouter {
 public:
  enum class Script {
    kPng,  // images[] holds a PNG data URL, content holds options.text
    kJpeg,
    kWebp,
    kPngInContent,  // no images[]; content is options.text + "![image](data:image/png;base64,...)"
    k400,
    k401,
    k402,
    k403,
    k404NoEndpoints,  // "No endpoints found that support the requested output modalities"
    k404Model,        // "No endpoints found for <model>."
    k408,
    k429,  // with Retry-After: options.retry_after_seconds
    k500,
    k502,
    k503,
    kSlow,   // waits options.delay (default 200 ms), then kPng
    kHang,   // never answers
    kReset,  // resets the connection
    kMalformedJson,
    kErrorIn200,       // HTTP 200 whose body is {"error":{"code":502,...}}
    kTextOnly,         // content is options.text only (a refusal)
    kContentFilter,    // finish_reason "content_filter", no image
    kTruncatedBase64,  // images[] data URL cut in the middle of a base64 group
    kInvalidBase64,    // images[] data URL with characters outside the alphabet
    kDataUrl,          // data[].url pointing at this fake, which then serves a PNG
    kDeeplyNested,     // HTTP 200 whose message content nests 100,000 arrays deep
  };

  using Options = FakeOpenRouterOptions;

  struct Call {
    std::string key;                             // the bearer token, "" when none was sent
    nlohmann::json body;                         // null when the body was not JSON
    std::map<std::string, std::string> headers;  // lower-case names
    std::string target;
    Script script;  // what was answered
    std::chrono::steady_clock::time_point at;
  };

  FakeOpenRouter();
  FakeOpenRouter(const FakeOpenRouter&) = delete;
  FakeOpenRouter& operator=(const FakeOpenRouter&) = delete;

  // "http://127.0.0.1:<port>/api/v1": use as custom_api_base.
  std::string api_base() const;
  FakeHttpServer& server() { return server_; }

  // Queues an answer for requests with this key.
  void push(const std::string& key, Script script, Options options = {});
  // The answer for keys whose queue is empty (initially kPng).
  void set_default(Script script, Options options = {});

  std::vector<Call> calls() const;
  std::size_t call_count() const;
  // Blocks until at least n chat completion calls arrived. False on timeout.
  bool wait_for_calls(std::size_t n, std::chrono::milliseconds timeout) const;
  // The keys of all calls, in order.
  std::vector<std::string> keys_used() const;
  // Every image served (inline or through data[].url), in order, byte-exact.
  std::vector<std::string> served_images() const;

 private:
  struct Answer {
    Script script;
    Options options;
  };

  FakeHttpResponse answer(const FakeHttpRequest& request);
  FakeHttpResponse respond(const Answer& answer, const nlohmann::json& body);
  FakeHttpResponse serve_file(const FakeHttpRequest& request);
  std::string next_png(const Options& options);

  FakeHttpServer server_;
  mutable std::mutex mutex_;
  mutable std::condition_variable calls_changed_;
  std::map<std::string, std::deque<Answer>> queues_;  // guarded by mutex_
  Answer default_answer_{Script::kPng, {}};           // guarded by mutex_
  std::vector<Call> calls_;                           // guarded by mutex_
  std::vector<std::string> served_images_;            // guarded by mutex_
  std::map<std::string, std::string> files_;          // guarded by mutex_: path -> bytes for kDataUrl
  std::size_t serial_ = 0;                            // guarded by mutex_
};

}  // namespace picbot::testing
